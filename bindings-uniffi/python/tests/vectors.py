"""Runs the golden vectors of tests/vectors/ against the Python binding,
case for case as core/tests/vectors.rs runs them against the core (the
format is in tests/vectors/README.md)."""

from __future__ import annotations

import json
import pathlib
import typing
import urllib.parse

import authflowkit as af

REPO = pathlib.Path(__file__).resolve().parents[3]
VECTORS = REPO / "tests" / "vectors"

SECRET_FIELDS = {"client_secret", "refresh_token", "access_token", "password", "token", "code_verifier",
                 "device_code", "id_token", "id_token_hint", "subject_token", "actor_token"}


def load_cases() -> list[tuple[str, dict]]:
    """Every case, as (file::name, case), in file order."""
    cases = []
    for path in sorted(VECTORS.rglob("*.json")):
        doc = json.loads(path.read_text())
        rel = path.relative_to(VECTORS).as_posix()
        for case in doc["cases"]:
            cases.append((f"{rel}::{case['name']}", case))
    return cases


def collect_secrets(value: typing.Any, out: list[str]) -> None:
    """Every secret value in a case (as the Rust runner collects them)."""
    if isinstance(value, dict):
        for key, v in value.items():
            if isinstance(v, str) and key in SECRET_FIELDS and len(v) >= 6:
                out.append(v)
            else:
                collect_secrets(v, out)
    elif isinstance(value, list):
        for v in value:
            collect_secrets(v, out)
    elif isinstance(value, str):
        try:
            inner = json.loads(value)
        except ValueError:
            inner = None
        if isinstance(inner, dict):
            collect_secrets(inner, out)
        query = value.split("?", 1)[1] if "?" in value else value
        for k, v in urllib.parse.parse_qsl(query, keep_blank_values=True):
            if k == "code" and len(v) >= 6:
                out.append(v)


class CoreRefused(Exception):
    """The binding refused the case's configuration (an expected outcome)."""

    def __init__(self, error: af.AuthflowError) -> None:
        super().__init__("configuration refused")
        self.error = error


def build_profile(spec: dict) -> af.Profile:
    kind = spec["kind"]
    if kind == "makini_link":
        profile = af.Profile.makini_link()
    elif kind == "makeshift":
        profile = af.Profile.makeshift()
    elif kind == "makini_admin":
        profile = af.Profile.makini_admin(spec["token_endpoint"])
    elif kind == "generic":
        profile = af.Profile.generic(spec["token_endpoint"], spec.get("authorization_endpoint"))
    else:
        raise AssertionError(f"unknown profile kind {kind}")
    roles = {
        "authorization_endpoint": af.sansio.EndpointRole.AUTHORIZATION,
        "token_endpoint": af.sansio.EndpointRole.TOKEN,
        "revocation_endpoint": af.sansio.EndpointRole.REVOCATION,
        "introspection_endpoint": af.sansio.EndpointRole.INTROSPECTION,
        "token_info_endpoint": af.sansio.EndpointRole.TOKEN_INFO,
        "api_base": af.sansio.EndpointRole.API_BASE,
        "legacy_api_base": af.sansio.EndpointRole.LEGACY_API_BASE,
        "device_authorization_endpoint": af.sansio.EndpointRole.DEVICE_AUTHORIZATION,
        "pushed_authorization_request_endpoint": af.sansio.EndpointRole.PUSHED_AUTHORIZATION,
    }
    for name, role in roles.items():  # in EndpointRole order, as the Rust runner
        if isinstance(spec.get(name), str):
            profile = profile.with_endpoint(role, spec[name])
    if spec.get("legacy_api") is True:
        profile = profile.using_legacy_api()
    if isinstance(spec.get("issuer"), str):
        profile = profile.with_issuer(spec["issuer"], bool(spec.get("require_issuer", False)))
    if "client_auth" in spec:
        profile = profile.with_client_auth({
            "client_secret_post": af.sansio.ClientAuthMethod.CLIENT_SECRET_POST,
            "client_secret_basic": af.sansio.ClientAuthMethod.CLIENT_SECRET_BASIC,
            "none": af.sansio.ClientAuthMethod.PUBLIC_CLIENT,
            "private_key_jwt": af.sansio.ClientAuthMethod.PRIVATE_KEY_JWT,
            "client_secret_jwt": af.sansio.ClientAuthMethod.CLIENT_SECRET_JWT,
        }[spec["client_auth"]])
    if "assertion_audience" in spec:
        profile = profile.with_assertion_audience({
            "issuer": af.sansio.AssertionAudience.ISSUER,
            "token_endpoint": af.sansio.AssertionAudience.TOKEN_ENDPOINT,
        }[spec["assertion_audience"]])
    if "pkce" in spec:
        profile = profile.with_pkce(None if spec["pkce"] is None else
                                    {"S256": af.sansio.PkceMethod.S256, "plain": af.sansio.PkceMethod.PLAIN}[spec["pkce"]])
    if isinstance(spec.get("refresh_rotates"), bool):
        profile = profile.with_refresh_rotation(spec["refresh_rotates"])
    if isinstance(spec.get("openid"), bool):
        profile = profile.with_openid(spec["openid"])
    if isinstance(spec.get("require_pushed_authorization_requests"), bool):
        profile = profile.with_pushed_authorization_required(spec["require_pushed_authorization_requests"])
    if isinstance(spec.get("pushed_authorization"), bool):
        profile = profile.with_pushed_authorization(spec["pushed_authorization"])
    for origin in spec.get("api_origins", []):
        profile = profile.with_api_origin(origin)
    return profile


