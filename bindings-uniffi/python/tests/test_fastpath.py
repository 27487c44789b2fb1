"""The sans-IO calls Python routes through the native library's flat
variants (authflow/_fastpath.py) answer exactly what the record forms
answer, for every golden vector that parses a token response or validates
a callback, and for what the flat form cannot carry; and a client given no
environment reads the clock and entropy inside the library, while one
given its own environment is still called."""

from __future__ import annotations

import time
import typing

import pytest

import authflowkit as af
from authflowkit import _fastpath
from vectors import CoreRefused, build_client, error_json, load_cases, options_of, response_from, token_set_json

GRANTS = {g.name.lower(): g for g in af.sansio.GrantType}


def compared(case: dict) -> bool:
    """Whether the case makes a call both forms answer: its client is one
    the core builds, and a stored pending authorization is one it reads
    (the other cases stop before any parse or callback)."""
    try:
        build_client(case)
        pending = case.get("input", {}).get("pending")
        if isinstance(pending, str):
            af.sansio.PendingAuthorization.from_storage_string(pending)
    except (CoreRefused, af.AuthflowError):
        return False
    return True


ALL_CASES = [(name, case) for name, case in load_cases()
             if case.get("operation") in ("parse_token_response", "validate_callback")]
CASES = [(name, case) for name, case in ALL_CASES if compared(case)]


def outcome(run: typing.Callable[[], typing.Any]) -> typing.Any:
    try:
        return ("ok", run())
    except af.AuthflowError as error:
        return ("error", type(error).__name__, error_json(error))


def test_the_routes_are_installed() -> None:
    assert af.sansio.Client.parse_token_response is _fastpath._parse_token_response
    assert af.sansio.PendingAuthorization.validate is _fastpath._validate
    # Help and IDEs still show the native documentation.
    assert af.sansio.Client.parse_token_response.__doc__ == _fastpath._record_parse_token_response.__doc__


def test_there_are_cases_for_both_routes() -> None:
    ops = {case["operation"] for _, case in CASES}
    assert ops == {"parse_token_response", "validate_callback"}, ops
    assert len(CASES) >= 40, len(CASES)
    # Two cases stop before any call: the rest are all compared.
    assert len(ALL_CASES) - len(CASES) == 2, [n for n, c in ALL_CASES if not compared(c)]


@pytest.mark.parametrize("case", [c for _, c in CASES], ids=[n for n, _ in CASES])
def test_flat_and_record_forms_agree_on_every_vector(case: dict) -> None:
    client = build_client(case)
    inp, now = case.get("input", {}), case.get("now", 0)
    if case["operation"] == "parse_token_response":
        response = response_from(inp["response"])
        grant = GRANTS[inp["grant"]]
        flat = outcome(lambda: token_set_json(client.parse_token_response(grant, now, response)))
        record = outcome(lambda: token_set_json(
            _fastpath._record_parse_token_response(client, grant, now, response)))
    else:
        if isinstance(inp.get("pending"), str):
            pending = af.sansio.PendingAuthorization.from_storage_string(inp["pending"])
        else:
            pending = client.authorization_request(inp.get("authorized_at", now),
                                                   bytes.fromhex(case.get("entropy", "")), options_of(inp)).pending
        callback = inp.get("callback", "")

        def code(v: af.sansio.ValidatedCallback) -> typing.Any:
            return [v.code(), v.state(), v.code_verifier(), [(p.name, p.value) for p in v.params()]]

        flat = outcome(lambda: code(pending.validate(callback, now)))
        record = outcome(lambda: code(_fastpath._record_validate(pending, callback, now)))
    assert flat == record


def token_response(headers: typing.List[typing.Tuple[str, str]], status: int = 200) -> af.sansio.HttpResponse:
    body = (b'{"access_token":"at-1","token_type":"Bearer","expires_in":60}' if status == 200 else
            b'{"error":"invalid_grant","error_description":"expired"}')
    return af.sansio.HttpResponse(status=status, headers=[af.sansio.HttpHeader(name=n, value=v) for n, v in headers],
                                  body=body)


