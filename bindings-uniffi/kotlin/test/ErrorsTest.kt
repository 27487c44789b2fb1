// Errors users act on, and errors that must not show a secret: a timeout
// is its own kind (each transport against a server that never answers), a
// user's refusal is its own action, and no exception's toString or message
// shows a secret a request carried, whatever a server or a transport says.
package io.authflow.test

import com.sun.net.httpserver.HttpServer
import io.authflow.*
import java.net.InetAddress
import java.net.InetSocketAddress
import java.net.ServerSocket
import java.time.Duration
import kotlinx.coroutines.runBlocking

private const val CLIENT_SECRET = "cs-SECRET-0001"
private const val ACCESS = "at-SECRET-0002"
private const val REFRESH = "rt-SECRET-0003"
private const val CODE = "code-SECRET-0004"
private const val PASSWORD = "pw-SECRET-0005"
private const val REDIRECT = "http://127.0.0.1:8400/callback"

/** Long enough for a loaded machine to connect, short for a test. */
private val SHORT_TIMEOUT: Duration = Duration.ofMillis(500)

private fun expiredTokens() = TokenSet.fromJson(
    "{\"v\":1,\"access_token\":\"$ACCESS\",\"token_type\":\"Bearer\",\"refresh_token\":\"$REFRESH\",\"issued_at\":1,\"expires_at\":2}")

/** Runs [block] with the URL of a server on 127.0.0.1 that accepts connections and never answers. */
private fun <T> silentServer(block: (String) -> T): T =
    ServerSocket(0, 8, InetAddress.getLoopbackAddress()).use { block("http://127.0.0.1:${it.localPort}/token") }

private inline fun <reified E : AuthflowException> thrown(block: () -> Unit): E {
    try {
        block()
    } catch (e: AuthflowException) {
        if (e is E) return e
        throw Failure("expected ${E::class.simpleName}, got $e")
    }
    throw Failure("expected ${E::class.simpleName}, nothing was thrown")
}

/** Runs [block] with the base URL of a server that answers every request with an error echoing
 *  the request (path, body, Authorization) in every field authflow keeps; the first path segment
 *  is the status. */
private fun <T> echoServer(block: (String) -> T): T {
    val server = HttpServer.create(InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0)
    server.createContext("/") { exchange ->
        val echo = "${exchange.requestURI} ${exchange.requestBody.readBytes().toString(Charsets.UTF_8)} " +
            (exchange.requestHeaders.getFirst("Authorization") ?: "")
        val quoted = Json.write(echo)
        val body = "{\"error\":\"invalid_grant\",\"error_description\":$quoted,\"error_uri\":$quoted,\"request_id\":$quoted}"
            .toByteArray()
        exchange.responseHeaders.add("Content-Type", "application/json")
        exchange.responseHeaders.add("X-Request-Id", echo.take(300))
        exchange.sendResponseHeaders(exchange.requestURI.path.split('/')[1].toInt(), body.size.toLong())
        exchange.responseBody.use { it.write(body) }
    }
    server.start()
    try {
        return block("http://127.0.0.1:${server.address.port}")
    } finally {
        server.stop(0)
    }
}

private fun echoingClient(base: String, transport: HttpTransport): OAuthClient {
    var profile = Profile.generic("$base/token", "$base/authorize")
    for ((role, path) in listOf(EndpointRole.REVOCATION to "revoke", EndpointRole.INTROSPECTION to "introspect",
        EndpointRole.TOKEN_INFO to "info", EndpointRole.API_BASE to "api/")) {
        profile = profile.withEndpoint(role, "$base/$path")
    }
    return oauthClient(Client(profile, "client-1", CLIENT_SECRET, REDIRECT), transport)
}

/** Every flow of [client] with secrets in its request, and those secrets. */
private fun everyFlow(client: OAuthClient): Pair<List<() -> Unit>, List<String>> {
    val start = client.authorizationUrl()
    val pending = PendingAuthorization.fromStorageString(start.pending)
    return listOf<() -> Unit>(
        { client.exchange("$REDIRECT?code=$CODE&state=${pending.state()}", start.pending) },
        { client.refresh(expiredTokens()) },
        { client.clientCredentials() },
        { client.password("ada", PASSWORD) },
        { client.revoke(REFRESH, TokenTypeHint.REFRESH_TOKEN) },
        { client.introspect(ACCESS, TokenTypeHint.ACCESS_TOKEN) },
        { client.tokenInfo(ACCESS) },
        { client.api(ACCESS, Method.GET, "sites") },
        { client.session(expiredTokens()).get("sites") },
        { runBlocking { client.refreshAsync(expiredTokens()) } },
    ) to listOf(CLIENT_SECRET, ACCESS, REFRESH, CODE, PASSWORD, pending.codeVerifier()!!)
}

private fun assertClean(e: Throwable, secrets: List<String>) {
    val shown = "$e ${e.message} ${e.localizedMessage}"
    for (secret in secrets) expect(secret !in shown) { "${e::class.simpleName} shows $secret: $shown" }
}

/** A host transport that quotes the whole request in its failures. */
private class CarelessTransport(private val unexpected: Boolean) : HttpTransport {
    override fun send(request: HttpRequest): HttpResponse {
        val words = "${request.url} ${request.body.toString(Charsets.UTF_8)} ${request.headers.map { it.value }}"
        if (unexpected) throw IllegalStateException(words)
        throw transportException("could not send $words")
    }

    override suspend fun sendAsync(request: HttpRequest): HttpResponse = send(request)
}

/** The cases where the HTTP client matters, over each transport (titled with its name but
 *  for the default, java.net.http), then the others. */