def build_client(case: dict) -> af.sansio.Client:
    try:
        profile = build_profile(case["profile"])
        spec = case.get("client", {})
        # A private JWK (an object) or a PEM text, with signing_alg for PS256.
        key = spec.get("signing_key")
        if isinstance(key, dict):
            key = af.sansio.SigningKey.from_jwk(json.dumps(key))
        elif isinstance(key, str):
            key = af.sansio.SigningKey.from_pem(key, spec.get("signing_alg"))
        client = af.sansio.Client(
            profile,
            spec.get("client_id", ""),
            client_secret=spec.get("client_secret"),
            redirect_uri=spec.get("redirect_uri"),
            scopes=[s for s in spec.get("scopes", []) if isinstance(s, str)],
            resources=[r for r in spec.get("resources", []) if isinstance(r, str)],
            signing_key=key,
        )
        # DPoP (RFC 9449): the key, dpop_jkt, the servers' nonces.
        dpop_key = spec.get("dpop_key")
        if dpop_key is not None:
            client = client.with_dpop_key(dpop_key if isinstance(dpop_key, str) else json.dumps(dpop_key))
        if spec.get("dpop_jkt") is True:
            client = client.with_dpop_jkt()
        if isinstance(spec.get("dpop_nonces"), list):
            client = client.with_dpop_nonces(dpop_nonces_of(spec["dpop_nonces"]))
        # The requests of a case with assertion_entropy are built at `now` with it.
        if isinstance(case.get("assertion_entropy"), str):
            client = client.at(case.get("now", 0), bytes.fromhex(case["assertion_entropy"]))
        return client
    except af.AuthflowError as error:
        raise CoreRefused(error) from None


def dpop_nonces_of(pairs: list) -> af.sansio.DpopNonces:
    """Nonces from [[url, nonce], ...]."""
    nonces = af.sansio.DpopNonces()
    for url, nonce in pairs:
        nonces.set_nonce(url, nonce)
    return nonces


def request_from(spec: dict) -> af.sansio.HttpRequest:
    """A request from the object form request_json writes."""
    method = {"GET": af.sansio.Method.GET, "POST": af.sansio.Method.POST}[spec["method"]]
    return af.sansio.HttpRequest(method=method, url=spec["url"],
                                 headers=[af.sansio.HttpHeader(name=h[0], value=h[1]) for h in spec["headers"]],
                                 body=spec.get("body", "").encode())


