"""The asyncio client: the same flows as :class:`authflow.OAuthClient`,
as coroutines. Renewals are single-flight across coroutines and threads
alike (one session may serve both)."""

from __future__ import annotations

import typing

from ._native import (
    AuthorizationOptions,
    AuthorizationStart,
    ClientSession,
    HttpResponse,
    Introspection,
    Method,
    TokenInfo,
    TokenSet,
    TokenTypeHint,
)

if typing.TYPE_CHECKING:  # pragma: no cover
    from . import OAuthClient


class AsyncSession:
    """A :class:`authflow.ClientSession` whose calls are awaitable.

    Cancelling a task that waits here never loses tokens: a renewal belongs
    to the session, not to the task that sent it, so it completes, its
    answer (a rotated pair) goes to ``on_persist``, and the next call uses
    it. No ``asyncio.shield`` is needed."""

    def __init__(self, session: ClientSession) -> None:
        self.session = session

    async def access_token(self) -> str:
        """A valid access token, renewing first when due."""
        return await self.session.access_token_async()

    async def request(self, method: Method, path: str, body: typing.Optional[bytes] = None) -> HttpResponse:
        """A bearer API call; renews once and retries when the token is refused."""
        return await self.session.request_async(method, path, body)

    async def get(self, path: str) -> HttpResponse:
        """``GET path`` with :meth:`request`."""
        return await self.session.get_async(path)

    async def token_info(self) -> TokenInfo:
        """MakeShift's token info; corrects the token's expiry."""
        return await self.session.token_info_async()

    def token_set(self) -> typing.Optional[TokenSet]:
        """The current token set."""
        return self.session.token_set()

    def next_renewal(self) -> typing.Optional[int]:
        """When renewal is next due (Unix seconds)."""
        return self.session.next_renewal()

    def __repr__(self) -> str:
        return f"AsyncSession({self.session!r})"


class AsyncOAuthClient:
    """An awaitable client: ``await client.exchange(...)`` and so on,
    over the transport's ``send_async`` (for :class:`UrllibTransport`,
    urllib in the loop's executor)."""

    def __init__(self, client: "OAuthClient") -> None:
        self.client = client

    def authorization_url(self, options: typing.Optional[AuthorizationOptions] = None) -> AuthorizationStart:
        """The authorization URL and the pending string to keep (no IO)."""
        return self.client.authorization_url(options)

    async def exchange(self, callback_url: str, pending: str) -> TokenSet:
        """Validates the redirect and exchanges the code."""
        return await self.client.exchange_async(callback_url, pending)

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

    def session(self, tokens: typing.Optional[TokenSet] = None, on_persist: typing.Any = None,
                refresh_margin: typing.Optional[int] = None) -> AsyncSession:
        """An awaitable session (see :meth:`authflow.OAuthClient.session`)."""
        return AsyncSession(self.client.session(tokens, on_persist, refresh_margin))

    def __repr__(self) -> str:
        return f"AsyncOAuthClient({self.client!r})"
