// The Kotlin binding's test program: every golden vector in tests/vectors/
// (as core/tests/vectors.rs runs them), then end-to-end flows against the
// local providers, blocking and suspend, over java.net.http and (the cases
// where the HTTP client matters) over HttpURLConnection. Exits 1 on any
// failure.
//
//   java ... io.authflow.test.AuthflowTestKt <repo root> <authflow-providers binary>
package io.authflow.test

import io.authflow.*
import java.io.File
import java.net.URI
import java.net.http.HttpClient
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import kotlinx.coroutines.yield
import kotlin.time.Duration
import kotlin.time.Duration.Companion.seconds

class Failure(message: String) : Exception(message)

fun expect(condition: Boolean, message: () -> String) {
    if (!condition) throw Failure(message())
}

@Suppress("UNCHECKED_CAST")
fun Any?.obj(): Map<String, Any?> = (this as? Map<String, Any?>) ?: emptyMap()

fun Any?.str(key: String): String = (obj()[key] as? String) ?: throw Failure("missing string $key")

fun ULong?.j(): Any? = this?.toLong()

val SECRET_FIELDS = setOf("client_secret", "refresh_token", "access_token", "password", "token", "code_verifier",
    "device_code", "id_token", "id_token_hint", "subject_token", "actor_token")

fun collectSecrets(value: Any?, out: MutableList<String>) {
    when (value) {
        is Map<*, *> -> value.forEach { (k, v) ->
            if (v is String && k in SECRET_FIELDS && v.length >= 6) out.add(v) else collectSecrets(v, out)
        }
        is List<*> -> value.forEach { collectSecrets(it, out) }
        is String -> {
            val inner = runCatching { Json.parse(value) }.getOrNull()
            if (inner is Map<*, *>) collectSecrets(inner, out)
            val query = value.substringAfter('?', value)
            for (pair in query.split('&')) {
                val (k, v) = pair.split('=', limit = 2).let { it[0] to it.getOrElse(1) { "" } }
                val decoded = runCatching { java.net.URLDecoder.decode(v, "UTF-8") }.getOrDefault(v)
                if (k == "code" && decoded.length >= 6) out.add(decoded)
            }
        }
    }
}

fun name(e: Enum<*>) = e.name.lowercase()

val ROLES = listOf(
    "authorization_endpoint" to EndpointRole.AUTHORIZATION, "token_endpoint" to EndpointRole.TOKEN,
    "revocation_endpoint" to EndpointRole.REVOCATION, "introspection_endpoint" to EndpointRole.INTROSPECTION,
    "token_info_endpoint" to EndpointRole.TOKEN_INFO, "api_base" to EndpointRole.API_BASE,
    "legacy_api_base" to EndpointRole.LEGACY_API_BASE,
    "device_authorization_endpoint" to EndpointRole.DEVICE_AUTHORIZATION,
    "pushed_authorization_request_endpoint" to EndpointRole.PUSHED_AUTHORIZATION,
)

fun buildProfile(spec: Map<String, Any?>): Profile {
    var p = when (spec.str("kind")) {
        "makini_link" -> Profile.makiniLink()
        "makeshift" -> Profile.makeshift()
        "makini_admin" -> Profile.makiniAdmin(spec.str("token_endpoint"))
        "generic" -> Profile.generic(spec.str("token_endpoint"), spec["authorization_endpoint"] as? String)
        else -> throw Failure("unknown kind")
    }
    for ((key, role) in ROLES) (spec[key] as? String)?.let { p = p.withEndpoint(role, it) }
    if (spec["legacy_api"] == true) p = p.usingLegacyApi()
    (spec["issuer"] as? String)?.let { p = p.withIssuer(it, spec["require_issuer"] == true) }
    (spec["client_auth"] as? String)?.let {
        p = p.withClientAuth(when (it) {
            "client_secret_post" -> ClientAuthMethod.CLIENT_SECRET_POST
            "client_secret_basic" -> ClientAuthMethod.CLIENT_SECRET_BASIC
            "private_key_jwt" -> ClientAuthMethod.PRIVATE_KEY_JWT
            "client_secret_jwt" -> ClientAuthMethod.CLIENT_SECRET_JWT
            else -> ClientAuthMethod.PUBLIC_CLIENT
        })
    }
    (spec["assertion_audience"] as? String)?.let {
        p = p.withAssertionAudience(if (it == "issuer") AssertionAudience.ISSUER else AssertionAudience.TOKEN_ENDPOINT)
    }
    if (spec.containsKey("pkce")) {
        p = p.withPkce(when (spec["pkce"]) { null -> null; "plain" -> PkceMethod.PLAIN; else -> PkceMethod.S256 })
    }
    (spec["refresh_rotates"] as? Boolean)?.let { p = p.withRefreshRotation(it) }
    (spec["openid"] as? Boolean)?.let { p = p.withOpenid(it) }
    (spec["require_pushed_authorization_requests"] as? Boolean)?.let { p = p.withPushedAuthorizationRequired(it) }
    (spec["pushed_authorization"] as? Boolean)?.let { p = p.withPushedAuthorization(it) }
    (spec["api_origins"] as? List<*>)?.forEach { p = p.withApiOrigin(it as String) }
    return p
}

fun hex(s: String): ByteArray = ByteArray(s.length / 2) { s.substring(2 * it, 2 * it + 2).toInt(16).toByte() }

fun options(input: Map<String, Any?>) = AuthorizationOptions(
    scopes = (input["scopes"] as? List<*>)?.map { it as String },
    extraParams = (input["extra_params"] as? List<*>)?.map { val p = it as List<*>; QueryParam(p[0] as String, p[1] as String) } ?: listOf(),
    maxAge = (input["max_age"] as? Long)?.toULong(),
)

fun requestJson(r: HttpRequest): Map<String, Any?> = mapOf(
    "method" to methodName(r.method), "url" to r.url,
    "headers" to r.headers.map { listOf(it.name, it.value) }, "body" to r.body.toString(Charsets.UTF_8),
)

// DPoP nonces from [[url, nonce], ...].
fun dpopNoncesOf(pairs: List<*>): DpopNonces = DpopNonces().also { nonces ->
    pairs.forEach { val p = it as List<*>; nonces.setNonce(p[0] as String, p[1] as String) }
}

// A request from the object form requestJson writes.
fun requestFrom(spec: Any?): HttpRequest {
    val s = spec.obj()
    return HttpRequest(Method.valueOf(s.str("method")), s.str("url"),
        (s["headers"] as List<*>).map { val h = it as List<*>; HttpHeader(h[0] as String, h[1] as String) },
        ((s["body"] as? String) ?: "").toByteArray())
}

fun responseFrom(spec: Any?): HttpResponse {
    val s = spec.obj()
    val body = when {
        s["body"] is String -> (s["body"] as String).toByteArray()
        s["body_json"] == null -> ByteArray(0)
        else -> Json.write(s["body_json"]).toByteArray()
    }
    val headers = (s["headers"] as? List<*>)?.map { val h = it as List<*>; HttpHeader(h[0] as String, h[1] as String) } ?: listOf()
    return HttpResponse((s["status"] as Long).toInt().toUShort(), headers, body)
}

fun tokenSetJson(t: TokenSet): Map<String, Any?> = mapOf(
    "access_token" to t.accessToken(), "token_type" to t.tokenType(), "refresh_token" to t.refreshToken(),
    "issued_at" to t.issuedAt().toLong(), "expires_at" to t.expiresAt().j(),
    "refresh_expires_at" to t.refreshExpiresAt().j(), "scopes" to t.scopes(),
    "clock_skew" to t.clockSkew(), "extra" to Json.parse(t.extraJson()),
) + (t.idToken()?.let { mapOf("id_token" to it) } ?: emptyMap()) // only a set with an ID token has it

val ALGORITHMS: Map<String, JwsAlgorithm> = JwsAlgorithm.values().associateBy { jwsAlgorithmName(it) }

fun idTokenCheck(spec: Any?): IdTokenCheck {
    val s = spec.obj()
    val algorithms = (s["algorithms"] as? List<*>)?.mapNotNull { ALGORITHMS[it as String] }
        ?: defaultAlgorithms((s["provider_algorithms"] as? List<*>)?.map { it as String } ?: listOf())
    return IdTokenCheck((s["issuer"] as? String) ?: "", (s["client_id"] as? String) ?: "", s["nonce"] as? String,
        (s["max_age"] as? Long)?.toULong(), algorithms, (s["clock_skew"] as? Long) ?: 0L)
}

