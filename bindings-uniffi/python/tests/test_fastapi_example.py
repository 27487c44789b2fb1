"""examples/fastapi under ``uvicorn --workers 4`` on 127.0.0.1, against the
local providers and a redis-server started here: a user logs in through
the app, then concurrent requests across the workers call the API across
three access-token expiries (the providers' clock moved past each). The
workers keep the system clock, so each expiry shows as the API refusing
the token; the provider must see exactly one refresh per expiry and no
replayed refresh token, and every request must succeed."""

from __future__ import annotations

import concurrent.futures
import json
import os
import subprocess
import sys
import typing
import urllib.error
import urllib.request

from conftest import REPO, Providers, authorize, wait_until
from test_fleet import EXPIRY_STEP, free_port, redis_url  # noqa: F401  (redis_url: the fixture)

APP = REPO / "examples" / "fastapi"
WORKERS = 4


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


def fetch(url: str, cookie: typing.Optional[str] = None) -> typing.Tuple[int, typing.Dict[str, str], bytes]:
    """Status, headers and body of ``GET url``; redirects are answers."""
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    try:
        with urllib.request.build_opener(NoRedirect()).open(request, timeout=30) as answer:
            return answer.status, dict(answer.headers), answer.read()
    except urllib.error.HTTPError as answer:
        return answer.code, dict(answer.headers), answer.read()


def test_four_uvicorn_workers_renew_once_per_expiry(providers: Providers, redis_url: str) -> None:  # noqa: F811
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    link = providers.urls["makini_link"]
    env = dict(os.environ, MAKINI_CLIENT_ID="link-client", MAKINI_CLIENT_SECRET="link-secret",
               MAKINI_REDIRECT_URI=f"{base}/callback",
               MAKINI_AUTHORIZATION_URL=link["authorization_endpoint"],
               MAKINI_TOKEN_URL=link["token_endpoint"], MAKINI_API_BASE=link["api_v4"], REDIS_URL=redis_url)
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "app:app", "--app-dir", str(APP), "--host", "127.0.0.1",
         "--port", str(port), "--workers", str(WORKERS), "--log-level", "warning"], env=env)
    try:
        def up() -> bool:
            try:
                return fetch(f"{base}/sites")[0] == 401  # no login yet: "authorize again"
            except OSError:
                return False
        wait_until(up, limit=60)

        # The user logs in through the app (the pending authorization in a cookie).
        status, headers, _ = fetch(f"{base}/login")
        assert status == 302, status
        cookie = headers["set-cookie"].split(";")[0]
        status, _, body = fetch(authorize(headers["location"]), cookie)
        assert status == 200, body
        assert providers.client_stats("link-client")["refreshes"] == 0

        def calls(count: int) -> typing.List[dict]:
            with concurrent.futures.ThreadPoolExecutor(16) as pool:
                answers = list(pool.map(lambda _: fetch(f"{base}/sites"), range(count)))
            assert [status for status, _, _ in answers] == [200] * count, answers
            return [json.loads(body) for _, _, body in answers]

        # Start-up guard: every worker has answered (the kernel spreads the connections).
        workers: typing.Set[int] = set()
        wait_until(lambda: workers.update(a["worker"] for a in calls(32)) or len(workers) == WORKERS, limit=60)

        expiries, seen = 3, set()
        for _ in range(expiries):
            providers.advance(EXPIRY_STEP)
            answers = calls(64)
            seen.update(a["worker"] for a in answers)
            assert all("site_1" in json.dumps(a["sites"]) for a in answers)
        stats = providers.client_stats("link-client")
        print(f"fastapi example: {WORKERS} uvicorn workers, {expiries} expiries, {3 * 64} requests across them "
              f"(answered by {len(seen)} workers): {stats['refreshes']} refreshes, {stats['replays']} replays")
        assert stats["refreshes"] == expiries
        assert stats["replays"] == 0
    finally:
        server.terminate()
        assert server.wait(timeout=60) == 0
