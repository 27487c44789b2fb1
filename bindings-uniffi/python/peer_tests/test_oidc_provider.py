"""Against a real OpenID provider nobody here wrote: npm oidc-provider
(tests/peers/oidc-provider, installed by its install.sh), through the
default urllib transport. Discovery: the metadata document becomes a
profile, and that profile's client-credentials and introspection work.
OpenID Connect: a user logs in (oidc_browser.py fills in the provider's
pages), the ID token is validated against the provider's keys before
``exchange`` returns, a refresh's too, UserInfo is read, a logout URL
made; a tampered ID token is refused."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import pathlib
import subprocess
import os
import time
import typing
import urllib.error
import urllib.parse
import urllib.request

import pytest

import authflowkit as af
from oidc_browser import login

PEER = pathlib.Path(__file__).resolve().parents[3] / "tests" / "peers" / "oidc-provider"
CC_CLIENT = ("cc-client", "cc-client-secret-0123456789abcdef")


@pytest.fixture(scope="module")
def issuer() -> typing.Iterator[str]:
    install = subprocess.run(["bash", str(PEER / "install.sh")], capture_output=True, text=True)
    assert install.returncode == 0, f"install.sh failed:\n{install.stdout}\n{install.stderr}"
    process = subprocess.Popen(["node", "server.mjs"], cwd=PEER, stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line, "oidc-provider printed nothing"
        yield json.loads(line)["issuer"]
    finally:
        assert process.stdin is not None
        process.stdin.close()
        process.terminate()
        process.wait(timeout=30)


def test_discovery_makes_a_working_profile(issuer: str) -> None:
    profile = af.discover_profile(issuer, openid=True)
    assert profile.issuer() == issuer
    assert profile.requires_issuer()  # oidc-provider announces RFC 9207 iss
    assert profile.endpoint(af.sansio.EndpointRole.TOKEN).startswith(issuer)
    assert profile.endpoint(af.sansio.EndpointRole.INTROSPECTION).startswith(issuer)
    assert profile.client_auth() == af.sansio.ClientAuthMethod.CLIENT_SECRET_BASIC
    client = af.connect(profile, CC_CLIENT[0], client_secret=CC_CLIENT[1], scopes=["api:read"])
    tokens = client.client_credentials()
    assert tokens.refresh_token() is None
    assert tokens.scopes() == ["api:read"]
    info = client.introspect(tokens.access_token(), af.TokenTypeHint.ACCESS_TOKEN)
    assert info.active and info.client_id == CC_CLIENT[0]


def test_rfc8414_document_is_absent_and_says_so(issuer: str) -> None:
    # oidc-provider serves only the OpenID document: a typed error, status 404.
    with pytest.raises(af.AuthflowError) as caught:
        af.discover_profile(issuer)
    assert caught.value.status == 404
    assert CC_CLIENT[1] not in repr(caught.value)


def test_a_wrong_client_secret_is_a_configuration_error(issuer: str) -> None:
    profile = af.discover_profile(issuer, openid=True)
    client = af.connect(profile, CC_CLIENT[0], client_secret="not-the-secret-at-all")
    with pytest.raises(af.OAuthError) as caught:
        client.client_credentials()
    assert caught.value.kind == "invalid_client"
    assert caught.value.action == "fix_configuration"
    assert "not-the-secret-at-all" not in repr(caught.value) + str(caught.value)


# ----- OpenID Connect: the code flow with the ID token validated -----

# tests/peers/oidc-provider/server.mjs: its redirect URI, and a client
# whose ID tokens it signs with RS256, one with ES256.
REDIRECT_URI = "http://127.0.0.1:47613/cb"
RS256_CLIENT = ("openid-rs256-client", "openid-rs256-client-secret-0123456789abcdef")
ES256_CLIENT = ("openid-es256-client", "openid-es256-client-secret-0123456789abcdef")


class ShiftedClock(af.sansio.Environment):
    """The system clock, moved on by ``offset`` seconds when a test says."""

    def __init__(self) -> None:
        self.offset = 0

    def now(self) -> int:
        return int(time.time()) + self.offset

    def random_bytes(self, len: int) -> bytes:  # noqa: A002 (the trait's name)
        return os.urandom(len)


class Recording(af.UrllibTransport):
    """The default transport, noting every URL sent to; ``tamper`` may
    change a token response's ID token on its way in."""

    def __init__(self, tamper: typing.Optional[typing.Callable[[str], str]] = None) -> None:
        super().__init__()
        self.urls: typing.List[str] = []
        self.tamper = tamper

    def send(self, request: af.sansio.HttpRequest) -> af.sansio.HttpResponse:
        self.urls.append(request.url)
        response = super().send(request)
        if self.tamper is not None and request.url.endswith("/token") and response.status == 200:
            body = json.loads(response.body)
            body["id_token"] = self.tamper(body["id_token"])
            response = af.sansio.HttpResponse(status=response.status, headers=response.headers,
                                              body=json.dumps(body).encode())
        return response

    async def send_async(self, request: af.sansio.HttpRequest) -> af.sansio.HttpResponse:
        return self.send(request)


