"""Every public name of ``authflowkit``, ``authflowkit.sansio`` and ``authflowkit.aio``, used as a
program uses it, for ``mypy --strict`` (scripts/test-uniffi.sh): a name
the type checker sees as ``Any``, a call to an unannotated function, or a
return type other than the one asserted here fails the check.
tests/test_typing.py fails when a public name is missing here.

Never run: the functions only have to type-check.
"""

from __future__ import annotations

import asyncio
import typing
from typing import assert_type

import authflowkit
from authflowkit import aio, sansio


def everyday(secret: str, callback_url: str) -> None:
    client = authflowkit.connect("makini_link", client_id="id", client_secret=secret,
                                 redirect_uri="https://app.example/cb", scopes=["sites"])
    assert_type(client, authflowkit.OAuthClient)
    start = client.authorization_url(authflowkit.AuthorizationOptions(scopes=["sites"], max_age=60))
    assert_type(start, authflowkit.AuthorizationStart)
    assert_type(start.url, str)
    assert_type(start.pending, str)
    tokens = client.exchange(callback_url, start.pending)
    assert_type(tokens, authflowkit.TokenSet)
    assert_type(tokens.access_token(), str)
    assert_type(tokens.refresh_token(), typing.Optional[str])
    assert_type(tokens.expires_at(), typing.Optional[int])
    assert_type(authflowkit.TokenSet.from_json(tokens.to_json()), authflowkit.TokenSet)

    session = client.session(tokens, on_persist=lambda renewed: None)
    assert_type(session, authflowkit.Session)
    response = session.get("sites", params={"page": 1})
    assert_type(response, authflowkit.Response)
    assert_type(response.status_code, int)
    assert_type(response.text, str)
    assert_type(response.content, bytes)
    assert_type(response.headers, authflowkit.Headers)
    assert_type(response.headers.get_all("link"), typing.List[str])
    assert_type(session.token_info(), authflowkit.TokenInfo)
    assert_type(session.token_info().expires_in_seconds, typing.Optional[int])
    assert_type(session.next_renewal(), typing.Optional[int])

    assert_type(client.introspect(tokens.access_token(), authflowkit.TokenTypeHint.ACCESS_TOKEN),
                authflowkit.Introspection)
    assert_type(client.introspect(tokens.access_token(), authflowkit.TokenTypeHint.ACCESS_TOKEN).active, bool)
    assert_type(client.logout_url(tokens, authflowkit.LogoutOptions(state="s")), str)
    assert_type(client.device_login(lambda code: print(code.user_code, code.verification_uri,
                                                          code.verification_uri_complete, code.expires_at)),
                authflowkit.TokenSet)
    code: typing.Optional[authflowkit.DeviceCode] = None
    assert_type(code, typing.Optional[authflowkit.DeviceCode])


def profiles_and_stores(issuer: str) -> None:
    profile = authflowkit.discover_profile(issuer, openid=True, transport=authflowkit.UrllibTransport(timeout=5.0))
    assert_type(profile, authflowkit.Profile)
    assert_type(authflowkit.Profile.makeshift().with_endpoint(sansio.EndpointRole.TOKEN, issuer), authflowkit.Profile)
    store = authflowkit.RedisStore("redis://127.0.0.1:6379/0")
    shared = authflowkit.connect(profile, "id", grant="client_credentials").shared_session(store, "default")
    assert_type(shared, authflowkit.Session)
    generic_store: authflowkit.TokenStore = store
    assert_type(generic_store.get("key"), typing.Optional[sansio.StoredTokens])


async def in_asyncio(client: authflowkit.OAuthClient) -> None:
    async_client = authflowkit.AsyncOAuthClient(client)
    tokens = await async_client.client_credentials()
    assert_type(tokens, authflowkit.TokenSet)
    session = async_client.session(tokens)
    assert_type(session, authflowkit.AsyncSession)
    assert_type(await session.get("sites"), authflowkit.Response)
    assert_type(await session.access_token(), str)
    await asyncio.sleep(0)

    store = aio.AsyncRedisStore("redis://127.0.0.1:6379/0", timeout=2.0)
    shared = aio.AsyncOAuthClient(client).shared_session(store, "default", lease_ttl_ms=10_000)
    assert_type(shared, aio.AsyncSession)
    assert_type(await shared.get("sites"), authflowkit.Response)
    assert_type(shared.native, typing.Union[sansio.ClientSession, sansio.AsyncSharedSession])
    generic_store: aio.AsyncTokenStore = store
    assert_type(await generic_store.get("key"), typing.Optional[sansio.StoredTokens])
    assert_type(await store.take_lease("key:lease", "owner", 1000), bool)
    await store.aclose()


