"""authflow through its Python binding beside oauthlib and Authlib, in one
pytest-benchmark run (``scripts/bench-python.sh``), and the concurrency row:
1,000 threads asking one session for a token at expiry against the local
providers.

Not part of the test suite: scripts/test-uniffi.sh runs pytest on
``python/tests`` and ``python/peer_tests`` only, and this file's name does
not match pytest's default ``test_*.py``. What each row times, and why
those calls, is in ``operations.py``.
"""

from __future__ import annotations

import concurrent.futures
import importlib.util
import json
import os
import pathlib
import threading
import time

import pytest

import authflowkit as af
import operations

HERE = pathlib.Path(__file__).resolve().parent
REPO = HERE.parents[2]

# The local providers' fixtures and helpers, as the end-to-end tests use them.
_spec = importlib.util.spec_from_file_location("authflow_e2e_conftest", HERE.parent / "tests" / "conftest.py")
assert _spec is not None and _spec.loader is not None
e2e = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(e2e)
providers_process = e2e.providers_process
providers = e2e.providers
clock = e2e.clock

ROWS, VARIANTS, FLOOR = operations.build()
operations.check_equivalent(ROWS)

BY_KEY = {row.key: row for row in ROWS}
CASES = [(row.key, library) for row in ROWS for library in operations.LIBRARIES if row.ops.get(library) is not None]


@pytest.mark.parametrize(("key", "library"), CASES, ids=[f"{key}-{library}" for key, library in CASES])
def test_row(benchmark, key: str, library: str) -> None:
    row = BY_KEY[key]
    benchmark.group = row.operation
    benchmark.extra_info.update(kind="row", row=key, library=library)
    op = row.ops[library]
    assert op is not None
    benchmark(op)


@pytest.mark.parametrize("name", list(VARIANTS), ids=[name.split(":")[0] + "-variant" for name in VARIANTS])
def test_authflow_variant(benchmark, name: str) -> None:
    benchmark.group = "authflow, other calls for the same rows"
    benchmark.extra_info.update(kind="variant", name=name)
    benchmark(VARIANTS[name])


@pytest.mark.parametrize("name", list(FLOOR), ids=["trivial-call"])
def test_ffi_floor(benchmark, name: str) -> None:
    benchmark.group = "FFI floor: the cheapest exported call"
    benchmark.extra_info.update(kind="floor", name=name)
    benchmark(FLOOR[name])


# ------------------------------------------------------------ concurrency

DAY = 86_400
CALLERS = 1000
REDIRECT_URI = "http://127.0.0.1:8400/callback"


def test_concurrency_threads_at_expiry(providers: e2e.Providers, clock: e2e.ProviderClock) -> None:
    """1,000 threads ask one ClientSession for a token the moment it has
    expired: how many refreshes the provider saw, and how long until every
    caller held the new token (from the barrier's release to the last
    return). Recorded, not asserted against a time."""
    urls = providers.urls["makini_link"]
    profile = (af.Profile.makini_link()
               .with_endpoint(af.sansio.EndpointRole.AUTHORIZATION, urls["authorization_endpoint"])
               .with_endpoint(af.sansio.EndpointRole.TOKEN, urls["token_endpoint"])
               .with_endpoint(af.sansio.EndpointRole.API_BASE, urls["api_v4"]))
    client = af.connect(profile, "link-client", client_secret="link-secret", redirect_uri=REDIRECT_URI,
                        environment=clock)
    start = client.authorization_url()
    tokens = client.exchange(e2e.authorize(start.url), start.pending)
    persisted: list[af.TokenSet] = []
    conn = client.session(tokens, on_persist=persisted.append)
    clock.advance(30 * DAY + 60)  # the access token has just expired: nobody may use it
    before = providers.client_stats("link-client")

    released: list[float] = []
    barrier = threading.Barrier(CALLERS, action=lambda: released.append(time.perf_counter()), timeout=300)

    def ask(_: int) -> tuple[str, float]:
        barrier.wait()
        token = conn.access_token()
        return token, time.perf_counter()

    with concurrent.futures.ThreadPoolExecutor(max_workers=CALLERS) as pool:
        results = list(pool.map(ask, range(CALLERS)))
    after = providers.client_stats("link-client")

    assert len(persisted) >= 1, "no token set was persisted"
    new_token = persisted[-1].access_token()
    assert new_token != tokens.access_token()
    assert [token for token, _ in results] == [new_token] * CALLERS, "a caller did not get the new token"
    result = {
        "runtime": "Python threads via the binding",
        "callers": CALLERS,
        "refreshes": after.get("refreshes", 0) - before.get("refreshes", 0),
        "replays": after.get("replays", 0) - before.get("replays", 0),
        "ms_until_all": round((max(done for _, done in results) - released[0]) * 1000, 3),
    }
    out = pathlib.Path(os.environ.get("AUTHFLOW_BENCH_CONCURRENCY_OUT",
                                      REPO / "target" / "bench" / "python" / "concurrency.json"))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps([result], indent=2) + "\n")
    print(f"\nconcurrency: {result}")
