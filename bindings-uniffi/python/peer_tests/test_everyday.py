"""examples/python/everyday.py, run as a user runs it, against the Authlib
peer server and the local providers; the same program written with
Authlib's client against the same server; and the two measured side by
side (examples/python/peers/measure.py): authflow's must be shorter and
touch fewer concepts."""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys
import typing
import urllib.request

import pytest

REPO = pathlib.Path(__file__).resolve().parents[3]
PEER = REPO / "tests" / "peers" / "authlib"
EXAMPLE = REPO / "examples" / "python" / "everyday.py"
AUTHLIB_EXAMPLE = REPO / "examples" / "python" / "peers" / "everyday_authlib.py"
AUTHLIB_PYTHON = os.environ.get("AUTHLIB_PYTHON", str(PEER / ".venv" / "bin" / "python"))
REDIRECT = "http://127.0.0.1:8400/callback"
sys.path.insert(0, str(AUTHLIB_EXAMPLE.parent))

import measure  # noqa: E402


def started(command: typing.List[str], env: typing.Optional[typing.Dict[str, str]] = None
            ) -> typing.Tuple[subprocess.Popen[str], typing.Dict[str, typing.Any]]:
    """A server process that prints its URLs as one JSON line and stops when stdin closes."""
    process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                               env={**os.environ, **(env or {})})
    assert process.stdout is not None
    line = process.stdout.readline()
    assert line, f"{command[-1]} printed nothing"
    return process, json.loads(line)


def stop(process: subprocess.Popen[str]) -> None:
    assert process.stdin is not None
    process.stdin.close()
    process.terminate()
    process.wait(timeout=30)


@pytest.fixture(scope="module")
def authlib_peer() -> typing.Iterator[str]:
    # Client-credentials tokens of 20 s: a client that renews too eagerly
    # shows it in the server's counts.
    process, urls = started([AUTHLIB_PYTHON, str(PEER / "server.py")],
                            {"PEER_CLIENT_CREDENTIALS_EXPIRES_IN": "20"})
    try:
        yield urls["issuer"]
    finally:
        stop(process)


def authlib_settings(base: str) -> typing.Dict[str, typing.Dict[str, str]]:
    return {
        "service": {"token_url": f"{base}/oauth/token", "api_base": f"{base}/api/", "path": "me",
                    "client_id": "service-client", "client_secret": "s3rvice-s3cret"},
        "app": {"token_url": f"{base}/oauth/token", "authorization_url": f"{base}/oauth/authorize",
                "api_base": f"{base}/api/", "path": "me", "client_id": "app-client",
                "client_secret": "app-s3cret", "redirect_uri": REDIRECT},
    }


def run(python: str, program: pathlib.Path, settings: typing.Dict[str, typing.Any], tmp: pathlib.Path) -> str:
    path = tmp / "settings.json"
    path.write_text(json.dumps(settings))
    done = subprocess.run([python, str(program), str(path)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    for secret in ("s3rvice-s3cret", "app-s3cret", "link-secret", "admin-secret"):
        assert secret not in done.stdout + done.stderr
    return done.stdout


def stats(base: str) -> typing.Dict[str, int]:
    with urllib.request.urlopen(f"{base}/stats", timeout=30) as answer:
        return typing.cast(typing.Dict[str, int], json.loads(answer.read()))


def lines_starting(output: str, prefix: str) -> typing.List[str]:
    return [line for line in output.splitlines() if line.startswith(prefix)]


def test_everyday_against_the_authlib_peer(authlib_peer: str, tmp_path: pathlib.Path) -> None:
    before = stats(authlib_peer)["client_credentials"]
    out = run(sys.executable, EXAMPLE, authlib_settings(authlib_peer), tmp_path)
    assert lines_starting(out, "service:") == ["service: {'client_id': 'service-client', 'username': None}"]
    assert lines_starting(out, "service, later:")
    assert lines_starting(out, "user:") == ["user: {'client_id': 'app-client', 'username': 'alice'}"]
    (error,) = lines_starting(out, "error:")
    assert error.startswith("error: invalid_client: ") and error.endswith("-> fix_configuration"), error
    # Two calls within the token's first half-life: one token, no renewal.
    assert stats(authlib_peer)["client_credentials"] - before == 1


def test_the_same_program_with_authlib(authlib_peer: str, tmp_path: pathlib.Path) -> None:
    before = stats(authlib_peer)["client_credentials"]
    out = run(AUTHLIB_PYTHON, AUTHLIB_EXAMPLE, authlib_settings(authlib_peer), tmp_path)
    assert lines_starting(out, "user:") == ["user: {'client_id': 'app-client', 'username': 'alice'}"]
    assert lines_starting(out, "error:") == ["error: invalid_client -> fix_configuration"]
    # Authlib's 60 s leeway exceeds the 20 s lifetime: a token request before every call.
    print("Authlib client-credentials grants for two calls:", stats(authlib_peer)["client_credentials"] - before)


def test_everyday_against_the_local_providers(tmp_path: pathlib.Path) -> None:
    binary = os.environ.get("AUTHFLOW_PROVIDERS_BIN", str(REPO / "target" / "debug" / "authflow-providers"))
    process, urls = started([binary])
    try:
        admin, link = urls["makini_admin"], urls["makini_link"]
        out = run(sys.executable, EXAMPLE, {
            "service": {"profile": "makini_admin", "token_url": admin["token_endpoint"], "api_base": admin["api"],
                        "path": "connections", "client_id": "admin-client", "client_secret": "admin-secret"},
            "app": {"profile": "makini_link", "token_url": link["token_endpoint"],
                    "authorization_url": link["authorization_endpoint"], "api_base": link["api_v4"],
                    "path": "sites", "client_id": "link-client", "client_secret": "link-secret",
                    "redirect_uri": REDIRECT},
        }, tmp_path)
    finally:
        stop(process)
    assert "'status': 'active'" in lines_starting(out, "service:")[0]
    assert "Plant 1" in lines_starting(out, "user:")[0]
    (error,) = lines_starting(out, "error:")
    assert error.startswith("error: invalid_client: ") and error.endswith("-> fix_configuration"), error


def test_authflow_is_shorter_and_touches_fewer_concepts() -> None:
    ours = measure.measure(EXAMPLE, {"authflowkit"})
    theirs = measure.measure(AUTHLIB_EXAMPLE, {"authlib"})
    print(f"lines {ours.lines} vs {theirs.lines}; concepts {len(ours.concepts)} vs {len(theirs.concepts)}: "
          f"{ours.concepts} vs {theirs.concepts}")
    assert ours.lines < theirs.lines
    assert len(ours.concepts) < len(theirs.concepts)
    assert len(ours.keywords) <= len(theirs.keywords)
