"""One process of the Python fleet test (test_fleet.py): threads sharing a
Makini Link connection through Redis, calling the local provider's API
until told to stop. It talks to the test through files in a directory:
``clock`` (seconds to add to the system clock: the providers' offset),
``pause`` (threads stop between calls while it exists), ``stop``, and
``status-<pid>.json`` (written here). The same protocol as the Rust
``fleet-worker`` (examples/src/bin/fleet-worker.rs), so both can share a
connection in one test."""

from __future__ import annotations

import json
import os
import pathlib
import sys
import threading
import time

import authflowkit as af


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


def main() -> int:
    urls, redis_url, directory = json.loads(sys.argv[1]), sys.argv[2], pathlib.Path(sys.argv[3])
    threads, connection = int(sys.argv[4]), sys.argv[5]
    clock = FileClock(directory)
    link = urls["makini_link"]
    profile = (af.Profile.makini_link()
               .with_endpoint(af.sansio.EndpointRole.AUTHORIZATION, link["authorization_endpoint"])
               .with_endpoint(af.sansio.EndpointRole.TOKEN, link["token_endpoint"])
               .with_endpoint(af.sansio.EndpointRole.API_BASE, link["api_v4"]))
    client = af.connect(profile, "link-client", client_secret="link-secret",
                        redirect_uri="http://127.0.0.1:8400/callback", environment=clock)
    shared = client.shared_session(af.RedisStore(redis_url), connection=connection, lease_ttl_ms=2000)
    lock = threading.Lock()
    tally = {"calls": 0, "paused": 0, "errors": {}}
    epochs = [-1] * threads
    pause, stop = directory / "pause", directory / "stop"

    def run(index: int) -> None:
        while not stop.exists():
            if pause.exists():
                with lock:
                    tally["paused"] += 1
                while pause.exists() and not stop.exists():
                    time.sleep(0.005)
                with lock:
                    tally["paused"] -= 1
                continue
            seen = clock.offset()
            try:
                response = shared.get("sites")
                ok = response.status_code == 200
                kind = None if ok else f"status_{response.status_code}"
            except af.AuthflowError as error:
                ok, kind = False, error.kind.value
            with lock:
                if ok:
                    tally["calls"] += 1
                    epochs[index] = seen
                else:
                    tally["errors"][kind] = tally["errors"].get(kind, 0) + 1
            time.sleep(0.01)

    workers = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()

    def write_status() -> None:
        with lock:
            status = dict(tally, errors=dict(tally["errors"]), epochs={"link": min(epochs)}, threads=threads)
        temporary = directory / f".status-{os.getpid()}.json"
        temporary.write_text(json.dumps(status))
        temporary.replace(directory / f"status-{os.getpid()}.json")

    while not stop.exists():
        write_status()
        time.sleep(0.02)
    for worker in workers:
        worker.join()
    write_status()
    return 0


if __name__ == "__main__":
    sys.exit(main())
