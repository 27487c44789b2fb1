// The JVM's default transport, from the JDK only: java.net.http.HttpClient
// (JDK 11+), so the JVM's TLS, proxies and trust store apply. Not in the
// Android package: Android has no java.net.http.
package io.authflow

import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpTimeoutException
import java.time.Duration
import java.util.concurrent.CompletionException
import kotlin.coroutines.resume
import kotlin.coroutines.resumeWithException
import kotlinx.coroutines.suspendCancellableCoroutine

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
        // HttpConnectTimeoutException (no connection in time) is a subclass.
        is HttpTimeoutException -> timeoutException("timed out")
        else -> transportFailure(cause)
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

/** An [OAuthClient] over [JavaNetHttpTransport] and [SystemEnvironment] by default. */
fun oauthClient(
    client: Client,
    transport: HttpTransport = JavaNetHttpTransport(),
    environment: Environment = SystemEnvironment(),
): OAuthClient = OAuthClient(client, transport, environment)
