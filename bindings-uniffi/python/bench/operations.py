"""The operations the Python benchmarks time, once per library, with equal
inputs (the constants of benches/benches/peer.rs, the Rust rows).

Each row is one thing a client application does; for each library it is
the call a user of that library makes for it, with its input prepared the
way that library takes it (outside the timer, for every library alike):

* build an authorization URL (state + PKCE S256): fresh state and PKCE
  verifier from the OS every time, for every library.
  authflow: ``Client.authorization_request(now, os.urandom(48))`` (the
  sans-IO call; the peers also only build the URL).
  oauthlib: ``WebApplicationClient.create_code_verifier(43)`` and
  ``create_code_challenge(verifier, "S256")``, then ``prepare_request_uri``
  with ``generate_token(22)`` as state.
  Authlib: ``OAuth2Client.create_authorization_url(url, state=generate_token(22),
  code_verifier=generate_token(43))`` with ``code_challenge_method="S256"``.
  (authflow's state is 16 random bytes, 22 characters, and its verifier 32
  bytes, 43 characters: the peers get the same lengths, not their longer
  defaults.)
* validate a callback: the redirect URL against what was kept from the
  authorization request.
  authflow: ``PendingAuthorization.validate(url, now)`` (state, issuer, age,
  provider error, code).
  oauthlib: ``WebApplicationClient.parse_request_uri_response(url, state=...)``.
  Authlib: ``authlib.oauth2.rfc6749.parameters.parse_authorization_code_response(url, state)``,
  the function ``OAuth2Client.fetch_token`` runs on ``authorization_response``
  before it sends anything (Authlib has no public client method that only
  validates).
* parse a token response / parse an error response: a 200 (a 400) from the
  token endpoint to a typed result (an exception for the error).
  authflow: ``Client.parse_token_response(grant, now, HttpResponse)``.
  oauthlib: ``WebApplicationClient.parse_request_body_response(body, scope=...)``
  (raises its ``OAuth2Error`` subclass, here ``InvalidGrantError``).
  Authlib: ``OAuth2Client.parse_response_token(response)``, which is what
  ``fetch_token`` / ``refresh_token`` call on the token endpoint's answer
  (``_load_token_response`` -> ``response.json()``, the ``error`` check that
  raises ``OAuth2Error``, then ``self.token = OAuth2Token(...)`` with
  ``expires_at``). Its response is a stand-in for ``requests.Response``
  with ``status_code`` and ``json()`` = ``json.loads(content)``, built once.
* session hot path: a valid token to an ``Authorization: Bearer`` header.
  authflow: ``ClientSession.access_token()`` (system clock through the
  environment, single-flight check, the token) and the header string.
  oauthlib: ``WebApplicationClient.add_token(url, headers={})`` (expiry
  check with ``time.time()``, the header).
  Authlib: what ``OAuth2Auth.__call__`` does for every request of an
  ``OAuth2Session`` (authlib/integrations/requests_client):
  ``client.ensure_active_token(token)`` then ``token_auth.prepare(url, {}, None)``.

The FFI crossing is part of every authflow row: that is what a Python
caller pays. ``parse_token_response`` and ``validate`` are the documented
calls; the package routes them through the native flat variants
(``authflow/_fastpath.py``: bytes instead of a record and a string), and
``OAuthClient`` without an environment reads the clock inside the library. ``VARIANTS`` are other authflow calls for the same rows
(reported beside the rows, not as the row), and ``FFI_FLOOR`` is the
cheapest exported call, the floor under every row.
"""

from __future__ import annotations

import collections
import json
import os
import time
import typing

import authflowkit as af
from authlib.common.security import generate_token as authlib_token
from authlib.oauth2.base import OAuth2Error as AuthlibOAuth2Error
from authlib.oauth2.client import OAuth2Client
from authlib.oauth2.rfc6749.parameters import parse_authorization_code_response
from oauthlib.common import generate_token as oauthlib_token
from oauthlib.oauth2 import InvalidGrantError, WebApplicationClient