def errors(client: authflowkit.OAuthClient) -> None:
    try:
        client.client_credentials()
    except authflowkit.OAuthError as e:
        assert_type(e.kind, authflowkit.ErrorKind)
        assert_type(e.action, authflowkit.Action)
        assert_type(e.reason, str)
        assert_type(e.status, typing.Optional[int])
        assert_type(e.kind == authflowkit.ErrorKind.INVALID_CLIENT, bool)
        assert_type(e.action == authflowkit.Action.REAUTHENTICATE, bool)
    except (authflowkit.CallbackError, authflowkit.HttpError, authflowkit.TransportError, authflowkit.InvalidResponseError,
            authflowkit.ConfigurationError, authflowkit.AuthorizationRequiredError,
            authflowkit.InvalidStoredValueError) as e:
        assert_type(e.retry_after, typing.Optional[int])
        assert_type(e.details(), sansio.ErrorDetails)
    except authflowkit.AuthflowError as e:
        assert_type(e.provider_code, typing.Optional[str])


class Transport(sansio.HttpTransport):
    """A host transport, as a program writes one."""

    def send(self, request: sansio.HttpRequest) -> sansio.HttpResponse:
        assert_type(request.method, sansio.Method)
        assert_type(sansio.method_name(request.method), str)
        assert_type(request.url, str)
        return sansio.HttpResponse(status=200, headers=[sansio.HttpHeader(name="a", value="b")], body=b"{}")

    async def send_async(self, request: sansio.HttpRequest) -> sansio.HttpResponse:
        return self.send(request)


class Clock(sansio.Environment):
    """A host environment: time and entropy."""

    def now(self) -> int:
        return 0

    def random_bytes(self, len: int) -> bytes:  # noqa: A002 (the trait's name)
        return bytes(len)


class MemoryStore(sansio.TokenStore):
    """A host token store."""

    def get(self, key: str) -> typing.Optional[sansio.StoredTokens]:
        return None

    def compare_and_set(self, key: str, expected: int, new_generation: int, value: str) -> bool:
        return True

    def take_lease(self, key: str, owner: str, ttl_ms: int) -> bool:
        return True

    def release_lease(self, key: str, owner: str) -> None:
        return None


class AsyncMemoryStore(sansio.AsyncTokenStore):
    """A host token store for coroutines."""

    async def get(self, key: str) -> typing.Optional[sansio.StoredTokens]:
        return None

    async def compare_and_set(self, key: str, expected: int, new_generation: int, value: str) -> bool:
        return True

    async def take_lease(self, key: str, owner: str, ttl_ms: int) -> bool:
        return True

    async def release_lease(self, key: str, owner: str) -> None:
        return None


class Persister(sansio.TokenPersister):
    """A host persister."""

    def persist(self, tokens: sansio.TokenSet) -> None:
        return None


