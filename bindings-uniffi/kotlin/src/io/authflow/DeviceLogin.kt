// The device login (RFC 8628) over an OAuthClient, blocking and suspend. The core's DevicePoll
// decides every request and every wait (the interval, slow_down, back-off after a failure, the
// code's expiry, the user's refusal); this file only carries them out, over the transport and
// clock the client was built with (OAuthClient.send / sendAsync / now), as Python's
// device_flow does.
package io.authflow

import kotlin.time.Duration
import kotlin.time.Duration.Companion.seconds
import kotlinx.coroutines.delay

/** What to show the user during a device login (RFC 8628 §3.3): go to [verificationUri] and
 *  enter [userCode] (or open [verificationUriComplete], which holds the code, e.g. as a QR code)
 *  before [expiresAt] (Unix seconds). Show the user code to the user only: [toString] does not
 *  show it. */
data class DeviceCode(
    /** The code the user enters. */
    val userCode: String,
    /** Where the user enters it. */
    val verificationUri: String,
    /** The verification URI with the code in it, if the provider sent one. */
    val verificationUriComplete: String?,
    /** When the code expires (Unix seconds). */
    val expiresAt: ULong,
) {
    override fun toString(): String =
        "DeviceCode(userCode=[redacted], verificationUri=$verificationUri, expiresAt=$expiresAt)"
}

/** Logs a user in on a device without a browser (RFC 8628): asks the provider's device
 *  authorization endpoint for a code, hands it to [onCode] (show it to the user), then polls the
 *  token endpoint as the core's [DevicePoll] says, blocking the thread with [sleep] between
 *  requests, until the user approves. Throws [AuthflowException.OAuth] `access_denied` (action
 *  `USER_DENIED`) if they decline and `expired_token` (action `AUTHORIZE_AGAIN`) if the code
 *  expires first; transport failures and 5xx/429 answers are retried with back-off until then.
 *  An OpenID Provider's ID token is checked before the tokens are returned, as by `exchange`. */
fun OAuthClient.deviceLogin(
    sleep: (Duration) -> Unit = { Thread.sleep(it.inWholeMilliseconds) },
    onCode: (DeviceCode) -> Unit,
): TokenSet {
    val flow = DeviceFlow(this)
    flow.start(send(flow.authorizationRequest()), onCode)
    while (true) {
        when (val step = flow.next()) {
            is DeviceStep.Send -> flow.outcome(step.id) { send(step.request) }
            is DeviceStep.Sleep -> sleep(step.duration)
            is DeviceStep.Done -> return checkDeviceLogin(step.tokens)
        }
    }
}

/** [deviceLogin], suspending: the requests over the transport's `sendAsync`, the waits with
 *  [sleep] (`delay`). Cancelling the coroutine stops the login. */
suspend fun OAuthClient.deviceLoginAsync(
    sleep: suspend (Duration) -> Unit = { delay(it.inWholeMilliseconds) },
    onCode: (DeviceCode) -> Unit,
): TokenSet {
    val flow = DeviceFlow(this)
    flow.start(sendAsync(flow.authorizationRequest()), onCode)
    while (true) {
        when (val step = flow.next()) {
            is DeviceStep.Send -> flow.outcome(step.id) { sendAsync(step.request) }
            is DeviceStep.Sleep -> sleep(step.duration)
            is DeviceStep.Done -> return checkDeviceLoginAsync(step.tokens)
        }
    }
}

/** What a device login's driver does next, as its poll says. */
private sealed class DeviceStep {
    /** Send [request], then hand its outcome back by [id]. */
    class Send(val id: ULong, val request: HttpRequest) : DeviceStep()
    /** Wait this long, then ask again. */
    class Sleep(val duration: Duration) : DeviceStep()
    /** The user approved. */
    class Done(val tokens: TokenSet) : DeviceStep()
}

/** A device login between its driver's steps: the sans-IO client, the poll, the client's clock. */
private class DeviceFlow(private val client: OAuthClient) {
    private val sansIo = client.client()
    private lateinit var poll: DevicePoll

    /** The device authorization request, sent first. */
    fun authorizationRequest(): HttpRequest = client.clientNow().deviceAuthorizationRequest()

    /** Reads the device authorization [answer], shows the code, and starts polling. */
    fun start(answer: HttpResponse, onCode: (DeviceCode) -> Unit) {
        val authorization = sansIo.parseDeviceAuthorizationResponse(client.now(), answer)
        onCode(DeviceCode(authorization.userCode(), authorization.verificationUri(),
            authorization.verificationUriComplete(), authorization.expiresAt()))
        poll = client.devicePoll(authorization)
    }

    /** What to do now; throws the error the poll stopped on. */
    fun next(): DeviceStep {
        val now = client.now()
        return when (val action = poll.pollAction(now)) {
            is DevicePollAction.Send -> DeviceStep.Send(action.request.id, action.request.request)
            is DevicePollAction.Wait -> DeviceStep.Sleep(action.until?.let { if (it > now) (it - now).toLong().seconds else null } ?: Duration.ZERO)
            is DevicePollAction.Done -> DeviceStep.Done(action.tokens)
            is DevicePollAction.Stop -> {
                raiseError(action.error)
                error("raiseError returned")
            }
        }
    }

    /** Sends request [id] with [send] and hands the poll the answer, or the transport's failure.
     *  What the poll makes of it (an error that ends the polling, a retryable one) comes as the
     *  next step: wait or stop. */
    inline fun outcome(id: ULong, send: () -> HttpResponse) {
        val answer = try {
            send()
        } catch (failure: AuthflowException) {
            handled { poll.handleTransportError(id, client.now(), failure.details) }
            return
        }
        handled { poll.handleResponse(id, client.now(), answer) }
    }

    private inline fun handled(block: () -> DevicePollUpdate) {
        try {
            block()
        } catch (ignored: AuthflowException) {
            // That request's outcome: the next poll says wait or stop.
        }
    }
}
