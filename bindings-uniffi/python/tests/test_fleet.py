"""Fleets from Python: processes sharing one Makini Link connection through
:class:`authflowkit.RedisStore` (redis-py), :class:`authflowkit.aio.AsyncRedisStore`
(redis.asyncio) and a redis-server started here on 127.0.0.1, against the
local providers whose clock the test moves past expiry. The protocol is
the core's; only the store is Python."""

from __future__ import annotations

import asyncio
import json
import pathlib
import shutil
import socket
import subprocess
import sys
import threading
import time
import typing

import pytest

import authflowkit as af
from conftest import REDIS_STORES, REPO, ProviderClock, Providers, wait_until, watched_transport
from test_e2e import link_client, logged_in
from authflowkit import aio

HERE = pathlib.Path(__file__).resolve().parent
PASSWORD = "py-fleet-redis-password"
EXPIRY_STEP = 30 * 86400 + 3600  # past the access token, within the refresh token


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture()
def redis_url() -> typing.Iterator[str]:
    server = shutil.which("redis-server")
    assert server, "redis-server is missing: scripts/redis-tools.sh installs it"
    port = free_port()
    process = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--requirepass", PASSWORD], stdout=subprocess.DEVNULL)
    url = f"redis://:{PASSWORD}@127.0.0.1:{port}/0"
    try:
        store = af.RedisStore(url)

        def up() -> bool:
            try:
                store.get("ping")
                return True
            except af.AuthflowError:
                return False
        wait_until(up)
        yield url
    finally:
        process.kill()
        process.wait()


@pytest.mark.parametrize("make", REDIS_STORES.values(), ids=REDIS_STORES.keys())
def test_redis_store_keeps_the_contract_and_hides_its_password(
        redis_url: str, make: typing.Callable[..., typing.Any]) -> None:
    store = make(redis_url)
    assert PASSWORD not in repr(store) and "127.0.0.1" in repr(store)
    assert store.get("k") is None
    assert not store.compare_and_set("k", 3, 4, "x")
    assert store.compare_and_set("k", 0, 1, "one")
    got = store.get("k")
    assert got is not None and (got.generation, got.value) == (1, "one")
    assert "one" not in repr(got)  # a stored value is a secret
    assert not store.compare_and_set("k", 0, 1, "again") and store.compare_and_set("k", 1, 2, "two")
    assert store.take_lease("l", "a", 200) and not store.take_lease("l", "b", 200)
    store.release_lease("l", "b")
    assert not store.take_lease("l", "b", 200)
    store.release_lease("l", "a")
    assert store.take_lease("l", "b", 150)
    time.sleep(0.25)
    assert store.take_lease("l", "c", 60_000)
    # An unreachable store: a typed, retryable error without the password.
    gone = make(f"redis://:{PASSWORD}@127.0.0.1:{free_port()}/0", timeout=1.0)
    with pytest.raises(af.TransportError) as caught:
        gone.get("k")
    assert caught.value.kind == "store_unavailable"
    assert caught.value.action == "retry"
    assert PASSWORD not in str(caught.value)


def test_python_and_rust_processes_one_refresh_per_expiry(
    providers: Providers, clock: ProviderClock, redis_url: str, tmp_path: pathlib.Path
) -> None:
    """Two blocking Python processes (8 threads each), two asyncio Python
    processes (8 tasks each) and two Rust ones (the `fleet-worker` of
    examples/, 4 threads each) on one connection."""
    expiries, connection = 3, "fleet-test"
    rust_worker = REPO / "target" / "debug" / "fleet-worker"
    assert rust_worker.exists(), "build it: cargo build -p authflow-examples --bin fleet-worker"
    client, tokens = logged_in(providers, clock)
    # Asyncio tasks call faster than threads: past the 1,000 calls an access
    # token may make by default, the API would answer 429.
    providers.call("POST", "/config", {"api_budget": 1_000_000})
    (tmp_path / "clock").write_text(str(clock.now() - int(time.time())))
    # The test's own process puts the connection in the store (generation 1).
    seeding = client.shared_session(af.RedisStore(redis_url), connection=connection, tokens=tokens)
    assert seeding.access_token() == tokens.access_token() and seeding.native.generation() == 1
    urls = json.dumps(providers.urls)
    callers = [8, 8, 8, 8, 4, 4]
    workers = [
        subprocess.Popen([sys.executable, str(HERE / "fleet_worker.py"), urls, redis_url,
                          str(tmp_path), str(callers[index]), connection, mode])
        for index, mode in enumerate(["threads", "threads", "asyncio", "asyncio"])
    ] + [
        subprocess.Popen([str(rust_worker), "--redis", redis_url, "--urls", urls, "--dir", str(tmp_path),
                          "--threads", "4", "--connections", "link", "--lease-ttl-ms", "2000"])
        for _ in range(2)
    ]
    threads = {worker.pid: callers[index] for index, worker in enumerate(workers)}

    def statuses() -> list:
        found = []
        for worker in workers:
            try:
                found.append(json.loads((tmp_path / f"status-{worker.pid}.json").read_text()))
            except (OSError, ValueError):
                found.append({})
        return found

    try:
        offset = int((tmp_path / "clock").read_text())
        wait_until(lambda: all(s.get("epochs", {}).get("link") == offset for s in statuses()), limit=60)
        before = providers.client_stats("link-client")
        took = []
        for _ in range(expiries):
            (tmp_path / "pause").write_text("")
            wait_until(lambda: all(s.get("paused") == threads[w.pid] for s, w in zip(statuses(), workers)),
                       limit=60)
            clock.advance(EXPIRY_STEP)
            offset = clock.now() - int(time.time())
            (tmp_path / ".clock").write_text(str(offset))
            (tmp_path / ".clock").replace(tmp_path / "clock")
            (tmp_path / "pause").unlink()
            start = time.monotonic()
            wait_until(lambda: all(s.get("epochs", {}).get("link") == offset for s in statuses()), limit=60)
            took.append(time.monotonic() - start)
    finally:
        (tmp_path / "stop").write_text("")
        codes = [worker.wait(timeout=60) for worker in workers]
    after = providers.client_stats("link-client")
    final = statuses()
    print(f"python + rust fleet: 2 Python x 8 threads, 2 asyncio Python x 8 tasks, 2 Rust x 4 threads, "
          f"{expiries} expiries: "
          f"{after['refreshes'] - before['refreshes']} refreshes, {after['replays']} replays, "
          f"{sum(s['calls'] for s in final)} API calls; all callers on the new token after "
          f"{1000 * max(took):.0f} ms at worst")
    assert codes == [0] * len(workers)
    assert after["refreshes"] - before["refreshes"] == expiries
    assert after["replays"] == 0
    assert all(s["errors"] == {} for s in final), final


