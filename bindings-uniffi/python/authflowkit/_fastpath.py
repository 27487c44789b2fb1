"""Routes the sans-IO calls an application makes per request through the
native library's flat variants, which take bytes instead of strings and
records: UniFFI's generated Python lowers a string or a record into a
buffer it allocates (and grows) with one call into Rust each, which costs
more than the parse itself (BENCHMARKS.md, Python). The same checks run in
Rust, once; a value the flat form cannot carry (a header holding a NUL, an
argument of the wrong type) goes through the record form as before, so
every error stays what it was.
"""

from __future__ import annotations

import functools
import typing

from ._native import (
    Client,
    GrantType,
    HttpResponse,
    PendingAuthorization,
    TokenSet,
    ValidatedCallback,
    grant_type_name,
)

_record_parse_token_response = Client.parse_token_response
_record_validate = PendingAuthorization.validate

# `grant_type` names, the core's own, as its GrantType::parse reads them.
_GRANT_NAMES: typing.Dict[GrantType, bytes] = {grant: grant_type_name(grant).encode("ascii") for grant in GrantType}


def _flat_headers(response: HttpResponse) -> typing.Optional[bytes]:
    """``name\\0value\\0`` per header, or None where that form cannot carry them."""
    fields: typing.List[str] = []
    for header in response.headers:
        name, value = header.name, header.value
        if type(name) is not str or type(value) is not str or "\0" in name or "\0" in value:
            return None
        fields.append(name)
        fields.append(value)
    if not fields:
        return b""
    fields.append("")
    return "\0".join(fields).encode("utf-8")


@functools.wraps(_record_parse_token_response)
def _parse_token_response(self: Client, grant: GrantType, now: int, response: HttpResponse) -> TokenSet:
    name = _GRANT_NAMES.get(grant) if isinstance(grant, GrantType) else None
    headers = _flat_headers(response) if type(response) is HttpResponse else None
    if name is None or headers is None or type(response.body) is not bytes:
        return _record_parse_token_response(self, grant, now, response)
    return self.parse_token_response_flat(name, now, response.status, headers, response.body)


@functools.wraps(_record_validate)
def _validate(self: PendingAuthorization, redirect: str, now: int) -> ValidatedCallback:
    if type(redirect) is not str:
        return _record_validate(self, redirect, now)
    return self.validate_utf8(redirect.encode("utf-8"), now)


Client.parse_token_response = _parse_token_response  # type: ignore[method-assign]
PendingAuthorization.validate = _validate  # type: ignore[method-assign]