def openid_client(issuer: str, transport: Recording, registration: typing.Tuple[str, str] = RS256_CLIENT,
                  environment: typing.Optional[af.sansio.Environment] = None) -> af.OAuthClient:
    profile = af.discover_profile(issuer, openid=True)
    assert profile.is_openid()
    return af.connect(profile, registration[0], client_secret=registration[1],
                      redirect_uri=REDIRECT_URI, scopes=["openid"], transport=transport,
                      environment=environment)


def header_of(id_token: str) -> typing.Dict[str, typing.Any]:
    head = id_token.split(".")[0]
    return typing.cast(typing.Dict[str, typing.Any],
                       json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4))))


def jwks_fetches(transport: Recording) -> int:
    return len([u for u in transport.urls if u.endswith("/jwks")])


@pytest.mark.parametrize("registration,alg", [(RS256_CLIENT, "RS256"), (ES256_CLIENT, "ES256")])
def test_an_openid_login_validates_the_id_token_and_reads_userinfo(
        issuer: str, registration: typing.Tuple[str, str], alg: str) -> None:
    transport = Recording()
    client = openid_client(issuer, transport, registration)
    start = client.authorization_url(af.AuthorizationOptions(extra_params=[af.sansio.QueryParam(name="prompt", value="consent")]))
    nonce = urllib.parse.parse_qs(urllib.parse.urlsplit(start.url).query)["nonce"][0]
    tokens = client.exchange(login(start.url, REDIRECT_URI, "alice"), start.pending)
    claims = tokens.id_token_claims()
    assert claims is not None
    assert (claims.sub, claims.iss, claims.nonce) == ("alice", issuer, nonce)
    assert registration[0] in claims.aud
    assert header_of(tokens.id_token() or "")["alg"] == alg
    assert jwks_fetches(transport) == 1, transport.urls

    assert client.userinfo(tokens).sub == "alice"

    refreshed = client.refresh(tokens)
    again = refreshed.id_token_claims()
    assert again is not None and again.sub == "alice"
    assert refreshed.id_token() != tokens.id_token(), "oidc-provider sends a new ID token"
    assert jwks_fetches(transport) == 1, "the keys are cached"

    logout = client.logout_url(refreshed, af.LogoutOptions(post_logout_redirect_uri=None))
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(logout).query)
    assert logout.startswith(issuer)
    assert query["id_token_hint"] == [refreshed.id_token()]
    assert query["client_id"] == [registration[0]]


