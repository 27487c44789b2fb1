"""Fleets from Python: processes sharing one Makini Link connection through
:class:`authflowkit.RedisStore` (redis-py) and a redis-server started here on
127.0.0.1, against the local providers whose clock the test moves past
expiry. The protocol is the core's; only the store is Python."""

from __future__ import annotations

import json
import pathlib
import shutil
import socket
import subprocess
import sys
import time
import typing

import pytest

import authflowkit as af
from conftest import REPO, ProviderClock, Providers, wait_until
from test_e2e import logged_in

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


def test_redis_store_keeps_the_contract_and_hides_its_password(redis_url: str) -> None:
    store = af.RedisStore(redis_url)
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
    gone = af.RedisStore(f"redis://:{PASSWORD}@127.0.0.1:{free_port()}/0", timeout=1.0)
    with pytest.raises(af.TransportError) as caught:
        gone.get("k")
    assert caught.value.kind == "store_unavailable"
    assert caught.value.action == "retry"
    assert PASSWORD not in str(caught.value)


def test_python_and_rust_processes_one_refresh_per_expiry(
    providers: Providers, clock: ProviderClock, redis_url: str, tmp_path: pathlib.Path
) -> None:
    """Three Python processes (8 threads each) and two Rust ones (the
    `fleet-worker` of examples/, 4 threads each) on one connection."""
    expiries, connection = 3, "fleet-test"
    rust_worker = REPO / "target" / "debug" / "fleet-worker"
    assert rust_worker.exists(), "build it: cargo build -p authflow-examples --bin fleet-worker"
    client, tokens = logged_in(providers, clock)
    (tmp_path / "clock").write_text(str(clock.now() - int(time.time())))
    # The test's own process puts the connection in the store (generation 1).
    seeding = client.shared_session(af.RedisStore(redis_url), connection=connection, tokens=tokens)
    assert seeding.access_token() == tokens.access_token() and seeding.native.generation() == 1
    urls = json.dumps(providers.urls)
    workers = [
        subprocess.Popen([sys.executable, str(HERE / "fleet_worker.py"), urls, redis_url,
                          str(tmp_path), "8", connection])
        for _ in range(3)
    ] + [
        subprocess.Popen([str(rust_worker), "--redis", redis_url, "--urls", urls, "--dir", str(tmp_path),
                          "--threads", "4", "--connections", "link", "--lease-ttl-ms", "2000"])
        for _ in range(2)
    ]
    threads = {worker.pid: 8 if index < 3 else 4 for index, worker in enumerate(workers)}

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
    print(f"python + rust fleet: 3 Python x 8 threads, 2 Rust x 4 threads, {expiries} expiries: "
          f"{after['refreshes'] - before['refreshes']} refreshes, {after['replays']} replays, "
          f"{sum(s['calls'] for s in final)} API calls; all callers on the new token after "
          f"{1000 * max(took):.0f} ms at worst")
    assert codes == [0] * len(workers)
    assert after["refreshes"] - before["refreshes"] == expiries
    assert after["replays"] == 0
    assert all(s["errors"] == {} for s in final), final
