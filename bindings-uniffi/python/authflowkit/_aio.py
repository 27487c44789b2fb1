"""The asyncio client: the same flows as :class:`authflowkit.OAuthClient`,
as coroutines. Renewals are single-flight across coroutines and threads
alike (one session may serve both), and with
:meth:`AsyncOAuthClient.shared_session` across processes."""

from __future__ import annotations

import asyncio
import typing

from ._client import AuthorizationStart, DeviceCode, OnPersist, Response, Session, api_call, device_flow
from ._errors import AuthflowError
from ._native import (
    AsyncSharedSession,
    AsyncTokenStore,
    AuthorizationOptions,
    ClientSession,
    HttpResponse,
    Introspection,
    IssuedToken,
    LogoutOptions,
    Method,
    TokenExchange,
    TokenInfo,
    TokenSet,
    TokenTypeHint,
    UserInfo,
)

if typing.TYPE_CHECKING:  # pragma: no cover
    from ._client import OAuthClient


class AsyncSession:
    """A :class:`authflowkit.Session` whose calls are awaitable: over one
    process's tokens (:meth:`AsyncOAuthClient.session`) or a connection
    shared by many processes (:meth:`AsyncOAuthClient.shared_session`).

    Cancelling a task that waits here never loses tokens: a renewal (and,
    shared, each store operation) belongs to the session, not to the task
    that started it, so it completes, its answer (a rotated pair) goes to
    ``on_persist`` or the store, and the next call uses it. No
    ``asyncio.shield`` is needed."""

    def __init__(self, session: typing.Union[Session, ClientSession, AsyncSharedSession]) -> None:
        native = session.native if isinstance(session, Session) else session
        if not isinstance(native, (ClientSession, AsyncSharedSession)):
            raise TypeError("a blocking shared session has no awaitable calls: "
                            "use AsyncOAuthClient.shared_session with an asynchronous store")
        self._session: typing.Union[ClientSession, AsyncSharedSession] = native

    @property
    def native(self) -> typing.Union[ClientSession, AsyncSharedSession]:
        """The native session (for :mod:`authflowkit.sansio` users)."""
        return self._session

    async def access_token(self) -> str:
        """A valid access token, renewing first when due."""
        return await self._session.access_token_async()

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: typing.Optional[typing.Mapping[str, typing.Any]] = None,
        json: typing.Any = None,
        body: typing.Optional[bytes] = None,
        headers: typing.Optional[typing.Mapping[str, str]] = None,
    ) -> Response:
        """As :meth:`authflowkit.Session.request`, awaited."""
        call = api_call(method, path, params, json, body, headers)
        return Response(await self._session.request_async(call.method, call.path, call.body, call.headers))

    async def get(self, path: str, *, params: typing.Optional[typing.Mapping[str, typing.Any]] = None,
                  headers: typing.Optional[typing.Mapping[str, str]] = None) -> Response:
        """``GET path`` (see :meth:`request`)."""
        return await self.request("GET", path, params=params, headers=headers)

    async def post(self, path: str, *, json: typing.Any = None, body: typing.Optional[bytes] = None,
                   headers: typing.Optional[typing.Mapping[str, str]] = None) -> Response:
        """``POST path`` (see :meth:`request`)."""
        return await self.request("POST", path, json=json, body=body, headers=headers)

    async def token_info(self) -> TokenInfo:
        """MakeShift's token info; corrects the token's expiry (not on a
        shared session: a TypeError)."""
        if not isinstance(self._session, ClientSession):
            raise TypeError("token_info corrects one process's tokens: not on a shared session")
        return await self._session.token_info_async()

    def token_set(self) -> typing.Optional[TokenSet]:
        """The current token set."""
        return self._session.token_set()

    def __repr__(self) -> str:
        return f"AsyncSession({self._session!r})"