def sans_io(now: int, entropy: bytes, response: sansio.HttpResponse) -> None:
    client = sansio.Client(sansio.Profile.makini_link(), "id", redirect_uri="https://app.example/cb")
    start = client.authorization_request(now, entropy)
    assert_type(start, sansio.AuthorizationRequest)
    assert_type(start.pending, sansio.PendingAuthorization)
    pending = sansio.PendingAuthorization.from_storage_string(start.pending.to_storage_string())
    callback = pending.validate("https://app.example/cb?code=c&state=s", now)
    assert_type(callback, sansio.ValidatedCallback)
    request = client.exchange_request(callback)
    assert_type(request, sansio.HttpRequest)
    tokens = client.parse_token_response(sansio.GrantType.AUTHORIZATION_CODE, now, response)
    assert_type(tokens, sansio.TokenSet)
    assert_type(client.parse_introspection_response(now, response), sansio.Introspection)
    assert_type(client.parse_token_info_response(now, response), sansio.TokenInfo)
    assert_type(client.parse_userinfo_response(now, response, "sub"), sansio.UserInfo)

    session = sansio.Session(client, tokens)
    action = session.poll_action(now)
    assert_type(action, sansio.SessionAction)
    if isinstance(action, sansio.SessionAction.USE_TOKEN):
        assert_type(action.token, sansio.AccessToken)
    elif isinstance(action, sansio.SessionAction.SEND):
        assert_type(action.request, sansio.OutgoingRequest)
        assert_type(session.handle_response(action.request.id, now, response), sansio.SessionUpdate)
    elif isinstance(action, sansio.SessionAction.WAIT):
        assert_type(action.until, typing.Optional[int])

    oauth = sansio.OAuthClient(client, Transport(), Clock())
    assert_type(oauth, sansio.OAuthClient)
    native_session = oauth.session(tokens, Persister(), None)
    assert_type(native_session, sansio.ClientSession)
    assert_type(native_session.access_token(), str)
    assert_type(oauth.shared_session(MemoryStore(), "default", None, None), sansio.SharedSession)
    shared = oauth.async_shared_session(AsyncMemoryStore(), "default", None, None)
    assert_type(shared, sansio.AsyncSharedSession)
    assert_type(shared.generation(), int)
    assert_type(sansio.persister(lambda renewed: None), typing.Optional[sansio.TokenPersister])
    assert_type(sansio.SystemEnvironment().now(), int)


def device_and_openid(client: sansio.Client, now: int, response: sansio.HttpResponse,
                      keys: sansio.JwkSet, check: sansio.IdTokenCheck) -> None:
    device = client.parse_device_authorization_response(now, response)
    assert_type(device, sansio.DeviceAuthorization)
    poll = sansio.DevicePoll(client, device)
    assert_type(poll, sansio.DevicePoll)
    step = poll.poll_action(now)
    assert_type(step, sansio.DevicePollAction)
    if isinstance(step, sansio.DevicePollAction.SEND):
        assert_type(step.request, sansio.DeviceTokenRequest)
        assert_type(poll.handle_response(step.request.id, now, response), sansio.DevicePollUpdate)
    elif isinstance(step, sansio.DevicePollAction.DONE):
        assert_type(step.tokens, sansio.TokenSet)

    metadata = sansio.parse_discovery_response("https://issuer.example", response)
    assert_type(metadata, sansio.ProviderMetadata)
    assert_type(sansio.discovery_request("https://issuer.example", sansio.DiscoveryDocument.OPENID_CONFIGURATION),
                sansio.HttpRequest)
    assert_type(sansio.discover("https://issuer.example", sansio.DiscoveryDocument.AUTHORIZATION_SERVER,
                                Transport()), sansio.Profile)
    assert_type(sansio.jwks_request("https://issuer.example/jwks"), sansio.HttpRequest)
    jwks = sansio.parse_jwks_response(response)
    assert_type(jwks, sansio.JwksResponse)
    claims = sansio.validate_id_token(check, "id.token.jws", keys, now)
    assert_type(claims, sansio.IdTokenClaims)
    assert_type(sansio.validate_refreshed_id_token(check, "id.token.jws", keys, now, claims), sansio.IdTokenClaims)
    assert_type(sansio.default_algorithms(["RS256"]), typing.List[sansio.JwsAlgorithm])
    assert_type(sansio.jws_algorithm_name(sansio.JwsAlgorithm.RS256), str)
    assert_type(sansio.SigningKey.parse("{}", None), sansio.SigningKey)
    assert_type(client.with_dpop_key("{}"), sansio.Client)


async def discovery_async() -> None:
    assert_type(await sansio.discover_async("https://issuer.example", sansio.DiscoveryDocument.AUTHORIZATION_SERVER,
                                            Transport()), sansio.Profile)