fun claimsJson(c: IdTokenClaims): Map<String, Any?> = mapOf(
    "iss" to c.iss, "sub" to c.sub, "aud" to c.aud, "exp" to c.exp.toLong(), "iat" to c.iat.toLong(),
    "nbf" to c.nbf.j(), "nonce" to c.nonce, "azp" to c.azp, "auth_time" to c.authTime.j(), "at_hash" to c.atHash,
    "c_hash" to c.cHash, "acr" to c.acr, "amr" to c.amr, "sid" to c.sid, "extra" to Json.parse(c.extraJson),
)

fun jwkJson(k: JwkInfo): Map<String, Any?> = mapOf("kid" to k.kid, "kty" to k.kty, "alg" to k.alg, "use" to k.keyUse)

fun tokenSetFrom(spec: Any?): TokenSet {
    val stored = LinkedHashMap(spec.obj().filterValues { it != null })
    stored["v"] = 1L
    return TokenSet.fromJson(Json.write(stored))
}

fun pendingJson(p: PendingAuthorization): Map<String, Any?> = mapOf(
    "provider" to providerKindName(p.provider()), "client_id" to p.clientId(), "redirect_uri" to p.redirectUri(),
    "state" to p.state(), "code_verifier" to p.codeVerifier(), "scopes" to p.scopes(),
    "created_at" to p.createdAt().toLong(), "expires_at" to p.expiresAt().toLong(),
    "token_endpoint" to p.tokenEndpoint(),
) + listOfNotNull( // only an OpenID request has them (as the Rust runner)
    p.nonce()?.let { "nonce" to it },
    p.openidMaxAge()?.let { "openid_max_age" to it.toLong() },
)

fun profileJson(p: Profile): Map<String, Any?> = mapOf(
    "kind" to providerKindName(p.kind()), "issuer" to p.issuer(), "require_issuer" to p.requiresIssuer(),
    "authorization_endpoint" to p.endpoint(EndpointRole.AUTHORIZATION),
    "token_endpoint" to p.endpoint(EndpointRole.TOKEN),
    "revocation_endpoint" to p.endpoint(EndpointRole.REVOCATION),
    "introspection_endpoint" to p.endpoint(EndpointRole.INTROSPECTION),
    "device_authorization_endpoint" to p.endpoint(EndpointRole.DEVICE_AUTHORIZATION),
    "client_auth" to name(p.clientAuth()), "pkce" to p.pkce()?.let { pkceMethodName(it) },
) + (if (p.isOpenid()) mapOf("openid" to true) else emptyMap()) +
    (p.endpoint(EndpointRole.PUSHED_AUTHORIZATION)?.let {
        mapOf("pushed_authorization_request_endpoint" to it,
            "require_pushed_authorization_requests" to p.requiresPushedAuthorization())
    } ?: emptyMap())

fun errorJson(d: ErrorDetails): Map<String, Any?> = mapOf(
    "kind" to errorKindName(d.kind), "action" to actionName(d.action), "retry_after" to d.retryAfter.j(),
    "status" to d.status?.toLong(), "provider_code" to d.providerCode,
    "provider_description" to d.providerDescription, "provider_uri" to d.providerUri, "request_id" to d.requestId,
)

fun checkError(actual: Map<String, Any?>, shown: String, expected: Map<String, Any?>, secrets: List<String>) {
    expect("kind" in expected && "action" in expected) { "error expectation lacks kind or action" }
    for ((key, want) in expected) {
        expect(key in actual) { "unknown error field $key" }
        expect(actual[key] == want) { "error.$key: expected $want, got ${actual[key]}" }
    }
    for (s in secrets) expect(s !in shown) { "error text shows a secret: $shown" }
}

fun compare(expect: Map<String, Any?>, secrets: List<String>, run: () -> Any?) {
    val value = try { run() } catch (e: AuthflowException) {
        expect("error" in expect) { "expected success, got $e" }
        checkError(errorJson(e.details), "$e ${e.message}", expect["error"].obj(), secrets)
        return
    }
    expect("error" !in expect) { "expected error ${expect["error"]}, got success: $value" }
    expect(value == expect["result"]) { "result differs\n  expected: ${expect["result"]}\n  actual:   $value" }
}

fun validated(client: Client, case: Map<String, Any?>, input: Map<String, Any?>, now: ULong): ValidatedCallback {
    val pending = (input["pending"] as? String)?.let { PendingAuthorization.fromStorageString(it) }
        ?: client.authorizationRequest(((input["authorized_at"] as? Long)?.toULong() ?: now), hex((case["entropy"] as? String) ?: ""), options(input)).pending
    return pending.validate((input["callback"] as? String) ?: "", now)
}

val GRANTS = mapOf("authorization_code" to GrantType.AUTHORIZATION_CODE, "refresh_token" to GrantType.REFRESH_TOKEN,
    "client_credentials" to GrantType.CLIENT_CREDENTIALS, "password" to GrantType.PASSWORD,
    "urn:ietf:params:oauth:grant-type:device_code" to GrantType.DEVICE_CODE)
val HINTS = mapOf("access_token" to TokenTypeHint.ACCESS_TOKEN, "refresh_token" to TokenTypeHint.REFRESH_TOKEN)