AUTHORIZE = "https://as.example/oauth/authorize"
TOKEN = "https://as.example/oauth/token"
REDIRECT = "https://app.example/callback"
API = "https://api.example/v4/sites"
CLIENT_ID = "bench-client"
CLIENT_SECRET = "bench-secret"
SCOPES = ["read", "write"]
CODE = "SplxlOBeZQQYbYS6WxSbIA"
TOKEN_BODY = (b'{"access_token":"2YotnFZFEjr1zCsicMWpAA","token_type":"Bearer","expires_in":3600,'
              b'"refresh_token":"tGzv3JOkF0XG5Qx2TlKWIA","scope":"read write"}')
ERROR_BODY = (b'{"error":"invalid_grant","error_description":"The refresh token has expired",'
              b'"error_uri":"https://as.example/errors/invalid_grant"}')
HEADERS = [("Content-Type", "application/json"), ("Cache-Control", "no-store")]
STATE_LEN = 22  # authflow's state: 16 bytes, base64url
VERIFIER_LEN = 43  # authflow's PKCE verifier: 32 bytes, base64url

LIBRARIES = ("authflow", "oauthlib", "Authlib")

Op = typing.Callable[[], typing.Any]


class Row(typing.NamedTuple):
    key: str
    operation: str
    ops: typing.Dict[str, typing.Optional[Op]]  # library -> operation, None: the library has none


class _TokenEndpointAnswer:
    """What Authlib's client reads from a ``requests.Response``: ``status_code``
    and ``json()``."""

    def __init__(self, status: int, body: bytes) -> None:
        self.status_code = status
        self.content = body

    def json(self) -> typing.Any:
        return json.loads(self.content)

    def raise_for_status(self) -> None:
        if self.status_code >= 400:
            raise RuntimeError(f"HTTP {self.status_code}")


def now() -> int:
    return int(time.time())


def authflow_client() -> af.sansio.Client:
    profile = af.Profile.generic(TOKEN, AUTHORIZE)
    return af.sansio.Client(profile, CLIENT_ID, client_secret=CLIENT_SECRET, redirect_uri=REDIRECT, scopes=SCOPES)


def response(status: int, body: bytes) -> af.sansio.HttpResponse:
    return af.sansio.HttpResponse(status=status, headers=[af.sansio.HttpHeader(name=n, value=v) for n, v in HEADERS], body=body)


class _FixedTransport(af.sansio.HttpTransport):
    """Never called in the hot path (the token is valid); there so that the
    session can be made."""

    def send(self, request: af.sansio.HttpRequest) -> af.sansio.HttpResponse:
        raise AssertionError("the hot path sent a request")

    async def send_async(self, request: af.sansio.HttpRequest) -> af.sansio.HttpResponse:
        raise AssertionError("the hot path sent a request")