def options_of(inp: dict) -> af.AuthorizationOptions:
    return af.AuthorizationOptions(
        scopes=inp.get("scopes"),
        extra_params=[af.sansio.QueryParam(name=p[0], value=p[1]) for p in inp.get("extra_params", [])],
        max_age=inp.get("max_age"),
    )


def exchange_of(inp: dict) -> af.sansio.TokenExchange:
    """The RFC 8693 token exchange a case's input describes."""
    return af.sansio.TokenExchange(
        inp["subject_token"], inp["subject_token_type"], actor_token=inp.get("actor_token"),
        actor_token_type=inp.get("actor_token_type"), requested_token_type=inp.get("requested_token_type"),
        audiences=inp.get("audiences", []), resources=inp.get("resources", []), scopes=inp.get("scopes", []))


def issued_json(t: af.sansio.IssuedToken) -> dict:
    return {"access_token": t.token(), "issued_token_type": t.issued_token_type(), "token_type": t.token_type(),
            "bearer": t.access_token() is not None, "expires_at": t.expires_at(), "scopes": t.scopes(),
            "refresh_token": t.refresh_token(), "extra": json.loads(t.extra_json())}


def request_json(r: af.sansio.HttpRequest) -> dict:
    return {
        "method": af.sansio.method_name(r.method),
        "url": r.url,
        "headers": [[h.name, h.value] for h in r.headers],
        "body": r.body.decode("utf-8", errors="replace"),
    }


def response_from(spec: dict) -> af.sansio.HttpResponse:
    if isinstance(spec.get("body"), str):
        body = spec["body"].encode()
    elif spec.get("body_json") is None:
        body = b""
    else:
        body = json.dumps(spec["body_json"], separators=(",", ":")).encode()
    headers = [af.sansio.HttpHeader(name=h[0], value=h[1]) for h in spec.get("headers", [])]
    return af.sansio.HttpResponse(status=spec["status"], headers=headers, body=body)


def token_set_json(t: af.TokenSet) -> dict:
    tokens = {
        "access_token": t.access_token(),
        "token_type": t.token_type(),
        "refresh_token": t.refresh_token(),
        "issued_at": t.issued_at(),
        "expires_at": t.expires_at(),
        "refresh_expires_at": t.refresh_expires_at(),
        "scopes": t.scopes(),
        "clock_skew": t.clock_skew(),
        "extra": json.loads(t.extra_json()),
    }
    if t.id_token() is not None:  # only a set with an ID token has it (as the Rust runner)
        tokens["id_token"] = t.id_token()
    return tokens


def token_set_from(spec: dict) -> af.TokenSet:
    stored = {k: v for k, v in spec.items() if v is not None}
    stored["v"] = 1
    return af.TokenSet.from_json(json.dumps(stored))


def pending_json(p: af.sansio.PendingAuthorization) -> dict:
    pending = {
        "provider": af.sansio.provider_kind_name(p.provider()),
        "client_id": p.client_id(),
        "redirect_uri": p.redirect_uri(),
        "state": p.state(),
        "code_verifier": p.code_verifier(),
        "scopes": p.scopes(),
        "created_at": p.created_at(),
        "expires_at": p.expires_at(),
        "token_endpoint": p.token_endpoint(),
    }
    # Only an OpenID request has them (as the Rust runner).
    if p.nonce() is not None:
        pending["nonce"] = p.nonce()
    if p.openid_max_age() is not None:
        pending["openid_max_age"] = p.openid_max_age()
    return pending


