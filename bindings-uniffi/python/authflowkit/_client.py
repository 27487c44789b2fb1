"""The everyday API: :func:`connect`, :class:`OAuthClient`, :class:`Session`
and the :class:`Response` an API call returns, with keyword arguments and
strings where the native library has builders and enums."""

from __future__ import annotations

import json as _json
import time
import typing
import urllib.parse

from ._defaults import SystemEnvironment, UrllibTransport, persister
from ._errors import AuthflowError
from ._native import (
    AuthorizationOptions,
    ClientAuthMethod,
    ClientSession,
    DevicePollAction,
    EndpointRole,
    Environment,
    HttpHeader,
    HttpRequest,
    HttpResponse,
    HttpTransport,
    Method,
    GrantType,
    Profile,
    SharedSession,
    SigningKey,
    TokenInfo,
    TokenPersister,
    TokenSet,
    TokenStore,
    raise_error,
)
from ._native import Client as _Client
from ._native import OAuthClient as _NativeOAuthClient

#: What ``on_persist`` may be: a callable taking the token set to store, or a
#: :class:`authflowkit.sansio.TokenPersister`.
OnPersist = typing.Union[None, TokenPersister, typing.Callable[[TokenSet], None]]

# The profiles by name; makini_admin and generic have no token endpoint of
# their own, the others get token_url= as a replacement.
_PROFILES: typing.Dict[str, typing.Callable[[typing.Optional[str]], Profile]] = {
    "makini_link": lambda token_url: _with_token_url(Profile.makini_link(), token_url),
    "makeshift": lambda token_url: _with_token_url(Profile.makeshift(), token_url),
    "makini_admin": lambda token_url: Profile.makini_admin(_required(token_url, "makini_admin")),
    "generic": lambda token_url: Profile.generic(_required(token_url, "generic")),
}

_AUTH_METHODS = {
    "client_secret_basic": ClientAuthMethod.CLIENT_SECRET_BASIC,
    "client_secret_post": ClientAuthMethod.CLIENT_SECRET_POST,
    "none": ClientAuthMethod.PUBLIC_CLIENT,
    "private_key_jwt": ClientAuthMethod.PRIVATE_KEY_JWT,
    "client_secret_jwt": ClientAuthMethod.CLIENT_SECRET_JWT,
}


def _signing_key(key: typing.Union[str, SigningKey], alg: typing.Optional[str]) -> SigningKey:
    """``key`` as a :class:`authflowkit.sansio.SigningKey`: a private JWK's
    JSON text, or a PEM text (``alg`` picks PS256 for an RSA key)."""
    if isinstance(key, SigningKey):
        if alg is not None and key.algorithm() != alg:
            raise ValueError(f"private_key_alg={alg!r}, but the key signs {key.algorithm()}")
        return key
    return SigningKey.parse(key, alg)


def _with_token_url(profile: Profile, token_url: typing.Optional[str]) -> Profile:
    return profile if token_url is None else profile.with_endpoint(EndpointRole.TOKEN, token_url)


def _required(token_url: typing.Optional[str], profile: str) -> str:
    if token_url is None:
        raise TypeError(f"the {profile!r} profile needs token_url=")
    return token_url


def _choice(name: str, value: str, choices: typing.Mapping[str, typing.Any]) -> typing.Any:
    if value not in choices:
        raise ValueError(f"{name}={value!r}: expected one of {', '.join(map(repr, choices))}")
    return choices[value]


