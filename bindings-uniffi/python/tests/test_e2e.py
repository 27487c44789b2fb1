"""End to end against the local providers (tests/providers), through the
default urllib transport, blocking and asyncio."""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import threading
import typing

import pytest

import authflowkit as af
from conftest import ProviderClock, Providers, authorize, watched_transport

DAY = 86_400
REDIRECT = "http://127.0.0.1:8400/callback"


def link_client(providers: Providers, clock: ProviderClock, secret: str = "link-secret",
                transport: typing.Optional[af.sansio.HttpTransport] = None) -> af.OAuthClient:
    urls = providers.urls["makini_link"]
    profile = (af.Profile.makini_link()
               .with_endpoint(af.sansio.EndpointRole.AUTHORIZATION, urls["authorization_endpoint"])
               .with_endpoint(af.sansio.EndpointRole.TOKEN, urls["token_endpoint"])
               .with_endpoint(af.sansio.EndpointRole.API_BASE, urls["api_v4"]))
    return af.connect(profile, "link-client", client_secret=secret, redirect_uri=REDIRECT,
                      transport=transport, environment=clock)


def makeshift_client(providers: Providers, clock: ProviderClock) -> af.OAuthClient:
    urls = providers.urls["makeshift"]
    profile = (af.Profile.makeshift()
               .with_endpoint(af.sansio.EndpointRole.TOKEN, urls["token_endpoint"])
               .with_endpoint(af.sansio.EndpointRole.TOKEN_INFO, urls["token_info_endpoint"])
               .with_endpoint(af.sansio.EndpointRole.API_BASE, urls["api"]))
    return af.connect(profile, "makeshift-key", client_secret="makeshift-secret", environment=clock)


def admin_client(providers: Providers, clock: ProviderClock, secret: str = "admin-secret") -> af.OAuthClient:
    urls = providers.urls["makini_admin"]
    profile = af.Profile.makini_admin(urls["token_endpoint"]).with_endpoint(af.sansio.EndpointRole.API_BASE, urls["api"])
    return af.connect(profile, "admin-client", client_secret=secret, environment=clock)


def logged_in(providers: Providers, clock: ProviderClock) -> tuple[af.OAuthClient, af.TokenSet]:
    client = link_client(providers, clock)
    start = client.authorization_url()
    return client, client.exchange(authorize(start.url), start.pending)


def test_makini_link_code_flow_refresh_and_rotation(providers: Providers, clock: ProviderClock) -> None:
    client = link_client(providers, clock)
    start = client.authorization_url()
    assert "code_challenge_method=S256" in start.url and start.pending.startswith("afp1.")
    tokens = client.exchange(authorize(start.url), start.pending)
    # Makini's expires_in is an absolute time: 30 days from the server's now.
    assert abs(tokens.expires_at() - (clock.now() + 30 * DAY)) <= 5
    persisted: list[af.TokenSet] = []
    conn = client.session(tokens, on_persist=persisted.append)
    assert conn.get("sites").json()["data"][0]["id"] == "site_1"
    assert persisted == [] and providers.client_stats("link-client")["refreshes"] == 0

    clock.advance(28 * DAY)  # past the renewal margin (3 days before expiry)
    assert conn.get("sites").status_code == 200
    assert providers.client_stats("link-client")["refreshes"] == 1
    assert len(persisted) == 1
    rotated = persisted[0]
    assert rotated.refresh_token() != tokens.refresh_token()
    assert af.TokenSet.from_json(rotated.to_json()).access_token() == conn.access_token()

    # The rotated-away refresh token is dead: the provider says so, typed.
    with pytest.raises(af.OAuthError) as caught:
        client.refresh(tokens)
    error = caught.value
    assert error.kind == "invalid_grant"
    assert error.action == "authorize_again"
    assert error.status == 400
    for secret in (tokens.refresh_token(), tokens.access_token(), "link-secret"):
        assert secret not in str(error) and secret not in repr(error)