def profile_json(p: af.Profile) -> dict:
    pkce = p.pkce()
    profile = {
        "kind": af.sansio.provider_kind_name(p.kind()),
        "issuer": p.issuer(),
        "require_issuer": p.requires_issuer(),
        "authorization_endpoint": p.endpoint(af.sansio.EndpointRole.AUTHORIZATION),
        "token_endpoint": p.endpoint(af.sansio.EndpointRole.TOKEN),
        "revocation_endpoint": p.endpoint(af.sansio.EndpointRole.REVOCATION),
        "introspection_endpoint": p.endpoint(af.sansio.EndpointRole.INTROSPECTION),
        "device_authorization_endpoint": p.endpoint(af.sansio.EndpointRole.DEVICE_AUTHORIZATION),
        "client_auth": p.client_auth().name.lower(),
        "pkce": None if pkce is None else af.sansio.pkce_method_name(pkce),
    }
    if p.is_openid():
        profile["openid"] = True
    par = p.endpoint(af.sansio.EndpointRole.PUSHED_AUTHORIZATION)
    if par is not None:
        profile["pushed_authorization_request_endpoint"] = par
        profile["require_pushed_authorization_requests"] = p.requires_pushed_authorization()
    return profile


def id_token_check(spec: dict) -> af.sansio.IdTokenCheck:
    if isinstance(spec.get("algorithms"), list):
        by_name = {af.sansio.jws_algorithm_name(a): a for a in af.sansio.JwsAlgorithm}
        algorithms = [by_name[n] for n in spec["algorithms"] if n in by_name]
    else:
        algorithms = af.sansio.default_algorithms(spec.get("provider_algorithms", []))
    return af.sansio.IdTokenCheck(issuer=spec.get("issuer", ""), client_id=spec.get("client_id", ""),
                                  nonce=spec.get("nonce"), max_age=spec.get("max_age"), algorithms=algorithms,
                                  clock_skew=spec.get("clock_skew", 0))


def claims_json(c: af.sansio.IdTokenClaims) -> dict:
    return {"iss": c.iss, "sub": c.sub, "aud": c.aud, "exp": c.exp, "iat": c.iat, "nbf": c.nbf,
            "nonce": c.nonce, "azp": c.azp, "auth_time": c.auth_time, "at_hash": c.at_hash,
            "c_hash": c.c_hash, "acr": c.acr, "amr": c.amr, "sid": c.sid, "extra": json.loads(c.extra_json)}


def jwk_json(k: af.sansio.JwkInfo) -> dict:
    return {"kid": k.kid, "kty": k.kty, "alg": k.alg, "use": k.key_use}


def validated(client: af.sansio.Client, case: dict, inp: dict, now: int) -> af.sansio.ValidatedCallback:
    if isinstance(inp.get("pending"), str):
        pending = af.sansio.PendingAuthorization.from_storage_string(inp["pending"])
    else:
        at = inp.get("authorized_at", now)
        pending = client.authorization_request(at, bytes.fromhex(case.get("entropy", "")), options_of(inp)).pending
    return pending.validate(inp.get("callback", ""), now)


def error_json(e: typing.Union[af.AuthflowError, af.sansio.ErrorDetails]) -> dict:
    """An error's fields; an exception's kind and action are str-valued,
    the sans-IO ErrorDetails' the native enums."""
    native = isinstance(e, af.sansio.ErrorDetails)
    return {
        "kind": af.sansio.error_kind_name(e.kind) if native else e.kind.value,
        "action": af.sansio.action_name(e.action) if native else e.action.value,
        "retry_after": e.retry_after,
        "status": e.status,
        "provider_code": e.provider_code,
        "provider_description": e.provider_description,
        "provider_uri": e.provider_uri,
        "request_id": e.request_id,
    }


def check_error(actual: dict, shown: str, expected: dict, secrets: list[str]) -> None:
    assert "kind" in expected and "action" in expected, "error expectation lacks kind or action"
    for key, want in expected.items():
        assert key in actual, f"unknown error field {key}"
        assert actual[key] == want, f"error.{key}: expected {want!r}, got {actual[key]!r}"
    for secret in secrets:
        assert secret not in shown, f"error text shows a secret: {shown}"