class AsyncOAuthClient:
    """An awaitable client: ``await client.exchange(...)`` and so on,
    over the transport's ``send_async`` (for :class:`UrllibTransport`,
    urllib in the loop's executor)."""

    def __init__(self, client: "OAuthClient") -> None:
        self.client = client

    async def authorization_url(self, options: typing.Optional[AuthorizationOptions] = None) -> AuthorizationStart:
        """The authorization URL and the pending string to keep: awaited,
        as with pushed authorization requests (RFC 9126) it first posts the
        parameters to the PAR endpoint (see
        :meth:`authflowkit.OAuthClient.authorization_url`)."""
        start = await self.client.authorization_url_async(options)
        return AuthorizationStart(start.url, start.pending)

    async def exchange(self, callback_url: str, pending: str) -> TokenSet:
        """Validates the redirect and exchanges the code (and, from an
        OpenID Provider, validates the ID token: see
        :meth:`authflowkit.OAuthClient.exchange`)."""
        return await self.client.exchange_async(callback_url, pending)

    async def userinfo(self, tokens: TokenSet) -> UserInfo:
        """The user's claims from the OpenID UserInfo endpoint (its ``sub``
        checked against the ID token's)."""
        return await self.client.userinfo_async(tokens)

    def logout_url(self, tokens: typing.Optional[TokenSet] = None,
                   options: typing.Optional[LogoutOptions] = None) -> str:
        """The OpenID end-session URL to send the user to (no IO)."""
        return self.client.logout_url(tokens, options)

    async def device_login(
        self,
        on_code: typing.Callable[[DeviceCode], None],
        sleep: typing.Callable[[float], typing.Awaitable[None]] = asyncio.sleep,
    ) -> TokenSet:
        """As :meth:`authflowkit.OAuthClient.device_login`, awaited: the
        requests over the transport's ``send_async``, the waits with
        ``sleep`` (``asyncio.sleep``)."""
        client = self.client
        flow = device_flow(client, client.environment.now, on_code)
        step = next(flow)
        while True:
            try:
                if isinstance(step, float):
                    await sleep(step)
                    step = flow.send(None)
                    continue
                try:
                    answer = await client.transport.send_async(step)
                except AuthflowError as failure:
                    step = flow.throw(failure)
                    continue
                step = flow.send(answer)
            except StopIteration as done:
                return await client.check_device_login_async(typing.cast(TokenSet, done.value))

    async def refresh(self, tokens: TokenSet) -> TokenSet:
        """Refreshes ``tokens``."""
        return await self.client.refresh_async(tokens)

    async def client_credentials(self) -> TokenSet:
        """The client-credentials grant."""
        return await self.client.client_credentials_async()

    async def password(self, username: str, password: str) -> TokenSet:
        """The password grant."""
        return await self.client.password_async(username, password)

    async def reauthenticate(self) -> TokenSet:
        """New tokens without the user, as the profile says."""
        return await self.client.reauthenticate_async()

    async def token_exchange(self, exchange: TokenExchange) -> IssuedToken:
        """Exchanges a token (RFC 8693): see
        :meth:`authflowkit.OAuthClient.token_exchange`."""
        return await self.client.token_exchange_async(exchange)

    async def revoke(self, token: str, hint: TokenTypeHint) -> None:
        """Revokes a token (RFC 7009)."""
        await self.client.revoke_async(token, hint)

    async def introspect(self, token: str, hint: TokenTypeHint) -> Introspection:
        """Introspects a token (RFC 7662)."""
        return await self.client.introspect_async(token, hint)

    async def token_info(self, access_token: str) -> TokenInfo:
        """MakeShift's token info."""
        return await self.client.token_info_async(access_token)

    async def api(self, access_token: str, method: Method, path: str, body: typing.Optional[bytes] = None) -> HttpResponse:
        """A bearer API call."""
        return await self.client.api_async(access_token, method, path, body)

    def session(self, tokens: typing.Optional[TokenSet] = None, on_persist: OnPersist = None,
                refresh_margin: typing.Optional[int] = None) -> AsyncSession:
        """An awaitable session (see :meth:`authflowkit.OAuthClient.session`)."""
        return AsyncSession(self.client.native_session(tokens, on_persist, refresh_margin))

    def shared_session(self, store: AsyncTokenStore, connection: str = "default",
                       tokens: typing.Optional[TokenSet] = None,
                       lease_ttl_ms: typing.Optional[int] = None) -> AsyncSession:
        """An awaitable session whose tokens are shared through ``store``
        (:class:`authflowkit.aio.AsyncRedisStore`) with every process that
        uses the same provider, client and ``connection`` name, blocking,
        asyncio or Rust: one renewal per expiry across all of them, and no
        call blocks the event loop. ``tokens`` and ``lease_ttl_ms`` as in
        :meth:`authflowkit.OAuthClient.shared_session`."""
        return AsyncSession(self.client.async_shared_session(store, connection, tokens, lease_ttl_ms))

    def __repr__(self) -> str:
        return f"AsyncOAuthClient({self.client!r})"