def test_rotated_keys_are_fetched_again_for_the_unknown_kid(issuer: str) -> None:
    transport, clock = Recording(), ShiftedClock()
    client = openid_client(issuer, transport, ES256_CLIENT, clock)
    start = client.authorization_url()
    first = client.exchange(login(start.url, REDIRECT_URI, "alice"), start.pending)
    assert jwks_fetches(transport) == 1
    rotate = urllib.request.Request(f"{issuer}/__test/rotate", method="POST")
    with urllib.request.urlopen(rotate, timeout=10) as answer:
        new_kids = json.loads(answer.read())["kids"]
    # Right after a fetch, an unknown kid waits out the refetch interval:
    # the token is refused, not checked with a key it does not name.
    start = client.authorization_url()
    with pytest.raises(af.AuthflowError) as caught:
        client.exchange(login(start.url, REDIRECT_URI, "alice"), start.pending)
    assert caught.value.kind == "id_token_invalid" and "kid" in str(caught.value)
    assert jwks_fetches(transport) == 1
    clock.offset = 61
    start = client.authorization_url()
    second = client.exchange(login(start.url, REDIRECT_URI, "alice"), start.pending)
    assert jwks_fetches(transport) == 2
    assert header_of(second.id_token() or "")["kid"] in new_kids
    assert header_of(first.id_token() or "")["kid"] not in new_kids


def flip_signature(id_token: str) -> str:
    head, payload, signature = id_token.split(".")
    return ".".join([head, payload, ("A" if signature[0] != "A" else "B") + signature[1:]])


def other_subject(id_token: str) -> str:
    head, payload, signature = id_token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["sub"] = "mallory"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    return ".".join([head, forged, signature])


@pytest.mark.parametrize("tamper", [flip_signature, other_subject])
def test_a_tampered_id_token_is_refused(issuer: str, tamper: typing.Callable[[str], str]) -> None:
    seen: typing.List[str] = []

    def keep(id_token: str) -> str:
        forged = tamper(id_token)
        seen.append(forged)
        return forged

    client = openid_client(issuer, Recording(tamper=keep))
    start = client.authorization_url()
    with pytest.raises(af.AuthflowError) as caught:
        client.exchange(login(start.url, REDIRECT_URI, "alice"), start.pending)
    assert caught.value.kind == "id_token_invalid"
    assert caught.value.action == "authorize_again"
    assert "signature" in str(caught.value)
    assert seen and seen[0] not in repr(caught.value) + str(caught.value)


def test_the_async_client_validates_the_id_token_too(issuer: str) -> None:
    client = af.AsyncOAuthClient(openid_client(issuer, Recording(tamper=flip_signature)))
    start = asyncio.run(client.authorization_url())
    callback = login(start.url, REDIRECT_URI, "bob")
    with pytest.raises(af.AuthflowError) as caught:
        asyncio.run(client.exchange(callback, start.pending))
    assert caught.value.kind == "id_token_invalid"


# ----- RFC 8707 resource indicators and RFC 8693 token exchange -----

# server.mjs: the one resource server it knows (JWT access tokens with this
# `aud`) and who may ask for it; the client its token-exchange grant is for.
RESOURCE = "https://api.example/"
RESOURCE_CLIENT = ("resource-client", "resource-client-secret-0123456789abcdef")
EXCHANGE_CLIENT = ("exchange-client", "exchange-client-secret-0123456789abcdef")


def jwt_claims(token: str) -> typing.Dict[str, typing.Any]:
    payload = token.split(".")[1]
    return typing.cast(typing.Dict[str, typing.Any],
                       json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))


def test_resources_make_audience_restricted_tokens(issuer: str) -> None:
    profile = af.discover_profile(issuer, openid=True)
    client = af.connect(profile, RESOURCE_CLIENT[0], client_secret=RESOURCE_CLIENT[1], redirect_uri=REDIRECT_URI,
                        scopes=["openid", "api:read"], resources=[RESOURCE])
    start = client.authorization_url(af.AuthorizationOptions(extra_params=[af.sansio.QueryParam(name="prompt", value="consent")]))
    assert urllib.parse.parse_qs(urllib.parse.urlsplit(start.url).query)["resource"] == [RESOURCE]
    tokens = client.exchange(login(start.url, REDIRECT_URI, "alice"), start.pending)
    assert jwt_claims(tokens.access_token())["aud"] == RESOURCE
    refreshed = client.refresh(tokens)
    assert jwt_claims(refreshed.access_token())["aud"] == RESOURCE
    service = af.connect(profile, RESOURCE_CLIENT[0], client_secret=RESOURCE_CLIENT[1], scopes=["api:read"],
                         resources=["https://unknown.example/"])
    with pytest.raises(af.OAuthError) as caught:
        service.client_credentials()
    error = caught.value
    assert (error.kind, error.action, error.provider_code) == ("invalid_scope", "fix_configuration", "invalid_target")