def compare(run: typing.Callable[[], typing.Any], expect: dict, secrets: list[str]) -> None:
    try:
        value = run()
    except af.AuthflowError as error:
        assert "error" in expect, f"expected success, got error: {error!r}"
        check_error(error_json(error), f"{error} {error!r}", expect["error"], secrets)
        return
    assert "error" not in expect, f"expected error {expect['error']}, got success: {value}"
    assert value == expect["result"], f"result differs\n  expected: {expect['result']}\n  actual:   {value}"


def run_case(case: dict) -> None:
    """Runs one case; raises AssertionError when the binding differs."""
    secrets: list[str] = []
    collect_secrets(case, secrets)
    try:
        client = build_client(case)
    except CoreRefused as refused:
        def raise_it() -> None:
            raise refused.error
        compare(raise_it, case["expect"], secrets)
        return
    now = case.get("now", 0)
    inp = case.get("input", {})
    op = case["operation"]
    if op == "session":
        run_session(client, case, secrets)
        return
    if op == "device_poll":
        run_device_poll(client, case, secrets)
        return
    hints = {"access_token": af.TokenTypeHint.ACCESS_TOKEN, "refresh_token": af.TokenTypeHint.REFRESH_TOKEN}
    grants = {
        "authorization_code": af.sansio.GrantType.AUTHORIZATION_CODE,
        "refresh_token": af.sansio.GrantType.REFRESH_TOKEN,
        "client_credentials": af.sansio.GrantType.CLIENT_CREDENTIALS,
        "password": af.sansio.GrantType.PASSWORD,
        "urn:ietf:params:oauth:grant-type:device_code": af.sansio.GrantType.DEVICE_CODE,
    }

    def run() -> typing.Any:
        if op == "authorization_request":
            r = client.authorization_request(now, bytes.fromhex(case.get("entropy", "")), options_of(inp))
            return {"url": r.url, "pending": pending_json(r.pending)}
        if op == "pending_from_storage":
            return pending_json(af.sansio.PendingAuthorization.from_storage_string(inp["stored"]))
        if op == "validate_callback":
            c = validated(client, case, inp, now)
            return {"code": c.code(), "state": c.state(), "redirect_uri": c.redirect_uri(),
                    "code_verifier": c.code_verifier(), "params": [[p.name, p.value] for p in c.params()]}
        if op == "exchange_request":
            return request_json(client.exchange_request(validated(client, case, inp, now)))
        if op == "refresh_request":
            return request_json(client.refresh_request(inp["refresh_token"]))
        if op == "refresh_request_for":
            return request_json(client.refresh_request_for(token_set_from(inp["tokens"]), now))
        if op == "client_credentials_request":
            return request_json(client.client_credentials_request())
        if op == "password_request":
            return request_json(client.password_request(inp["username"], inp["password"]))
        if op == "reauthentication_request":
            g = client.reauthentication_request()
            return {"grant": af.sansio.grant_type_name(g.grant), "request": request_json(g.request)}
        if op in ("revocation_request", "introspection_request"):
            build = client.revocation_request if op == "revocation_request" else client.introspection_request
            return request_json(build(inp["token"], hints[inp["token_type_hint"]]))
        if op == "token_info_request":
            return request_json(client.token_info_request(inp["access_token"]))
        if op == "api_request":
            method = {"GET": af.sansio.Method.GET, "POST": af.sansio.Method.POST, "PUT": af.sansio.Method.PUT,
                      "PATCH": af.sansio.Method.PATCH, "DELETE": af.sansio.Method.DELETE}[inp["method"].upper()]
            body = inp["body"].encode() if isinstance(inp.get("body"), str) else None
            return request_json(client.api_request(inp["access_token"], method, inp["path"], body,
                                                   dpop_bound=inp.get("token_type") == "DPoP"))
        if op == "handle_dpop_response":
            nonces = dpop_nonces_of(inp.get("nonces", []))
            request = request_from(inp["request"])
            retry = nonces.handle_response(request, response_from(inp["response"]))
            return {"retry": retry, "nonce": nonces.nonce_for(request.url)}
        if op == "discovery_request":
            document = {"oauth": af.sansio.DiscoveryDocument.AUTHORIZATION_SERVER,
                        "openid": af.sansio.DiscoveryDocument.OPENID_CONFIGURATION}[inp["document"]]
            return request_json(af.sansio.discovery_request(inp["issuer"], document))
        if op == "parse_token_response":
            return token_set_json(client.parse_token_response(grants[inp["grant"]], now, response_from(inp["response"])))
        if op == "parse_refresh_response":
            previous = token_set_from(inp["previous"])
            return token_set_json(client.parse_refresh_response(now, response_from(inp["response"]), previous))
        if op == "check_api_response":
            client.check_api_response(now, response_from(inp["response"]))
            return {"ok": True}
        if op == "parse_token_info_response":
            i = client.parse_token_info_response(now, response_from(inp["response"]))
            return {
                "expires_in_seconds": i.expires_in_seconds, "expires_at": i.expires_at,
                "resource_owner_id": None if i.resource_owner_id_json is None else json.loads(i.resource_owner_id_json),
                "scopes": i.scopes, "created_at": i.created_at, "extra": json.loads(i.extra_json),
            }
        if op == "parse_revocation_response":
            client.parse_revocation_response(now, response_from(inp["response"]))
            return {"ok": True}
        if op == "parse_introspection_response":
            i = client.parse_introspection_response(now, response_from(inp["response"]))
            return {"active": i.active, "scopes": i.scopes, "client_id": i.client_id, "username": i.username,
                    "token_type": i.token_type, "exp": i.exp, "iat": i.iat, "nbf": i.nbf, "sub": i.sub,
                    "iss": i.iss, "extra": json.loads(i.extra_json)}
        if op == "parse_discovery_response":
            m = af.sansio.parse_discovery_response(inp["issuer"], response_from(inp["response"]))
            profile = m.profile()
            result = {"issuer": m.issuer(), "profile": profile_json(profile)}
            if profile.is_openid():
                result["openid"] = {
                    "jwks_uri": m.jwks_uri(), "userinfo_endpoint": m.userinfo_endpoint(),
                    "end_session_endpoint": m.end_session_endpoint(),
                    "id_token_signing_alg_values_supported": m.id_token_signing_alg_values_supported(),
                }
            return result
        if op == "token_set_from_json":
            return token_set_json(af.TokenSet.from_json(inp["json"]))
        if op == "device_authorization_request":
            return request_json(client.device_authorization_request())
        if op == "parse_device_authorization_response":
            a = client.parse_device_authorization_response(now, response_from(inp["response"]))
            for secret in (a.device_code(), a.user_code()):
                assert secret not in repr(a) and secret not in str(a), "device authorization shown"
            return device_authorization_json(a)
        if op == "device_token_request":
            return request_json(client.device_token_request(inp["device_code"]))
        if op == "validate_id_token":
            keys = af.sansio.JwkSet.parse(json.dumps(inp["jwks"]).encode())
            return claims_json(af.sansio.validate_id_token(id_token_check(inp["check"]), inp["id_token"], keys, now,
                                                           inp.get("access_token"), inp.get("code")))
        if op == "validate_refreshed_id_token":
            keys = af.sansio.JwkSet.parse(json.dumps(inp["jwks"]).encode())
            check = id_token_check(inp["check"])
            original = af.sansio.validate_id_token(check, inp["original"], keys, inp.get("original_now", now))
            return claims_json(af.sansio.validate_refreshed_id_token(check, inp["id_token"], keys, now, original,
                                                                     inp.get("access_token")))
        if op == "userinfo_request":
            return request_json(client.userinfo_request(inp["userinfo_endpoint"], inp["access_token"]))
        if op == "parse_userinfo_response":
            u = client.parse_userinfo_response(now, response_from(inp["response"]), inp["sub"])
            return {"sub": u.sub, "claims": json.loads(u.claims_json)}
        if op == "end_session_url":
            options = af.sansio.LogoutOptions(
                id_token_hint=inp.get("id_token_hint"), post_logout_redirect_uri=inp.get("post_logout_redirect_uri"),
                state=inp.get("state"), ui_locales=inp.get("ui_locales"))
            return {"url": client.end_session_url(inp["end_session_endpoint"], options)}
        if op == "parse_jwks_response":
            parsed = af.sansio.parse_jwks_response(response_from(inp["response"]))
            by_name = {af.sansio.jws_algorithm_name(a): a for a in af.sansio.JwsAlgorithm}
            select = inp.get("select") or {}
            alg = by_name.get(select.get("alg", ""))
            selected = [] if alg is None else [k.kid for k in parsed.keys.candidates(alg, select.get("kid"))]
            return {"keys": [jwk_json(k) for k in parsed.keys.keys()], "skipped": parsed.keys.skipped(),
                    "max_age": parsed.max_age, "selected": selected}
        if op == "token_exchange_request":
            return request_json(client.token_exchange_request(exchange_of(inp)))
        if op == "parse_token_exchange_response":
            return issued_json(client.parse_token_exchange_response(exchange_of(inp), now,
                                                                    response_from(inp["response"])))
        if op == "pushed_authorization_request":
            push = client.pushed_authorization_request(now, bytes.fromhex(case.get("entropy", "")), options_of(inp))
            return {"request": request_json(push.request), "pending": pending_json(push.pending)}
        if op == "parse_pushed_authorization_response":
            response = response_from(inp["response"])
            push = client.pushed_authorization_request(inp.get("pushed_at", now), bytes.fromhex(case.get("entropy", "")),
                                                       options_of(inp))
            r = client.parse_pushed_authorization_response(now, push.pending, response)
            return {"url": r.url, "pending": pending_json(r.pending)}
        raise AssertionError(f"unknown operation {op}")

    compare(run, case["expect"], secrets)