def test_callback_errors_are_typed(providers: Providers, clock: ProviderClock) -> None:
    client = link_client(providers, clock)
    start = client.authorization_url()
    location = authorize(start.url)
    with pytest.raises(af.CallbackError) as caught:
        client.exchange(location.replace("state=", "state=x"), start.pending)
    assert caught.value.kind == "state_mismatch"
    # That attempt spent the pending string: its own redirect is refused now.
    with pytest.raises(af.CallbackError) as caught:
        client.exchange(location, start.pending)
    assert caught.value.kind == "pending_already_used"
    assert caught.value.action == "authorize_again"
    denied = client.authorization_url(af.AuthorizationOptions(extra_params=[af.sansio.QueryParam(name="login_hint", value="deny")]))
    with pytest.raises(af.OAuthError) as caught:
        client.exchange(authorize(denied.url), denied.pending)
    assert caught.value.kind == "access_denied"
    assert caught.value.provider_description == "The user denied access"


def test_makeshift_password_flow_token_info_and_login_again(providers: Providers, clock: ProviderClock) -> None:
    client = makeshift_client(providers, clock)
    conn = client.session()
    assert conn.get("employees").json()["data"][0]["name"] == "Ada"
    info = conn.token_info()
    assert info.expires_in_seconds is not None and 0 < info.expires_in_seconds <= 4 * 3600
    assert json.loads(info.resource_owner_id_json) == 7443
    assert json.loads(conn.token_set().extra_json())["user"]["id"] == 7443
    first = conn.access_token()
    clock.advance(4 * 3600 + 60)
    assert conn.get("employees").status_code == 200
    assert conn.access_token() != first
    assert providers.client_stats("makeshift-key")["token_requests"]["password"] == 2


def test_makini_admin_client_credentials_and_its_error_table(providers: Providers, clock: ProviderClock) -> None:
    conn = admin_client(providers, clock).session()
    assert conn.get("connections").json()["data"][0]["status"] == "active"
    bad = admin_client(providers, clock, secret="wrong-admin-secret").session()
    with pytest.raises(af.OAuthError) as caught:
        bad.access_token()
    error = caught.value
    assert error.kind == "invalid_client"
    assert error.action == "fix_configuration"
    assert error.status == 403 and error.request_id
    assert "wrong-admin-secret" not in str(error) + repr(error)


def test_rate_limit_carries_retry_after(providers: Providers, clock: ProviderClock) -> None:
    client, tokens = logged_in(providers, clock)
    providers.fault("makini_link.token", "429", retry_after=7)
    with pytest.raises(af.HttpError) as caught:
        client.refresh(tokens)
    error = caught.value
    assert error.kind == "rate_limited"
    assert error.action == "retry"
    assert (error.retry_after, error.status) == (7, 429)


def test_no_answer_is_a_transport_error(clock: ProviderClock) -> None:
    profile = af.Profile.makini_admin("http://127.0.0.1:9/admin/token")
    client = af.connect(profile, "admin-client", client_secret="admin-secret", environment=clock)
    with pytest.raises(af.TransportError) as caught:
        client.client_credentials()
    assert caught.value.kind == "transport"
    assert caught.value.action == "retry"
    assert "admin-secret" not in repr(caught.value)


def test_one_refresh_for_a_hundred_threads(providers: Providers, clock: ProviderClock) -> None:
    client, tokens = logged_in(providers, clock)
    persisted: list[af.TokenSet] = []
    conn = client.session(tokens, on_persist=persisted.append)
    clock.advance(30 * DAY + 60)  # the access token has just expired: nobody may use it
    before = providers.client_stats("link-client")["refreshes"]
    barrier = threading.Barrier(100)

    def ask(_: int) -> str:
        barrier.wait()
        return conn.access_token()

    with concurrent.futures.ThreadPoolExecutor(max_workers=100) as pool:
        results = list(pool.map(ask, range(100)))
    assert providers.client_stats("link-client")["refreshes"] - before == 1
    assert len(persisted) == 1
    assert set(results) == {persisted[0].access_token()}
    assert persisted[0].access_token() != tokens.access_token()
    assert providers.client_stats("link-client")["replays"] == 0


