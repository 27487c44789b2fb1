"""End to end against a real authorization server nobody here wrote:
Authlib's Flask AuthorizationServer (tests/peers/authlib, installed by its
install.sh), through the default urllib transport: password, client
credentials, rotating refresh, RFC 7009 revocation, RFC 7662
introspection and an RFC 6750 bearer API, with client_secret_basic and
client_secret_post."""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import typing

import pytest

import authflowkit as af

PEER = pathlib.Path(__file__).resolve().parents[3] / "tests" / "peers" / "authlib"
BASIC = ("basic-client", "b4sic:s3cret/+%&=?")  # form-encoding must carry these characters
POST = ("post-client", "p0st-s3cret")


@pytest.fixture(scope="module")
def base() -> typing.Iterator[str]:
    python = os.environ.get("AUTHLIB_PYTHON", str(PEER / ".venv" / "bin" / "python"))
    process = subprocess.Popen([python, str(PEER / "server.py")], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line, "the Authlib server printed nothing"
        announced = json.loads(line)  # {"base": …} or {"issuer": …}, as server.py prints it
        yield announced.get("base") or announced["issuer"]
    finally:
        assert process.stdin is not None
        process.stdin.close()
        process.terminate()
        process.wait(timeout=30)


def connect(base: str, registration: tuple[str, str], auth: af.sansio.ClientAuthMethod) -> af.OAuthClient:
    profile = (af.Profile.generic(f"{base}/oauth/token")
               .with_client_auth(auth)
               .with_endpoint(af.sansio.EndpointRole.REVOCATION, f"{base}/oauth/revoke")
               .with_endpoint(af.sansio.EndpointRole.INTROSPECTION, f"{base}/oauth/introspect")
               .with_endpoint(af.sansio.EndpointRole.API_BASE, f"{base}/api/"))
    return af.connect(profile, registration[0], client_secret=registration[1], scopes=["profile"])


def test_password_refresh_rotation_introspection_revocation(base: str) -> None:
    client = connect(base, BASIC, af.sansio.ClientAuthMethod.CLIENT_SECRET_BASIC)
    tokens = client.password("alice", "wonderland-pw")
    assert tokens.expires_at() - tokens.issued_at() == 3600
    assert json.loads(client.api(tokens.access_token(), af.sansio.Method.GET, "me").body)
    refreshed = client.refresh(tokens)
    assert refreshed.refresh_token() not in (None, tokens.refresh_token())
    with pytest.raises(af.OAuthError) as caught:
        client.refresh(tokens)  # rotated away: refused, typed, no secret shown
    assert caught.value.kind == "invalid_grant"
    assert BASIC[1] not in repr(caught.value) and tokens.refresh_token() not in str(caught.value)
    active = client.introspect(refreshed.access_token(), af.TokenTypeHint.ACCESS_TOKEN)
    assert active.active and active.client_id == BASIC[0]
    client.revoke(refreshed.access_token(), af.TokenTypeHint.ACCESS_TOKEN)
    assert not client.introspect(refreshed.access_token(), af.TokenTypeHint.ACCESS_TOKEN).active
    with pytest.raises(af.HttpError) as caught:
        client.api(refreshed.access_token(), af.sansio.Method.GET, "me")
    assert caught.value.action in ("refresh", "authorize_again")


def test_client_credentials_session_with_secret_post(base: str) -> None:
    client = connect(base, POST, af.sansio.ClientAuthMethod.CLIENT_SECRET_POST)
    tokens = client.client_credentials()
    assert tokens.refresh_token() is None or tokens.refresh_token()
    assert tokens.expires_at() - tokens.issued_at() == 1800
    wrong = connect(base, (POST[0], "not-the-secret"), af.sansio.ClientAuthMethod.CLIENT_SECRET_POST)
    with pytest.raises(af.OAuthError) as caught:
        wrong.client_credentials()
    assert caught.value.kind == "invalid_client"
    assert "not-the-secret" not in str(caught.value) + repr(caught.value)