def connect(
    profile: typing.Union[Profile, str, None] = None,
    client_id: typing.Optional[str] = None,
    *,
    client_secret: typing.Optional[str] = None,
    redirect_uri: typing.Optional[str] = None,
    scopes: typing.Sequence[str] = (),
    resources: typing.Sequence[str] = (),
    token_url: typing.Optional[str] = None,
    authorization_url: typing.Optional[str] = None,
    api_base: typing.Optional[str] = None,
    device_authorization_url: typing.Optional[str] = None,
    pushed_authorization_url: typing.Optional[str] = None,
    pushed_authorization: typing.Optional[bool] = None,
    grant: typing.Optional[str] = None,
    auth_method: typing.Optional[str] = None,
    private_key: typing.Union[str, SigningKey, None] = None,
    private_key_alg: typing.Optional[str] = None,
    transport: typing.Optional[HttpTransport] = None,
    environment: typing.Optional[Environment] = None,
    # --- DPoP (RFC 9449) ---
    dpop_key: typing.Optional[str] = None,
    dpop_jkt: bool = False,
    # --- end DPoP ---
) -> OAuthClient:
    """An :class:`OAuthClient` for a provider and this application's registration.

    ``profile`` is a provider's name (``"makini_link"``, ``"makini_admin"``,
    ``"makeshift"``, ``"generic"``), a :class:`Profile`, or nothing: then
    ``token_url`` makes a generic RFC 6749 profile. ``token_url``,
    ``authorization_url``, ``api_base`` and ``device_authorization_url``
    (RFC 8628, for :meth:`OAuthClient.device_login`) set (or replace) the
    profile's endpoints. ``grant="client_credentials"`` makes sessions get tokens
    with the client's own credentials, on first use and whenever they
    expire; ``auth_method`` is how the client authenticates
    (``"client_secret_basic"``, ``"client_secret_post"``, ``"none"``,
    ``"private_key_jwt"``, ``"client_secret_jwt"``). ``private_key`` is the
    key of ``private_key_jwt`` (RFC 7523): a PEM text (PKCS#8, PKCS#1 or
    SEC1), a private JWK's JSON text, or a :class:`authflowkit.sansio.SigningKey`;
    ``private_key_alg="PS256"`` signs an RSA key with PSS. A client with a
    key and no ``auth_method`` authenticates with it; each request carries a
    fresh assertion (``iat``, ``exp`` a minute later, a random ``jti``).
    ``resources`` are RFC 8707 resource indicators (absolute URIs without a
    fragment, e.g. ``"https://api.example/"``): the tokens are asked for
    them on the authorization request and every token request (code
    exchange, refresh, client credentials, device login).
    ``pushed_authorization=True`` sends authorization requests through the
    server's PAR endpoint (RFC 9126; ``pushed_authorization_url``, or the
    one discovery found): :meth:`OAuthClient.authorization_url` then posts
    the parameters first and the URL carries only ``client_id`` and a
    ``request_uri``. A server whose metadata requires PAR gets it anyway.
    ``dpop_key`` (a PEM text or a private JWK's JSON; ES256, EdDSA or
    RS256) makes every token request and every use of a DPoP-bound token
    carry a DPoP proof of that key (RFC 9449), with one retry when a server
    asks for a nonce; ``dpop_jkt=True`` also binds the authorization code to
    the key (``dpop_jkt`` on the authorization request).
    For MakeShift, ``client_id`` is the API key and ``client_secret`` the
    API secret. ::

        service = authflowkit.connect(token_url="https://as.example/token", api_base="https://api.example/",
                                      client_id=ID, client_secret=SECRET, grant="client_credentials")
        me = service.session().get("me").json()
    """
    if client_id is None:
        raise TypeError("connect() needs client_id=")
    if isinstance(profile, Profile):
        chosen = _with_token_url(profile, token_url)
    else:
        name = profile if profile is not None else "generic"
        chosen = _choice("profile", name, _PROFILES)(token_url)
    for role, url in ((EndpointRole.AUTHORIZATION, authorization_url), (EndpointRole.API_BASE, api_base),
                      (EndpointRole.DEVICE_AUTHORIZATION, device_authorization_url),
                      (EndpointRole.PUSHED_AUTHORIZATION, pushed_authorization_url)):
        if url is not None:
            chosen = chosen.with_endpoint(role, url)
    if pushed_authorization is not None:
        chosen = chosen.with_pushed_authorization(pushed_authorization)
    if grant is not None:
        # The core decides what a grant means for the profile (client
        # credentials: sessions get tokens on their own).
        grants = {g.name.lower(): g for g in GrantType}
        chosen = chosen.with_grant(_choice("grant", grant, grants))
    if auth_method is not None:
        chosen = chosen.with_client_auth(_choice("auth_method", auth_method, _AUTH_METHODS))
    if private_key_alg is not None and private_key is None:
        raise TypeError("private_key_alg= goes with private_key=")
    key = _signing_key(private_key, private_key_alg) if private_key is not None else None
    client = _Client(chosen, client_id, client_secret=client_secret,
                     redirect_uri=redirect_uri, scopes=list(scopes), resources=list(resources),
                     signing_key=key)
    # --- DPoP (RFC 9449) ---
    if dpop_key is not None:
        client = client.with_dpop_key(dpop_key)
        if dpop_jkt:
            client = client.with_dpop_jkt()
    elif dpop_jkt:
        raise TypeError("dpop_jkt=True needs dpop_key=")
    # --- end DPoP ---
    return OAuthClient(client, transport, environment)


