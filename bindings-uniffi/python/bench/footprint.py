"""What a Python user of authflow feels besides per-call time (issue 14,
item 6), beside oauthlib and Authlib: ``import`` time, the size of what
pip installs, and memory per session.

Each figure is taken in a fresh interpreter (``sys.executable``), so that
nothing imported or allocated by the benchmark run counts:

* import time: ``import authflowkit`` (``authflowkit`` loads the native library
  and its generated module), ``import oauthlib.oauth2``,
  ``import authlib.oauth2.client``; the median of ``IMPORT_RUNS`` runs.
* installed size: authflow's wheel file (``--wheel``) and the files pip
  installed for each peer (importlib.metadata's RECORD sizes, unpacked: a
  peer's wheel is not at hand; authflow's unpacked size is given too).
* memory per session: the growth of the process's resident set over
  ``SESSIONS`` sessions holding a valid token (authflow's ``Session`` from
  ``OAuthClient.session(tokens)``, oauthlib's ``WebApplicationClient`` and
  Authlib's ``OAuth2Client`` each with the parsed token), divided by their
  number; native memory is in the resident set, which ``tracemalloc``
  would not see.
"""

from __future__ import annotations

import importlib.metadata
import json
import pathlib
import statistics
import subprocess
import sys
import typing

IMPORT_RUNS = 7
SESSIONS = 2000

IMPORTS = {
    "authflow": "authflowkit",
    "oauthlib": "oauthlib.oauth2",
    "Authlib": "authlib.oauth2.client",
}
DISTRIBUTIONS = {"authflow": "authflowkit", "oauthlib": "oauthlib", "Authlib": "Authlib"}

_IMPORT = """
import time
started = time.perf_counter()
import {module}
print(time.perf_counter() - started)
"""

# Builds the sessions in a fresh process and prints the resident set's
# growth per session, in bytes. The token is the benchmarks' own.
_SESSIONS = """
import gc, json, os, sys
sys.path.insert(0, {bench!r})
import operations as ops

def rss():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

library = {library!r}
if library == "authflow":
    import authflowkit as af
    client = ops.authflow_client()
    tokens = client.parse_token_response(af.sansio.GrantType.AUTHORIZATION_CODE, ops.now(),
                                         ops.response(200, ops.TOKEN_BODY))
    oauth = af.OAuthClient(client, ops._FixedTransport())
    make = lambda: oauth.session(tokens)
elif library == "oauthlib":
    from oauthlib.oauth2 import WebApplicationClient
    text = ops.TOKEN_BODY.decode()
    def make():
        c = WebApplicationClient(ops.CLIENT_ID)
        c.parse_request_body_response(text, scope=ops.SCOPES)
        return c
else:
    from authlib.oauth2.client import OAuth2Client
    answer = ops._TokenEndpointAnswer(200, ops.TOKEN_BODY)
    def make():
        c = OAuth2Client(None, client_id=ops.CLIENT_ID, client_secret=ops.CLIENT_SECRET)
        c.parse_response_token(answer)
        return c
kept = [make() for _ in range(50)]  # warm: first allocations, caches
gc.collect()
before = rss()
kept += [make() for _ in range({count})]
gc.collect()
print(json.dumps((rss() - before) / {count}))
"""


def _run(code: str) -> str:
    return subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout


def import_ms(module: str) -> float:
    """Median wall time of ``import module`` in a fresh interpreter, in ms."""
    return statistics.median(float(_run(_IMPORT.format(module=module))) for _ in range(IMPORT_RUNS)) * 1000


def installed_bytes(distribution: str) -> int:
    """The unpacked size of what pip installed for ``distribution``."""
    files = importlib.metadata.files(distribution) or []
    return sum(f.size or 0 for f in files if f.size)


def session_bytes(library: str) -> float:
    bench = str(pathlib.Path(__file__).resolve().parent)
    return float(json.loads(_run(_SESSIONS.format(bench=bench, library=library, count=SESSIONS))))


def measure(wheel: typing.Optional[pathlib.Path]) -> typing.List[typing.Dict[str, typing.Any]]:
    """One entry per library: import_ms, wheel_bytes (authflow), installed_bytes, session_bytes."""
    out = []
    for library, module in IMPORTS.items():
        entry: typing.Dict[str, typing.Any] = {
            "library": library,
            "version": importlib.metadata.version(DISTRIBUTIONS[library]),
            "import": f"import {module}",
            "import_ms": round(import_ms(module), 2),
            "installed_bytes": installed_bytes(DISTRIBUTIONS[library]),
            "session_bytes": round(session_bytes(library)),
        }
        if library == "authflow" and wheel is not None:
            entry["wheel_bytes"] = wheel.stat().st_size
        out.append(entry)
    return out


if __name__ == "__main__":
    print(json.dumps(measure(pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else None), indent=2))
