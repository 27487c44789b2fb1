"""The Python API reads like Python (issue 18): keyword construction,
errors whose kind and action compare with strings and whose ``str`` is a
sentence, ``request()`` as in requests/httpx, a short top-level namespace
with the sans-IO layer in :mod:`authflowkit.sansio`."""

from __future__ import annotations

import asyncio
import json
import typing

import pytest

import authflowkit as af


class Recording(af.sansio.HttpTransport):
    """An in-memory transport: records what was sent, answers from a script."""

    def __init__(self, *answers: typing.Tuple[int, typing.Dict[str, str], bytes]) -> None:
        self.sent: typing.List[af.sansio.HttpRequest] = []
        self.answers = list(answers)

    def send(self, request: af.sansio.HttpRequest) -> af.sansio.HttpResponse:
        self.sent.append(request)
        status, headers, body = self.answers.pop(0)
        return af.sansio.HttpResponse(
            status=status, headers=[af.sansio.HttpHeader(name=n, value=v) for n, v in headers.items()],
            body=body)

    async def send_async(self, request: af.sansio.HttpRequest) -> af.sansio.HttpResponse:
        return self.send(request)


TOKEN = (200, {"Content-Type": "application/json"},
         b'{"access_token":"at-1","token_type":"Bearer","expires_in":3600}')


def service(transport: Recording) -> af.OAuthClient:
    return af.connect(token_url="https://as.example/token", api_base="https://api.example/v1/",
                      client_id="svc", client_secret="svc-secret", grant="client_credentials",
                      scopes=["read"], transport=transport)


def test_a_generic_client_credentials_session_works_on_the_first_call() -> None:
    transport = Recording(TOKEN, (200, {"ETag": '"7"', "etag": '"8"'}, b'{"ok": true}'))
    answer = service(transport).session().get("items", params={"q": "a b", "tag": ["x", "y"]},
                                             headers={"If-None-Match": '"6"'})
    grant, call = transport.sent
    assert grant.url == "https://as.example/token" and b"grant_type=client_credentials" in grant.body
    assert call.url == "https://api.example/v1/items?q=a+b&tag=x&tag=y"
    sent = {h.name.lower(): h.value for h in call.headers}
    assert sent["authorization"] == "Bearer at-1" and sent["if-none-match"] == '"6"'
    assert (answer.status_code, answer.json(), answer.text) == (200, {"ok": True}, '{"ok": true}')
    assert answer.headers["etag"] == '"7", "8"' and answer.headers.get_all("ETag") == ['"7"', '"8"']


def test_request_takes_method_names_json_and_headers() -> None:
    transport = Recording(TOKEN, (201, {}, b"{}"), (204, {}, b""))
    conn = service(transport).session()
    conn.request("post", "items", json={"name": "é"})
    conn.request("PUT", "items/1", body=b"a=1", headers={"Content-Type": "application/x-www-form-urlencoded"})
    _, post, put = transport.sent
    assert af.sansio.method_name(post.method) == "POST" and json.loads(post.body) == {"name": "é"}
    assert {h.name: h.value for h in post.headers}["Content-Type"] == "application/json"
    assert [h.value for h in put.headers if h.name.lower() == "content-type"] == ["application/x-www-form-urlencoded"]
    with pytest.raises(ValueError, match="'FETCH'"):
        conn.request("FETCH", "items")
    with pytest.raises(TypeError):
        conn.request("POST", "items", json={}, body=b"{}")
    with pytest.raises(af.ConfigurationError) as caught:
        conn.request("GET", "items", headers={"Authorization": "Bearer other"})
    assert caught.value.kind == "configuration" and "Authorization" in caught.value.reason
    assert len(transport.sent) == 3  # nothing sent for a refused call


def test_errors_compare_with_strings_and_read_as_a_sentence() -> None:
    refused = (401, {"Content-Type": "application/json", "X-Request-Id": "req-42"},
               b'{"error":"invalid_client","error_description":"Client authentication failed"}')
    with pytest.raises(af.OAuthError) as caught:
        service(Recording(refused)).client_credentials()
    e = caught.value
    assert isinstance(e, af.AuthflowError)
    assert e.kind == "invalid_client" and e.action == "fix_configuration"
    assert e.kind == af.ErrorKind.INVALID_CLIENT and e.action is af.Action.FIX_CONFIGURATION
    assert f"{e.kind}/{e.action}" == "invalid_client/fix_configuration"
    assert e.reason == 'the provider refused the request: invalid_client ("Client authentication failed")'
    assert str(e) == ('invalid_client: the provider refused the request: invalid_client '
                      '("Client authentication failed") (HTTP 401) [request id req-42]; action: fix_configuration')
    assert (e.status, e.provider_code, e.request_id) == (401, "invalid_client", "req-42")
    assert "svc-secret" not in f"{e} {e!r}"