class Headers(typing.Mapping[str, str]):
    """Response headers by case-insensitive name; a repeated header's
    values joined with ``", "`` (:meth:`get_all` gives them apart)."""

    def __init__(self, headers: typing.Sequence[HttpHeader]) -> None:
        self._pairs = [(h.name, h.value) for h in headers]

    def __getitem__(self, name: str) -> str:
        values = self.get_all(name)
        if not values:
            raise KeyError(name)
        return ", ".join(values)

    def get_all(self, name: str) -> typing.List[str]:
        """Every value of ``name``, in order."""
        return [v for n, v in self._pairs if n.lower() == name.lower()]

    def __iter__(self) -> typing.Iterator[str]:
        seen: typing.Dict[str, str] = {}
        for n, _ in self._pairs:
            seen.setdefault(n.lower(), n)
        return iter(seen.values())

    def __len__(self) -> int:
        return len({n.lower() for n, _ in self._pairs})

    def __repr__(self) -> str:
        return f"Headers({[n for n in self]!r})"


class Response:
    """An API's answer, as requests and httpx give it: :attr:`status_code`,
    :attr:`headers`, :attr:`content`, :attr:`text`, :meth:`json`."""

    __slots__ = ("status_code", "headers", "content")

    def __init__(self, response: HttpResponse) -> None:
        #: The HTTP status.
        self.status_code: int = response.status
        #: The headers, by case-insensitive name.
        self.headers = Headers(response.headers)
        #: The body, as bytes.
        self.content: bytes = response.body

    @property
    def text(self) -> str:
        """The body decoded as UTF-8."""
        return self.content.decode("utf-8")

    def json(self) -> typing.Any:
        """The body parsed as JSON."""
        return _json.loads(self.content)

    def __repr__(self) -> str:
        return f"<Response [{self.status_code}], {len(self.content)} bytes>"


class _Call(typing.NamedTuple):
    method: Method
    path: str
    body: typing.Optional[bytes]
    headers: typing.List[HttpHeader]


def api_call(
    method: str,
    path: str,
    params: typing.Optional[typing.Mapping[str, typing.Any]],
    json: typing.Any,
    body: typing.Optional[bytes],
    headers: typing.Optional[typing.Mapping[str, str]],
) -> _Call:
    """A call's arguments as the native session takes them."""
    try:
        native_method = Method[method.upper()]
    except KeyError:
        raise ValueError(f"method {method!r}: expected one of {', '.join(m.name for m in Method)}") from None
    if json is not None and body is not None:
        raise TypeError("give json= or body=, not both")
    if params:
        path += ("&" if "?" in path else "?") + urllib.parse.urlencode(params, doseq=True)
    if json is not None:
        body = _json.dumps(json, separators=(",", ":")).encode("utf-8")
    extra = [HttpHeader(name=n, value=v) for n, v in (headers or {}).items()]
    return _Call(native_method, path, body, extra)


class Session:
    """Calls an API with a token that is always fresh: renewed a margin
    before it expires, one renewal at a time however many threads ask, and
    again once when the API refuses it. Every new token set goes to
    ``on_persist`` before any caller sees its access token."""

    def __init__(self, session: typing.Union[ClientSession, SharedSession]) -> None:
        self._session = session

    @property
    def native(self) -> typing.Union[ClientSession, SharedSession]:
        """The native session (for :mod:`authflowkit.sansio` users)."""
        return self._session

    def access_token(self) -> str:
        """A valid access token, renewing first when due."""
        return self._session.access_token()

    def request(
        self,
        method: str,
        path: str,
        *,
        params: typing.Optional[typing.Mapping[str, typing.Any]] = None,
        json: typing.Any = None,
        body: typing.Optional[bytes] = None,
        headers: typing.Optional[typing.Mapping[str, str]] = None,
    ) -> Response:
        """``method`` (``"GET"``, ``"post"``, ...) on ``path``, relative to the
        API base (or an absolute URL below it). ``params`` go into the
        query, ``json`` is sent as JSON, ``body`` as is (JSON unless
        ``headers`` name another ``Content-Type``). A status that is not
        2xx raises :class:`authflowkit.HttpError` (or :class:`authflowkit.OAuthError`)."""
        call = api_call(method, path, params, json, body, headers)
        return Response(self._session.request(call.method, call.path, call.body, call.headers))

    def get(self, path: str, *, params: typing.Optional[typing.Mapping[str, typing.Any]] = None,
            headers: typing.Optional[typing.Mapping[str, str]] = None) -> Response:
        """``GET path`` (see :meth:`request`)."""
        return self.request("GET", path, params=params, headers=headers)

    def post(self, path: str, *, json: typing.Any = None, body: typing.Optional[bytes] = None,
             headers: typing.Optional[typing.Mapping[str, str]] = None) -> Response:
        """``POST path`` (see :meth:`request`)."""
        return self.request("POST", path, json=json, body=body, headers=headers)

    def token_info(self) -> TokenInfo:
        """MakeShift's token info; corrects the token's expiry from it."""
        if not isinstance(self._session, ClientSession):
            raise TypeError("token_info() is for one process's session, not a shared one")
        return self._session.token_info()

    def token_set(self) -> typing.Optional[TokenSet]:
        """The current token set (it holds secrets; its ``repr`` does not show them)."""
        return self._session.token_set()

    def next_renewal(self) -> typing.Optional[int]:
        """When renewal is next due (Unix seconds), for one process's session."""
        if not isinstance(self._session, ClientSession):
            raise TypeError("next_renewal() is for one process's session, not a shared one")
        return self._session.next_renewal()

    def __repr__(self) -> str:
        return f"Session({self._session!r})"