def check_action(actual: typing.Optional[dict], action: typing.Any, expect: dict, secrets: list[str]) -> None:
    """Compares what a poll step's state machine said with the step's
    expectation: a stop (``actual`` None) by its error, anything else whole."""
    if actual is None:
        d = action.error
        check_error(error_json(d), f"{d} {d!r}", expect.get("error", {}), secrets)
        actual = {"action": "stop"}
    wanted = {k: v for k, v in expect.items() if k != "error"}
    assert actual == wanted, f"action differs\n  expected: {wanted}\n  actual:   {actual}"


def step_answer(step: dict, last_sent: typing.Optional[int]) -> typing.Tuple[
        int, typing.Union[af.sansio.HttpResponse, af.sansio.ErrorDetails]]:
    """A respond or transport_error step's request id (``request``, or the
    last sent) and the answer or the transport's failure."""
    request_id = step.get("request", last_sent)
    assert request_id is not None, "nothing was sent"
    if step["op"] == "respond":
        return request_id, response_from(step["response"])
    failure = af.sansio.timeout_error if step.get("kind") == "timeout" else af.sansio.transport_error
    return request_id, failure("connection refused")


def device_authorization_json(a: af.sansio.DeviceAuthorization) -> dict:
    return {
        "device_code": a.device_code(),
        "user_code": a.user_code(),
        "verification_uri": a.verification_uri(),
        "verification_uri_complete": a.verification_uri_complete(),
        "received_at": a.received_at(),
        "expires_at": a.expires_at(),
        "interval": a.interval(),
        "clock_skew": a.clock_skew(),
        "extra": json.loads(a.extra_json()),
    }