def test_token_exchange_blocking_and_asyncio(issuer: str) -> None:
    user = openid_client(issuer, Recording())
    start = user.authorization_url()
    tokens = user.exchange(login(start.url, REDIRECT_URI, "alice"), start.pending)
    exchanger = af.connect(af.discover_profile(issuer, openid=True), EXCHANGE_CLIENT[0],
                           client_secret=EXCHANGE_CLIENT[1])
    exchange = af.sansio.TokenExchange(tokens.access_token(), af.sansio.token_type_access_token(),
                                       audiences=["urn:example:billing"])
    for issued in (exchanger.token_exchange(exchange),
                   asyncio.run(af.AsyncOAuthClient(exchanger).token_exchange(exchange))):
        assert issued.issued_token_type() == af.sansio.token_type_access_token()
        access = issued.access_token()
        assert access is not None and access != tokens.access_token()
        info = exchanger.introspect(access, af.TokenTypeHint.ACCESS_TOKEN)
        assert info.active and info.sub == "alice" and info.client_id == EXCHANGE_CLIENT[0]
    unknown = af.sansio.TokenExchange("not-a-token-of-this-provider", af.sansio.token_type_access_token())
    with pytest.raises(af.OAuthError) as caught:
        exchanger.token_exchange(unknown)
    assert caught.value.kind == "invalid_request"
    assert "not-a-token-of-this-provider" not in str(caught.value) + repr(caught.value)


# ----- Client authentication by JWT (RFC 7523 §2.2, OpenID Connect Core §9) -----

# server.mjs: the private_key_jwt client (its keys are client-keys.json's)
# and the client_secret_jwt one.
PKJWT_CLIENT = "pkjwt-client"
SECRET_JWT_CLIENT = ("secret-jwt-client", "secret-jwt-client-secret-0123456789abcdef")


def client_keys() -> typing.Dict[str, typing.Any]:
    return typing.cast(typing.Dict[str, typing.Any], json.loads((PEER / "client-keys.json").read_text()))


@pytest.mark.parametrize("index,alg", [(0, None), (0, "PS256"), (1, None), (2, None)])
def test_private_key_jwt_from_a_jwk_authenticates_every_grant(
        issuer: str, index: int, alg: typing.Optional[str]) -> None:
    jwk = json.dumps(client_keys()["registered"][index])
    client = af.connect(af.discover_profile(issuer, openid=True), PKJWT_CLIENT, private_key=jwk,
                        private_key_alg=alg, redirect_uri=REDIRECT_URI)
    # Discovery lists client_secret_basic first; the key decides.
    assert client.client().client_auth_method() == af.sansio.ClientAuthMethod.PRIVATE_KEY_JWT
    tokens = client.client_credentials()
    info = client.introspect(tokens.access_token(), af.TokenTypeHint.ACCESS_TOKEN)
    assert info.active and info.client_id == PKJWT_CLIENT
    start = client.authorization_url(af.AuthorizationOptions(
        scopes=["openid"], extra_params=[af.sansio.QueryParam(name="prompt", value="consent")]))
    signed_in = client.exchange(login(start.url, REDIRECT_URI, "alice"), start.pending)
    assert client.refresh(signed_in).access_token() != signed_in.access_token()
    assert asyncio.run(af.AsyncOAuthClient(client).client_credentials()).access_token()


