"""A process forked after the library waited can still wait.

A pre-fork server's master (gunicorn with ``--preload``, a
``multiprocessing`` parent) may use an asyncio shared session before it
starts its workers. The library's waits (a shared session waiting for
another process's renewal) run on one timer thread of its own, and
``fork`` copies no thread: each process needs its own, or a worker's first
wait never ends."""

from __future__ import annotations

import asyncio
import json
import os
import time
import typing

import authflowkit as af
from authflowkit import aio


def token_json(expires_at: int) -> str:
    return json.dumps({"v": 1, "access_token": f"at-{expires_at}", "token_type": "Bearer",
                       "refresh_token": "rt-1", "issued_at": expires_at - 3600, "expires_at": expires_at})


class RenewedElsewhere(aio.AsyncTokenStore):
    """Another process holds the lease and writes a fresh pair 0.3 s after
    this store is first read: a session on it waits, then reads it."""

    def __init__(self) -> None:
        self.fresh_at: typing.Optional[float] = None

    async def get(self, key: str) -> typing.Optional[af.sansio.StoredTokens]:
        if self.fresh_at is None:
            self.fresh_at = time.monotonic() + 0.3
        if time.monotonic() < self.fresh_at:
            return af.sansio.StoredTokens(generation=1, value=token_json(int(time.time()) - 60))
        return af.sansio.StoredTokens(generation=2, value=token_json(int(time.time()) + 3600))

    async def compare_and_set(self, key: str, expected: int, new_generation: int, value: str) -> bool:
        return False

    async def take_lease(self, key: str, owner: str, ttl_ms: int) -> bool:
        return False

    async def release_lease(self, key: str, owner: str) -> None:
        return None


def waited_for_token() -> str:
    """A token from a fresh shared session on a fresh store: one wait at least."""
    client = aio.AsyncOAuthClient(af.connect(
        af.Profile.generic("http://127.0.0.1:9/token", "http://127.0.0.1:9/authorize"), "fork-client"))

    async def token() -> str:
        return await asyncio.wait_for(client.shared_session(RenewedElsewhere(), "forked").access_token(), 5)

    return asyncio.run(token())


def test_a_process_forked_after_a_wait_can_still_wait() -> None:
    assert waited_for_token().startswith("at-")  # this process has waited: its timer thread runs
    child = os.fork()
    if child == 0:  # pragma: no cover (the child reports through its exit code)
        try:
            code = 0 if waited_for_token().startswith("at-") else 1
        except BaseException:
            code = 2
        os._exit(code)
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0, "the forked process's wait never ended"
