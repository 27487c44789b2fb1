"""One process of the Python fleet test (test_fleet.py): threads (a
blocking shared session over RedisStore) or, with ``asyncio`` as the last
argument, tasks of one event loop (an asyncio shared session over
AsyncRedisStore) sharing a Makini Link connection through Redis, calling
the local provider's API until told to stop. It talks to the test through files in a directory:
``clock`` (seconds to add to the system clock: the providers' offset),
``pause`` (threads stop between calls while it exists), ``stop``, and
``status-<pid>.json`` (written here). The same protocol as the Rust
``fleet-worker`` (examples/src/bin/fleet-worker.rs), so both can share a
connection in one test."""

from __future__ import annotations

import asyncio
import json
import os
import pathlib
import sys
import threading
import time
import typing

import authflowkit as af
from authflowkit import aio


class FileClock(af.sansio.Environment):
    """The system clock plus the offset in the test's ``clock`` file."""

    def __init__(self, directory: pathlib.Path) -> None:
        self._file = directory / "clock"

    def offset(self) -> int:
        try:
            return int(self._file.read_text().strip())
        except (OSError, ValueError):
            return 0

    def now(self) -> int:
        return int(time.time()) + self.offset()

    def random_bytes(self, len: int) -> bytes:  # noqa: A002
        return os.urandom(len)


class Tally:
    """What the callers of this process did, for ``status-<pid>.json``."""

    def __init__(self, directory: pathlib.Path, callers: int) -> None:
        self.directory = directory
        self.lock = threading.Lock()
        self.calls = 0
        self.paused = 0
        self.errors: typing.Dict[str, int] = {}
        self.epochs = [-1] * callers

    def record(self, index: int, seen: int, ok: bool, kind: typing.Optional[str]) -> None:
        with self.lock:
            if ok:
                self.calls += 1
                self.epochs[index] = seen
            else:
                key = kind or "unknown"
                self.errors[key] = self.errors.get(key, 0) + 1

    def pausing(self, step: int) -> None:
        with self.lock:
            self.paused += step

    def write(self) -> None:
        with self.lock:
            status = {"calls": self.calls, "paused": self.paused, "errors": dict(self.errors),
                      "epochs": {"link": min(self.epochs)}, "threads": len(self.epochs)}
        temporary = self.directory / f".status-{os.getpid()}.json"
        temporary.write_text(json.dumps(status))
        temporary.replace(self.directory / f"status-{os.getpid()}.json")


def outcome(status_code: typing.Optional[int], error: typing.Optional[af.AuthflowError]) -> typing.Tuple[bool, typing.Optional[str]]:
    """A call's outcome as the tally counts it."""
    if error is not None:
        return False, error.kind.value
    return status_code == 200, None if status_code == 200 else f"status_{status_code}"


def threads(client: af.OAuthClient, clock: FileClock, redis_url: str, directory: pathlib.Path,
            callers: int, connection: str) -> None:
    """``callers`` threads over one blocking shared session (RedisStore)."""
    shared = client.shared_session(af.RedisStore(redis_url), connection=connection, lease_ttl_ms=2000)
    tally = Tally(directory, callers)
    pause, stop = directory / "pause", directory / "stop"

    def run(index: int) -> None:
        while not stop.exists():
            if pause.exists():
                tally.pausing(1)
                while pause.exists() and not stop.exists():
                    time.sleep(0.005)
                tally.pausing(-1)
                continue
            seen = clock.offset()
            try:
                tally.record(index, seen, *outcome(shared.get("sites").status_code, None))
            except af.AuthflowError as error:
                tally.record(index, seen, *outcome(None, error))
            time.sleep(0.01)

    workers = [threading.Thread(target=run, args=(i,)) for i in range(callers)]
    for worker in workers:
        worker.start()
    while not stop.exists():
        tally.write()
        time.sleep(0.02)
    for worker in workers:
        worker.join()
    tally.write()


async def coroutines(client: af.OAuthClient, clock: FileClock, redis_url: str, directory: pathlib.Path,
                     callers: int, connection: str) -> None:
    """``callers`` tasks of one event loop over one asyncio shared session
    (AsyncRedisStore): nothing here blocks the loop but the file checks."""
    store = aio.AsyncRedisStore(redis_url)
    shared = aio.AsyncOAuthClient(client).shared_session(store, connection=connection, lease_ttl_ms=2000)
    tally = Tally(directory, callers)
    pause, stop = directory / "pause", directory / "stop"

    async def run(index: int) -> None:
        while not stop.exists():
            if pause.exists():
                tally.pausing(1)
                while pause.exists() and not stop.exists():
                    await asyncio.sleep(0.005)
                tally.pausing(-1)
                continue
            seen = clock.offset()
            try:
                tally.record(index, seen, *outcome((await shared.get("sites")).status_code, None))
            except af.AuthflowError as error:
                tally.record(index, seen, *outcome(None, error))
            await asyncio.sleep(0.01)

    async def report() -> None:
        while not stop.exists():
            tally.write()
            await asyncio.sleep(0.02)

    await asyncio.gather(report(), *(run(i) for i in range(callers)))
    tally.write()
    await store.aclose()


def main() -> int:
    urls, redis_url, directory = json.loads(sys.argv[1]), sys.argv[2], pathlib.Path(sys.argv[3])
    callers, connection = int(sys.argv[4]), sys.argv[5]
    mode = sys.argv[6] if len(sys.argv) > 6 else "threads"
    clock = FileClock(directory)
    link = urls["makini_link"]
    profile = (af.Profile.makini_link()
               .with_endpoint(af.sansio.EndpointRole.AUTHORIZATION, link["authorization_endpoint"])
               .with_endpoint(af.sansio.EndpointRole.TOKEN, link["token_endpoint"])
               .with_endpoint(af.sansio.EndpointRole.API_BASE, link["api_v4"]))
    client = af.connect(profile, "link-client", client_secret="link-secret",
                        redirect_uri="http://127.0.0.1:8400/callback", environment=clock)
    if mode == "asyncio":
        asyncio.run(coroutines(client, clock, redis_url, directory, callers, connection))
    else:
        threads(client, clock, redis_url, directory, callers, connection)
    return 0


if __name__ == "__main__":
    sys.exit(main())