fun runCase(case: Map<String, Any?>) {
    val secrets = mutableListOf<String>().also { collectSecrets(case, it) }
    val expectation = case["expect"].obj()
    val client = try {
        val spec = case["client"].obj()
        // A private JWK (an object of strings) or a PEM text, with signing_alg for PS256.
        val key = when (val k = spec["signing_key"]) {
            is String -> SigningKey.fromPem(k, spec["signing_alg"] as? String)
            is Map<*, *> -> SigningKey.fromJwk(Json.write(k))
            else -> null
        }
        var built = Client(buildProfile(case["profile"].obj()), (spec["client_id"] as? String) ?: "",
            spec["client_secret"] as? String, spec["redirect_uri"] as? String,
            (spec["scopes"] as? List<*>)?.filterIsInstance<String>() ?: listOf(),
            (spec["resources"] as? List<*>)?.filterIsInstance<String>() ?: listOf(), key)
        // DPoP (RFC 9449): the key, dpop_jkt, the servers' nonces.
        spec["dpop_key"]?.let { k -> built = built.withDpopKey(if (k is String) k else Json.write(k)) }
        if (spec["dpop_jkt"] == true) built = built.withDpopJkt()
        (spec["dpop_nonces"] as? List<*>)?.let { built = built.withDpopNonces(dpopNoncesOf(it)) }
        // The requests of a case with assertion_entropy are built at `now` with it.
        (case["assertion_entropy"] as? String)?.let { built = built.at(((case["now"] as? Long) ?: 0L).toULong(), hex(it)) }
        built
    } catch (e: AuthflowException) {
        compare(expectation, secrets) { throw e }
        return
    }
    val now = ((case["now"] as? Long) ?: 0L).toULong()
    val input = case["input"].obj()
    val op = case.str("operation")
    if (op == "session") return runSession(client, input, secrets)
    if (op == "device_poll") return runDevicePoll(client, now, input, secrets)
    compare(expectation, secrets) {
        when (op) {
            "authorization_request" -> client.authorizationRequest(now, hex((case["entropy"] as? String) ?: ""), options(input))
                .let { mapOf("url" to it.url, "pending" to pendingJson(it.pending)) }
            "pending_from_storage" -> pendingJson(PendingAuthorization.fromStorageString(input.str("stored")))
            "validate_callback" -> validated(client, case, input, now).let {
                mapOf("code" to it.code(), "state" to it.state(), "redirect_uri" to it.redirectUri(), "code_verifier" to it.codeVerifier(),
                    "params" to it.params().map { p -> listOf(p.name, p.value) })
            }
            "exchange_request" -> requestJson(client.exchangeRequest(validated(client, case, input, now)))
            "refresh_request" -> requestJson(client.refreshRequest(input.str("refresh_token")))
            "refresh_request_for" -> requestJson(client.refreshRequestFor(tokenSetFrom(input["tokens"]), now))
            "client_credentials_request" -> requestJson(client.clientCredentialsRequest())
            "password_request" -> requestJson(client.passwordRequest(input.str("username"), input.str("password")))
            "reauthentication_request" -> client.reauthenticationRequest().let {
                mapOf("grant" to grantTypeName(it.grant), "request" to requestJson(it.request))
            }
            "revocation_request" -> requestJson(client.revocationRequest(input.str("token"), HINTS.getValue(input.str("token_type_hint"))))
            "introspection_request" -> requestJson(client.introspectionRequest(input.str("token"), HINTS.getValue(input.str("token_type_hint"))))
            "token_info_request" -> requestJson(client.tokenInfoRequest(input.str("access_token")))
            "api_request" -> requestJson(client.apiRequest(input.str("access_token"),
                Method.valueOf(input.str("method").uppercase()), input.str("path"), (input["body"] as? String)?.toByteArray(),
                dpopBound = input["token_type"] == "DPoP"))
            "handle_dpop_response" -> {
                val nonces = dpopNoncesOf((input["nonces"] as? List<*>) ?: listOf<Any?>())
                val request = requestFrom(input["request"])
                val retry = nonces.handleResponse(request, responseFrom(input["response"]))
                mapOf("retry" to retry, "nonce" to nonces.nonceFor(request.url))
            }
            "discovery_request" -> requestJson(discoveryRequest(input.str("issuer"),
                if (input.str("document") == "oauth") DiscoveryDocument.AUTHORIZATION_SERVER else DiscoveryDocument.OPENID_CONFIGURATION))
            "parse_token_response" -> tokenSetJson(client.parseTokenResponse(GRANTS.getValue(input.str("grant")), now, responseFrom(input["response"])))
            "parse_refresh_response" -> tokenSetJson(client.parseRefreshResponse(now, responseFrom(input["response"]), tokenSetFrom(input["previous"])))
            "check_api_response" -> { client.checkApiResponse(now, responseFrom(input["response"])); mapOf("ok" to true) }
            "parse_token_info_response" -> client.parseTokenInfoResponse(now, responseFrom(input["response"])).let {
                mapOf("expires_in_seconds" to it.expiresInSeconds.j(), "expires_at" to it.expiresAt.j(),
                    "resource_owner_id" to it.resourceOwnerIdJson?.let(Json::parse), "scopes" to it.scopes,
                    "created_at" to it.createdAt.j(), "extra" to Json.parse(it.extraJson))
            }
            "parse_revocation_response" -> { client.parseRevocationResponse(now, responseFrom(input["response"])); mapOf("ok" to true) }
            "parse_introspection_response" -> client.parseIntrospectionResponse(now, responseFrom(input["response"])).let {
                mapOf("active" to it.active, "scopes" to it.scopes, "client_id" to it.clientId, "username" to it.username,
                    "token_type" to it.tokenType, "exp" to it.exp.j(), "iat" to it.iat.j(), "nbf" to it.nbf.j(),
                    "sub" to it.sub, "iss" to it.iss, "extra" to Json.parse(it.extraJson))
            }
            "parse_discovery_response" -> parseDiscoveryResponse(input.str("issuer"), responseFrom(input["response"])).let {
                val profile = it.profile()
                mapOf("issuer" to it.issuer(), "profile" to profileJson(profile)) + (if (profile.isOpenid()) mapOf(
                    "openid" to mapOf(
                        "jwks_uri" to it.jwksUri(), "userinfo_endpoint" to it.userinfoEndpoint(),
                        "end_session_endpoint" to it.endSessionEndpoint(),
                        "id_token_signing_alg_values_supported" to it.idTokenSigningAlgValuesSupported(),
                    )) else emptyMap())
            }
            "token_set_from_json" -> tokenSetJson(TokenSet.fromJson(input.str("json")))
            "device_authorization_request" -> requestJson(client.deviceAuthorizationRequest())
            "parse_device_authorization_response" -> client.parseDeviceAuthorizationResponse(now, responseFrom(input["response"])).let {
                for (s in listOf(it.deviceCode(), it.userCode())) expect(s !in it.toString()) { "device authorization shown: $it" }
                deviceAuthorizationJson(it)
            }
            "device_token_request" -> requestJson(client.deviceTokenRequest(input.str("device_code")))
            "validate_id_token" -> claimsJson(validateIdToken(idTokenCheck(input["check"]), input.str("id_token"),
                JwkSet.parse(Json.write(input["jwks"]).toByteArray()), now,
                input["access_token"] as? String, input["code"] as? String))
            "validate_refreshed_id_token" -> {
                val keys = JwkSet.parse(Json.write(input["jwks"]).toByteArray())
                val check = idTokenCheck(input["check"])
                val original = validateIdToken(check, input.str("original"), keys,
                    ((input["original_now"] as? Long)?.toULong() ?: now), null, null)
                claimsJson(validateRefreshedIdToken(check, input.str("id_token"), keys, now, original,
                    input["access_token"] as? String))
            }
            "userinfo_request" -> requestJson(client.userinfoRequest(input.str("userinfo_endpoint"), input.str("access_token")))
            "parse_userinfo_response" -> client.parseUserinfoResponse(now, responseFrom(input["response"]), input.str("sub")).let {
                mapOf<String, Any?>("sub" to it.sub, "claims" to Json.parse(it.claimsJson))
            }
            "end_session_url" -> mapOf<String, Any?>("url" to client.endSessionUrl(input.str("end_session_endpoint"), LogoutOptions(
                input["id_token_hint"] as? String, input["post_logout_redirect_uri"] as? String,
                input["state"] as? String, input["ui_locales"] as? String)))
            "parse_jwks_response" -> parseJwksResponse(responseFrom(input["response"])).let { parsed ->
                val select = input["select"].obj()
                val alg = ALGORITHMS[(select["alg"] as? String) ?: ""]
                mapOf<String, Any?>("keys" to parsed.keys.keys().map { jwkJson(it) }, "skipped" to parsed.keys.skipped().toLong(),
                    "max_age" to parsed.maxAge.toLong(),
                    "selected" to (alg?.let { a -> parsed.keys.candidates(a, select["kid"] as? String).map { it.kid } } ?: listOf<String?>()))
            }
            "token_exchange_request" -> requestJson(client.tokenExchangeRequest(exchangeOf(input)))
            "parse_token_exchange_response" -> issuedJson(client.parseTokenExchangeResponse(exchangeOf(input), now, responseFrom(input["response"])))
            "pushed_authorization_request" -> client.pushedAuthorizationRequest(now, hex((case["entropy"] as? String) ?: ""), options(input))
                .let { mapOf("request" to requestJson(it.request), "pending" to pendingJson(it.pending)) }
            "parse_pushed_authorization_response" -> {
                val response = responseFrom(input["response"])
                val push = client.pushedAuthorizationRequest(((input["pushed_at"] as? Long)?.toULong() ?: now),
                    hex((case["entropy"] as? String) ?: ""), options(input))
                client.parsePushedAuthorizationResponse(now, push.pending, response)
                    .let { mapOf("url" to it.url, "pending" to pendingJson(it.pending)) }
            }
            else -> throw Failure("unknown operation $op")
        }
    }
}

// Compares what a poll step's state machine said (a stop already checked
// by its error) with the step's expectation, without its error.
fun strings(input: Map<String, Any?>, key: String): List<String> = (input[key] as? List<*>)?.filterIsInstance<String>() ?: listOf()

// The RFC 8693 token exchange a case's input describes.
fun exchangeOf(input: Map<String, Any?>) = TokenExchange(input.str("subject_token"), input.str("subject_token_type"),
    actorToken = input["actor_token"] as? String, actorTokenType = input["actor_token_type"] as? String,
    requestedTokenType = input["requested_token_type"] as? String, audiences = strings(input, "audiences"),
    resources = strings(input, "resources"), scopes = strings(input, "scopes"))

fun issuedJson(t: IssuedToken): Map<String, Any?> {
    expect(t.token() !in t.toString()) { "issued token shown: $t" }
    return mapOf("access_token" to t.token(), "issued_token_type" to t.issuedTokenType(), "token_type" to t.tokenType(),
        "bearer" to (t.accessToken() != null), "expires_at" to t.expiresAt().j(), "scopes" to t.scopes(),
        "refresh_token" to t.refreshToken(), "extra" to Json.parse(t.extraJson()))
}

fun checkAction(actual: Map<String, Any?>, exp: Map<String, Any?>) {
    val wanted = exp.filterKeys { it != "error" }
    expect(actual == wanted) { "action differs\n  expected: $wanted\n  actual:   $actual" }
}

// A respond or transport_error step's request id (`request`, or the last
// sent) and the answer or the transport's failure.
fun stepAnswer(step: Map<String, Any?>, lastSent: ULong?): Pair<ULong, Any> {
    val id = (step["request"] as? Long)?.toULong() ?: lastSent ?: throw Failure("nothing was sent")
    if (step["op"] == "respond") return id to responseFrom(step["response"])
    return id to (if (step["kind"] == "timeout") timeoutError("connection refused") else transportError("connection refused"))
}