def test_a_private_key_jwt_session_renews_with_a_new_assertion_each_time(issuer: str) -> None:
    jwk = json.dumps(client_keys()["registered"][1])
    client = af.connect(af.discover_profile(issuer, openid=True), PKJWT_CLIENT, private_key=jwk,
                        grant="client_credentials")
    session = client.session().native
    first = session.access_token()
    session.unauthorized(first)
    # A replayed jti would be refused by oidc-provider: the second renewal
    # carries its own.
    assert session.access_token() != first


def test_a_wrong_private_key_is_an_invalid_client(issuer: str) -> None:
    wrong = json.dumps(client_keys()["wrong"])
    client = af.connect(af.discover_profile(issuer, openid=True), PKJWT_CLIENT, private_key=wrong)
    with pytest.raises(af.OAuthError) as caught:
        client.client_credentials()
    assert (caught.value.kind, caught.value.action) == ("invalid_client", "fix_configuration")
    assert client_keys()["wrong"]["d"] not in str(caught.value) + repr(caught.value)
    assert client_keys()["wrong"]["d"] not in repr(client) + repr(client.client())


def test_client_secret_jwt_when_chosen(issuer: str) -> None:
    client = af.connect(af.discover_profile(issuer, openid=True), SECRET_JWT_CLIENT[0],
                        client_secret=SECRET_JWT_CLIENT[1], auth_method="client_secret_jwt")
    tokens = client.client_credentials()
    assert client.introspect(tokens.access_token(), af.TokenTypeHint.ACCESS_TOKEN).active
    # Discovery's pick for a secret, client_secret_basic, is not this client's method.
    basic = af.connect(af.discover_profile(issuer, openid=True), SECRET_JWT_CLIENT[0],
                       client_secret=SECRET_JWT_CLIENT[1])
    with pytest.raises(af.OAuthError) as caught:
        basic.client_credentials()
    assert caught.value.kind == "invalid_client"
# ----- RFC 9126 pushed authorization requests -----

# server.mjs: a client whose authorization requests must be pushed.
PAR_CLIENT = ("par-client", "par-client-secret-0123456789abcdef")


def par_client(issuer: str, transport: Recording, pushed: bool = True) -> af.OAuthClient:
    profile = af.discover_profile(issuer, openid=True)
    assert profile.endpoint(af.sansio.EndpointRole.PUSHED_AUTHORIZATION) == f"{issuer}/request"
    return af.connect(profile, PAR_CLIENT[0], client_secret=PAR_CLIENT[1], redirect_uri=REDIRECT_URI,
                      scopes=["openid"], transport=transport, pushed_authorization=pushed)


def query_names(url: str) -> typing.List[str]:
    return [name for name, _ in urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query)]


def test_a_pushed_authorization_request_carries_only_client_id_and_request_uri(issuer: str) -> None:
    transport = Recording()
    client = par_client(issuer, transport)
    before = int(time.time())
    start = client.authorization_url()
    assert transport.urls == [f"{issuer}/request"], "one push, before the user sees anything"
    assert start.url.startswith(f"{issuer}/auth?")
    assert query_names(start.url) == ["client_id", "request_uri"]
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(start.url).query))
    assert query["client_id"] == PAR_CLIENT[0]
    assert query["request_uri"].startswith("urn:ietf:params:oauth:request_uri:")
    # The pending authorization ends with the request URI (60 s at oidc-provider).
    pending = af.sansio.PendingAuthorization.from_storage_string(start.pending)
    assert before < pending.expires_at() <= int(time.time()) + 60
    tokens = client.exchange(login(start.url, REDIRECT_URI, "alice"), start.pending)
    claims = tokens.id_token_claims()
    assert claims is not None and claims.sub == "alice"
    assert claims.nonce == pending.nonce(), "the nonce was pushed with the rest"


def test_the_async_client_pushes_too(issuer: str) -> None:
    transport = Recording()
    client = af.AsyncOAuthClient(par_client(issuer, transport))

    async def main() -> af.TokenSet:
        start = await client.authorization_url()
        assert query_names(start.url) == ["client_id", "request_uri"]
        return await client.exchange(login(start.url, REDIRECT_URI, "bob"), start.pending)

    tokens = asyncio.run(main())
    assert transport.urls[0] == f"{issuer}/request"
    claims = tokens.id_token_claims()
    assert claims is not None and claims.sub == "bob"


