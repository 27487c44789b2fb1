// The device login (RFC 8628) over an OAuthClient, async and blocking. The
// core's DevicePoll decides every request and every wait (the interval,
// slow_down, back-off after a failure, the code's expiry, the user's
// refusal); this file only carries them out, over the transport and clock
// the client was built with (OAuthClient.send / sendAsync / now), as the
// Kotlin and Python device logins do.
import Foundation

/// What to show the user during a device login (RFC 8628 §3.3): go to
/// `verificationUri` and enter `userCode` (or open
/// `verificationUriComplete`, which holds the code, e.g. as a QR code)
/// before `expiresAt` (Unix seconds). Show the user code to the user only:
/// `description`, `debugDescription` and `dump` do not show it.
public struct DeviceCode: Equatable, Hashable, Sendable, CustomStringConvertible,
    CustomDebugStringConvertible, CustomReflectable {
    /// The code the user enters.
    public let userCode: String
    /// Where the user enters it.
    public let verificationUri: String
    /// The verification URI with the code in it, if the provider sent one.
    public let verificationUriComplete: String?
    /// When the code expires (Unix seconds).
    public let expiresAt: UInt64

    public init(userCode: String, verificationUri: String, verificationUriComplete: String?, expiresAt: UInt64) {
        self.userCode = userCode
        self.verificationUri = verificationUri
        self.verificationUriComplete = verificationUriComplete
        self.expiresAt = expiresAt
    }

    public var description: String {
        "DeviceCode(userCode: [redacted], verificationUri: \(verificationUri), expiresAt: \(expiresAt))"
    }

    public var debugDescription: String { description }

    /// What `dump` and a debugger show: neither the user code nor the URI that holds it.
    public var customMirror: Mirror {
        Mirror(self, children: ["verificationUri": verificationUri, "expiresAt": expiresAt])
    }
}

public extension OAuthClient {
    /// Logs a user in on a device without a browser (RFC 8628): asks the
    /// provider's device authorization endpoint for a code, hands it to
    /// `onCode` (show it to the user), then polls the token endpoint as the
    /// core's `DevicePoll` says, suspending with `sleep` (`Task.sleep`)
    /// between requests, until the user approves. Throws
    /// `AuthflowError.OAuth` `.accessDenied` (action `.userDenied`) if they
    /// decline and `.expiredToken` (action `.authorizeAgain`) if the code
    /// expires first; transport failures and 5xx/429 answers are retried
    /// with back-off until then. Cancelling the task stops the login.
    func deviceLoginAsync(
        onCode: (DeviceCode) -> Void,
        sleep: (TimeInterval) async throws -> Void = { try await Task.sleep(nanoseconds: UInt64($0 * 1_000_000_000)) }
    ) async throws -> TokenSet {
        let flow = DeviceFlow(client: self)
        let authorization = try await sendAsync(request: flow.authorizationRequest())
        try flow.start(authorization, onCode: onCode)
        while true {
            switch try flow.next() {
            case let .send(id, request):
                let answer: HttpResponse
                do {
                    answer = try await sendAsync(request: request)
                } catch let failure as AuthflowError {
                    flow.failed(id, failure)
                    continue
                }
                flow.answered(id, answer)
            case let .sleep(seconds):
                try await sleep(seconds)
            case let .done(tokens):
                return try await checkDeviceLoginAsync(tokens: tokens)
            }
        }
    }

    /// `deviceLoginAsync`, blocking the calling thread (never the main
    /// thread): the requests over the transport's `send`, the waits with
    /// `sleep` (`Thread.sleep`).
    func deviceLogin(
        onCode: (DeviceCode) -> Void,
        sleep: (TimeInterval) -> Void = { Thread.sleep(forTimeInterval: $0) }
    ) throws -> TokenSet {
        let flow = DeviceFlow(client: self)
        let authorization = try send(request: flow.authorizationRequest())
        try flow.start(authorization, onCode: onCode)
        while true {
            switch try flow.next() {
            case let .send(id, request):
                let answer: HttpResponse
                do {
                    answer = try send(request: request)
                } catch let failure as AuthflowError {
                    flow.failed(id, failure)
                    continue
                }
                flow.answered(id, answer)
            case let .sleep(seconds):
                sleep(seconds)
            case let .done(tokens):
                return try checkDeviceLogin(tokens: tokens)
            }
        }
    }
}

/// What a device login's driver does next, as its poll says.
enum DeviceStep {
    /// Send `request`, then hand its outcome back by `id`.
    case send(id: UInt64, request: HttpRequest)
    /// Wait this many seconds, then ask again.
    case sleep(TimeInterval)
    /// The user approved.
    case done(TokenSet)
}

/// A device login between its driver's steps: the sans-IO client, the
/// poll, the client's clock.
final class DeviceFlow {
    private let client: OAuthClient
    private let sansIo: Client
    private var poll: DevicePoll?

    init(client: OAuthClient) {
        self.client = client
        self.sansIo = client.client()
    }

    /// The device authorization request, sent first.
    func authorizationRequest() throws -> HttpRequest {
        try client.clientNow().deviceAuthorizationRequest()
    }

    /// Reads the device authorization `answer`, shows the code, and starts polling.
    func start(_ answer: HttpResponse, onCode: (DeviceCode) -> Void) throws {
        let authorization = try sansIo.parseDeviceAuthorizationResponse(now: client.now(), response: answer)
        onCode(DeviceCode(userCode: authorization.userCode(), verificationUri: authorization.verificationUri(),
                          verificationUriComplete: authorization.verificationUriComplete(),
                          expiresAt: authorization.expiresAt()))
        poll = try client.devicePoll(authorization: authorization)
    }

    /// What to do now; throws the error the poll stopped on.
    func next() throws -> DeviceStep {
        guard let poll = poll else { preconditionFailure("the device login has not started") }
        let now = client.now()
        switch poll.pollAction(now: now) {
        case let .send(request: out):
            return .send(id: out.id, request: out.request)
        case let .wait(until: until):
            return .sleep(until.map { $0 > now ? TimeInterval($0 - now) : 0 } ?? 0)
        case let .done(tokens: tokens):
            return .done(tokens)
        case let .stop(error: error):
            try raiseError(details: error)
            preconditionFailure("raiseError returned")
        }
    }

    /// Hands the poll the answer to request `id`. What it makes of it (an
    /// error that ends the polling, a retryable one) comes as the next
    /// step: wait or stop.
    func answered(_ id: UInt64, _ answer: HttpResponse) {
        _ = try? poll?.handleResponse(id: id, now: client.now(), response: answer)
    }

    /// Hands the poll the transport's failure to get an answer to request `id`.
    func failed(_ id: UInt64, _ failure: AuthflowError) {
        _ = try? poll?.handleTransportError(id: id, now: client.now(), failure: failure.details)
    }
}