fun deviceAuthorizationJson(a: DeviceAuthorization): Map<String, Any?> = mapOf(
    "device_code" to a.deviceCode(), "user_code" to a.userCode(), "verification_uri" to a.verificationUri(),
    "verification_uri_complete" to a.verificationUriComplete(), "received_at" to a.receivedAt().toLong(),
    "expires_at" to a.expiresAt().toLong(), "interval" to a.interval().toLong(), "clock_skew" to a.clockSkew(),
    "extra" to Json.parse(a.extraJson()),
)

fun runDevicePoll(client: Client, now: ULong, input: Map<String, Any?>, secrets: List<String>) {
    val entropy = (input["poll_entropy"] as? String)?.let { hex(it) }
    val poll = DevicePoll(client, client.parseDeviceAuthorizationResponse(now, responseFrom(input["authorization"])), entropy)
    var lastSent: ULong? = null
    (input["steps"] as List<*>).forEachIndexed { index, raw ->
        val step = raw.obj()
        val at = ((step["now"] as? Long) ?: 0L).toULong()
        val exp = step["expect"].obj()
        try {
            when (val op = step.str("op")) {
                "poll" -> {
                    val actual: Map<String, Any?> = when (val action = poll.pollAction(at)) {
                        is DevicePollAction.Send -> {
                            lastSent = action.request.id
                            for (s in secrets) expect(s !in action.toString()) { "request shown: $action" }
                            mapOf("action" to "send", "request" to requestJson(action.request.request))
                        }
                        is DevicePollAction.Wait -> mapOf("action" to "wait", "until" to action.until.j())
                        is DevicePollAction.Done -> {
                            for (s in secrets) expect(s !in action.toString()) { "token set shown: $action" }
                            mapOf("action" to "done", "tokens" to tokenSetJson(action.tokens))
                        }
                        is DevicePollAction.Stop -> {
                            checkError(errorJson(action.error), action.toString(), exp["error"].obj(), secrets)
                            mapOf("action" to "stop")
                        }
                    }
                    checkAction(actual, exp)
                }
                "respond", "transport_error" -> {
                    val (id, answer) = stepAnswer(step, lastSent)
                    compare(exp, secrets) {
                        name(when (answer) {
                            is HttpResponse -> poll.handleResponse(id, at, answer)
                            else -> poll.handleTransportError(id, at, answer as ErrorDetails)
                        })
                    }
                }
                "timeout" -> expect(poll.pollTimeout().j() == exp["result"]) { "timeout ${poll.pollTimeout()}" }
                "interval" -> expect(poll.interval().toLong() == exp["result"]) { "interval ${poll.interval()}" }
                else -> throw Failure("unknown op $op")
            }
        } catch (f: Failure) {
            throw Failure("step $index (${step["op"]}): ${f.message}")
        }
    }
}

fun runSession(client: Client, input: Map<String, Any?>, secrets: List<String>) {
    val tokens = input["tokens"]?.let { tokenSetFrom(it) }
    val session = Session(client, tokens, (input["refresh_margin"] as? Long)?.toULong())
    (input["session_entropy"] as? String)?.let { session.setEntropy(hex(it)) }
    var lastSent: ULong? = null
    (input["steps"] as List<*>).forEachIndexed { index, raw ->
        val step = raw.obj()
        val now = ((step["now"] as? Long) ?: 0L).toULong()
        val exp = step["expect"].obj()
        try {
            when (val op = step.str("op")) {
                "poll" -> {
                    val actual: Map<String, Any?> = when (val action = session.pollAction(now)) {
                        is SessionAction.UseToken -> {
                            for (s in secrets) expect(s !in action.toString()) { "token shown: $action" }
                            mapOf("action" to "use_token", "token" to action.token.secret())
                        }
                        is SessionAction.Send -> {
                            lastSent = action.request.id
                            for (s in secrets) expect(s !in action.toString()) { "request shown: $action" }
                            mapOf("action" to "send", "purpose" to name(action.request.purpose),
                                "grant" to grantTypeName(action.request.grant), "request" to requestJson(action.request.request))
                        }
                        is SessionAction.Wait -> mapOf("action" to "wait", "until" to action.until.j())
                        is SessionAction.Stop -> {
                            checkError(errorJson(action.error), action.toString(), exp["error"].obj(), secrets)
                            mapOf("action" to "stop")
                        }
                    }
                    checkAction(actual, exp)
                }
                "respond", "transport_error" -> {
                    val (id, answer) = stepAnswer(step, lastSent)
                    compare(exp, secrets) {
                        name(when (answer) {
                            is HttpResponse -> session.handleResponse(id, now, answer)
                            else -> session.handleTransportError(id, now, answer as ErrorDetails)
                        })
                    }
                }
                "persist_failed" -> session.persistFailed(now)
                "persist" -> {
                    val actual = session.pollPersist(now)?.let { tokenSetJson(it) }
                    expect(actual == exp["result"]) { "persist differs\n  expected: ${exp["result"]}\n  actual:   $actual" }
                }
                "timeout" -> expect(session.pollTimeout().j() == exp["result"]) { "timeout ${session.pollTimeout()}" }
                "unauthorized" -> session.handleUnauthorized(step.str("token"))
                "token_info" -> {
                    val info = client.parseTokenInfoResponse(now, responseFrom(step["response"]))
                    expect(session.applyTokenInfo(now, step.str("token"), info) == exp["result"]) { "token_info changed differs" }
                }
                else -> throw Failure("unknown op $op")
            }
        } catch (f: Failure) {
            throw Failure("step $index (${step["op"]}): ${f.message}")
        }
    }
}

fun runVectors(repo: File): Pair<Int, Int> {
    var passed = 0
    var failed = 0
    val files = File(repo, "tests/vectors").walkTopDown().filter { it.isFile && it.name.endsWith(".json") }.sortedBy { it.path }
    for (file in files) {
        for (case in (Json.parse(file.readText()).obj()["cases"] as List<*>)) {
            val c = case.obj()
            try {
                runCase(c)
                passed++
            } catch (e: Throwable) {
                failed++
                System.err.println("FAIL vector ${file.relativeTo(File(repo, "tests/vectors"))}::${c["name"]}: ${e.message ?: e}")
            }
        }
    }
    return passed to failed
}

// ----- end to end -----

class Providers(binary: String) : AutoCloseable {
    private val process = ProcessBuilder(binary).redirectError(ProcessBuilder.Redirect.INHERIT).start()
    val urls = Json.parse(process.inputStream.bufferedReader().readLine() ?: throw Failure("no URL line")).obj()
    private val http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build()

    fun control(method: String, path: String, body: String? = null): Map<String, Any?> {
        val request = java.net.http.HttpRequest.newBuilder(URI.create(urls.str("control") + path))
            .method(method, body?.let { java.net.http.HttpRequest.BodyPublishers.ofString(it) } ?: java.net.http.HttpRequest.BodyPublishers.noBody())
            .header("Content-Type", "application/json").build()
        return Json.parse(http.send(request, java.net.http.HttpResponse.BodyHandlers.ofString()).body()).obj()
    }

    fun clientStats(id: String) = control("GET", "/stats")["clients"].obj()[id].obj()

    /** What the local Makini Link does with the user: the redirect target. */
    fun authorize(url: String): String {
        val answer = http.send(java.net.http.HttpRequest.newBuilder(URI.create(url)).build(), java.net.http.HttpResponse.BodyHandlers.discarding())
        expect(answer.statusCode() == 302) { "authorize answered ${answer.statusCode()}" }
        return answer.headers().firstValue("Location").orElseThrow()
    }

    override fun close() {
        process.outputStream.close()
        process.waitFor()
    }
}

/** The providers' clock: real time plus how far it was moved. */
class ProviderClock(private val providers: Providers) : Environment {
    @Volatile private var offset = 0L
    private val system = SystemEnvironment()
    fun advance(seconds: Long) {
        val now = (providers.control("POST", "/clock", "{\"advance\":$seconds}")["now"] as Long)
        offset = now - System.currentTimeMillis() / 1000
    }
    override fun now(): ULong = (System.currentTimeMillis() / 1000 + offset).toULong()
    override fun randomBytes(len: UInt): ByteArray = system.randomBytes(len)
}

const val DAY = 86_400L

/** A shared store of the host's own, in memory, for suspend shared sessions: what a Kotlin
 *  server would write over its Redis or database client. Each operation suspends once (a
 *  network round trip's worth) and is atomic under the mutex. */