def client() -> af.sansio.Client:
    return af.sansio.Client(af.Profile.generic("https://as.example/token", "https://as.example/authorize"), "c",
                            redirect_uri="https://app.example/cb")


def test_headers_reach_the_core_in_the_flat_form() -> None:
    # Retry-After and the request id come from the headers: the error says so.
    headers = [("Retry-After", "30"), ("X-Request-Id", "req-42"), ("Content-Type", "application/json")]
    answers = []
    for parse in (client().parse_token_response, lambda g, n, r: _fastpath._record_parse_token_response(
            client(), g, n, r)):
        with pytest.raises(af.OAuthError) as raised:
            parse(af.sansio.GrantType.REFRESH_TOKEN, 1_700_000_000, token_response(headers, status=400))
        answers.append(error_json(raised.value))
    assert answers[0] == answers[1]
    assert answers[0]["provider_code"] == "invalid_grant"


def test_what_the_flat_form_cannot_carry_goes_through_the_record_form() -> None:
    # A NUL in a header, and no headers at all: the same answers.
    for headers in ([("X-Odd", "a\0b")], []):
        tokens = client().parse_token_response(af.sansio.GrantType.AUTHORIZATION_CODE, 1_700_000_000,
                                               token_response(headers))
        assert tokens.access_token() == "at-1"
        assert tokens.expires_at() == 1_700_000_060


def raised(run: typing.Callable[[], typing.Any]) -> typing.Optional[type]:
    try:
        run()
    except Exception as error:  # noqa: BLE001 - the type is what is compared
        return type(error)
    return None


def test_wrong_argument_types_fail_as_they_did() -> None:
    record, grant = _fastpath._record_parse_token_response, af.sansio.GrantType.AUTHORIZATION_CODE
    bodyless = token_response([])
    bodyless.body = bytearray(bodyless.body)  # type: ignore[assignment]
    for args in (("authorization_code", 1, token_response([])), (grant, 1, b"{}"), (grant, 1, bodyless),
                 (grant, -1, token_response([]))):
        expected = raised(lambda: record(client(), *args))
        assert expected is not None, args
        assert raised(lambda: client().parse_token_response(*args)) is expected, args
    pending = client().authorization_request(1_700_000_000, bytes(48)).pending
    for redirect in (b"https://app.example/cb?code=x", None):
        expected = raised(lambda: _fastpath._record_validate(pending, redirect, 1_700_000_000))
        assert expected is not None
        assert raised(lambda: pending.validate(redirect, 1_700_000_000)) is expected  # type: ignore[arg-type]


class _NoTransport(af.sansio.HttpTransport):
    def send(self, request: af.sansio.HttpRequest) -> af.sansio.HttpResponse:
        raise AssertionError("no request expected")

    async def send_async(self, request: af.sansio.HttpRequest) -> af.sansio.HttpResponse:
        raise AssertionError("no request expected")


def test_without_an_environment_the_library_reads_the_clock_and_entropy() -> None:
    oauth = af.OAuthClient(client(), _NoTransport())
    first, second = oauth.authorization_url(), oauth.authorization_url()
    assert first.url != second.url  # fresh state and PKCE each time
    pending = af.sansio.PendingAuthorization.from_storage_string(first.pending)
    assert abs(pending.created_at() - time.time()) <= 5


def test_an_environment_of_ones_own_is_called() -> None:
    calls: typing.List[str] = []

    class Fixed(af.sansio.SystemEnvironment):
        def now(self) -> int:
            calls.append("now")
            return 1_700_000_000

        def random_bytes(self, len: int) -> bytes:  # noqa: A002
            calls.append("random_bytes")
            return bytes(len)

    start = af.OAuthClient(client(), _NoTransport(), Fixed()).authorization_url()
    assert af.sansio.PendingAuthorization.from_storage_string(start.pending).created_at() == 1_700_000_000
    assert calls == ["random_bytes", "now"]