class AuthorizationStart(typing.NamedTuple):
    """Where to send the user (:attr:`url`) and the pending authorization
    to keep until they come back (:attr:`pending`, a string holding the
    PKCE verifier: ``repr`` does not show it). Unpacks as
    ``url, pending = client.authorization_url()``."""

    #: The authorization URL.
    url: str
    #: The pending authorization's storage string: keep it (the user's
    #: session) until the redirect comes back, then delete it.
    pending: str

    def __repr__(self) -> str:
        return f"AuthorizationStart(url={self.url!r}, pending=[redacted])"


class DeviceCode(typing.NamedTuple):
    """What to show the user during a device login (RFC 8628 §3.3): go to
    :attr:`verification_uri` and enter :attr:`user_code` (or open
    :attr:`verification_uri_complete`, which holds the code, e.g. as a QR
    code) before :attr:`expires_at` (Unix seconds). Show the user code to
    the user only: ``repr`` does not show it."""

    #: The code the user enters.
    user_code: str
    #: Where the user enters it.
    verification_uri: str
    #: The verification URI with the code in it, if the provider sent one.
    verification_uri_complete: typing.Optional[str]
    #: When the code expires (Unix seconds).
    expires_at: int

    def __repr__(self) -> str:
        return (f"DeviceCode(user_code=[redacted], verification_uri={self.verification_uri!r}, "
                f"expires_at={self.expires_at})")


#: What the device flow asks its driver for: send this request (and give
#: back the answer, or throw in the transport's error), or sleep this long.
_DeviceStep = typing.Union[HttpRequest, float]


def device_flow(
    client: _NativeOAuthClient, now: typing.Callable[[], int],
    on_code: typing.Callable[[DeviceCode], None],
) -> typing.Generator[_DeviceStep, typing.Optional[HttpResponse], TokenSet]:
    """The device login as steps, for a blocking and an asyncio driver
    alike: the core's :class:`authflowkit.sansio.DevicePoll` decides every
    request and every wait; this only carries them out. The requests come
    from ``client``, signed when it authenticates with a JWT."""
    answer = yield client.client_now().device_authorization_request()
    assert answer is not None
    authorization = client.client().parse_device_authorization_response(now(), answer)
    on_code(DeviceCode(authorization.user_code(), authorization.verification_uri(),
                       authorization.verification_uri_complete(), authorization.expires_at()))
    poll = client.device_poll(authorization)
    while True:
        action = poll.poll_action(now())
        # isinstance, not action.is_send(): type checkers narrow on it.
        if isinstance(action, DevicePollAction.SEND):
            out = action.request
            try:
                try:
                    answer = yield out.request
                except AuthflowError as failure:  # the transport got no answer
                    poll.handle_transport_error(out.id, now(), failure.details())
                else:
                    assert answer is not None
                    poll.handle_response(out.id, now(), answer)
            except AuthflowError:
                pass  # that request's outcome; the next poll says wait or stop
        elif isinstance(action, DevicePollAction.WAIT):
            yield float(max(action.until - now(), 0)) if action.until is not None else 0.0
        elif isinstance(action, DevicePollAction.DONE):
            return action.tokens
        else:
            assert isinstance(action, DevicePollAction.STOP)
            raise_error(action.error)
            raise AssertionError("raise_error returned")  # pragma: no cover