def test_asyncio_code_flow_and_single_flight(providers: Providers, clock: ProviderClock) -> None:
    async def main() -> None:
        client = af.AsyncOAuthClient(link_client(providers, clock))
        start = await client.authorization_url()
        tokens = await client.exchange(authorize(start.url), start.pending)
        persisted: list[af.TokenSet] = []
        conn = client.session(tokens, on_persist=persisted.append)
        assert (await conn.get("sites")).json()["data"][0]["name"] == "Plant 1"
        clock.advance(30 * DAY + 60)
        results = await asyncio.gather(*(conn.access_token() for _ in range(20)))
        assert providers.client_stats("link-client")["refreshes"] == 1
        assert set(results) == {persisted[0].access_token()}
        info = await af.AsyncOAuthClient(makeshift_client(providers, clock)).password("makeshift-key", "makeshift-secret")
        assert info.token_type() == "Bearer" and info.refresh_token() is None

    asyncio.run(main())


def test_makini_admin_refused_refresh_reauthenticates_in_the_same_call(providers: Providers, clock: ProviderClock) -> None:
    client = admin_client(providers, clock)
    tokens = client.client_credentials()
    client.refresh(tokens)  # rotated elsewhere: the refresh token in `tokens` is dead
    clock.advance(30 * DAY + 60)  # the access token expired; the refresh token is not due to
    for call in ("blocking", "asyncio"):
        persisted: list[af.TokenSet] = []
        conn = client.session(tokens, on_persist=persisted.append)
        if call == "blocking":
            token = conn.access_token()
        else:
            token = asyncio.run(af.AsyncSession(conn).access_token())
        # One call: the refused refresh (401), then client credentials, then the token.
        assert token != tokens.access_token()
        assert [t.refresh_token() is None for t in persisted] == [True, False]
        assert persisted[-1].access_token() == token
    requests = providers.client_stats("admin-client")["token_requests"]
    assert requests["client_credentials"] == 3 and requests["refresh_token"] == 3


def test_cancelled_asyncio_renewal_still_completes_and_is_stored(providers: Providers, clock: ProviderClock) -> None:
    sent = threading.Event()
    client, tokens = logged_in(providers, clock)
    client = link_client(providers, clock, transport=watched_transport(sent))
    persisted: list[af.TokenSet] = []
    conn = af.AsyncOAuthClient(client).session(tokens, on_persist=persisted.append)
    clock.advance(30 * DAY + 60)
    # The provider takes 1.5 s, and rotates the pair, whatever the client does meanwhile.
    providers.fault("makini_link.token", "slow", delay_ms=1500)

    async def main() -> None:
        carrier = asyncio.ensure_future(conn.access_token())
        while not sent.is_set():
            await asyncio.sleep(0.01)
        carrier.cancel()
        with pytest.raises(asyncio.CancelledError):
            await carrier
        for _ in range(500):
            if persisted:
                break
            await asyncio.sleep(0.02)
        assert len(persisted) == 1, "the rotated pair was lost with the cancelled task"
        assert persisted[0].refresh_token() != tokens.refresh_token()
        # The next caller uses it: no second refresh, no replay of the dead one.
        assert await conn.access_token() == persisted[0].access_token()

    asyncio.run(main())
    stats = providers.client_stats("link-client")
    assert stats["token_requests"]["refresh_token"] == 1
    assert (stats["refreshes"], stats["replays"]) == (1, 0)


def test_secrets_never_in_repr_or_str(providers: Providers, clock: ProviderClock) -> None:
    client, tokens = logged_in(providers, clock)
    start = client.authorization_url()
    pending = af.sansio.PendingAuthorization.from_storage_string(start.pending)
    verifier = pending.code_verifier()
    request = client.client().refresh_request(tokens.refresh_token())
    secrets = [tokens.access_token(), tokens.refresh_token(), "link-secret", verifier]
    conn = client.session(tokens)
    shown = [tokens, start, pending, request, request.headers, client, client.client(), conn,
             af.sansio.Session(client.client(), tokens), conn.token_set()]
    for value in shown:
        for text in (repr(value), str(value)):
            for secret in secrets:
                assert secret not in text, f"{type(value).__name__} shows a secret: {text}"
    assert "link-secret" in request.body.decode()  # the body itself is the real thing
