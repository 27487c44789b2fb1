"""Fixtures: the local providers (tests/providers, started as a process on
127.0.0.1), their control API, and a clock that follows theirs."""

from __future__ import annotations

import asyncio
import json
import os
import pathlib
import subprocess
import sys
import threading
import time
import typing
import urllib.error
import urllib.request

import pytest

import authflowkit as af
from authflowkit import aio

HERE = pathlib.Path(__file__).resolve().parent
REPO = HERE.parents[2]
sys.path.insert(0, str(HERE))


class Providers:
    """The running `authflow-providers` and its control API."""

    def __init__(self, urls: dict) -> None:
        self.urls = urls
        self.control = urls["control"]

    def call(self, method: str, path: str, body: typing.Optional[dict] = None) -> dict:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.control + path, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as answer:
            return json.loads(answer.read())

    def now(self) -> int:
        return int(self.call("GET", "/clock")["now"])

    def advance(self, seconds: int) -> int:
        return int(self.call("POST", "/clock", {"advance": seconds})["now"])

    def stats(self) -> dict:
        return self.call("GET", "/stats")

    def client_stats(self, client_id: str) -> dict:
        return self.stats()["clients"].get(client_id, {})

    def fault(self, endpoint: str, fault: str, **spec: typing.Any) -> None:
        self.call("POST", "/fault", {"endpoint": endpoint, "fault": fault, **spec})

    def reset(self) -> None:
        self.call("POST", "/reset", {})


class ProviderClock(af.sansio.Environment):
    """The providers' clock, as the session's `now`: real time plus the
    offset the providers' clock was moved by (through :meth:`advance`),
    and os.urandom."""

    def __init__(self, providers: Providers) -> None:
        self._providers = providers
        self._offset = providers.now() - int(time.time())

    def advance(self, seconds: int) -> int:
        """Moves the providers' clock and this one together."""
        server_now = self._providers.advance(seconds)
        self._offset = server_now - int(time.time())
        return server_now

    def now(self) -> int:
        return int(time.time()) + self._offset

    def random_bytes(self, len: int) -> bytes:  # noqa: A002
        return os.urandom(len)


@pytest.fixture(scope="session")
def providers_process() -> typing.Iterator[Providers]:
    binary = os.environ.get("AUTHFLOW_PROVIDERS_BIN", str(REPO / "target" / "debug" / "authflow-providers"))
    process = subprocess.Popen([binary], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line, "authflow-providers printed nothing"
        yield Providers(json.loads(line))
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture()
def providers(providers_process: Providers) -> Providers:
    providers_process.reset()
    return providers_process


@pytest.fixture()
def clock(providers: Providers) -> ProviderClock:
    return ProviderClock(providers)


def authorize(url: str) -> str:
    """What the local Makini Link does with the user: the redirect target."""
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            return None

    opener = urllib.request.build_opener(NoRedirect())
    try:
        opener.open(url, timeout=30)
    except urllib.error.HTTPError as answer:
        assert answer.code == 302, f"authorize answered {answer.code}"
        return answer.headers["Location"]
    raise AssertionError("authorize did not redirect")


def wait_until(predicate: typing.Callable[[], bool], limit: float = 30.0) -> None:
    """Polls `predicate` (a failure guard for process start-up, not a timing assertion)."""
    deadline = time.monotonic() + limit
    while not predicate():
        assert time.monotonic() < deadline, "condition not met"
        time.sleep(0.05)


class Blocking:
    """An :class:`authflowkit.aio.AsyncRedisStore` called from blocking test
    code: each call runs to completion on the adapter's own event loop."""

    def __init__(self, store: aio.AsyncRedisStore) -> None:
        self._store = store
        self._loop = asyncio.new_event_loop()

    def __repr__(self) -> str:
        return repr(self._store)

    def __getattr__(self, name: str) -> typing.Callable[..., typing.Any]:
        method = getattr(self._store, name)
        return lambda *args: self._loop.run_until_complete(method(*args))


#: Both Redis stores, as the store tests make them: the blocking one, and
#: the asyncio one behind :class:`Blocking`.
REDIS_STORES: typing.Dict[str, typing.Callable[..., typing.Any]] = {
    "blocking": af.RedisStore,
    "asyncio": lambda *args, **kwargs: Blocking(aio.AsyncRedisStore(*args, **kwargs)),
}


def watched_transport(sent: threading.Event) -> af.UrllibTransport:
    """urllib, setting ``sent`` when an awaited request goes out."""

    class Watched(af.UrllibTransport):
        async def send_async(self, request: af.sansio.HttpRequest) -> af.sansio.HttpResponse:
            sent.set()
            return await super().send_async(request)

    return Watched()