def test_a_plain_authorization_request_is_refused_for_a_client_that_requires_par(issuer: str) -> None:
    client = par_client(issuer, Recording(), pushed=False)
    start = client.authorization_url()
    assert "code_challenge" in query_names(start.url)  # a plain URL, no push
    callback = login_error(start.url)
    with pytest.raises(af.AuthflowError) as caught:
        client.exchange(callback, start.pending)
    assert caught.value.kind == "invalid_request"
    assert "Pushed Authorization Request must be used" in str(caught.value)


def login_error(authorization_url: str) -> str:
    """The redirect the server answers ``authorization_url`` with, before any page."""

    class Stop(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, req: typing.Any, fp: typing.Any, code: int, msg: str,
                             headers: typing.Any, newurl: str) -> None:
            raise urllib.error.HTTPError(newurl, code, msg, headers, fp)

    opener = urllib.request.build_opener(Stop)
    with pytest.raises(urllib.error.HTTPError) as redirect:
        opener.open(authorization_url, timeout=10)
    location = redirect.value.headers["Location"]
    assert location.startswith(REDIRECT_URI), location
    return typing.cast(str, location)
# ----- DPoP (RFC 9449) -----

DPOP_CLIENT = "dpop-client"
DPOP_KEY = json.dumps({"kty": "EC", "crv": "P-256",
                       "x": "w8pjULNvgllyLaeUB9zRP8QFRFNvtTudUr65fgoDO44",
                       "y": "X_vRhOwgSH4OhMjRw4iGRkWKa-SxQX5QNOPCcV4Lp1E",
                       "d": "2rzlM-Yf65c035wZ2OIPXmZGXj3WKQON9TTo8ikXL_k"})
BASIC_CLIENT = ("basic-client", "basic-client-secret-0123456789abcdef")


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class DpopResourceServer:
    """A resource server for DPoP-bound tokens on 127.0.0.1: it checks each
    proof's typ, htm, htu, ath, iat, jti and its own nonce (asked for with
    ``use_dpop_nonce``, RFC 9449 §9), and, by introspection at the
    provider, that the token is active, of type DPoP and bound to the
    proof's key (``cnf.jkt``, the RFC 7638 thumbprint computed here). The
    signature itself is checked by the Rust end-to-end test's server."""

    def __init__(self, introspection_endpoint: str) -> None:
        import http.server
        import threading
        self.seen: typing.List[str] = []
        self.nonce = 0
        self.jtis: typing.Set[str] = set()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
                status, headers, body = outer.answer("GET", self.path, self.headers)
                self.send_response(status)
                for name, value in headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: typing.Any) -> None:
                pass

        self.introspection_endpoint = introspection_endpoint
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def answer(self, method: str, path: str, headers: typing.Any) -> typing.Tuple[int, list, bytes]:
        challenge = ("WWW-Authenticate", 'DPoP error="invalid_token", algs="ES256"')
        auth, proof = headers.get("Authorization", ""), headers.get("DPoP", "")
        if not auth.startswith("DPoP ") or proof.count(".") != 2:
            self.seen.append("refused: scheme or proof")
            return 401, [challenge], b""
        token = auth[len("DPoP "):]
        head, claims = (json.loads(unb64url(part)) for part in proof.split(".")[:2])
        expected = {"htm": method, "htu": self.url.rstrip("/") + path.split("?")[0],
                    "ath": b64url(hashlib.sha256(token.encode()).digest())}
        if head.get("typ") != "dpop+jwt" or "d" in head.get("jwk", {}) or \
                any(claims.get(k) != v for k, v in expected.items()) or abs(time.time() - claims["iat"]) > 60:
            self.seen.append(f"refused: {head} {claims}")
            return 401, [challenge], b""
        if claims.get("nonce") != f"rs-nonce-{self.nonce}":
            self.nonce += 1
            self.seen.append("nonce demanded")
            return 401, [("WWW-Authenticate", 'DPoP error="use_dpop_nonce", algs="ES256"'),
                         ("DPoP-Nonce", f"rs-nonce-{self.nonce}")], b""
        if claims["jti"] in self.jtis:
            self.seen.append("refused: jti replayed")
            return 401, [challenge], b""
        self.jtis.add(claims["jti"])
        jwk = head["jwk"]
        jkt = b64url(hashlib.sha256(json.dumps({"crv": jwk["crv"], "kty": jwk["kty"], "x": jwk["x"], "y": jwk["y"]},
                                               separators=(",", ":")).encode()).digest())
        basic = base64.b64encode(f"{BASIC_CLIENT[0]}:{BASIC_CLIENT[1]}".encode()).decode()
        request = urllib.request.Request(self.introspection_endpoint, method="POST",
                                         data=urllib.parse.urlencode({"token": token}).encode(),
                                         headers={"Authorization": f"Basic {basic}"})
        with urllib.request.urlopen(request, timeout=10) as answer:
            introspection = json.loads(answer.read())
        if not introspection.get("active") or introspection.get("token_type") != "DPoP" or \
                introspection.get("cnf", {}).get("jkt") != jkt:
            self.seen.append(f"refused: {introspection}")
            return 401, [challenge], b""
        self.seen.append(f"ok jkt={jkt}")
        return 200, [("Content-Type", "application/json")], b'{"data":"for the key holder"}'


