"""asyncio, in one place: :class:`AsyncOAuthClient` and its
:class:`AsyncSession` (also at the top level), and the shared session's
stores: :class:`AsyncRedisStore` over ``redis.asyncio``, or your own
:class:`AsyncTokenStore` (four ``async`` methods).

A web app with many workers (``uvicorn --workers 4``) keeps one connection's
tokens in Redis and renews them once per expiry across every worker::

    from authflowkit.aio import AsyncRedisStore

    store = AsyncRedisStore("rediss://:PASSWORD@redis.internal:6380/0")   # one per event loop
    session = authflowkit.AsyncOAuthClient(client).shared_session(store, "default")
    sites = (await session.get("sites")).json()
"""

from __future__ import annotations

from ._aio import AsyncOAuthClient, AsyncSession
from ._native import AsyncTokenStore
from ._redis import AsyncRedisStore

__all__ = ["AsyncOAuthClient", "AsyncSession", "AsyncRedisStore", "AsyncTokenStore"]
