"""A FastAPI back end on many worker processes sharing one Makini Link
connection: the user logs in once (``/login``, ``/callback``), and every
worker then calls the API (``/sites``) with the tokens kept in Redis,
renewed once per expiry across all the workers, whichever of them first
finds the token due or refused. asyncio all the way: no call blocks a
worker's event loop.

    uvicorn app:app --app-dir examples/fastapi --workers 4

Settings come from the environment, never the command line:

- ``MAKINI_CLIENT_ID``, ``MAKINI_CLIENT_SECRET``, ``MAKINI_REDIRECT_URI``
  (this app's ``/callback``, as registered with Makini);
- ``MAKINI_AUTHORIZATION_URL``, ``MAKINI_TOKEN_URL``, ``MAKINI_API_BASE``:
  optional, Makini's own by default (the tests point them at the local
  providers);
- ``REDIS_URL``: ``rediss://:PASSWORD@host:6380/0`` (plain ``redis://``
  only to this host).

One connection (``CONNECTION``) for the whole app keeps the example short;
an app whose users each connect their own Makini system names the
connection after the user.
"""

from __future__ import annotations

import contextlib
import os
import typing

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse

import authflowkit
from authflowkit.aio import AsyncOAuthClient, AsyncRedisStore, AsyncSession

#: Whose tokens these are, the same name in every worker.
CONNECTION = "default"
#: The cookie that carries the pending authorization across the redirect
#: (the callback may reach another worker).
PENDING = "makini_pending"


class Makini:
    """One worker's share of the connection: the client, its store and the
    shared session (made at start-up, without tokens: it reads them from
    the store)."""

    def __init__(self) -> None:
        env = os.environ
        client = authflowkit.connect(
            "makini_link", client_id=env["MAKINI_CLIENT_ID"], client_secret=env["MAKINI_CLIENT_SECRET"],
            redirect_uri=env["MAKINI_REDIRECT_URI"], authorization_url=env.get("MAKINI_AUTHORIZATION_URL"),
            token_url=env.get("MAKINI_TOKEN_URL"), api_base=env.get("MAKINI_API_BASE"))
        self.oauth = AsyncOAuthClient(client)
        # One per event loop: its connections belong to this worker's loop.
        self.store = AsyncRedisStore(env["REDIS_URL"])
        self.session: AsyncSession = self.oauth.shared_session(self.store, CONNECTION)


@contextlib.asynccontextmanager
async def lifespan(app: FastAPI) -> typing.AsyncIterator[None]:
    app.state.makini = Makini()
    yield
    await app.state.makini.store.aclose()


app = FastAPI(lifespan=lifespan)


def makini(request: Request) -> Makini:
    return typing.cast(Makini, request.app.state.makini)


@app.get("/login")
async def login(request: Request) -> RedirectResponse:
    """Sends the user to Makini, the pending authorization in a cookie."""
    start = await makini(request).oauth.authorization_url()
    response = RedirectResponse(start.url, status_code=302)
    # HttpOnly; add secure=True behind HTTPS.
    response.set_cookie(PENDING, start.pending, httponly=True, samesite="lax", max_age=600)
    return response


@app.get("/callback")
async def callback(request: Request) -> JSONResponse:
    """Exchanges the code; the tokens go into the store, where every
    worker's session finds them."""
    pending = request.cookies.get(PENDING)
    if pending is None:
        return JSONResponse({"error": "no login in progress", "login": "/login"}, status_code=400)
    m = makini(request)
    try:
        tokens = await m.oauth.exchange(str(request.url), pending)
    except authflowkit.AuthflowError as error:
        return JSONResponse({"error": error.kind.value, "action": error.action.value}, status_code=400)
    m.session = m.oauth.shared_session(m.store, CONNECTION, tokens=tokens)
    await m.session.access_token()  # written to the store before the answer
    response = JSONResponse({"connected": True})
    response.delete_cookie(PENDING)
    return response


@app.get("/sites")
async def sites(request: Request) -> JSONResponse:
    """Makini's sites, with the connection's tokens (renewed when due or
    refused, once across all workers)."""
    try:
        answer = await makini(request).session.get("sites")
    except authflowkit.AuthflowError as error:
        if error.action == authflowkit.Action.AUTHORIZE_AGAIN:
            return JSONResponse({"error": error.kind.value, "login": "/login"}, status_code=401)
        # Retry later (a store or the provider unavailable): the kind, never a token.
        return JSONResponse({"error": error.kind.value, "retry_after": error.retry_after}, status_code=503)
    return JSONResponse({"worker": os.getpid(), "status": answer.status_code, "sites": answer.json()},
                        status_code=200 if answer.status_code == 200 else 502)
