"""Errors users act on, and errors that must not show a secret: a timeout
is its own kind (the urllib transport against a server that never
answers), a user's refusal is its own action, and every error path of the
binding keeps the secrets a request carried out of ``repr`` and ``str``,
whatever a server or a transport puts in its words."""

from __future__ import annotations

import concurrent.futures
import copy
import http.server
import json
import pickle
import socket
import threading
import typing

import pytest

import authflowkit as af

CLIENT_SECRET = "cs-SECRET-0001"
ACCESS = "at-SECRET-0002"
REFRESH = "rt-SECRET-0003"
CODE = "code-SECRET-0004"
PASSWORD = "pw-SECRET-0005"
REDIRECT = "http://127.0.0.1:8400/callback"
#: Long enough for a loaded machine to connect, short for a test.
SHORT_TIMEOUT = 0.5


class SilentServer:
    """A server on 127.0.0.1 that accepts connections and never answers."""

    def __enter__(self) -> str:
        self._socket = socket.socket()
        self._socket.bind(("127.0.0.1", 0))
        self._socket.listen(8)
        return f"http://127.0.0.1:{self._socket.getsockname()[1]}/token"

    def __exit__(self, *exc: object) -> None:
        self._socket.close()


def kind(error: af.AuthflowError) -> str:
    return error.kind


def action(error: af.AuthflowError) -> str:
    return error.action


def tokens() -> af.TokenSet:
    return af.TokenSet.from_json(json.dumps({
        "v": 1, "access_token": ACCESS, "token_type": "Bearer", "refresh_token": REFRESH,
        "issued_at": 1, "expires_at": 2,
    }))


# ------------------------------------------------------------- timeouts (item 18)

def test_the_urllib_transport_reports_a_server_that_never_answers_as_a_timeout() -> None:
    with SilentServer() as url:
        transport = af.UrllibTransport(timeout=SHORT_TIMEOUT)
        # The server never answers: returning at all is the transport giving
        # up (no bound on how long it took: timed assertions fail on a
        # loaded machine); the kind says it was the timeout.
        with pytest.raises(af.TransportError) as caught:
            transport.send(af.sansio.HttpRequest(method=af.sansio.Method.POST, url=url, headers=[], body=b"x=1"))
        assert (kind(caught.value), action(caught.value)) == ("timeout", "retry")

        # Through a flow and through a session: the same kind, and the
        # session keeps its refresh token and backs off.
        client = af.connect(af.Profile.generic(url), "client-1", client_secret=CLIENT_SECRET,
                            transport=transport)
        with pytest.raises(af.TransportError) as caught:
            client.client_credentials()
        assert kind(caught.value) == "timeout"
        session = client.session(tokens())
        with pytest.raises(af.TransportError) as caught:
            session.access_token()
        assert (kind(caught.value), action(caught.value), caught.value.retry_after) == ("timeout", "retry", 1)
        assert session.token_set().refresh_token() == REFRESH


def test_a_refused_connection_is_not_a_timeout() -> None:
    with SilentServer() as url:
        pass  # closed: nothing listens there any more
    with pytest.raises(af.TransportError) as caught:
        af.UrllibTransport(timeout=5).send(af.sansio.HttpRequest(method=af.sansio.Method.GET, url=url, headers=[], body=b""))
    assert kind(caught.value) == "transport"


# --------------------------------------------------------- user denied (item 17)

def test_a_user_who_declines_gets_user_denied_not_authorize_again() -> None:
    client = af.connect(af.Profile.makini_link(), "link-client", redirect_uri=REDIRECT)
    start = client.authorization_url()
    state = af.sansio.PendingAuthorization.from_storage_string(start.pending).state()
    with pytest.raises(af.OAuthError) as caught:
        client.exchange(f"{REDIRECT}?error=access_denied&state={state}", start.pending)
    assert (kind(caught.value), action(caught.value)) == ("access_denied", "user_denied")
    names = [af.sansio.action_name(a) for a in af.sansio.Action]
    assert names.index("user_denied") == names.index("authorize_again") + 1