def names_and_errors() -> None:
    assert_type(sansio.error_kind_name(sansio.ErrorKind.INVALID_GRANT), str)
    assert_type(sansio.action_name(sansio.Action.RETRY), str)
    assert_type(sansio.grant_type_name(sansio.GrantType.REFRESH_TOKEN), str)
    assert_type(sansio.pkce_method_name(sansio.PkceMethod.S256), str)
    assert_type(sansio.provider_kind_name(sansio.ProviderKind.MAKINI_LINK), str)
    assert_type(sansio.authorization_entropy_len(), int)
    for token_type in (sansio.token_type_access_token(), sansio.token_type_refresh_token(),
                       sansio.token_type_id_token(), sansio.token_type_jwt(), sansio.token_type_saml1(),
                       sansio.token_type_saml2()):
        assert_type(token_type, str)
    details = sansio.transport_error("down")
    assert_type(details, sansio.ErrorDetails)
    assert_type(sansio.timeout_error("slow"), sansio.ErrorDetails)
    assert_type(sansio.store_error("gone"), sansio.ErrorDetails)
    assert_type(sansio.error_message(details), str)
    assert_type(sansio.raise_error(details), None)
    if details.status is None:
        sansio.raise_transport_error("down")
    if details.retry_after is None:
        sansio.raise_timeout_error("slow")
    sansio.raise_store_error("gone")


def records_and_enums(
    rule: sansio.StatusRule, scope: sansio.StatusRuleScope, start: sansio.AuthorizationStart,
    grant: sansio.GrantRequest, par: sansio.PushedAuthorizationRequest, exchange: sansio.TokenExchange,
    issued: sansio.IssuedToken, lifetimes: sansio.Lifetimes, jwk: sansio.JwkInfo, param: sansio.QueryParam,
    nonces: sansio.DpopNonces, shared: sansio.SharedSession, options: sansio.LogoutOptions,
    authorization: sansio.AuthorizationOptions, internal: sansio.InternalError, error: sansio.AuthflowError,
) -> None:
    assert_type(rule.status, int)
    assert_type(rule.on, sansio.StatusRuleScope)
    assert_type(scope.is_api(), bool)
    assert_type(start.url, str)
    assert_type(grant.request, sansio.HttpRequest)
    assert_type(par.request, sansio.HttpRequest)
    assert_type(issued.access_token(), typing.Optional[str])
    assert_type(lifetimes.access, typing.Optional[int])
    assert_type(jwk.kid, typing.Optional[str])
    assert_type(param.name, str)
    assert_type(shared.generation(), int)
    assert_type(error.kind, authflowkit.ErrorKind)
    assert_type(internal.args, typing.Tuple[typing.Any, ...])
    for member in (sansio.RequestPurpose.REFRESH, sansio.AssertionAudience.ISSUER, sansio.BodyEncoding.JSON,
                   sansio.ClientAuthMethod.PRIVATE_KEY_JWT, sansio.ExpiryRule.SECONDS,
                   sansio.Reauthentication.NEVER, sansio.SessionUpdate.RENEWED,
                   sansio.DevicePollUpdate.PENDING, sansio.TokenTypeHint.REFRESH_TOKEN):
        assert_type(member.name, str)


# The classes a host implements, and the protocols the native classes
# follow, under their own names.
HOST_INTERFACES: typing.Tuple[type, ...] = (
    sansio.EnvironmentImpl, sansio.HttpTransportImpl, sansio.TokenPersisterImpl, sansio.TokenStoreImpl,
    sansio.AsyncTokenStoreImpl,
)
PROTOCOLS: typing.Tuple[type, ...] = (
    sansio.AccessTokenProtocol, sansio.AsyncSharedSessionProtocol, sansio.ClientProtocol, sansio.ClientSessionProtocol,
    sansio.DeviceAuthorizationProtocol, sansio.DevicePollProtocol, sansio.DpopNoncesProtocol,
    sansio.IssuedTokenProtocol, sansio.JwkSetProtocol, sansio.OAuthClientProtocol,
    sansio.PendingAuthorizationProtocol, sansio.ProfileProtocol, sansio.ProviderMetadataProtocol,
    sansio.SessionProtocol, sansio.SharedSessionProtocol, sansio.SigningKeyProtocol,
    sansio.TokenExchangeProtocol, sansio.TokenSetProtocol, sansio.ValidatedCallbackProtocol,
)
