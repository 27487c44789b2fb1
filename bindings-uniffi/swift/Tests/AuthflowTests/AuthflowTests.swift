import XCTest
@testable import Authflow

/// Runs on a Mac after `cargo build -p authflow-uniffi --release`:
/// the sans-IO level, error mapping and redaction.
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
}
