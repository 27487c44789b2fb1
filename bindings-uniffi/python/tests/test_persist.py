"""A token set the app failed to store is not lost: the session hands it to
the persister again, after a back-off, until it is stored; a persister that
raises breaks neither the call nor the process."""

import asyncio
import json
import subprocess
import sys
import textwrap
import typing

import pytest

import authflowkit as af

ROTATED_ACCESS = "at-SECRET-rotated"
ROTATED_REFRESH = "rt-SECRET-rotated"


class Clock(af.sansio.Environment):
    """A clock the test moves; entropy from the OS."""

    def __init__(self, now: int) -> None:
        self.at = now

    def now(self) -> int:
        return self.at

    def random_bytes(self, len: int) -> bytes:  # noqa: A002 (the trait's name)
        import os

        return os.urandom(len)


class RotatingTransport(af.sansio.HttpTransport):
    """A token endpoint that answers every refresh with a new pair."""

    def __init__(self) -> None:
        self.sent = 0

    def send(self, request: af.sansio.HttpRequest) -> af.sansio.HttpResponse:
        self.sent += 1
        body = json.dumps({"access_token": ROTATED_ACCESS, "token_type": "Bearer", "expires_in": 3600,
                           "refresh_token": ROTATED_REFRESH}).encode()
        return af.sansio.HttpResponse(status=200, headers=[af.sansio.HttpHeader(name="Content-Type",
                                                                                value="application/json")], body=body)

    async def send_async(self, request: af.sansio.HttpRequest) -> af.sansio.HttpResponse:
        return self.send(request)


class FlakyStore:
    """An app's store that is down for the first `down` writes."""

    def __init__(self, down: int) -> None:
        self.down = down
        self.attempts = 0
        self.saved: typing.Optional[str] = None

    def __call__(self, tokens: af.TokenSet) -> None:
        self.attempts += 1
        if self.attempts <= self.down:
            raise ConnectionError("the database is down")
        self.saved = tokens.to_json()


def expired() -> af.TokenSet:
    return af.TokenSet.from_json(json.dumps({"v": 1, "access_token": "at-old", "token_type": "Bearer",
                                             "refresh_token": "rt-old", "issued_at": 1, "expires_at": 2}))


def client(clock: Clock, transport: RotatingTransport) -> af.OAuthClient:
    profile = af.Profile.generic("http://127.0.0.1:9/token", "http://127.0.0.1:9/authorize")
    return af.OAuthClient(af.sansio.Client(profile, "persist-client"), transport, clock)


def saved_refresh_token(store: FlakyStore) -> typing.Optional[str]:
    return None if store.saved is None else af.TokenSet.from_json(store.saved).refresh_token()


def test_a_set_that_failed_to_store_is_stored_at_a_later_call() -> None:
    clock, transport, store = Clock(1_000), RotatingTransport(), FlakyStore(down=2)
    session = client(clock, transport).session(expired(), on_persist=store)
    assert session.access_token() == ROTATED_ACCESS
    assert (store.attempts, store.saved) == (1, None)
    # Within the back-off, the store is left alone.
    assert session.access_token() == ROTATED_ACCESS
    assert store.attempts == 1
    clock.at += 1
    assert session.access_token() == ROTATED_ACCESS
    assert (store.attempts, store.saved) == (2, None), "retried after 1 s, failed again"
    clock.at += 1
    session.access_token()
    assert store.attempts == 2, "the back-off doubled: 2 s"
    clock.at += 1
    session.access_token()
    assert store.attempts == 3
    assert saved_refresh_token(store) == ROTATED_REFRESH
    clock.at += 3_600
    session.access_token()
    assert store.attempts == 4, "the expired token was renewed and the new pair stored at once"
    clock.at += 600
    session.access_token()
    assert store.attempts == 4, "stored: nothing is retried"
    assert transport.sent == 2