class MemoryAsyncStore : AsyncTokenStore {
    private val lock = Any()
    private val values = HashMap<String, StoredTokens>()
    private val leases = HashMap<String, Pair<String, Long>>()
    var operations = 0
        private set

    /** Each operation suspends once, then runs under a plain lock: its body never suspends, and
     *  kotlinx-coroutines 1.0.1's `Mutex` (the Debian package the tests run on) fails in its
     *  contended path (`NoSuchFieldError: _state`, its atomicfu fields), leaving the waiters hung. */
    private suspend fun <T> atomically(body: () -> T): T {
        yield()
        return synchronized(lock) { operations++; body() }
    }

    override suspend fun get(key: String): StoredTokens? = atomically { values[key] }

    override suspend fun compareAndSet(key: String, expected: ULong, newGeneration: ULong, value: String): Boolean =
        atomically {
            if ((values[key]?.generation ?: 0uL) != expected) return@atomically false
            values[key] = StoredTokens(newGeneration, value)
            true
        }

    override suspend fun takeLease(key: String, owner: String, ttlMs: ULong): Boolean = atomically {
        val now = System.currentTimeMillis()
        val held = leases[key]
        if (held != null && held.first != owner && held.second > now) return@atomically false
        leases[key] = owner to now + ttlMs.toLong()
        true
    }

    override suspend fun releaseLease(key: String, owner: String) = atomically {
        if (leases[key]?.first == owner) leases.remove(key)
        Unit
    }
}

/** An HTTP client the end-to-end cases run over, made fresh for each use with the time it
 *  allows for an answer. */
class TransportUnderTest(val name: String, val make: (timeout: java.time.Duration) -> HttpTransport) {
    fun make(): HttpTransport = make(java.time.Duration.ofSeconds(30))
}

val JAVA_NET_HTTP = TransportUnderTest("java.net.http") { JavaNetHttpTransport(timeout = it) }

val HTTP_URL_CONNECTION = TransportUnderTest("HttpURLConnection") { HttpUrlConnectionTransport(readTimeoutMillis = it.toMillis().toInt()) }

/** Every transport, and the cases each runs: every case over [JAVA_NET_HTTP] (the default),
 *  the ones where the HTTP client matters (blocking and suspend flows, a 401, a renewal whose
 *  caller is cancelled) over [HTTP_URL_CONNECTION] too, each titled with its name. */
fun endToEnd(binary: String): List<Pair<String, () -> Unit>> {
    lateinit var providers: Providers
    val everyTransport = listOf(JAVA_NET_HTTP, HTTP_URL_CONNECTION).flatMap { http ->
        throughTransport({ providers }, http).map { (title, test) ->
            (if (http == JAVA_NET_HTTP) title else "[${http.name}] $title") to test
        }
    }
    return listOf<Pair<String, () -> Unit>>("start the providers" to { providers = Providers(binary) }) +
        everyTransport + withoutTransport() + listOf("stop the providers" to { providers.close() })
}

fun throughTransport(started: () -> Providers, http: TransportUnderTest): List<Pair<String, () -> Unit>> {
    val providers by lazy(started)
    fun link(clock: Environment, secret: String = "link-secret", transport: HttpTransport = http.make()): OAuthClient {
        val urls = providers.urls["makini_link"].obj()
        val profile = Profile.makiniLink()
            .withEndpoint(EndpointRole.AUTHORIZATION, urls.str("authorization_endpoint"))
            .withEndpoint(EndpointRole.TOKEN, urls.str("token_endpoint"))
            .withEndpoint(EndpointRole.API_BASE, urls.str("api_v4"))
        return oauthClient(Client(profile, "link-client", secret, "http://127.0.0.1:8400/callback"), transport, clock)
    }
    return listOf(
        "makini link code flow, refresh with rotation (blocking)" to {
            providers.control("POST", "/reset", "{}")
            val clock = ProviderClock(providers)
            val client = link(clock)
            val start = client.authorizationUrl()
            expect(!start.toString().contains(start.pending)) { "AuthorizationStart shows the pending string" }
            val tokens = client.exchange(providers.authorize(start.url), start.pending)
            val persisted = mutableListOf<TokenSet>()
            val session = client.session(tokens, persister { persisted.add(it) })
            val sites = session.get("sites").text()
            expect(sites.contains("site_1")) { "sites: $sites" }
            clock.advance(30 * DAY + 60)
            expect(session.get("sites").status.toInt() == 200) { "after expiry" }
            expect(providers.clientStats("link-client")["refreshes"] == 1L) { "one refresh" }
            expect(persisted.size == 1 && persisted[0].refreshToken() != tokens.refreshToken()) { "rotated pair persisted" }
            for (value in listOf(tokens, persisted[0], client.client(), client.client().refreshRequest(tokens.refreshToken()!!))) {
                for (secret in listOf(tokens.accessToken(), tokens.refreshToken()!!, "link-secret")) {
                    expect(!value.toString().contains(secret)) { "${value::class.simpleName} shows a secret" }
                }
            }
            try {
                client.refresh(tokens)
                throw Failure("a rotated-away refresh token was accepted")
            } catch (e: AuthflowException.OAuth) {
                expect(errorKindName(e.kind) == "invalid_grant" && e.action == Action.AUTHORIZE_AGAIN) { "$e" }
                expect(!e.toString().contains(tokens.refreshToken()!!) && !e.message.contains("link-secret")) { "error shows a secret" }
            }
        },
        "makini link and makeshift with suspend calls" to {
            providers.control("POST", "/reset", "{}")
            val clock = ProviderClock(providers)
            runBlocking {
                val client = link(clock)
                val start = client.authorizationUrl()
                val location = providers.authorize(start.url)
                val tokens = client.exchangeAsync(location, start.pending)
                // The pending string is spent: a replayed redirect is refused, blocking or suspend.
                for (replay in listOf<suspend () -> TokenSet>({ client.exchangeAsync(location, start.pending) }, { client.exchange(location, start.pending) })) {
                    try {
                        replay()
                        throw Failure("a pending authorization was used twice")
                    } catch (e: AuthflowException.Callback) {
                        expect(errorKindName(e.kind) == "pending_already_used" && e.action == Action.AUTHORIZE_AGAIN) { "$e" }
                    }
                }
                val session = client.session(tokens)
                expect(session.getAsync("sites").text().contains("Plant 1")) { "sites (suspend)" }
                clock.advance(30 * DAY + 60)
                val answers = (1..10).map { async { session.accessTokenAsync() } }.map { it.await() }
                expect(answers.toSet().size == 1 && answers[0] != tokens.accessToken()) { "one new token for all" }
                expect(providers.clientStats("link-client")["refreshes"] == 1L) { "one refresh (suspend)" }
                val urls = providers.urls["makeshift"].obj()
                val makeshift = oauthClient(Client(Profile.makeshift()
                    .withEndpoint(EndpointRole.TOKEN, urls.str("token_endpoint"))
                    .withEndpoint(EndpointRole.TOKEN_INFO, urls.str("token_info_endpoint"))
                    .withEndpoint(EndpointRole.API_BASE, urls.str("api")), "makeshift-key", "makeshift-secret"), http.make(), clock)
                val conn = makeshift.session()
                expect(conn.getAsync("employees").text().contains("Ada")) { "employees (suspend)" }
                val info = conn.tokenInfoAsync()
                expect(info.expiresInSeconds != null && info.expiresInSeconds!! <= 14_400uL) { "token info $info" }
            }
        },
        "suspend shared sessions over a Kotlin store: three clients, 30 coroutines, one refresh per expiry" to {
            providers.control("POST", "/reset", "{}")
            val clock = ProviderClock(providers)
            val store = MemoryAsyncStore()
            val first = link(clock)
            val start = first.authorizationUrl()
            val tokens = first.exchange(providers.authorize(start.url), start.pending)
            runBlocking {
                // The login's tokens go into the store (generation 1) ...
                val seeding = first.asyncSharedSession(store, "kotlin-fleet", tokens, 2_000uL)
                expect(seeding.accessTokenAsync() == tokens.accessToken() && seeding.generation() == 1uL) { "seeded" }
                // ... where three other clients (three processes of a fleet) find them.
                val fleet = (1..3).map { link(clock).asyncSharedSession(store, "kotlin-fleet", null, 2_000uL) }
                for (expiry in 1..2) {
                    clock.advance(30 * DAY + 3600)
                    val statuses = fleet.flatMap { session ->
                        (1..10).map { async(Dispatchers.Default) { session.getAsync("sites").status.toInt() } }
                    }.awaitAll()
                    expect(statuses.all { it == 200 }) { "statuses after expiry $expiry: $statuses" }
                    val held = fleet.map { it.tokenSet()?.accessToken() }.toSet()
                    expect(held.size == 1 && held.first() != tokens.accessToken()) { "one new token for all" }
                    expect(fleet.all { it.generation() == fleet[0].generation() }) { "generations differ" }
                }
                val renewed = fleet[0].tokenSet() ?: throw Failure("no tokens")
                expect(renewed.accessToken() !in renewed.toString() && renewed.accessToken() !in fleet[0].toString()) { "a token in toString" }
            }
            val stats = providers.clientStats("link-client")
            expect(stats["refreshes"] == 2L && stats["replays"] == 0L) { "refreshes/replays: $stats" }
            expect(store.operations > 0) { "the store was never used" }
        },
        "a renewal whose coroutine is cancelled still completes and is stored" to {
            providers.control("POST", "/reset", "{}")
            val clock = ProviderClock(providers)
            val sent = CompletableDeferred<Unit>()
            val inner = http.make()
            val watched = object : HttpTransport {
                override fun send(request: HttpRequest) = inner.send(request)
                override suspend fun sendAsync(request: HttpRequest): HttpResponse {
                    sent.complete(Unit)
                    return inner.sendAsync(request)
                }
            }
            val client = link(clock, transport = watched)
            val start = client.authorizationUrl()
            val tokens = client.exchange(providers.authorize(start.url), start.pending)
            val persisted = java.util.concurrent.CopyOnWriteArrayList<TokenSet>()
            val session = client.session(tokens, persister { persisted.add(it) })
            clock.advance(30 * DAY + 60)
            // The provider takes 1.5 s, and rotates the pair whatever the client does meanwhile.
            providers.control("POST", "/fault", "{\"endpoint\":\"makini_link.token\",\"fault\":\"slow\",\"delay_ms\":1500}")
            runBlocking {
                val carrier = launch { session.accessTokenAsync() }
                withTimeout(10_000) { sent.await() }
                carrier.cancelAndJoin()
            }
            val deadline = System.currentTimeMillis() + 10_000
            while (persisted.isEmpty() && System.currentTimeMillis() < deadline) Thread.sleep(20)
            expect(persisted.size == 1 && persisted[0].refreshToken() != tokens.refreshToken()) { "the rotated pair was lost with the cancelled coroutine" }
            expect(session.accessToken() == persisted[0].accessToken()) { "the next call does not use the stored pair" }
            val stats = providers.clientStats("link-client")
            expect(stats["refreshes"] == 1L && stats["replays"] == 0L) { "refreshes/replays: $stats" }
        },
        "wrong secret: a typed error without the secret" to {
            try {
                link(ProviderClock(providers), secret = "not-the-link-secret").refresh(
                    TokenSet.fromJson("{\"v\":1,\"access_token\":\"at-123456\",\"token_type\":\"Bearer\",\"refresh_token\":\"rt-123456\",\"issued_at\":1}"))
                throw Failure("accepted")
            } catch (e: AuthflowException.OAuth) {
                expect(errorKindName(e.kind) == "invalid_client" && e.status?.toInt() == 401) { "$e" }
                expect(!e.toString().contains("not-the-link-secret")) { "error shows the secret" }
            }
        },
    )
}

