"""docs/python.md, run: each program of the page (its ```python blocks
between ``<!-- program: NAME -->`` markers, in order, as a reader runs them)
is executed as one script against the local providers, with only the
settings a reader fills in (the ``NAME = ...`` lines naming their provider)
replaced, and ``browser`` (the user's browser: the local test user approves
at once, so the provider redirects straight back) given. Then what the
page says happened is checked."""

from __future__ import annotations

import re
import typing

from conftest import REPO, Providers, authorize
from test_fleet import redis_url  # noqa: F401  (the fixture)

PAGE = (REPO / "docs" / "python.md").read_text(encoding="utf-8")


def programs() -> typing.Dict[str, str]:
    found = {}
    for name, body in re.findall(r"<!-- program: ([a-z]+) -->(.*?)(?=<!-- program:|\Z)", PAGE, re.S):
        found[name] = "\n".join(re.findall(r"^```python\n(.*?)^```", body, re.S | re.M))
    return found


def run(source: str, settings: typing.Dict[str, str]) -> typing.Dict[str, typing.Any]:
    for name, value in settings.items():
        line = re.compile(rf"^{name} = .*$", re.M)
        assert line.search(source), f"the page sets {name}"
        source = line.sub(f"{name} = {value!r}", source, count=1)
    scope: typing.Dict[str, typing.Any] = {"__name__": "docs_python", "browser": authorize}
    exec(compile(source, "docs/python.md", "exec"), scope)  # noqa: S102 - the page's own code
    return scope


def test_the_user_program_signs_in_calls_the_api_and_reads_an_error(providers: Providers) -> None:
    link = providers.urls["makini_link"]
    done = run(programs()["user"], {
        "AUTHORIZATION_URL": link["authorization_endpoint"], "TOKEN_URL": link["token_endpoint"],
        "API_BASE": link["api_v4"], "CLIENT_ID": "link-client", "CLIENT_SECRET": "link-secret",
        "REDIRECT_URI": "http://127.0.0.1:8400/callback",
    })
    assert done["tokens"].access_token()
    assert done["sites"] is not None
    assert done["renewed"].refresh_token() != done["tokens"].refresh_token(), "rotated"
    assert done["next_step"] == "sign the user in again"
    assert providers.client_stats("link-client")["codes_redeemed"] == 1


def test_the_service_program_calls_the_api_blocking_and_awaited(providers: Providers) -> None:
    admin = providers.urls["makini_admin"]
    done = run(programs()["service"], {
        "SERVICE_TOKEN_URL": admin["token_endpoint"], "SERVICE_API_BASE": admin["api"],
        "SERVICE_ID": "admin-client", "SERVICE_SECRET": "admin-secret",
    })
    assert done["connections"] == done["connections_async"]
    assert providers.client_stats("admin-client")["token_requests"] == {"client_credentials": 2}


def test_the_fleet_program_shares_a_connection_through_redis(providers: Providers, redis_url: str) -> None:  # noqa: F811
    admin = providers.urls["makini_admin"]
    settings = {"SERVICE_TOKEN_URL": admin["token_endpoint"], "SERVICE_API_BASE": admin["api"],
                "SERVICE_ID": "admin-client", "SERVICE_SECRET": "admin-secret", "REDIS_URL": redis_url}
    # The page's programs run in order: the fleet one after the service one's settings.
    done = run(programs()["service"] + "\n" + programs()["fleet"], settings)
    assert done["connections_shared"] == done["connections"]
    # The service program's two sessions, and the shared session's one grant, written to Redis.
    assert providers.client_stats("admin-client")["token_requests"] == {"client_credentials": 3}