def test_insufficient_scope_says_what_to_do() -> None:
    forbidden = (403, {"WWW-Authenticate": 'Bearer error="insufficient_scope", scope="write"'}, b"")
    with pytest.raises(af.HttpError) as caught:
        service(Recording(TOKEN, forbidden)).session().post("items", json={})
    assert (caught.value.kind, caught.value.action) == ("forbidden", "fix_configuration")
    assert caught.value.reason.endswith('insufficient_scope; the API asks for the scope "write"')
    user = af.connect("makini_link", client_id="app", redirect_uri="https://app.example/cb",
                      transport=Recording(forbidden))
    with pytest.raises(af.HttpError) as caught:
        user.session(af.TokenSet.from_json(json.dumps({
            "v": 1, "access_token": "at", "token_type": "Bearer", "issued_at": 1, "expires_at": 4102444800,
        }))).get("sites")
    assert caught.value.action == "authorize_again"


def test_connect_refuses_what_it_cannot_use() -> None:
    with pytest.raises(TypeError, match="client_id"):
        af.connect(token_url="https://as.example/token")
    with pytest.raises(ValueError, match="grant='implicit'"):
        af.connect(token_url="https://as.example/token", client_id="c", grant="implicit")
    with pytest.raises(af.ConfigurationError) as refused:  # the core's rule: no grant to start from
        af.connect(token_url="https://as.example/token", client_id="c", grant="refresh_token")
    assert "refresh_token" in refused.value.reason
    with pytest.raises(ValueError, match="profile='okta'"):
        af.connect("okta", client_id="c")
    with pytest.raises(TypeError, match="token_url"):
        af.connect("makini_admin", client_id="c")
    basic = af.connect(token_url="https://as.example/token", client_id="c", client_secret="s",
                       auth_method="client_secret_post")
    request = basic.client().client_credentials_request()
    assert b"client_secret=s" in request.body and not any(h.name == "Authorization" for h in request.headers)


def test_the_top_level_holds_the_everyday_names() -> None:
    assert len(af.__all__) <= 32, af.__all__
    assert set(af.__all__) <= set(dir(af))
    for everyday in ("connect", "OAuthClient", "Session", "AuthflowError", "Profile", "TokenSet", "RedisStore"):
        assert everyday in af.__all__
    for low_level in ("Client", "HttpRequest", "PendingAuthorization", "Method", "EndpointRole",
                      "error_kind_name", "action_name", "GrantType"):
        assert not hasattr(af, low_level), low_level
        assert hasattr(af.sansio, low_level), low_level
    assert af.sansio.AuthflowError is af.AuthflowError
    assert af.sansio.DiscoveryDocument.AUTHORIZATION_SERVER and af.sansio.DiscoveryDocument.OPENID_CONFIGURATION
    assert af.sansio.ClientAuthMethod.PUBLIC_CLIENT and af.sansio.Reauthentication.NEVER
    assert not hasattr(af.sansio.Action, "NONE") and af.sansio.action_name(af.sansio.Action.REPORT) == "report"


def test_the_string_enums_match_the_native_ones() -> None:
    assert [k.name for k in af.ErrorKind] == [k.name for k in af.sansio.ErrorKind]
    assert [k.value for k in af.ErrorKind] == [af.sansio.error_kind_name(k) for k in af.sansio.ErrorKind]
    assert [a.name for a in af.Action] == [a.name for a in af.sansio.Action]
    assert [a.value for a in af.Action] == [af.sansio.action_name(a) for a in af.sansio.Action]


def test_connect_puts_every_url_where_it_says() -> None:
    role = af.sansio.EndpointRole
    local = "http://127.0.0.1:8089"
    for name in ("makini_link", "makeshift", "makini_admin", "generic", af.Profile.makini_link()):
        client = af.connect(name, client_id="c", client_secret="s", token_url=f"{local}/token",
                            authorization_url=f"{local}/authorize", api_base=f"{local}/api/")
        profile = client.client().profile()
        assert [profile.endpoint(r) for r in (role.TOKEN, role.AUTHORIZATION, role.API_BASE)] == [
            f"{local}/token", f"{local}/authorize", f"{local}/api/"], name
    untouched = af.connect("makini_link", client_id="c").client().profile()
    assert untouched.endpoint(role.TOKEN) == af.Profile.makini_link().endpoint(role.TOKEN)


def test_the_pending_string_is_never_shown() -> None:
    start = af.connect("makini_link", client_id="c", redirect_uri="https://app.example/cb").authorization_url()
    url, pending = start
    assert (url, pending) == (start.url, start.pending) and pending.startswith("afp")
    assert pending not in repr(start) and pending not in str(start) and "[redacted]" in repr(start)


def test_a_service_without_grant_is_told_how_to_get_tokens() -> None:
    transport = Recording()
    session = af.connect(token_url="https://as.example/token", client_id="svc", client_secret="svc-secret",
                         transport=transport).session()
    with pytest.raises(af.AuthorizationRequiredError) as caught:
        session.access_token()
    assert caught.value.kind == "authorization_required" and "client credentials" in caught.value.reason
    assert transport.sent == [] and "svc-secret" not in str(caught.value)