/** The client's cases over a scripted transport: no HTTP client under test. */
fun withoutTransport(): List<Pair<String, () -> Unit>> = listOf(
    "a persister that throws fails no call, and is handed the set again after a back-off" to {
        val clock = VirtualClock(DEVICE_START)
        val rotated = mapOf("access_token" to "at-rotated-123456", "token_type" to "Bearer", "expires_in" to 3600,
            "refresh_token" to "rt-rotated-123456")
        val transport = Scripted(clock, 200 to rotated)
        val profile = Profile.generic("https://as.example/token", null).withClientAuth(ClientAuthMethod.PUBLIC_CLIENT)
        val client = oauthClient(Client(profile, "app", null, null, listOf()), transport, clock)
        val expired = TokenSet.fromJson("{\"v\":1,\"access_token\":\"at-old-123456\",\"token_type\":\"Bearer\"," +
            "\"refresh_token\":\"rt-old-123456\",\"issued_at\":1,\"expires_at\":2}")
        val attempts = mutableListOf<String?>()
        val session = client.session(expired, persister {
            attempts.add(it.refreshToken())
            // The app's database quoting what it was given.
            if (attempts.size <= 2) throw IllegalStateException("INSERT failed: ${it.toJson()}")
        })
        expect(session.accessToken() == "at-rotated-123456") { "the call that renewed failed" }
        expect(attempts.size == 1) { "attempts: ${attempts.size}" }
        expect(session.accessToken() == "at-rotated-123456" && attempts.size == 1) { "retried within the back-off" }
        clock.t += 1
        expect(runBlocking { session.accessTokenAsync() } == "at-rotated-123456") { "a suspend call after a failed store" }
        expect(attempts.size == 2) { "not handed again after 1 s: ${attempts.size}" }
        clock.t += 1
        session.accessToken()
        expect(attempts.size == 2) { "the back-off did not double: ${attempts.size}" }
        clock.t += 1
        session.accessToken()
        expect(attempts == List(3) { "rt-rotated-123456" }) { "attempts: $attempts" }
        clock.t += 600
        session.accessToken()
        expect(attempts.size == 3) { "handed again once stored" }
        expect(transport.sent.size == 1) { "renewed ${transport.sent.size} times" }
    },
    "private_key_jwt (RFC 7523): every request signed with its own jti, blocking, suspend and a session" to {
        val sent = mutableListOf<HttpRequest>()
        val answer = HttpResponse(200u, listOf(), "{\"access_token\":\"at-0123456789\",\"token_type\":\"Bearer\",\"expires_in\":600}".toByteArray())
        val scripted = object : HttpTransport {
            override fun send(request: HttpRequest): HttpResponse { sent.add(request); return answer }
            override suspend fun sendAsync(request: HttpRequest) = send(request)
        }
        val key = SigningKey.fromJwk("{\"kty\": \"EC\", \"x\": \"w8pjULNvgllyLaeUB9zRP8QFRFNvtTudUr65fgoDO44\", \"y\": \"X_vRhOwgSH4OhMjRw4iGRkWKa-SxQX5QNOPCcV4Lp1E\", \"crv\": \"P-256\", \"d\": \"2rzlM-Yf65c035wZ2OIPXmZGXj3WKQON9TTo8ikXL_k\"}")
        val profile = Profile.generic("https://as.example/token", null).withIssuer("https://as.example", false)
            .withGrant(GrantType.CLIENT_CREDENTIALS)
        val client = oauthClient(Client(profile, "svc", signingKey = key), scripted)
        expect(client.client().clientAuthMethod() == ClientAuthMethod.PRIVATE_KEY_JWT) { "the key did not choose private_key_jwt" }
        client.clientCredentials()
        runBlocking { client.clientCredentialsAsync() }
        client.session().accessToken()
        fun claims(request: HttpRequest): Map<String, Any?> {
            val form = request.body.toString(Charsets.UTF_8).split("&").associate {
                val (n, v) = it.split("=", limit = 2); n to java.net.URLDecoder.decode(v, "UTF-8") }
            expect(form["client_assertion_type"] == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer") { "no assertion: $form" }
            val payload = form["client_assertion"]!!.split(".")[1]
            return Json.parse(String(java.util.Base64.getUrlDecoder().decode(payload))).obj()
        }
        val all = sent.map { claims(it) }
        expect(all.size == 3 && all.map { it["jti"] }.toSet().size == 3) { "jtis: ${all.map { it["jti"] }}" }
        for (c in all) expect(c["iss"] == "svc" && c["sub"] == "svc" && c["aud"] == "https://as.example" &&
            (c["exp"] as Long) - (c["iat"] as Long) == 60L) { "claims: $c" }
        expect(!key.toString().contains("2rzlM-Yf65c0")) { "the key is shown: $key" }
        try {
            client.client().clientCredentialsRequest()
            throw Failure("a signing client built a request without Client.at")
        } catch (e: AuthflowException.Configuration) {
            expect(e.toString().contains("Client::at")) { "$e" }
        }
        expect(client.client().at(1713082444uL, ByteArray(32) { 7 }).clientCredentialsRequest().body.size > 0) { "at() built nothing" }
    },
    "token exchange (RFC 8693) and resources (RFC 8707), blocking and suspend" to {
        val sent = mutableListOf<HttpRequest>()
        val answer = HttpResponse(200u, listOf(), ("{\"access_token\":\"issued-token-0123456789\",\"token_type\":\"Bearer\"," +
            "\"issued_token_type\":\"urn:ietf:params:oauth:token-type:access_token\",\"expires_in\":60}").toByteArray())
        val scripted = object : HttpTransport {
            override fun send(request: HttpRequest): HttpResponse { sent.add(request); return answer }
            override suspend fun sendAsync(request: HttpRequest) = send(request)
        }
        val client = oauthClient(Client(Profile.generic("https://as.example/token", null), "svc", "svc-secret",
            resources = listOf("https://api.example/")), scripted)
        val exchange = TokenExchange("subject-token-0123456789", tokenTypeAccessToken(), audiences = listOf("billing"))
        val issued = client.tokenExchange(exchange)
        val suspended = runBlocking { client.tokenExchangeAsync(exchange) }
        for (it in listOf(issued, suspended)) {
            expect(it.accessToken() == "issued-token-0123456789" && it.tokenType() == "Bearer") { "issued: ${it.tokenType()}" }
            expect(!it.toString().contains("0123456789") && !exchange.toString().contains("0123456789")) { "a token is shown" }
        }
        val body = sent[0].body.toString(Charsets.UTF_8)
        expect(body.contains("grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Atoken-exchange") &&
            body.contains("audience=billing") && !body.contains("resource=")) { "exchange body: $body" }
        expect(client.client().clientCredentialsRequest().body.toString(Charsets.UTF_8).contains("resource=https%3A%2F%2Fapi.example%2F")) {
            "client credentials without the client's resource" }
        try {
            client.client().withResources(listOf("https://api.example/#top"))
            throw Failure("a resource with a fragment was accepted")
        } catch (e: AuthflowException.Configuration) {
            expect(e.action == Action.FIX_CONFIGURATION) { "$e" }
        }
    },
)

// ----- the device login and an OpenID exchange, over a scripted transport -----

const val DEVICE_START = 1_700_000_000L
const val DEVICE_CODE = "GmRhmhcxhwAzkoEqiMEg_DnyEysNkuNhszIySk9eS"

fun deviceAuthorization(expiresIn: Long = 600): Map<String, Any?> = mapOf(
    "device_code" to DEVICE_CODE, "user_code" to "WDJB-MJHT", "verification_uri" to "https://as.example/device",
    "verification_uri_complete" to "https://as.example/device?user_code=WDJB-MJHT", "expires_in" to expiresIn, "interval" to 5L)

val DEVICE_TOKENS = mapOf("access_token" to "at-device-1", "token_type" to "Bearer", "expires_in" to 3600L)

fun oauthError(code: String): Pair<Int, Any?> = 400 to mapOf("error" to code)

/** Time that passes only when a test moves it (a device login's sleep), and [entropy] with its
 *  first byte counting draws in this process (each authorization's state its own: a pending
 *  authorization is used once per process; the nonce, from the last bytes, stays). */
class VirtualClock(@Volatile var t: Long, private val entropy: ByteArray = ByteArray(0)) : Environment {
    override fun now(): ULong = t.toULong()
    override fun randomBytes(len: UInt): ByteArray =
        entropy.copyOf(len.toInt()).also { if (it.isNotEmpty()) it[0] = draws.incrementAndGet().toByte() }

    companion object {
        private val draws = java.util.concurrent.atomic.AtomicInteger()
    }
}

/** Answers from a script, in order: (status, JSON body), or null for no answer (a transport failure
 *  whose reason quotes the device code). Keeps each request with the clock's time when it was sent. */
class Scripted(private val clock: VirtualClock, vararg answers: Pair<Int, Any?>?) : HttpTransport {
    private val script = ArrayDeque(answers.toList())
    val sent = mutableListOf<Pair<Long, HttpRequest>>()
    var sentAsync = 0

    override fun send(request: HttpRequest): HttpResponse {
        sent.add(clock.t to request)
        if (script.isEmpty()) throw Failure("an unscripted request at ${clock.t - DEVICE_START}")
        val (status, body) = script.removeFirst() ?: throw transportException("reset: $DEVICE_CODE")
        return HttpResponse(status.toUShort(), listOf(HttpHeader("Content-Type", "application/json")), Json.write(body).toByteArray())
    }

    override suspend fun sendAsync(request: HttpRequest): HttpResponse {
        sentAsync++
        return send(request)
    }
}

fun deviceClient(vararg answers: Pair<Int, Any?>?): Triple<OAuthClient, Scripted, VirtualClock> {
    val clock = VirtualClock(DEVICE_START)
    val transport = Scripted(clock, *answers)
    val profile = Profile.generic("https://as.example/token", null)
        .withEndpoint(EndpointRole.DEVICE_AUTHORIZATION, "https://as.example/device_authorization")
        .withClientAuth(ClientAuthMethod.PUBLIC_CLIENT)
    return Triple(oauthClient(Client(profile, "tv-app", null, null, listOf("read")), transport, clock), transport, clock)
}

fun form(request: HttpRequest): Map<String, String> = request.body.toString(Charsets.UTF_8).split('&').associate {
    val (k, v) = it.split('=', limit = 2)
    java.net.URLDecoder.decode(k, "UTF-8") to java.net.URLDecoder.decode(v, "UTF-8")
}

inline fun <reified E : AuthflowException> refused(block: () -> Unit): E {
    try {
        block()
    } catch (e: AuthflowException) {
        if (e is E) return e
        throw Failure("expected ${E::class.simpleName}, got $e")
    }
    throw Failure("expected ${E::class.simpleName}, nothing was thrown")
}

fun deviceTests(): List<Pair<String, () -> Unit>> = listOf(
    "device login: polls as DevicePoll says (interval, slow_down, back-off) and returns the tokens" to {
        val (client, transport, clock) = deviceClient(200 to deviceAuthorization(), oauthError("authorization_pending"),
            oauthError("slow_down"), null, 200 to DEVICE_TOKENS)
        val shown = mutableListOf<DeviceCode>()
        val slept = mutableListOf<Duration>()
        val tokens = client.deviceLogin(sleep = { slept.add(it); clock.t += it.inWholeSeconds }) { shown.add(it) }
        expect(tokens.accessToken() == "at-device-1") { "tokens: $tokens" }
        expect(shown.map { listOf(it.userCode, it.verificationUri, it.verificationUriComplete, it.expiresAt) } == listOf(listOf(
            "WDJB-MJHT", "https://as.example/device", "https://as.example/device?user_code=WDJB-MJHT", (DEVICE_START + 600).toULong()))) { "shown: $shown" }
        expect("WDJB" !in shown[0].toString()) { "the user code in toString: ${shown[0]}" }
        // The interval (5), again (5), after slow_down 10, after the failure the interval doubled (20).
        expect(slept == listOf(5L, 5L, 10L, 20L).map { it.seconds }) { "slept $slept" }
        val (firstAt, first) = transport.sent[0]
        expect(firstAt == DEVICE_START && first.url == "https://as.example/device_authorization" &&
            first.body.toString(Charsets.UTF_8) == "scope=read&client_id=tv-app") { "first request: $first" }
        val polls = transport.sent.drop(1)
        expect(polls.map { it.first - DEVICE_START } == listOf(5L, 10L, 20L, 40L)) { "polled at ${polls.map { it.first - DEVICE_START }}" }
        for ((_, request) in polls) {
            expect(request.url == "https://as.example/token" && form(request) == mapOf("grant_type" to "urn:ietf:params:oauth:grant-type:device_code",
                "device_code" to DEVICE_CODE, "client_id" to "tv-app")) { "poll: ${form(request)}" }
        }
        expect(transport.sentAsync == 0) { "the blocking login sent through sendAsync" }
    },
    "device login: a declined login raises access_denied (user_denied) without the device code" to {
        val (client, transport, clock) = deviceClient(200 to deviceAuthorization(), oauthError("access_denied"))
        val e = refused<AuthflowException.OAuth> { client.deviceLogin(sleep = { clock.t += it.inWholeSeconds }) {} }
        expect(errorKindName(e.kind) == "access_denied" && e.action == Action.USER_DENIED) { "$e" }
        expect(DEVICE_CODE !in "$e ${e.message}") { "the device code in the error: $e" }
        expect(transport.sent.size == 2) { "${transport.sent.size} requests" }
    },
    "device login: an expired code stops without another request" to {
        val (client, transport, clock) = deviceClient(200 to deviceAuthorization(expiresIn = 12),
            oauthError("authorization_pending"), null)
        val e = refused<AuthflowException.OAuth> { client.deviceLogin(sleep = { clock.t += it.inWholeSeconds }) {} }
        expect(errorKindName(e.kind) == "expired_token" && e.action == Action.AUTHORIZE_AGAIN) { "$e" }
        // Polled at 5 and 10; the back-off after the failure ran past 12.
        expect(transport.sent.drop(1).map { it.first - DEVICE_START } == listOf(5L, 10L)) { "polled at ${transport.sent.map { it.first - DEVICE_START }}" }
        expect(DEVICE_CODE !in "$e ${e.message}") { "the device code in the error: $e" }
    },
    "device login: no device authorization endpoint is a configuration error, nothing sent" to {
        val clock = VirtualClock(DEVICE_START)
        val transport = Scripted(clock)
        val client = oauthClient(Client(Profile.generic("https://as.example/token", null), "tv-app", null, null, listOf()), transport, clock)
        refused<AuthflowException.Configuration> { client.deviceLogin(sleep = { throw Failure("slept") }) {} }
        expect(transport.sent.isEmpty()) { "sent ${transport.sent.size}" }
    },
    "device login: the suspend form awaits the same flow over sendAsync" to {
        val (client, transport, clock) = deviceClient(200 to deviceAuthorization(), oauthError("slow_down"), 200 to DEVICE_TOKENS)
        val slept = mutableListOf<Duration>()
        val tokens = runBlocking {
            client.deviceLoginAsync(sleep = { slept.add(it); clock.t += it.inWholeSeconds }) {}
        }
        expect(tokens.accessToken() == "at-device-1") { "tokens: $tokens" }
        expect(slept == listOf(5L, 10L).map { it.seconds }) { "slept $slept" }
        expect(transport.sent.map { it.first - DEVICE_START } == listOf(0L, 5L, 15L)) { "sent at ${transport.sent.map { it.first - DEVICE_START }}" }
        expect(transport.sentAsync == 3) { "${transport.sentAsync} of 3 requests through sendAsync" }
    },
)

/** The provider of tests/vectors/openid: its token endpoint answers [tokenBody], its JWK set [jwks]. */
class OpenidProvider(private val tokenBody: Map<String, Any?>, private val jwks: Any?) : HttpTransport {
    var jwksFetches = 0
    var tokenRequests = 0

    override fun send(request: HttpRequest): HttpResponse {
        val body = when (request.url) {
            "https://op.example/jwks" -> { jwksFetches++; jwks }
            "https://op.example/token" -> { tokenRequests++; tokenBody }
            else -> throw Failure("unexpected request to ${request.url}")
        }
        return HttpResponse(200u, listOf(HttpHeader("Content-Type", "application/json")), Json.write(body).toByteArray())
    }

    override suspend fun sendAsync(request: HttpRequest): HttpResponse = send(request)
}

/** A case of a tests/vectors/openid file, by name. */
fun openidCase(repo: File, file: String, name: String): Map<String, Any?> =
    (Json.parse(File(repo, "tests/vectors/openid/$file").readText()).obj()["cases"] as List<*>)
        .map { it.obj() }.single { it["name"] == name }

fun openidTests(repo: File): List<Pair<String, () -> Unit>> {
    // A valid RS256 ID token, the provider's keys and the time it is valid at; and the entropy
    // whose authorization request carries the token's nonce (its last 16 bytes make the nonce).
    val valid = openidCase(repo, "id_token.json", "valid_rs256")
    val input = valid["input"].obj()
    val check = input["check"].obj()
    val sub = valid["expect"].obj()["result"].obj().str("sub")
    val entropy = hex(openidCase(repo, "authorization.json", "openid_request_carries_a_nonce").str("entropy"))

    fun oauth(transport: HttpTransport): OAuthClient {
        val profile = buildProfile(valid["profile"].obj())
            .withEndpoint(EndpointRole.AUTHORIZATION, "https://op.example/authorize")
            .withEndpoint(EndpointRole.JWKS, "https://op.example/jwks")
            .withClientAuth(ClientAuthMethod.PUBLIC_CLIENT)
        val client = Client(profile, check.str("client_id"), null, "https://app.example/cb", listOf("openid", "profile"))
        return oauthClient(client, transport, VirtualClock(valid["now"] as Long, entropy))
    }

    /** Starts an authorization, checks its nonce is the token's, and exchanges its code. */
    fun login(client: OAuthClient): TokenSet {
        val start = client.authorizationUrl()
        val pending = PendingAuthorization.fromStorageString(start.pending)
        expect(pending.nonce() == check.str("nonce")) { "the pending authorization's nonce is not the token's" }
        return client.exchange("https://app.example/cb?code=${input.str("code")}&state=${pending.state()}", start.pending)
    }

    fun tokenBody(idToken: String) = mapOf("access_token" to input.str("access_token"), "token_type" to "Bearer",
        "expires_in" to 3600L, "id_token" to idToken)

    return listOf(
        "openid: the exchange validates the ID token against the JWK set, fetched once" to {
            val provider = OpenidProvider(tokenBody(input.str("id_token")), input["jwks"])
            val client = oauth(provider)
            val tokens = login(client)
            val claims = tokens.idTokenClaims() ?: throw Failure("no ID token claims")
            expect(claims.sub == sub && claims.nonce == check.str("nonce") && claims.iss == check.str("issuer")) { "claims: $claims" }
            expect(tokens.idToken() == input.str("id_token")) { "another ID token" }
            // A second login with the same client: it holds the keys.
            expect(login(client).idTokenClaims()?.sub == sub) { "second login" }
            expect(provider.tokenRequests == 2 && provider.jwksFetches == 1) {
                "token requests ${provider.tokenRequests}, JWK set fetches ${provider.jwksFetches}"
            }
        },
        "openid: an ID token with a flipped signature byte is refused (id_token_invalid)" to {
            val (head, payload, signature) = input.str("id_token").split('.')
            val bytes = java.util.Base64.getUrlDecoder().decode(signature)
            bytes[bytes.size / 2] = (bytes[bytes.size / 2].toInt() xor 0x01).toByte()
            val tampered = "$head.$payload.${java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(bytes)}"
            val provider = OpenidProvider(tokenBody(tampered), input["jwks"])
            val e = refused<AuthflowException> { login(oauth(provider)) }
            expect(errorKindName(e.details.kind) == "id_token_invalid") { "$e" }
            expect(tampered !in "$e ${e.message}" && input.str("access_token") !in "$e ${e.message}") { "a secret in the error: $e" }
            expect(provider.tokenRequests == 1 && provider.jwksFetches >= 1) { "token requests ${provider.tokenRequests}, JWK set fetches ${provider.jwksFetches}" }
        },
    )
}

fun main(args: Array<String>) {
    val repo = File(args.getOrElse(0) { "." })
    val binary = args.getOrElse(1) { File(repo, "target/debug/authflow-providers").path }
    val (vectorsPassed, vectorsFailed) = runVectors(repo)
    println("vectors: $vectorsPassed passed, $vectorsFailed failed")
    var passed = vectorsPassed
    var failed = vectorsFailed
    val crossRuntime = System.getenv("AUTHFLOW_CROSS_RUNTIME_DIR")?.let { dir ->
        listOf("a pending authorization made in Python resumes here" to {
            val made = Json.parse(File(dir, "pending-from-python.json").readText()).obj()
            val pending = PendingAuthorization.fromStorageString(made.str("pending"))
            expect(pending.state() == made.str("state") && pending.codeVerifier() == made.str("code_verifier")) { "fields differ" }
            val callback = pending.validate("https://app.example/cb?code=code-from-provider&state=${made.str("state")}", 1_700_000_010uL)
            val client = Client(Profile.makiniLink(), "link-client", null, "https://app.example/cb")
            val body = client.exchangeRequest(callback).body.toString(Charsets.UTF_8)
            expect(body.contains("code_verifier=${made.str("code_verifier")}")) { "exchange body lacks the verifier" }
        })
    } ?: listOf()
    for ((title, test) in crossRuntime + deviceTests() + openidTests(repo) + endToEnd(binary) + errorTests()) {
        try {
            test()
            passed++
            println("ok   $title")
        } catch (e: Throwable) {
            failed++
            println("FAIL $title: ${e.message ?: e}")
            e.printStackTrace()
        }
    }
    println("kotlin: $passed passed, $failed failed")
    kotlin.system.exitProcess(if (failed == 0) 0 else 1)
}