def test_an_asyncio_session_retries_the_store_too() -> None:
    clock, transport, store = Clock(1_000), RotatingTransport(), FlakyStore(down=1)
    session = af.AsyncSession(client(clock, transport).session(expired(), on_persist=store))

    async def run() -> None:
        assert await session.access_token() == ROTATED_ACCESS
        assert store.saved is None
        clock.at += 1
        assert await session.access_token() == ROTATED_ACCESS

    asyncio.run(run())
    assert saved_refresh_token(store) == ROTATED_REFRESH


class RaisingPersister(af.sansio.TokenPersister):
    """A persister implemented on the native trait, which raises (the app's
    database error quoting the tokens it was given)."""

    def __init__(self) -> None:
        self.attempts = 0

    def persist(self, tokens: af.TokenSet) -> None:
        self.attempts += 1
        raise RuntimeError(f"INSERT failed [parameters: ({tokens.to_json()!r},)]")


def test_a_persister_that_raises_fails_neither_the_call_nor_its_waiters() -> None:
    """The native trait's own implementation: its exception is a failed
    store (retried), not a crash of the native library."""
    clock, transport, persister = Clock(1_000), RotatingTransport(), RaisingPersister()
    session = client(clock, transport).session(expired(), on_persist=persister)
    assert session.access_token() == ROTATED_ACCESS
    clock.at += 1
    assert session.access_token() == ROTATED_ACCESS
    assert persister.attempts == 2
    assert transport.sent == 1


def test_a_raising_persister_prints_no_token() -> None:
    """Nothing of the exception's text (the tokens, quoted by the app's
    database) reaches the process's output: UniFFI's panic for an
    unexpected callback error would print it."""
    program = textwrap.dedent(f"""
        import sys
        sys.path[:0] = {sys.path!r}
        from test_persist import Clock, RotatingTransport, RaisingPersister, client, expired
        session = client(Clock(1_000), RotatingTransport()).session(expired(), on_persist=RaisingPersister())
        print("token:", session.access_token() == {ROTATED_ACCESS!r})
    """)
    run = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=60,
                         cwd=__file__.rsplit("/", 1)[0])
    assert run.returncode == 0, run.stderr
    assert "token: True" in run.stdout
    for secret in (ROTATED_ACCESS, ROTATED_REFRESH):
        assert secret not in run.stdout + run.stderr, run.stderr


async def save_somewhere(tokens: af.TokenSet) -> None:
    """An asyncio app's store: a coroutine function."""
    raise AssertionError("a coroutine on_persist must never be called for nothing")


def test_a_coroutine_function_as_on_persist_is_refused_where_its_coroutine_would_never_run() -> None:
    """The session calls ``on_persist`` from inside the library, where a
    coroutine it returned would never be awaited: the tokens would be
    taken for stored and never written. Refused when the session is made."""
    oauth = client(Clock(1_000), RotatingTransport())
    for make in (oauth.session, af.AsyncOAuthClient(oauth).session):
        with pytest.raises(TypeError, match="on_persist.*coroutine"):
            make(expired(), on_persist=save_somewhere)  # type: ignore[arg-type]


def test_an_on_persist_that_returns_an_awaitable_is_a_failed_store(caplog: pytest.LogCaptureFixture) -> None:
    """A plain function that returns a coroutine (a lambda around an async
    one) is found out when called: the coroutine is closed (no "never
    awaited" warning), the store counts as failed and is retried."""
    clock, transport = Clock(1_000), RotatingTransport()
    returned: list[typing.Any] = []

    def sneaky(tokens: af.TokenSet) -> None:
        coroutine = save_somewhere(tokens)
        returned.append(coroutine)
        return coroutine  # type: ignore[return-value]

    session = client(clock, transport).session(expired(), on_persist=sneaky)
    with caplog.at_level("ERROR", logger="authflowkit"):
        assert session.access_token() == ROTATED_ACCESS
    assert "coroutine" in caplog.text
    assert returned and returned[0].cr_frame is None, "the coroutine was not closed"
    clock.at += 1
    session.access_token()
    assert len(returned) == 2, "a failed store is retried"