def run_device_poll(client: af.sansio.Client, case: dict, secrets: list[str]) -> None:
    inp = case["input"]
    authorization = client.parse_device_authorization_response(case.get("now", 0), response_from(inp["authorization"]))
    entropy = bytes.fromhex(inp["poll_entropy"]) if isinstance(inp.get("poll_entropy"), str) else None
    poll = af.sansio.DevicePoll(client, authorization, entropy)
    last_sent = None
    for index, step in enumerate(inp["steps"]):
        where = f"step {index} ({step['op']})"
        now = step.get("now", 0)
        expect = step.get("expect", {})
        op = step["op"]
        try:
            if op == "poll":
                action = poll.poll_action(now)
                if action.is_send():
                    out = action.request
                    last_sent = out.id
                    actual = {"action": "send", "request": request_json(out.request)}
                    for secret in secrets:
                        assert secret not in repr(action) and secret not in str(out), "request shown"
                elif action.is_wait():
                    actual = {"action": "wait", "until": action.until}
                elif action.is_done():
                    actual = {"action": "done", "tokens": token_set_json(action.tokens)}
                    for secret in secrets:
                        assert secret not in repr(action.tokens), "token set shown"
                else:
                    actual = None
                check_action(actual, action, expect, secrets)
            elif op in ("respond", "transport_error"):
                request_id, answer = step_answer(step, last_sent)

                def handle() -> str:
                    if isinstance(answer, af.sansio.HttpResponse):
                        update = poll.handle_response(request_id, now, answer)
                    else:
                        update = poll.handle_transport_error(request_id, now, answer)
                    return update.name.lower()

                compare(handle, expect, secrets)
            elif op == "timeout":
                assert poll.poll_timeout() == expect["result"], f"timeout: {poll.poll_timeout()}"
            elif op == "interval":
                assert poll.interval() == expect["result"], f"interval: {poll.interval()}"
            else:
                raise AssertionError(f"unknown op {op}")
        except AssertionError as failure:
            raise AssertionError(f"{where}: {failure}") from None