class Unreachable(af.TokenStore):
    """A store whose server is down: every operation raises as documented."""

    def get(self, key: str) -> typing.Optional[af.sansio.StoredTokens]:
        af.sansio.raise_store_error("the store's server did not answer")

    def compare_and_set(self, key: str, expected: int, new_generation: int, value: str) -> bool:
        af.sansio.raise_store_error("the store's server did not answer")

    def take_lease(self, key: str, owner: str, ttl_ms: int) -> bool:
        af.sansio.raise_store_error("the store's server did not answer")

    def release_lease(self, key: str, owner: str) -> None:
        af.sansio.raise_store_error("the store's server did not answer")


def test_a_custom_store_reports_an_unreachable_server() -> None:
    with pytest.raises(af.TransportError) as caught:
        service(Recording(TOKEN)).shared_session(Unreachable(), connection="svc").access_token()
    assert (caught.value.kind, caught.value.action) == ("store_unavailable", "retry")
    assert "did not answer" in caught.value.reason


class DictStore(af.TokenStore):
    """One process's store in a dict: values with their generations, leases by owner."""

    def __init__(self) -> None:
        self.values: typing.Dict[str, typing.Tuple[int, str]] = {}
        self.leases: typing.Dict[str, str] = {}

    def get(self, key: str) -> typing.Optional[af.sansio.StoredTokens]:
        found = self.values.get(key)
        return None if found is None else af.sansio.StoredTokens(generation=found[0], value=found[1])

    def compare_and_set(self, key: str, expected: int, new_generation: int, value: str) -> bool:
        if self.values.get(key, (0, ""))[0] != expected:
            return False
        self.values[key] = (new_generation, value)
        return True

    def take_lease(self, key: str, owner: str, ttl_ms: int) -> bool:
        return self.leases.setdefault(key, owner) == owner

    def release_lease(self, key: str, owner: str) -> None:
        if self.leases.get(key) == owner:
            del self.leases[key]


REFUSED = (401, {"WWW-Authenticate": 'Bearer error="invalid_token"'}, b"")
TOKEN_2 = (200, {"Content-Type": "application/json"},
           b'{"access_token":"at-2","token_type":"Bearer","expires_in":3600}')


@pytest.mark.parametrize("shared", [False, True], ids=["one process", "shared"])
def test_every_session_raises_on_a_status_that_is_not_2xx(shared: bool) -> None:
    """request() raises for a status that is not 2xx, as documented, whether
    the session is one process's or shared through a store; a refused token
    is renewed once, and a refused renewed one raises too."""
    def session(*answers: typing.Tuple[int, typing.Dict[str, str], bytes]) -> af.Session:
        client = service(Recording(*answers))
        return client.shared_session(DictStore(), connection="svc") if shared else client.session()

    with pytest.raises(af.HttpError) as caught:
        session(TOKEN, (404, {}, b"no such item")).get("items/9")
    assert (caught.value.kind, caught.value.status) == ("client_status", 404)
    transport = Recording(TOKEN, REFUSED, TOKEN_2, (200, {}, b"{}"))
    conn = service(transport)
    conn_session = conn.shared_session(DictStore(), connection="svc") if shared else conn.session()
    assert conn_session.get("items").status_code == 200
    assert [h.value for h in transport.sent[-1].headers if h.name == "Authorization"] == ["Bearer at-2"]
    with pytest.raises(af.HttpError) as caught:
        session(TOKEN, REFUSED, TOKEN_2, REFUSED).get("items")
    assert (caught.value.kind, caught.value.status) == ("unauthorized", 401)


class AsyncDictStore(af.aio.AsyncTokenStore):
    """:class:`DictStore` for coroutines."""

    def __init__(self) -> None:
        self.inner = DictStore()

    async def get(self, key: str) -> typing.Optional[af.sansio.StoredTokens]:
        return self.inner.get(key)

    async def compare_and_set(self, key: str, expected: int, new_generation: int, value: str) -> bool:
        return self.inner.compare_and_set(key, expected, new_generation, value)

    async def take_lease(self, key: str, owner: str, ttl_ms: int) -> bool:
        return self.inner.take_lease(key, owner, ttl_ms)

    async def release_lease(self, key: str, owner: str) -> None:
        self.inner.release_lease(key, owner)


def test_the_async_shared_session_raises_on_a_status_that_is_not_2xx_too() -> None:
    async def main() -> None:
        def shared(*answers: typing.Tuple[int, typing.Dict[str, str], bytes]) -> typing.Any:
            client = af.AsyncOAuthClient(service(Recording(*answers)))
            return client.shared_session(AsyncDictStore(), connection="svc")

        with pytest.raises(af.HttpError) as caught:
            await shared(TOKEN, (404, {}, b"no such item")).get("items/9")
        assert (caught.value.kind, caught.value.status) == ("client_status", 404)
        assert (await shared(TOKEN, REFUSED, TOKEN_2, (200, {}, b"{}")).get("items")).status_code == 200
        with pytest.raises(af.HttpError) as caught:
            await shared(TOKEN, REFUSED, TOKEN_2, REFUSED).get("items")
        assert (caught.value.kind, caught.value.status) == ("unauthorized", 401)

    asyncio.run(main())
