"""Resource indicators (RFC 8707) and token exchange (RFC 8693) from
Python: ``connect(resources=...)`` sends them on every request that asks
for a grant, and ``token_exchange`` (blocking and asyncio) gives the issued
token, whose ``repr`` and errors never show a token."""

from __future__ import annotations

import asyncio
import json
import typing
import urllib.parse

import pytest

import authflowkit as af

from test_pythonic import Recording

API = "https://api.example/"
SUBJECT = "subject-token-0123456789"
ISSUED = (200, {"Content-Type": "application/json"}, json.dumps({
    "access_token": "issued-token-0123456789", "issued_token_type": "urn:ietf:params:oauth:token-type:access_token",
    "token_type": "Bearer", "expires_in": 60, "refresh_token": "issued-refresh-0123"}).encode())


def form(request: af.sansio.HttpRequest) -> typing.List[typing.Tuple[str, str]]:
    return urllib.parse.parse_qsl(request.body.decode())


def client(transport: Recording, **kwargs: typing.Any) -> af.OAuthClient:
    return af.connect(token_url="https://as.example/token", authorization_url="https://as.example/authorize",
                      client_id="svc", client_secret="svc-secret", redirect_uri="https://app.example/cb",
                      transport=transport, **kwargs)


def test_connect_sends_the_resources_on_authorize_and_every_token_request() -> None:
    token = (200, {}, b'{"access_token":"at-1","refresh_token":"rt-1","token_type":"Bearer","expires_in":60}')
    transport = Recording(token, token)
    app = client(transport, resources=[API, "https://files.example/v1?tenant=7"])
    assert app.sansio_client.resources() == [API, "https://files.example/v1?tenant=7"]
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(app.authorization_url().url).query)
    assert query["resource"] == [API, "https://files.example/v1?tenant=7"]
    tokens = app.client_credentials()
    app.refresh(tokens)
    for sent in transport.sent:
        assert [v for k, v in form(sent) if k == "resource"] == [API, "https://files.example/v1?tenant=7"]


def test_a_resource_that_is_no_absolute_uri_or_has_a_fragment_is_refused() -> None:
    for bad in ("/api", "https://api.example/#v1"):
        with pytest.raises(af.ConfigurationError):
            client(Recording(), resources=[bad])
    with pytest.raises(af.ConfigurationError):
        af.sansio.Client(af.Profile.generic("https://as.example/token", None), "c").with_resources(["x"])


def test_token_exchange_gives_the_issued_token_and_shows_none() -> None:
    transport = Recording(ISSUED)
    exchange = af.sansio.TokenExchange(SUBJECT, af.sansio.token_type_access_token(), audiences=["billing"],
                                       resources=["https://billing.example/"], scopes=["read"])
    issued = client(transport).token_exchange(exchange)
    sent = dict(form(transport.sent[0]))
    assert sent["grant_type"] == "urn:ietf:params:oauth:grant-type:token-exchange"
    assert (sent["subject_token"], sent["audience"], sent["resource"], sent["scope"]) == (
        SUBJECT, "billing", "https://billing.example/", "read")
    assert issued.token() == issued.access_token() == "issued-token-0123456789"
    assert issued.token_type() == "Bearer" and issued.scopes() == ["read"]
    assert issued.issued_token_type() == af.sansio.token_type_access_token()
    assert issued.refresh_token() == "issued-refresh-0123" and issued.expires_at() is not None
    shown = f"{issued!r} {issued} {exchange!r} {exchange}"
    assert "0123" not in shown and "subject-token" not in shown


def test_an_id_token_issued_as_n_a_is_no_access_token() -> None:
    answer = (200, {}, json.dumps({"access_token": "eyJ.eyJ.sig", "token_type": "N_A",
                                   "issued_token_type": af.sansio.token_type_id_token()}).encode())
    exchange = af.sansio.TokenExchange(SUBJECT, af.sansio.token_type_access_token(),
                                       requested_token_type=af.sansio.token_type_id_token())
    issued = client(Recording(answer)).token_exchange(exchange)
    assert (issued.token(), issued.token_type(), issued.access_token()) == ("eyJ.eyJ.sig", "N_A", None)


def test_invalid_target_is_an_oauth_error_with_the_providers_code_and_no_token() -> None:
    refused = (400, {}, json.dumps({"error": "invalid_target",
                                    "error_description": f"{SUBJECT} may not reach billing"}).encode())
    exchange = af.sansio.TokenExchange(SUBJECT, af.sansio.token_type_access_token(), audiences=["billing"])
    with pytest.raises(af.OAuthError) as caught:
        client(Recording(refused)).token_exchange(exchange)
    error = caught.value
    assert (error.kind, error.action, error.provider_code) == ("invalid_scope", "fix_configuration", "invalid_target")
    assert SUBJECT not in f"{error} {error!r} {error.provider_description}"


def test_actor_token_without_its_type_is_refused_before_sending() -> None:
    transport = Recording()
    exchange = af.sansio.TokenExchange(SUBJECT, af.sansio.token_type_access_token(), actor_token="actor-0123456789")
    with pytest.raises(af.ConfigurationError) as caught:
        client(transport).token_exchange(exchange)
    assert "actor_token_type" in caught.value.reason and transport.sent == []


def test_asyncio_token_exchange() -> None:
    transport = Recording(ISSUED)
    exchange = af.sansio.TokenExchange(SUBJECT, af.sansio.token_type_access_token())
    issued = asyncio.run(af.AsyncOAuthClient(client(transport)).token_exchange(exchange))
    assert issued.access_token() == "issued-token-0123456789" and len(transport.sent) == 1
