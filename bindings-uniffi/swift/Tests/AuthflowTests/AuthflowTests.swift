import XCTest
@testable import Authflow

/// Runs on a Mac after `bash scripts/build-xcframework.sh` (`swift test` here):
/// the sans-IO level, error mapping and redaction, the device login.
final class AuthflowTests: XCTestCase {
    func testAuthorizationUrlAndPendingRoundTrip() throws {
        let client = try Client(profile: Profile.makiniLink(), clientId: "client-1",
                                clientSecret: "very-secret-value", redirectUri: "https://app.example/cb")
        let start = try client.authorizationRequest(now: 1_700_000_000, entropy: Data(0..<48))
        XCTAssertTrue(start.url.hasPrefix("https://link.makini.io/oauth/authorize?"))
        let stored = start.pending.toStorageString()
        let resumed = try PendingAuthorization.fromStorageString(value: stored)
        XCTAssertEqual(resumed.state(), start.pending.state())
        XCTAssertThrowsError(try resumed.validate(redirect: "https://app.example/cb?code=abcdef&state=nope", now: 1_700_000_001)) { error in
            XCTAssertEqual((error as? AuthflowError)?.kind, .stateMismatch)
        }
        let request = try client.refreshRequest(refreshToken: "rt-secret-123")
        XCTAssertFalse("\(request)".contains("very-secret-value"))
        XCTAssertFalse(String(reflecting: resumed).contains(resumed.codeVerifier() ?? "-"))
    }

    // The device login over a scripted transport and a virtual clock (as
    // bindings-uniffi/kotlin/test/AuthflowTest.kt and python/tests/test_device.py).

    private static let deviceCode = "GmRhmhcxhwAzkoEqiMEg_DnyEysNkuNhszIySk9eS"
    private static let start: UInt64 = 1_700_000_000

    private func deviceClient(_ script: [(UInt16, String)?]) throws -> (OAuthClient, Scripted, VirtualClock) {
        let clock = VirtualClock(AuthflowTests.start)
        let authorization = #"{"device_code":"\#(AuthflowTests.deviceCode)","user_code":"WDJB-MJHT","verification_uri":"https://as.example/device","expires_in":600,"interval":5}"#
        let transport = Scripted(clock, [(200, authorization)] + script)
        let profile = try Profile.generic(tokenEndpoint: "https://as.example/token")
            .withEndpoint(role: .deviceAuthorization, url: "https://as.example/device_authorization")
            .withClientAuth(method: .publicClient)
        let client = OAuthClient(client: try Client(profile: profile, clientId: "tv-app"), transport: transport,
                                 environment: clock)
        return (client, transport, clock)
    }

    func testDeviceLoginPollsAsTheCoreSaysAndReturnsTheTokens() throws {
        let (client, transport, clock) = try deviceClient([
            (400, #"{"error":"slow_down"}"#),
            nil,
            (200, #"{"access_token":"at-device-1","token_type":"Bearer","expires_in":3600}"#),
        ])
        var shown: [DeviceCode] = []
        var slept: [TimeInterval] = []
        let tokens = try client.deviceLogin(onCode: { shown.append($0) }, sleep: {
            slept.append($0)
            clock.t += UInt64($0)
        })
        XCTAssertEqual(tokens.accessToken(), "at-device-1")
        XCTAssertEqual(shown.map(\.userCode), ["WDJB-MJHT"])
        XCTAssertFalse("\(shown[0]) \(String(reflecting: shown[0]))".contains("WDJB"))
        // The interval (5), after slow_down 10, after the failure doubled (20).
        XCTAssertEqual(slept, [5, 10, 20])
        XCTAssertEqual(transport.sentAt.map { $0 - AuthflowTests.start }, [0, 5, 15, 35])
    }

    func testADeclinedDeviceLoginThrowsUserDeniedWithoutTheDeviceCode() async throws {
        let (client, transport, clock) = try deviceClient([(400, #"{"error":"access_denied"}"#)])
        do {
            _ = try await client.deviceLoginAsync(onCode: { _ in }, sleep: { clock.t += UInt64($0) })
            XCTFail("a declined login returned tokens")
        } catch let error as AuthflowError {
            XCTAssertEqual(error.kind, .accessDenied)
            XCTAssertEqual(error.action, .userDenied)
            XCTAssertFalse("\(error) \(String(reflecting: error))".contains(AuthflowTests.deviceCode))
        }
        XCTAssertEqual(transport.sentAt.count, 2)
    }
}

/// Time that passes only when a test moves it.
final class VirtualClock: Environment, @unchecked Sendable {
    var t: UInt64
    init(_ t: UInt64) { self.t = t }
    func now() -> UInt64 { t }
    func randomBytes(len: UInt32) -> Data { Data(count: Int(len)) }
}

/// Answers from a script, in order: (status, JSON body), or nil for no
/// answer. Keeps the clock's time when each request was sent.
final class Scripted: HttpTransport, @unchecked Sendable {
    private let clock: VirtualClock
    private var script: [(UInt16, String)?]
    private(set) var sentAt: [UInt64] = []

    init(_ clock: VirtualClock, _ script: [(UInt16, String)?]) {
        self.clock = clock
        self.script = script
    }

    func send(request: HttpRequest) throws -> HttpResponse {
        sentAt.append(clock.t)
        guard !script.isEmpty, let answer = script.removeFirst() else {
            throw transportFailure("reset")
        }
        return HttpResponse(status: answer.0, headers: [HttpHeader(name: "Content-Type", value: "application/json")],
                            body: Data(answer.1.utf8))
    }

    func sendAsync(request: HttpRequest) async throws -> HttpResponse {
        try send(request: request)
    }
}