fun errorTests(): List<Pair<String, () -> Unit>> = listOf(JAVA_NET_HTTP, HTTP_URL_CONNECTION).flatMap { http ->
    transportErrorTests(http).map { (title, test) -> (if (http == JAVA_NET_HTTP) title else "[${http.name}] $title") to test }
} + clientErrorTests()

fun transportErrorTests(http: TransportUnderTest): List<Pair<String, () -> Unit>> = listOf(
    "a server that never answers is a timeout (blocking, suspend, session)" to {
        silentServer { url ->
            val transport = http.make(SHORT_TIMEOUT)
            val request = HttpRequest(Method.POST, url, listOf(), "x=1".toByteArray())
            // The server never answers: returning at all is the transport
            // giving up (no bound on how long it took: timed assertions
            // fail on a loaded machine); the kind says it was the timeout.
            val blocking = thrown<AuthflowException.Transport> { transport.send(request) }
            val suspending = thrown<AuthflowException.Transport> { runBlocking { transport.sendAsync(request) } }
            for (e in listOf(blocking, suspending)) {
                expect(errorKindName(e.kind) == "timeout" && actionName(e.action) == "retry") { "$e" }
            }
            val client = oauthClient(Client(Profile.generic(url), "client-1", CLIENT_SECRET, null), transport)
            val session = client.session(expiredTokens())
            val e = thrown<AuthflowException.Transport> { session.accessToken() }
            expect(errorKindName(e.kind) == "timeout" && e.retryAfter == 1uL) { "session: $e" }
            expect(session.tokenSet()?.refreshToken() == REFRESH) { "the refresh token was kept" }
        }
    },
    "a refused connection is not a timeout" to {
        val url = silentServer { it } // closed: nothing listens there any more
        val request = HttpRequest(Method.GET, url, listOf(), ByteArray(0))
        val blocking = thrown<AuthflowException.Transport> { http.make().send(request) }
        val suspending = thrown<AuthflowException.Transport> { runBlocking { http.make().sendAsync(request) } }
        for (e in listOf(blocking, suspending)) expect(errorKindName(e.kind) == "transport") { "$e" }
    },
    "no exception shows a secret a server echoes" to {
        for (status in listOf(400, 401, 403, 500)) {
            echoServer { base ->
                val (flows, secrets) = everyFlow(echoingClient("$base/$status", http.make()))
                for (flow in flows) assertClean(thrown<AuthflowException> { flow() }, secrets)
            }
        }
    },
)

fun clientErrorTests(): List<Pair<String, () -> Unit>> = listOf(
    "a user who declines gets user_denied, not authorize_again" to {
        val client = oauthClient(Client(Profile.makiniLink(), "link-client", null, REDIRECT))
        val start = client.authorizationUrl()
        val state = PendingAuthorization.fromStorageString(start.pending).state()
        val e = thrown<AuthflowException.OAuth> { client.exchange("$REDIRECT?error=access_denied&state=$state", start.pending) }
        expect(errorKindName(e.kind) == "access_denied" && actionName(e.action) == "user_denied") { "$e" }
        val names = Action.values().map { actionName(it) }
        expect(names.indexOf("user_denied") == names.indexOf("authorize_again") + 1) { "$names" }
    },
    "no exception shows a secret a transport quotes" to {
        for (unexpected in listOf(false, true)) {
            val (flows, secrets) = everyFlow(echoingClient("http://127.0.0.1:9", CarelessTransport(unexpected)))
            for (flow in flows) assertClean(thrown<AuthflowException.Transport> { flow() }, secrets)
        }
    },
    "no exception of the other families shows a secret, nor a record that holds one" to {
        val client = oauthClient(Client(Profile.makiniLink(), "link-client", CLIENT_SECRET, REDIRECT))
        val start = client.authorizationUrl()
        val pending = PendingAuthorization.fromStorageString(start.pending)
        val secrets = listOf(CLIENT_SECRET, ACCESS, REFRESH, CODE, PASSWORD, pending.codeVerifier()!!)
        val raised = listOf<AuthflowException>(
            thrown<AuthflowException.Callback> { client.exchange("$REDIRECT?code=$CODE&state=forged", start.pending) },
            thrown<AuthflowException.InvalidStoredValue> { TokenSet.fromJson("{\"v\":1,\"access_token\":\"$ACCESS\"") },
            thrown<AuthflowException.InvalidStoredValue> { PendingAuthorization.fromStorageString("afp1.${pending.codeVerifier()}") },
            thrown<AuthflowException.InvalidResponse> {
                client.client().parseRefreshResponse(1uL, HttpResponse(200u, listOf(),
                    "{\"access_token\":\"$ACCESS\",\"expires_in\":\"$REFRESH\"}".toByteArray()), expiredTokens())
            },
            thrown<AuthflowException.AuthorizationRequired> {
                client.refresh(TokenSet.fromJson("{\"v\":1,\"access_token\":\"$ACCESS\",\"token_type\":\"Bearer\",\"issued_at\":1}"))
            },
        )
        for (e in raised) assertClean(e, secrets)
        val callback = pending.validate("$REDIRECT?code=$CODE&state=${pending.state()}", pending.createdAt())
        val records = listOf<Any>(callback, client.client().exchangeRequest(callback), expiredTokens(), pending, start,
            client.client().passwordRequest("ada", PASSWORD),
            HttpResponse(200u, listOf(HttpHeader("Set-Cookie", ACCESS)), "{\"access_token\":\"$ACCESS\"}".toByteArray()))
        for (record in records) {
            for (secret in secrets) expect(secret !in record.toString()) { "${record::class.simpleName} shows $secret: $record" }
        }
    },
)