def started_provider(*args: str) -> typing.Tuple[subprocess.Popen, str]:
    process = subprocess.Popen(["node", "server.mjs", "0", *args], cwd=PEER, stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert process.stdout is not None
    line = process.stdout.readline()
    assert line, "oidc-provider printed nothing"
    return process, json.loads(line)["issuer"]


@pytest.mark.parametrize("nonce_required", [False, True])
def test_dpop_bound_tokens_at_a_resource_server(issuer: str, nonce_required: bool) -> None:
    process, dpop_issuer = started_provider(*(["--dpop-nonce"] if nonce_required else []))
    try:
        profile = af.discover_profile(dpop_issuer, openid=True)
        rs = DpopResourceServer(profile.endpoint(af.sansio.EndpointRole.INTROSPECTION) or "")
        transport = Recording()
        client = af.connect(profile, DPOP_CLIENT, redirect_uri=REDIRECT_URI, scopes=["openid"],
                            api_base=rs.url, dpop_key=DPOP_KEY, dpop_jkt=True, transport=transport)
        jkt = client.client().dpop_jkt()
        assert jkt is not None
        start = client.authorization_url()
        assert urllib.parse.parse_qs(urllib.parse.urlsplit(start.url).query)["dpop_jkt"] == [jkt]
        tokens = client.exchange(login(start.url, REDIRECT_URI, "alice"), start.pending)
        assert tokens.token_type() == "DPoP"
        token_posts = len([u for u in transport.urls if u.endswith("/token")])
        # With a nonce required, the exchange was sent once more with it.
        assert token_posts == (2 if nonce_required else 1), transport.urls
        refreshed = client.refresh(tokens)  # proved with the same key
        assert refreshed.token_type() == "DPoP" and refreshed.access_token() != tokens.access_token()
        session = client.session(refreshed)
        assert session.get("data?page=2").json() == {"data": "for the key holder"}
        assert session.get("data").json() == {"data": "for the key holder"}

        async def from_asyncio() -> typing.Any:
            async_session = af.AsyncOAuthClient(client).session(refreshed)
            return (await async_session.get("data")).json()

        assert asyncio.run(from_asyncio()) == {"data": "for the key holder"}
        assert rs.seen == ["nonce demanded", f"ok jkt={jkt}", f"ok jkt={jkt}", "nonce demanded",
                           f"ok jkt={jkt}"], rs.seen
        rs.server.shutdown()
    finally:
        assert process.stdin is not None
        process.stdin.close()
        process.terminate()
        process.wait(timeout=30)
