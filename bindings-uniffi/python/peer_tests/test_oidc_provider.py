"""Discovery over HTTP against a real OpenID provider nobody here wrote:
npm oidc-provider (tests/peers/oidc-provider, installed by its install.sh),
through the default urllib transport: the metadata document becomes a
profile, and that profile's client-credentials and introspection work."""

from __future__ import annotations

import json
import pathlib
import subprocess
import typing

import pytest

import authflow as af

PEER = pathlib.Path(__file__).resolve().parents[3] / "tests" / "peers" / "oidc-provider"
CC_CLIENT = ("cc-client", "cc-client-secret-0123456789abcdef")


@pytest.fixture(scope="module")
def issuer() -> typing.Iterator[str]:
    install = subprocess.run(["bash", str(PEER / "install.sh")], capture_output=True, text=True)
    assert install.returncode == 0, f"install.sh failed:\n{install.stdout}\n{install.stderr}"
    process = subprocess.Popen(["node", "server.mjs"], cwd=PEER, stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line, "oidc-provider printed nothing"
        yield json.loads(line)["issuer"]
    finally:
        assert process.stdin is not None
        process.stdin.close()
        process.terminate()
        process.wait(timeout=30)


def test_discovery_makes_a_working_profile(issuer: str) -> None:
    profile = af.discover_profile(issuer, openid=True)
    assert profile.issuer() == issuer
    assert profile.requires_issuer()  # oidc-provider announces RFC 9207 iss
    assert profile.endpoint(af.sansio.EndpointRole.TOKEN).startswith(issuer)
    assert profile.endpoint(af.sansio.EndpointRole.INTROSPECTION).startswith(issuer)
    assert profile.client_auth() == af.sansio.ClientAuthMethod.CLIENT_SECRET_BASIC
    client = af.connect(profile, CC_CLIENT[0], client_secret=CC_CLIENT[1], scopes=["api:read"])
    tokens = client.client_credentials()
    assert tokens.refresh_token() is None
    assert tokens.scopes() == ["api:read"]
    info = client.introspect(tokens.access_token(), af.TokenTypeHint.ACCESS_TOKEN)
    assert info.active and info.client_id == CC_CLIENT[0]


def test_rfc8414_document_is_absent_and_says_so(issuer: str) -> None:
    # oidc-provider serves only the OpenID document: a typed error, status 404.
    with pytest.raises(af.AuthflowError) as caught:
        af.discover_profile(issuer)
    assert caught.value.status == 404
    assert CC_CLIENT[1] not in repr(caught.value)


def test_a_wrong_client_secret_is_a_configuration_error(issuer: str) -> None:
    profile = af.discover_profile(issuer, openid=True)
    client = af.connect(profile, CC_CLIENT[0], client_secret="not-the-secret-at-all")
    with pytest.raises(af.OAuthError) as caught:
        client.client_credentials()
    assert caught.value.kind == "invalid_client"
    assert caught.value.action == "fix_configuration"
    assert "not-the-secret-at-all" not in repr(caught.value) + str(caught.value)
