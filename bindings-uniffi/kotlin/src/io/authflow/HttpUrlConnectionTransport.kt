// A transport over java.net.HttpURLConnection, the HTTP client every
// Android version and every JVM has. Android has no java.net.http, so this
// is its default (android/); on a JVM it is the alternative to
// JavaNetHttpTransport, for code that must run on both.
package io.authflow

import java.net.HttpURLConnection
import java.net.ProtocolException
import java.net.URI
import java.util.concurrent.ExecutorService
import java.util.concurrent.Executors
import kotlin.coroutines.resume
import kotlin.coroutines.resumeWithException
import kotlinx.coroutines.suspendCancellableCoroutine

/** Sends requests with `java.net.HttpURLConnection`: no redirects followed, no cache, every
 *  status returned as a response, failures thrown as [AuthflowException.Transport] without
 *  the URL or headers in the message (kind `timeout` when no connection was made within
 *  [connectTimeoutMillis], or when the answer stalled for [readTimeoutMillis]: unlike
 *  [JavaNetHttpTransport]'s, that limit applies to each read, not to the whole answer).
 *  Times are in milliseconds, as `HttpURLConnection` takes them, so nothing needs
 *  `java.time` (Android API 26). [sendAsync] runs the exchange on a daemon thread and
 *  suspends until it ends; a cancelled caller disconnects it. The JDK's implementation
 *  cannot send `PATCH` (Android's can), and resends a `POST` once when a kept-alive
 *  connection fails before an answer (`sun.net.http.retryPost`): on a JVM,
 *  [JavaNetHttpTransport] does neither. */
class HttpUrlConnectionTransport(
    private val readTimeoutMillis: Int = 30_000,
    private val connectTimeoutMillis: Int = 10_000,
) : HttpTransport {

    private fun open(request: HttpRequest): HttpURLConnection {
        val method = methodName(request.method)
        try {
            val connection = URI(request.url).toURL().openConnection() as HttpURLConnection
            connection.instanceFollowRedirects = false
            connection.useCaches = false
            connection.connectTimeout = connectTimeoutMillis
            connection.readTimeout = readTimeoutMillis
            connection.requestMethod = method
            for (header in request.headers) {
                connection.addRequestProperty(header.name, header.value)
            }
            return connection
        } catch (error: ProtocolException) {
            throw transportException("HttpURLConnection cannot send $method on this platform")
        } catch (error: Exception) {
            throw transportException("the request could not be built")
        }
    }

    // The body is written in one piece, never in streaming mode: the JDK's
    // implementation throws, instead of answering, when a streamed request
    // meets a 401.
    private fun exchange(connection: HttpURLConnection, body: ByteArray): HttpResponse =
        try {
            if (body.isNotEmpty()) {
                connection.doOutput = true
                connection.outputStream.use { it.write(body) }
            }
            val status = connection.responseCode
            if (status !in 100..999) throw transportException("the answer was not HTTP")
            // getHeaderFields() would lose the order of repeated headers; index 0 is the status line.
            val headers = generateSequence(1) { it + 1 }
                .map { connection.getHeaderFieldKey(it) to connection.getHeaderField(it) }
                .takeWhile { (_, value) -> value != null }
                .mapNotNull { (name, value) -> name?.let { HttpHeader(it, value) } }
                .toList()
            val stream = if (status >= 400) connection.errorStream else connection.inputStream
            // Read to the end, so the connection goes back to the keep-alive pool.
            HttpResponse(status.toUShort(), headers, stream?.use { it.readBytes() } ?: ByteArray(0))
        } catch (error: Exception) {
            connection.disconnect()
            throw transportFailure(error)
        }

    /** Sends one request, blocking the calling thread. */
    override fun send(request: HttpRequest): HttpResponse = exchange(open(request), request.body)

    /** Sends one request, suspending until the answer arrives. */
    override suspend fun sendAsync(request: HttpRequest): HttpResponse {
        val connection = open(request)
        return suspendCancellableCoroutine { continuation ->
            continuation.invokeOnCancellation { connection.disconnect() }
            exchanges.execute {
                try {
                    continuation.resume(exchange(connection, request.body))
                } catch (error: Throwable) {
                    // Whatever ends the exchange resumes the caller, which must not wait forever.
                    continuation.resumeWithException(transportFailure(error))
                }
            }
        }
    }

    private companion object {
        /** The threads blocking exchanges run on for [sendAsync]: daemons, so a pending
         *  request never keeps the process alive. */
        val exchanges: ExecutorService = Executors.newCachedThreadPool { task ->
            Thread(task, "authflow-http").apply { isDaemon = true }
        }
    }
}