class OAuthClient(_NativeOAuthClient):
    """A client over an HTTP transport (default: :class:`UrllibTransport`)
    and an environment (default: the system clock and an OS-seeded CSPRNG,
    read inside the native library). Every flow blocks the calling thread;
    :class:`AsyncOAuthClient` has the same methods as coroutines. Made by
    :func:`connect`."""

    def __init__(
        self,
        client: _Client,
        transport: typing.Optional[HttpTransport] = None,
        environment: typing.Optional[Environment] = None,
    ) -> None:
        self.transport = transport if transport is not None else UrllibTransport()
        self.environment = environment if environment is not None else SystemEnvironment()
        # The default environment is the native library's own: the same
        # clock and a CSPRNG, without a call from Rust into Python each time
        # a session reads the clock (a subclass may change either: it is used).
        native = None if type(self.environment) is SystemEnvironment else self.environment
        super().__init__(client, self.transport, native)
        #: The sans-IO client (:class:`authflowkit.sansio.Client`) behind this one.
        self.sansio_client = client

    def device_login(
        self,
        on_code: typing.Callable[[DeviceCode], None],
        sleep: typing.Callable[[float], None] = time.sleep,
    ) -> TokenSet:
        """Logs a user in on a device without a browser (RFC 8628): asks
        the provider's device authorization endpoint for a code, hands it
        to ``on_code`` (show it to the user), then polls the token endpoint
        as the core's state machine says, blocking (``sleep``) between
        requests, until the user approves. Raises ``access_denied``
        (action ``user_denied``) if they decline and ``expired_token``
        (action ``authorize_again``) if the code expires first; transport
        failures and 5xx/429 answers are retried with back-off until then.
        An OpenID Provider's ID token is checked before the tokens are
        returned (``id_token_invalid`` otherwise), as by :meth:`exchange`."""
        flow = device_flow(self, self.environment.now, on_code)
        step = next(flow)
        while True:
            try:
                if isinstance(step, float):
                    sleep(step)
                    step = flow.send(None)
                    continue
                try:
                    answer = self.transport.send(step)
                except AuthflowError as failure:
                    step = flow.throw(failure)
                    continue
                step = flow.send(answer)
            except StopIteration as done:
                return self.check_device_login(typing.cast(TokenSet, done.value))

    def authorization_url(  # type: ignore[override]
        self, options: typing.Optional[AuthorizationOptions] = None,
    ) -> AuthorizationStart:
        """The authorization URL, with ``state`` and PKCE from the
        environment's entropy, and the pending authorization to keep. No IO,
        except with pushed authorization requests (RFC 9126, the profile's
        ``uses_pushed_authorization()``): then one ``POST`` to the PAR
        endpoint, and the URL carries only ``client_id`` and ``request_uri``."""
        start = super().authorization_url(options)
        return AuthorizationStart(start.url, start.pending)

    def session(  # type: ignore[override]
        self,
        tokens: typing.Optional[TokenSet] = None,
        on_persist: OnPersist = None,
        refresh_margin: typing.Optional[int] = None,
    ) -> Session:
        """A :class:`Session` that keeps ``tokens`` fresh (or, with none,
        gets them on first use where the client can without the user:
        ``grant="client_credentials"``, MakeShift). ``on_persist(tokens)``, a
        plain function (also under asyncio: a coroutine function is refused,
        nothing would await it), gets every token set to store, and has
        stored it when it returns; an exception it raises is logged (the
        ``authflowkit`` logger, without the tokens) and does not fail the
        call that renewed: the set is handed to it again at a later call,
        after a back-off (1 s, doubling up to five minutes), until it
        returns or a newer set replaces it."""
        return Session(self.native_session(tokens, on_persist, refresh_margin))

    def native_session(
        self,
        tokens: typing.Optional[TokenSet] = None,
        on_persist: OnPersist = None,
        refresh_margin: typing.Optional[int] = None,
    ) -> ClientSession:
        """The native session behind :meth:`session` (awaitable calls:
        :class:`AsyncOAuthClient`)."""
        return super().session(tokens, persister(on_persist), refresh_margin)

    def shared_session(  # type: ignore[override]
        self,
        store: TokenStore,
        connection: str = "default",
        tokens: typing.Optional[TokenSet] = None,
        lease_ttl_ms: typing.Optional[int] = None,
    ) -> Session:
        """A :class:`Session` shared by every process that opens
        ``connection`` (e.g. a user id) in ``store`` (e.g. :class:`RedisStore`):
        one renewal per expiry across all of them. ``tokens`` (fresh from
        :meth:`exchange`) go into the store unless it holds newer ones;
        ``lease_ttl_ms`` (default 60 s) must exceed the transport's timeout."""
        return Session(super().shared_session(store, connection, tokens, lease_ttl_ms))