def run_session(client: af.sansio.Client, case: dict, secrets: list[str]) -> None:
    inp = case["input"]
    tokens = None if inp.get("tokens") is None else token_set_from(inp["tokens"])
    session = af.sansio.Session(client, tokens, inp.get("refresh_margin"))
    if isinstance(inp.get("session_entropy"), str):
        session.set_entropy(bytes.fromhex(inp["session_entropy"]))
    last_sent = None
    for index, step in enumerate(inp["steps"]):
        where = f"step {index} ({step['op']})"
        now = step.get("now", 0)
        expect = step.get("expect", {})
        op = step["op"]
        try:
            if op == "poll":
                action = session.poll_action(now)
                if action.is_use_token():
                    actual = {"action": "use_token", "token": action.token.secret()}
                    for secret in secrets:
                        assert secret not in repr(action) and secret not in str(action.token), "token shown"
                elif action.is_send():
                    out = action.request
                    last_sent = out.id
                    actual = {"action": "send", "purpose": out.purpose.name.lower(),
                              "grant": af.sansio.grant_type_name(out.grant), "request": request_json(out.request)}
                    for secret in secrets:
                        assert secret not in repr(action) and secret not in str(out), "request shown"
                elif action.is_wait():
                    actual = {"action": "wait", "until": action.until}
                else:
                    actual = None
                check_action(actual, action, expect, secrets)
            elif op in ("respond", "transport_error"):
                request_id, answer = step_answer(step, last_sent)

                def handle() -> str:
                    if isinstance(answer, af.sansio.HttpResponse):
                        update = session.handle_response(request_id, now, answer)
                    else:
                        update = session.handle_transport_error(request_id, now, answer)
                    return update.name.lower()

                compare(handle, expect, secrets)
            elif op == "persist_failed":
                session.persist_failed(now)
            elif op == "persist":
                persisted = session.poll_persist(now)
                actual = None if persisted is None else token_set_json(persisted)
                assert actual == expect["result"], f"persist differs\n  expected: {expect['result']}\n  actual:   {actual}"
            elif op == "timeout":
                assert session.poll_timeout() == expect["result"], f"timeout: {session.poll_timeout()}"
            elif op == "unauthorized":
                session.handle_unauthorized(step["token"])
            elif op == "token_info":
                info = client.parse_token_info_response(now, response_from(step["response"]))
                assert session.apply_token_info(now, step["token"], info) == expect["result"]
            else:
                raise AssertionError(f"unknown op {op}")
        except AssertionError as failure:
            raise AssertionError(f"{where}: {failure}") from None
