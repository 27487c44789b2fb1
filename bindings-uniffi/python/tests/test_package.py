"""The installed package: where it comes from, its metadata, what an IDE
shows (docstrings, type hints), and a pending authorization string for the
other runtimes to resume."""

from __future__ import annotations

import importlib.metadata
import inspect
import json
import os
import pathlib
import subprocess
import sys
import typing

import authflowkit as af


def test_it_is_the_installed_wheel() -> None:
    assert "site-packages" in pathlib.Path(af.__file__).parts, af.__file__
    native = pathlib.Path(af.__file__).parent / "_native"
    assert any(p.name.startswith("libauthflow_uniffi") for p in native.iterdir())


def test_metadata_names_the_licence() -> None:
    meta = importlib.metadata.metadata("authflowkit")
    assert meta["License-Expression"] == "MIT OR Apache-2.0"
    assert meta["Requires-Python"] == ">=3.9"


def test_docstrings_and_type_hints_for_an_ide() -> None:
    public = [af.sansio.Client, af.OAuthClient, af.sansio.ClientSession, af.Session, af.TokenSet, af.Profile,
              af.sansio.PendingAuthorization, af.sansio.HttpTransport, af.UrllibTransport, af.AsyncOAuthClient]
    for cls in public:
        assert inspect.getdoc(cls), f"{cls.__name__} has no docstring"
    for method in (af.sansio.Client.authorization_request, af.sansio.Client.parse_token_response,
                   af.OAuthClient.exchange, af.sansio.ClientSession.access_token, af.Profile.with_endpoint):
        assert inspect.getdoc(method), f"{method.__qualname__} has no docstring"
        hints = typing.get_type_hints(method)
        assert "return" in hints, f"{method.__qualname__} has no return type"
    assert inspect.getdoc(af.connect) and typing.get_type_hints(af.connect)["return"] is af.OAuthClient
    assert (pathlib.Path(af.__file__).parent / "py.typed").exists()


def test_importing_it_loads_no_http_client_until_the_default_transport_sends() -> None:
    """``urllib.request`` and ``http.client`` (with ``email`` and ``tempfile``)
    were about a fifth of ``import authflowkit``: paid by every process,
    also by those that bring their own transport or use ``sansio``. The
    default transport imports them when it first sends."""
    script = (
        "import sys, authflowkit\n"
        "client = authflowkit.OAuthClient(authflowkit.sansio.Client(authflowkit.Profile.makini_link(), 'c'))\n"
        "print(sorted(m for m in ('urllib.request', 'http.client', 'email.parser') if m in sys.modules))"
    )
    loaded = subprocess.run([sys.executable, "-c", script], check=True, capture_output=True, text=True)
    assert loaded.stdout.strip() == "[]", loaded.stdout


def test_exception_families_share_one_base() -> None:
    for family in (af.OAuthError, af.CallbackError, af.HttpError, af.TransportError, af.InvalidResponseError,
                   af.ConfigurationError, af.AuthorizationRequiredError, af.InvalidStoredValueError):
        assert issubclass(family, af.AuthflowError) and issubclass(family, Exception)
    try:
        af.Profile.makini_admin("http://admin.example/token")
    except af.ConfigurationError as error:
        assert error.kind == "configuration"
        assert error.action == "fix_configuration"
        assert "https" in error.reason
    else:
        raise AssertionError("plain http to a non-loopback host was accepted")


def test_pending_string_for_the_other_runtimes() -> None:
    """Writes a pending authorization made here; the Kotlin test program
    resumes it (tests/vectors already pin the Rust core's strings)."""
    client = af.sansio.Client(af.Profile.makini_link(), "link-client", redirect_uri="https://app.example/cb")
    start = client.authorization_request(1_700_000_000, bytes(range(48)))
    pending = start.pending.to_storage_string()
    resumed = af.sansio.PendingAuthorization.from_storage_string(pending)
    assert (resumed.state(), resumed.code_verifier()) == (start.pending.state(), start.pending.code_verifier())
    out = os.environ.get("AUTHFLOW_CROSS_RUNTIME_DIR")
    if out:
        pathlib.Path(out).mkdir(parents=True, exist_ok=True)
        (pathlib.Path(out) / "pending-from-python.json").write_text(json.dumps({
            "pending": pending, "state": resumed.state(), "code_verifier": resumed.code_verifier(),
        }))


def test_status_rules_are_data() -> None:
    admin = af.Profile.makini_admin("https://api.makini.io/admin/token")
    rules = {(r.status, af.sansio.error_kind_name(r.kind)) for r in admin.status_rules()}
    assert (403, "invalid_client") in rules and (400, "invalid_request") in rules
    teapot = af.sansio.StatusRule(on=af.sansio.StatusRuleScope.API(), status=418, kind=af.sansio.ErrorKind.RATE_LIMITED)
    client = af.sansio.Client(af.Profile.makeshift().with_status_rule(teapot), "key")
    try:
        client.check_api_response(0, af.sansio.HttpResponse(status=418, headers=[], body=b""))
    except af.HttpError as error:
        assert error.kind == "rate_limited" and error.status == 418
    else:
        raise AssertionError("418 was accepted")
    # State, PKCE verifier, then the OpenID nonce (48 suffice for a profile that is not OpenID).
    assert af.sansio.authorization_entropy_len() == 64


EXAMPLE = pathlib.Path(__file__).resolve().parents[3] / "examples" / "python" / "authflow_example.py"


def _run_example(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, timeout=60, check=False)


def test_the_example_says_what_to_build_when_authflow_is_not_installed() -> None:
    # -S: without site-packages, as a Python that never installed the wheel.
    run = _run_example("-S", str(EXAMPLE))
    assert run.returncode == 1 and "Traceback" not in run.stderr, run.stderr
    assert "authflowkit (authflow for Python) is not installed" in run.stderr and "bash scripts/build-wheel.sh" in run.stderr, run.stderr


def test_the_example_says_what_to_build_when_the_providers_are_missing(tmp_path: pathlib.Path) -> None:
    missing = tmp_path / "authflow-providers"
    run = _run_example(str(EXAMPLE), "--providers", str(missing))
    assert run.returncode == 1 and "Traceback" not in run.stderr, run.stderr
    assert f"no local providers at {missing}" in run.stderr, run.stderr
    assert "cargo build -p authflow-test-providers --bin authflow-providers" in run.stderr, run.stderr