def test_a_pair_the_store_failed_to_take_reaches_it_once_it_answers_without_a_call(
    providers: Providers, clock: ProviderClock, redis_url: str
) -> None:
    """Redis fails the write after a renewal: the blocking shared session
    writes the rotated pair from a thread of the library's (calling this
    Python store there) once Redis answers again, with no call of the
    session meanwhile; another process then uses that pair instead of
    renewing with the refresh token the provider killed."""
    writes_fail = threading.Event()
    written: list[str] = []

    class Flaky(af.RedisStore):
        def compare_and_set(self, key: str, expected: int, new_generation: int, value: str) -> bool:
            if writes_fail.is_set():
                af.sansio.raise_store_error("Redis: down for the test")
            done = super().compare_and_set(key, expected, new_generation, value)
            if done:
                written.append(value)
            return done

    class DownAfterAnswer(af.UrllibTransport):
        """Takes Redis down once the provider has answered a token request."""

        def send(self, request: af.sansio.HttpRequest) -> af.sansio.HttpResponse:
            response = super().send(request)
            if request.body and b"grant_type=refresh_token" in request.body:
                writes_fail.set()
            return response

    _, tokens = logged_in(providers, clock)
    client = link_client(providers, clock, transport=DownAfterAnswer())
    shared = client.shared_session(Flaky(redis_url), connection="unwritten", tokens=tokens)
    assert shared.access_token() == tokens.access_token()
    clock.advance(EXPIRY_STEP)
    renewed = shared.access_token()
    assert renewed != tokens.access_token() and writes_fail.is_set()
    assert not any(renewed in value for value in written), "the write did not fail"
    writes_fail.clear()
    wait_until(lambda: any(renewed in value for value in written))
    other = link_client(providers, clock).shared_session(af.RedisStore(redis_url), connection="unwritten")
    assert other.access_token() == renewed
    stats = providers.client_stats("link-client")
    assert (stats["refreshes"], stats["replays"]) == (1, 0)


def test_asyncio_shared_session_a_cancelled_renewal_still_reaches_the_store(
    providers: Providers, clock: ProviderClock, redis_url: str
) -> None:
    """A task whose renewal is in flight is cancelled: the renewal is the
    session's, so the rotated pair still reaches Redis (written, the lease
    released) and another session on the connection uses it without a
    second refresh."""
    sent = threading.Event()
    client, tokens = logged_in(providers, clock)
    watched = aio.AsyncOAuthClient(link_client(providers, clock, transport=watched_transport(sent)))
    blocking = af.RedisStore(redis_url)
    key_tokens = client.shared_session(blocking, connection="cancelled", tokens=tokens)
    assert key_tokens.access_token() == tokens.access_token()
    clock.advance(EXPIRY_STEP)
    # The provider takes 1.5 s, and rotates the pair whatever the client does meanwhile.
    providers.fault("makini_link.token", "slow", delay_ms=1500)

    async def main() -> str:
        store = aio.AsyncRedisStore(redis_url)
        shared = watched.shared_session(store, "cancelled", lease_ttl_ms=10_000)
        carrier = asyncio.ensure_future(shared.access_token())
        while not sent.is_set():
            await asyncio.sleep(0.01)
        carrier.cancel()
        with pytest.raises(asyncio.CancelledError):
            await carrier
        # Another session on the connection (a blocking one, in a thread: this
        # loop must keep running the store operations) finds the pair in Redis.
        renewed = await asyncio.get_running_loop().run_in_executor(None, key_tokens.access_token)
        assert await shared.access_token() == renewed
        await store.aclose()
        return renewed

    renewed = asyncio.run(main())
    assert renewed != tokens.access_token()
    stats = providers.client_stats("link-client")
    assert (stats["refreshes"], stats["replays"]) == (1, 0)
