"""authflow: one OAuth 2.0 client core for Makini Link, the Makini Admin
API, MakeShift and any standards-following server.

Three levels, the same as in Kotlin and Swift:

* sans-IO: :class:`Client` builds every request as an :class:`HttpRequest`
  and parses every :class:`HttpResponse`; :class:`Session` is the renewal
  state machine; :class:`PendingAuthorization` resumes in any runtime.
* client: :class:`OAuthClient` runs each flow over an :class:`HttpTransport`
  (default: :class:`UrllibTransport`, the standard library's
  ``urllib.request``), blocking; :class:`AsyncOAuthClient` awaits it under
  asyncio.
* session: :meth:`OAuthClient.session` keeps tokens fresh, one renewal at a
  time however many threads ask, and calls ``on_persist`` with every token
  set to store. :meth:`OAuthClient.shared_session` does it for many
  processes through a :class:`TokenStore` (:class:`RedisStore`): one
  renewal per expiry across all of them.

Errors are :class:`AuthflowError` (aliases: :data:`OAuthError`,
:data:`CallbackError`, :data:`HttpError`, :data:`TransportError`, ...), each
with ``kind``, ``action``, ``retry_after``, ``status``, ``provider_code``,
``provider_description``, ``request_id``. Nothing secret is ever in an
error, a ``repr`` or a ``str``.

A Makini Link back end::

    import authflow
    makini = authflow.connect(authflow.Profile.makini_link(), client_id=ID,
                              client_secret=SECRET, redirect_uri=REDIRECT)
    start = makini.authorization_url()      # redirect to start.url, keep start.pending
    tokens = makini.exchange(callback_url, start.pending)
    conn = makini.session(tokens, on_persist=lambda t: db.save(t.to_json()))
    sites = conn.get("sites").json()
"""

from __future__ import annotations

from ._native import *  # noqa: F401,F403
from ._native import (
    Action,
    AuthflowError,
    ClientSession,
    Client,
    DiscoveryDocument,
    EndpointRole,
    HttpResponse,
    Profile,
    TokenSet,
    discover,
    discover_async,
    error_kind_name,
    action_name,
)
from ._native import OAuthClient as _NativeOAuthClient
from ._defaults import (
    SystemEnvironment,
    UrllibTransport,
    raise_timeout_error,
    raise_transport_error,
    persister,
)
from ._aio import AsyncOAuthClient, AsyncSession
from ._redis import RedisStore

import json as _json
import typing as _typing

#: The provider answered with an OAuth error code.
OAuthError = AuthflowError.OAuth
#: The redirect failed a check (state, issuer, age, code).
CallbackError = AuthflowError.Callback
#: An HTTP status without an OAuth error code (401, 403, 429, 5xx, ...).
HttpError = AuthflowError.Http
#: No response came back.
TransportError = AuthflowError.Transport
#: A response could not be understood.
InvalidResponseError = AuthflowError.InvalidResponse
#: The configuration or an input is wrong.
ConfigurationError = AuthflowError.Configuration
#: No usable token, and only the user can grant one.
AuthorizationRequiredError = AuthflowError.AuthorizationRequired
#: A stored value is corrupt or of an unknown version.
InvalidStoredValueError = AuthflowError.InvalidStoredValue


def _response_json(self: HttpResponse) -> _typing.Any:
    """The body parsed as JSON."""
    return _json.loads(self.body.decode("utf-8"))


def _response_text(self: HttpResponse) -> str:
    """The body decoded as UTF-8."""
    return self.body.decode("utf-8")


HttpResponse.json = _response_json  # type: ignore[attr-defined]
HttpResponse.text = _response_text  # type: ignore[attr-defined]


class OAuthClient(_NativeOAuthClient):
    """A client over an HTTP transport (default: :class:`UrllibTransport`)
    and an environment (default: :class:`SystemEnvironment`, the system
    clock and ``os.urandom``). Every flow blocks the calling thread;
    :class:`AsyncOAuthClient` has the same methods as coroutines."""

    def __init__(
        self,
        client: Client,
        transport: _typing.Optional[HttpTransport] = None,  # noqa: F405
        environment: _typing.Optional[Environment] = None,  # noqa: F405
    ) -> None:
        self.transport = transport if transport is not None else UrllibTransport()
        self.environment = environment if environment is not None else SystemEnvironment()
        super().__init__(client, self.transport, self.environment)

    def session(  # type: ignore[override]
        self,
        tokens: _typing.Optional[TokenSet] = None,
        on_persist: _typing.Union[None, TokenPersister, _typing.Callable[[TokenSet], None]] = None,  # noqa: F405
        refresh_margin: _typing.Optional[int] = None,
    ) -> ClientSession:
        """A session that keeps ``tokens`` fresh (or, with none, logs in on
        first use where the flow allows it: client credentials, MakeShift).
        ``on_persist(tokens)`` gets every token set to store (a rotated pair
        before any caller sees the new access token)."""
        return super().session(tokens, persister(on_persist), refresh_margin)


def connect(
    profile: Profile,
    client_id: str,
    client_secret: _typing.Optional[str] = None,
    redirect_uri: _typing.Optional[str] = None,
    scopes: _typing.Sequence[str] = (),
    transport: _typing.Optional[HttpTransport] = None,  # noqa: F405
    environment: _typing.Optional[Environment] = None,  # noqa: F405
) -> OAuthClient:
    """An :class:`OAuthClient` for ``profile`` and this application's
    registration (for MakeShift: ``client_id`` is the API key and
    ``client_secret`` the API secret)."""
    client = Client(profile, client_id, client_secret=client_secret,
                    redirect_uri=redirect_uri, scopes=list(scopes))
    return OAuthClient(client, transport, environment)


def discover_profile(
    issuer: str,
    document: DiscoveryDocument = DiscoveryDocument.O_AUTH_AUTHORIZATION_SERVER,
    transport: _typing.Optional[HttpTransport] = None,  # noqa: F405
) -> Profile:
    """A generic profile from an issuer's RFC 8414 (or OpenID) metadata."""
    return discover(issuer, document, transport if transport is not None else UrllibTransport())


__all__ = [name for name in dir() if not name.startswith("_")]