def build() -> typing.Tuple[typing.List[Row], typing.Dict[str, Op], typing.Dict[str, Op]]:
    """The rows (with every library's operation), the authflow variants and
    the FFI floor, each a zero-argument callable."""
    client = authflow_client()
    oauthlib_client = WebApplicationClient(CLIENT_ID)
    authlib_client = OAuth2Client(None, client_id=CLIENT_ID, client_secret=CLIENT_SECRET,
                                  redirect_uri=REDIRECT, scope=" ".join(SCOPES), code_challenge_method="S256")

    # --- build an authorization URL (state + PKCE)
    def authflow_url() -> typing.Any:
        return client.authorization_request(now(), os.urandom(48))

    def oauthlib_url() -> typing.Any:
        verifier = oauthlib_client.create_code_verifier(VERIFIER_LEN)
        challenge = oauthlib_client.create_code_challenge(verifier, "S256")
        state = oauthlib_token(STATE_LEN)
        url = oauthlib_client.prepare_request_uri(AUTHORIZE, redirect_uri=REDIRECT, scope=SCOPES, state=state,
                                                  code_challenge=challenge, code_challenge_method="S256")
        return url, state, verifier

    def authlib_url() -> typing.Any:
        verifier = authlib_token(VERIFIER_LEN)
        url, state = authlib_client.create_authorization_url(AUTHORIZE, state=authlib_token(STATE_LEN),
                                                             code_verifier=verifier)
        return url, state, verifier

    # --- validate a callback
    start = client.authorization_request(now(), os.urandom(48))
    pending = start.pending
    state = pending.state()
    pending_string = pending.to_storage_string()
    callback = f"{REDIRECT}?code={CODE}&state={state}"

    def authflow_callback() -> typing.Any:
        return pending.validate(callback, now())

    def oauthlib_callback() -> typing.Any:
        return oauthlib_client.parse_request_uri_response(callback, state=state)

    def authlib_callback() -> typing.Any:
        return parse_authorization_code_response(callback, state=state)

    # --- parse a token response
    token_response = response(200, TOKEN_BODY)
    token_text = TOKEN_BODY.decode()
    token_answer = _TokenEndpointAnswer(200, TOKEN_BODY)

    def authflow_token() -> typing.Any:
        return client.parse_token_response(af.sansio.GrantType.AUTHORIZATION_CODE, now(), token_response)

    def oauthlib_token_response() -> typing.Any:
        return oauthlib_client.parse_request_body_response(token_text, scope=SCOPES)

    def authlib_token_response() -> typing.Any:
        return authlib_client.parse_response_token(token_answer)

    # --- parse an error response
    error_response = response(400, ERROR_BODY)
    error_text = ERROR_BODY.decode()
    error_answer = _TokenEndpointAnswer(400, ERROR_BODY)
    error_client = WebApplicationClient(CLIENT_ID)
    authlib_error_client = OAuth2Client(None, client_id=CLIENT_ID, client_secret=CLIENT_SECRET)

    def authflow_error() -> typing.Any:
        try:
            client.parse_token_response(af.sansio.GrantType.REFRESH_TOKEN, now(), error_response)
        except af.OAuthError as error:
            return error
        raise AssertionError("no error")

    def oauthlib_error() -> typing.Any:
        try:
            error_client.parse_request_body_response(error_text)
        except InvalidGrantError as error:
            return error
        raise AssertionError("no error")

    def authlib_error() -> typing.Any:
        try:
            authlib_error_client.parse_response_token(error_answer)
        except AuthlibOAuth2Error as error:
            return error
        raise AssertionError("no error")

    # --- session hot path: valid token -> bearer header
    tokens = client.parse_token_response(af.sansio.GrantType.AUTHORIZATION_CODE, now(), token_response)
    connection = af.OAuthClient(client, _FixedTransport()).session(tokens)
    sans_io_session = af.sansio.Session(client, tokens)
    hot_oauthlib = WebApplicationClient(CLIENT_ID)
    hot_oauthlib.parse_request_body_response(token_text, scope=SCOPES)
    hot_authlib = OAuth2Client(None, client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    hot_authlib.parse_response_token(token_answer)

    def authflow_hot() -> typing.Any:
        return {"Authorization": f"Bearer {connection.access_token()}"}

    def oauthlib_hot() -> typing.Any:
        return hot_oauthlib.add_token(API, headers={})[1]

    def authlib_hot() -> typing.Any:
        hot_authlib.ensure_active_token(hot_authlib.token)
        return hot_authlib.token_auth.prepare(API, {}, None)

    # --- other authflow calls for the same rows
    oauth_client = af.OAuthClient(client, _FixedTransport())

    def variant_oauth_client_url() -> typing.Any:
        return oauth_client.authorization_url()

    def variant_callback_from_storage() -> typing.Any:
        return af.sansio.PendingAuthorization.from_storage_string(pending_string).validate(callback, now())

    def variant_sans_io_hot() -> typing.Any:
        action = sans_io_session.poll_action(now())
        return {"Authorization": f"Bearer {action.token.secret()}"}

    rows = [
        Row("authorization_url", "build an authorization URL (state + PKCE)",
            {"authflow": authflow_url, "oauthlib": oauthlib_url, "Authlib": authlib_url}),
        Row("callback", "validate a callback",
            {"authflow": authflow_callback, "oauthlib": oauthlib_callback, "Authlib": authlib_callback}),
        Row("token_response", "parse a token response",
            {"authflow": authflow_token, "oauthlib": oauthlib_token_response, "Authlib": authlib_token_response}),
        Row("error_response", "parse an error response",
            {"authflow": authflow_error, "oauthlib": oauthlib_error, "Authlib": authlib_error}),
        Row("session_hot_path", "session hot path: valid token to bearer header",
            {"authflow": authflow_hot, "oauthlib": oauthlib_hot, "Authlib": authlib_hot}),
    ]
    variants = {
        "authorization_url: OAuthClient.authorization_url() (clock and entropy through the environment, pending as its storage string)":
            variant_oauth_client_url,
        "callback: PendingAuthorization.from_storage_string(s).validate(url, now)": variant_callback_from_storage,
        "session_hot_path: sans-IO Session.poll_action(now) -> AccessToken.secret()": variant_sans_io_hot,
    }
    floor = {"Client.has_client_secret() (2 crossings: handle clone, call)": client.has_client_secret}
    return rows, variants, floor


def check_equivalent(rows: typing.List[Row]) -> None:
    """Every library's operation does the same job on the same input: checked
    once before timing (correctness, not timing)."""
    by_key = {row.key: row.ops for row in rows}

    def url_of(result: typing.Any) -> str:
        return result.url if hasattr(result, "url") else result[0]

    for library, op in by_key["authorization_url"].items():
        if op is None:
            continue
        url = url_of(op())
        for part in ("response_type=code", f"client_id={CLIENT_ID}", "redirect_uri=https%3A%2F%2Fapp.example%2Fcallback",
                     "scope=read+write", "state=", "code_challenge=", "code_challenge_method=S256"):
            assert part in url, f"{library}: {part} not in {url}"
        assert url_of(op()) != url, f"{library}: the same state twice"

    expected_code = {"authflow": lambda r: r.code(), "oauthlib": lambda r: r["code"], "Authlib": lambda r: r["code"]}
    for library, op in by_key["callback"].items():
        if op is not None:
            assert expected_code[library](op()) == CODE, library

    access = {"authflow": lambda r: r.access_token(), "oauthlib": lambda r: r["access_token"],
              "Authlib": lambda r: r["access_token"]}
    for library, op in by_key["token_response"].items():
        if op is not None:
            result = op()
            assert access[library](result) == "2YotnFZFEjr1zCsicMWpAA", library

    code_of = {"authflow": lambda e: e.provider_code, "oauthlib": lambda e: e.error, "Authlib": lambda e: e.error}
    for library, op in by_key["error_response"].items():
        if op is not None:
            assert code_of[library](op()) == "invalid_grant", library

    for library, op in by_key["session_hot_path"].items():
        if op is not None:
            headers = op()
            headers = headers[1] if isinstance(headers, tuple) else headers
            assert headers["Authorization"] == "Bearer 2YotnFZFEjr1zCsicMWpAA", (library, headers)


def count_crossings(op: Op) -> typing.Dict[str, int]:
    """The FFI calls one run of ``op`` makes (UniFFI's generated module routes
    every one through ``_uniffi_rust_call_with_error``), objects freed included."""
    import gc

    from authflowkit._native import authflow as native

    counts: typing.Counter[str] = collections.Counter()
    original = native._uniffi_rust_call_with_error

    def counting(converter: typing.Any, fn: typing.Any, *args: typing.Any) -> typing.Any:
        counts[getattr(fn, "__name__", repr(fn))] += 1
        return original(converter, fn, *args)

    native._uniffi_rust_call_with_error = counting
    try:
        result = op()
        del result
        gc.collect()
    finally:
        native._uniffi_rust_call_with_error = original
    return dict(counts)