# ---------------------------------------------------- no secret in any error

class EchoServer:
    """Answers every request with an error that echoes the request (body and
    Authorization header) in every field authflow keeps: `/<status>/...`
    picks the status; `/bad/...` answers 200 with the echo in token fields
    of the wrong type."""

    def __enter__(self) -> str:
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (the stdlib's name)
                self.answer()

            def do_GET(self) -> None:  # noqa: N802
                self.answer()

            def answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                echo = f"{self.path} {self.rfile.read(length).decode()} {self.headers.get('Authorization', '')}"
                first = self.path.split("/")[1]
                if first == "bad":
                    status, body = 200, {"access_token": {"echo": echo}, "expires_in": echo}
                else:
                    status = int(first)
                    body = {"error": "invalid_grant", "error_description": echo,
                            "error_uri": f"https://as.example/e?{echo}", "request_id": echo}
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("X-Request-Id", echo.replace("\r", " ").replace("\n", " ")[:500])
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def echoing_client(base: str, status: str, transport: typing.Optional[af.sansio.HttpTransport] = None) -> af.OAuthClient:
    profile = af.Profile.generic(f"{base}/{status}/token", f"{base}/{status}/authorize")
    for role, path in ((af.sansio.EndpointRole.REVOCATION, "revoke"), (af.sansio.EndpointRole.INTROSPECTION, "introspect"),
                       (af.sansio.EndpointRole.TOKEN_INFO, "info"), (af.sansio.EndpointRole.API_BASE, "api/")):
        profile = profile.with_endpoint(role, f"{base}/{status}/{path}")
    return af.connect(profile, "client-1", client_secret=CLIENT_SECRET, redirect_uri=REDIRECT,
                      transport=transport)


def every_flow(client: af.OAuthClient) -> tuple[list[typing.Callable[[], object]], list[str]]:
    """Each flow of the client with secrets in its request, and those
    secrets (the PKCE verifier of the exchange among them)."""
    start = client.authorization_url()
    pending = af.sansio.PendingAuthorization.from_storage_string(start.pending)
    flows: list[typing.Callable[[], object]] = [
        lambda: client.exchange(f"{REDIRECT}?code={CODE}&state={pending.state()}", start.pending),
        lambda: client.refresh(tokens()),
        lambda: client.client_credentials(),
        lambda: client.password("ada", PASSWORD),
        lambda: client.revoke(REFRESH, af.TokenTypeHint.REFRESH_TOKEN),
        lambda: client.introspect(ACCESS, af.TokenTypeHint.ACCESS_TOKEN),
        lambda: client.token_info(ACCESS),
        lambda: client.api(ACCESS, af.sansio.Method.GET, "sites"),
        lambda: client.session(tokens()).get("sites"),
    ]
    return flows, [CLIENT_SECRET, ACCESS, REFRESH, CODE, PASSWORD, pending.code_verifier()]


def assert_clean(error: BaseException, secrets: typing.Sequence[str]) -> None:
    shown = f"{error!r} {error!s} {error.args!r} {vars(error)!r}"
    for secret in secrets:
        assert secret not in shown, f"{type(error).__name__} shows {secret}: {shown}"


@pytest.mark.parametrize("status", ["400", "401", "403", "500", "bad"])
def test_no_error_shows_a_secret_a_server_echoes(status: str) -> None:
    with EchoServer() as base:
        flows, secrets = every_flow(echoing_client(base, status))
        failed = 0
        for flow in flows:
            try:
                flow()
            except af.AuthflowError as error:
                failed += 1
                assert_clean(error, secrets)
        # A 200 is an answer for revocation and the API: the others fail.
        assert failed >= 5, f"only {failed} flows failed"


class CarelessTransport(af.sansio.HttpTransport):
    """A host transport that quotes the whole request in its failures."""

    def __init__(self, unexpected: bool) -> None:
        self.unexpected = unexpected

    def send(self, request: af.sansio.HttpRequest) -> af.sansio.HttpResponse:
        words = f"{request.url} {request.body.decode()} {[h.value for h in request.headers]}"
        if self.unexpected:
            raise ValueError(words)
        af.sansio.raise_transport_error(f"could not send {words}")

    async def send_async(self, request: af.sansio.HttpRequest) -> af.sansio.HttpResponse:
        return self.send(request)


@pytest.mark.parametrize("unexpected", [False, True])
def test_no_error_shows_a_secret_a_transport_quotes(unexpected: bool) -> None:
    flows, secrets = every_flow(echoing_client("http://127.0.0.1:9", "400", CarelessTransport(unexpected)))
    for flow in flows:
        with pytest.raises(af.TransportError) as caught:
            flow()
        assert_clean(caught.value, secrets)


def test_no_error_of_any_family_shows_a_secret() -> None:
    client = af.connect(af.Profile.makini_link(), "link-client", client_secret=CLIENT_SECRET,
                        redirect_uri=REDIRECT)
    start = client.authorization_url()
    pending = af.sansio.PendingAuthorization.from_storage_string(start.pending)
    verifier = pending.code_verifier()
    secrets = [CLIENT_SECRET, ACCESS, REFRESH, CODE, verifier]
    raised: list[BaseException] = []

    def expect(error_class: type, call: typing.Callable[[], object]) -> None:
        with pytest.raises(error_class) as caught:
            call()
        raised.append(caught.value)

    # Callback: a code with a forged state, a code twice.
    expect(af.CallbackError, lambda: client.exchange(f"{REDIRECT}?code={CODE}&state=forged", start.pending))
    expect(af.CallbackError, lambda: client.exchange(f"{REDIRECT}?code={CODE}&code={CODE}&state={pending.state()}",
                                                     start.pending))
    # Stored values that hold secrets, corrupt.
    expect(af.InvalidStoredValueError, lambda: af.TokenSet.from_json(f'{{"v":1,"access_token":"{ACCESS}"'))
    expect(af.InvalidStoredValueError, lambda: af.TokenSet.from_json(f'{{"v":9,"access_token":"{ACCESS}"}}'))
    expect(af.InvalidStoredValueError, lambda: af.sansio.PendingAuthorization.from_storage_string(f"afp1.{verifier}"))
    # Responses that hold secrets, malformed.
    for body in (f'{{"access_token":{{"x":"{ACCESS}"}}}}', f'{{"access_token":"{ACCESS}","expires_in":"{REFRESH}"}}',
                 f'<html>{ACCESS}</html>'):
        response = af.sansio.HttpResponse(status=200, headers=[], body=body.encode())
        expect(af.InvalidResponseError, lambda: client.client().parse_refresh_response(1, response, tokens()))
    # Authorization required, configuration.
    expect(af.AuthorizationRequiredError, lambda: client.refresh(af.TokenSet.from_json(
        f'{{"v":1,"access_token":"{ACCESS}","token_type":"Bearer","issued_at":1}}')))
    expect(af.ConfigurationError, lambda: af.sansio.Client(af.Profile.makini_link(), "c", client_secret=CLIENT_SECRET,
                                                     redirect_uri="not a url"))
    expect(af.ConfigurationError, lambda: client.client().api_request(ACCESS, af.sansio.Method.GET, "http://plain.example/x"))
    assert {type(e).__name__ for e in raised} == {"Callback", "InvalidStoredValue", "InvalidResponse",
                                                 "AuthorizationRequired", "Configuration"}
    for error in raised:
        assert_clean(error, secrets)


def link_callback() -> tuple[af.OAuthClient, af.AuthorizationStart, af.sansio.PendingAuthorization, af.sansio.ValidatedCallback]:
    """A confidential Makini Link client and a redirect carrying CODE, validated."""
    client = af.connect(af.Profile.makini_link(), "link-client", client_secret=CLIENT_SECRET,
                        redirect_uri=REDIRECT)
    start = client.authorization_url()
    pending = af.sansio.PendingAuthorization.from_storage_string(start.pending)
    callback = pending.validate(f"{REDIRECT}?code={CODE}&state={pending.state()}", pending.created_at())
    return client, start, pending, callback


def test_a_validated_callback_builds_one_code_exchange() -> None:
    """RFC 6749 §4.1.2: a code is used once. A second exchange request from
    the same callback is refused, and says nothing secret."""
    client, start, pending, callback = link_callback()
    first = client.client().exchange_request(callback)
    assert CODE in first.body.decode()
    with pytest.raises(af.CallbackError) as caught:
        client.client().exchange_request(callback)
    assert caught.value.kind == "pending_already_used"
    assert caught.value.action == "authorize_again"
    assert_clean(caught.value, [CODE, CLIENT_SECRET, pending.code_verifier()])


def test_records_that_hold_secrets_print_none() -> None:
    client, start, pending, callback = link_callback()
    exchange = client.client().exchange_request(callback)
    answer = af.sansio.HttpResponse(status=200, headers=[af.sansio.HttpHeader(name="Set-Cookie", value=ACCESS)],
                             body=json.dumps({"access_token": ACCESS, "refresh_token": REFRESH}).encode())
    secrets = [CLIENT_SECRET, ACCESS, REFRESH, CODE, pending.code_verifier()]
    for value in (callback, exchange, answer, answer.headers[0], tokens(), pending, start,
                  client.client().password_request("ada", PASSWORD)):
        for text in (repr(value), str(value)):
            for secret in secrets + [PASSWORD]:
                assert secret not in text, f"{type(value).__name__} shows {secret}: {text}"


class RotatingTransport(af.sansio.HttpTransport):
    """A token endpoint that answers every refresh with a new pair."""

    def send(self, request: af.sansio.HttpRequest) -> af.sansio.HttpResponse:
        # The access token inside the refresh token: redacting the shorter
        # first would leave the longer one in part.
        body = json.dumps({"access_token": "at-SECRET-rotated", "token_type": "Bearer", "expires_in": 3600,
                           "refresh_token": "rt-at-SECRET-rotated-rt"}).encode()
        return af.sansio.HttpResponse(status=200, headers=[af.sansio.HttpHeader(name="Content-Type",
                                                                                value="application/json")], body=body)

    async def send_async(self, request: af.sansio.HttpRequest) -> af.sansio.HttpResponse:
        return self.send(request)


def test_a_failing_on_persist_is_logged_without_the_tokens(caplog: pytest.LogCaptureFixture) -> None:
    """An app's store may quote what it was given in its error (SQLAlchemy
    and psycopg put a statement's parameters in their messages): the
    library's log line for the failure names it, without the tokens."""
    def store_in_database(tokens: af.TokenSet) -> None:
        try:
            raise ConnectionError("the database is down")
        except ConnectionError as down:
            raise RuntimeError(f"INSERT failed [parameters: ({tokens.to_json()!r},)]") from down

    client = af.OAuthClient(af.sansio.Client(af.Profile.generic("http://127.0.0.1:9/token",
                                                                "http://127.0.0.1:9/authorize"), "persist-client"),
                            RotatingTransport())
    expired = af.TokenSet.from_json(json.dumps({"v": 1, "access_token": ACCESS, "token_type": "Bearer",
                                                "refresh_token": REFRESH, "issued_at": 1, "expires_at": 2}))
    with caplog.at_level("ERROR", logger="authflowkit"):
        assert client.session(expired, on_persist=store_in_database).access_token() == "at-SECRET-rotated"
    logged = caplog.text + "".join(str(r.exc_text) for r in caplog.records)
    assert "on_persist failed" in logged and "RuntimeError" in logged and "the database is down" in logged
    assert "[redacted]" in logged
    for secret in ("at-SECRET-rotated", "rt-at-SECRET-rotated-rt", "rt-at-"):
        assert secret not in logged, logged


# ------------------------------------------------ errors that cross processes

FIELDS = ("kind", "action", "reason", "retry_after", "status", "provider_code", "provider_description",
          "provider_uri", "request_id")


def refused_refresh() -> None:
    """Raises the OAuthError of a provider's 400 to a refresh (at module
    level: a process pool's worker runs it)."""
    client = af.sansio.Client(af.Profile.generic("https://as.example/token", "https://as.example/authorize"),
                              "pool-client", client_secret=CLIENT_SECRET, redirect_uri=REDIRECT)
    body = json.dumps({"error": "invalid_grant", "error_description": "The refresh token has expired",
                       "error_uri": "https://as.example/errors/invalid_grant"}).encode()
    client.parse_token_response(af.sansio.GrantType.REFRESH_TOKEN, 1,
                                af.sansio.HttpResponse(status=400, headers=[], body=body))


def assert_same_error(copied: BaseException, error: af.AuthflowError) -> None:
    assert type(copied) is type(error)
    assert isinstance(copied, af.AuthflowError)
    for field in FIELDS:
        assert getattr(copied, field) == getattr(error, field), field
    assert str(copied) == str(error)
    assert repr(copied) == repr(error)


def test_every_family_of_error_pickles_and_copies_whole() -> None:
    """An error handed to another process (a process pool, a task queue's
    result) or copied must arrive as it was raised: its family, kind,
    action and the provider's words. Exceptions travel by pickle, which
    builds them again from ``args``."""
    client = af.connect(af.Profile.makini_link(), "link-client", client_secret=CLIENT_SECRET,
                        redirect_uri=REDIRECT)
    start = client.authorization_url()
    raised: list[af.AuthflowError] = []
    calls: list[typing.Callable[[], object]] = [
        refused_refresh,
        lambda: client.exchange(f"{REDIRECT}?code={CODE}&state=forged", start.pending),
        lambda: af.TokenSet.from_json('{"v":9}'),
        lambda: client.client().parse_refresh_response(
            1, af.sansio.HttpResponse(status=200, headers=[], body=b"<html>"), tokens()),
        lambda: client.client().parse_refresh_response(
            1, af.sansio.HttpResponse(status=503, headers=[af.sansio.HttpHeader(name="Retry-After", value="30")],
                                      body=b""), tokens()),
        lambda: af.sansio.raise_transport_error("connection refused"),
        lambda: af.sansio.Client(af.Profile.makini_link(), "c", redirect_uri="not a url"),
    ]
    for call in calls:
        with pytest.raises(af.AuthflowError) as caught:
            call()
        raised.append(caught.value)
    assert {type(e).__name__ for e in raised} == {"OAuth", "Callback", "InvalidStoredValue", "InvalidResponse",
                                                 "Http", "Transport", "Configuration"}
    assert raised[0].provider_uri == "https://as.example/errors/invalid_grant"
    assert raised[4].retry_after == 30
    for error in raised:
        for copied in (pickle.loads(pickle.dumps(error)), copy.copy(error), copy.deepcopy(error)):
            assert_same_error(copied, error)


def test_an_error_raised_in_a_process_pool_reaches_the_caller() -> None:
    with concurrent.futures.ProcessPoolExecutor(max_workers=1) as pool:
        with pytest.raises(af.OAuthError) as caught:
            pool.submit(refused_refresh).result(timeout=60)
    error = caught.value
    assert (error.kind, error.action) == ("invalid_grant", "authorize_again")
    assert error.provider_description == "The refresh token has expired"
    assert_clean(error, [CLIENT_SECRET])
