// The default transport and environment for the JVM, from the JDK only:
// java.net.http.HttpClient (so the JVM's TLS, proxies and trust store
// apply), the system clock and SecureRandom.
package io.authflow

import java.io.IOException
import java.net.ConnectException
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpTimeoutException
import java.security.SecureRandom
import java.time.Duration
import java.util.concurrent.CompletionException
import kotlin.coroutines.resume
import kotlin.coroutines.resumeWithException
import kotlinx.coroutines.suspendCancellableCoroutine

/** The exception a transport throws when no answer came back (kind `transport`, action `retry`).
 *  [reason] must not quote the request's URL, headers or body. */
fun transportException(reason: String): AuthflowException = transportCase(transportError(reason))

/** The exception a transport throws when no complete answer came back in the time it allows
 *  (kind `timeout`, action `retry`): the request may have reached the provider.
 *  [reason] must not quote the request's URL, headers or body. */
fun timeoutException(reason: String): AuthflowException = transportCase(timeoutError(reason))

/** The `Transport` case that carries [d] (the core's words for the failure). */
private fun transportCase(d: ErrorDetails): AuthflowException = AuthflowException.Transport(
    d.kind, d.action, d.reason, d.retryAfter, d.status,
    d.providerCode, d.providerDescription, d.providerUri, d.requestId,
)

/** Sends requests with `java.net.http.HttpClient`: no redirects followed, every status
 *  returned as a response, failures thrown as [AuthflowException.Transport] without the
 *  URL or headers in the message (kind `timeout` when [timeout] passed without a complete
 *  answer or the connection was not made in time). [sendAsync] suspends on `HttpClient.sendAsync`. */
class JavaNetHttpTransport(
    private val timeout: Duration = Duration.ofSeconds(30),
    private val http: HttpClient = HttpClient.newBuilder()
        .followRedirects(HttpClient.Redirect.NEVER)
        .connectTimeout(Duration.ofSeconds(10))
        .build(),
) : HttpTransport {

    private fun build(request: HttpRequest): java.net.http.HttpRequest {
        val body = if (request.body.isEmpty()) {
            java.net.http.HttpRequest.BodyPublishers.noBody()
        } else {
            java.net.http.HttpRequest.BodyPublishers.ofByteArray(request.body)
        }
        val builder = java.net.http.HttpRequest.newBuilder(URI.create(request.url))
            .timeout(timeout)
            .method(methodName(request.method), body)
        for (header in request.headers) {
            builder.header(header.name, header.value)
        }
        return builder.build()
    }

    private fun convert(response: java.net.http.HttpResponse<ByteArray>): HttpResponse {
        val headers = response.headers().map().flatMap { (name, values) ->
            values.map { HttpHeader(name, it) }
        }
        return HttpResponse(response.statusCode().toUShort(), headers, response.body())
    }

    private fun failure(error: Throwable): AuthflowException = when (val cause = (error as? CompletionException)?.cause ?: error) {
        is AuthflowException -> cause
        // HttpConnectTimeoutException (no connection in time) is a subclass.
        is HttpTimeoutException -> timeoutException("timed out")
        is ConnectException -> transportException("connection refused")
        is IOException -> transportException("the connection failed or was dropped")
        is IllegalArgumentException -> transportException("the request could not be built")
        else -> transportException("the request failed")
    }

    /** Sends one request, blocking the calling thread. */
    override fun send(request: HttpRequest): HttpResponse =
        try {
            convert(http.send(build(request), java.net.http.HttpResponse.BodyHandlers.ofByteArray()))
        } catch (error: InterruptedException) {
            Thread.currentThread().interrupt()
            throw transportException("interrupted")
        } catch (error: Exception) {
            throw failure(error)
        }

    /** Sends one request, suspending until the answer arrives. */
    override suspend fun sendAsync(request: HttpRequest): HttpResponse {
        val outgoing = try { build(request) } catch (error: Exception) { throw failure(error) }
        return suspendCancellableCoroutine { continuation ->
            val future = http.sendAsync(outgoing, java.net.http.HttpResponse.BodyHandlers.ofByteArray())
            continuation.invokeOnCancellation { future.cancel(true) }
            future.whenComplete { response, error ->
                if (error != null) {
                    continuation.resumeWithException(failure(error))
                } else {
                    continuation.resume(convert(response))
                }
            }
        }
    }
}

/** The system clock and `SecureRandom`. */
class SystemEnvironment : Environment {
    private val random = SecureRandom()

    /** The current Unix time in seconds. */
    override fun now(): ULong = (System.currentTimeMillis() / 1000).toULong()

    /** [len] bytes from `SecureRandom`. */
    override fun randomBytes(len: UInt): ByteArray = ByteArray(len.toInt()).also { random.nextBytes(it) }
}

/** A [TokenPersister] from a function (e.g. `{ db.save(it.toJson()) }`). */
fun persister(block: (TokenSet) -> Unit): TokenPersister = object : TokenPersister {
    override fun persist(tokens: TokenSet) = block(tokens)
}

/** An [OAuthClient] over [JavaNetHttpTransport] and [SystemEnvironment] by default. */
fun oauthClient(
    client: Client,
    transport: HttpTransport = JavaNetHttpTransport(),
    environment: Environment = SystemEnvironment(),
): OAuthClient = OAuthClient(client, transport, environment)

/** The body of an API answer as UTF-8 text. */
fun HttpResponse.text(): String = body.toString(Charsets.UTF_8)

/** The shared fields of an [AuthflowException], whichever its family. */
val AuthflowException.details: ErrorDetails
    get() = when (this) {
        is AuthflowException.OAuth -> ErrorDetails(kind, action, reason, retryAfter, status, providerCode, providerDescription, providerUri, requestId)
        is AuthflowException.Callback -> ErrorDetails(kind, action, reason, retryAfter, status, providerCode, providerDescription, providerUri, requestId)
        is AuthflowException.Http -> ErrorDetails(kind, action, reason, retryAfter, status, providerCode, providerDescription, providerUri, requestId)
        is AuthflowException.Transport -> ErrorDetails(kind, action, reason, retryAfter, status, providerCode, providerDescription, providerUri, requestId)
        is AuthflowException.InvalidResponse -> ErrorDetails(kind, action, reason, retryAfter, status, providerCode, providerDescription, providerUri, requestId)
        is AuthflowException.Configuration -> ErrorDetails(kind, action, reason, retryAfter, status, providerCode, providerDescription, providerUri, requestId)
        is AuthflowException.AuthorizationRequired -> ErrorDetails(kind, action, reason, retryAfter, status, providerCode, providerDescription, providerUri, requestId)
        is AuthflowException.InvalidStoredValue -> ErrorDetails(kind, action, reason, retryAfter, status, providerCode, providerDescription, providerUri, requestId)
    }
