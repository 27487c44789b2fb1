// What the JVM and Android share around the generated API: the exceptions
// a transport throws, the system clock and SecureRandom, a persister from a
// function. Each platform's default transport and `oauthClient` live beside
// it (jvm/: java.net.http; android/: HttpURLConnection).
package io.authflow

import java.io.IOException
import java.net.ConnectException
import java.net.SocketTimeoutException
import java.security.SecureRandom

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

/** What a transport throws for [error], a failure of the JDK's or Android's HTTP stack: the
 *  kind the caller acts on, never the failure's own message (it may quote the URL). */
internal fun transportFailure(error: Throwable): AuthflowException = when (error) {
    is AuthflowException -> error
    is SocketTimeoutException -> timeoutException("timed out")
    is ConnectException -> transportException("connection refused")
    is IOException -> transportException("the connection failed or was dropped")
    is IllegalArgumentException -> transportException("the request could not be built")
    else -> transportException("the request failed")
}

/** The system clock and `SecureRandom`. */
class SystemEnvironment : Environment {
    private val random = SecureRandom()

    /** The current Unix time in seconds. */
    override fun now(): ULong = (System.currentTimeMillis() / 1000).toULong()

    /** [len] bytes from `SecureRandom`. */
    override fun randomBytes(len: UInt): ByteArray = ByteArray(len.toInt()).also { random.nextBytes(it) }
}

/** A [TokenPersister] from a function (e.g. `{ db.save(it.toJson()) }`). What it throws fails no
 *  call: the session hands the set to it again at a later call, after a back-off (1 s, doubling up to
 *  five minutes), and keeps nothing of the exception (report it yourself, without the tokens). */
fun persister(block: (TokenSet) -> Unit): TokenPersister = object : TokenPersister {
    override fun persist(tokens: TokenSet) = block(tokens)
}

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
