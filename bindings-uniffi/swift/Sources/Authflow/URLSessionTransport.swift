// The default transport and environment for Apple platforms, from the
// system only: URLSession (so the platform's TLS, proxies and trust store
// apply), the system clock and SecRandomCopyBytes.
import Foundation
#if canImport(Security)
import Security
#endif

/// The error a transport throws when no answer came back (kind `transport`,
/// action `retry`). `reason` must not quote the request's URL, headers or body.
public func transportFailure(_ reason: String) -> AuthflowError {
    transportCase(transportError(reason: reason))
}

/// The error a transport throws when no complete answer came back in the
/// time it allows (kind `timeout`, action `retry`): the request may have
/// reached the provider. `reason` must not quote the request's URL, headers
/// or body.
public func timeoutFailure(_ reason: String) -> AuthflowError {
    transportCase(timeoutError(reason: reason))
}

/// The `Transport` case that carries `d` (the core's words for the failure).
private func transportCase(_ d: ErrorDetails) -> AuthflowError {
    .Transport(kind: d.kind, action: d.action, reason: d.reason, retryAfter: d.retryAfter,
               status: d.status, providerCode: d.providerCode,
               providerDescription: d.providerDescription, providerUri: d.providerUri,
               requestId: d.requestId)
}

/// Refuses every redirect: a token endpoint that redirects is an answer to
/// see, not to follow.
final class NoRedirect: NSObject, URLSessionTaskDelegate {
    func urlSession(_ session: URLSession, task: URLSessionTask,
                    willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest,
                    completionHandler: @escaping (URLRequest?) -> Void) {
        completionHandler(nil)
    }
}

/// Sends requests with URLSession: no redirects followed, every status
/// returned as a response, failures thrown as `AuthflowError.Transport`
/// without the URL or headers in the reason (kind `timeout` for
/// `URLError.timedOut`). `send` blocks the calling
/// thread (never call it on the main thread); `sendAsync` suspends.
public final class URLSessionTransport: HttpTransport, @unchecked Sendable {
    private let session: URLSession
    private let timeout: TimeInterval

    /// A transport over an ephemeral session (no cookies, no cache).
    public init(timeout: TimeInterval = 30) {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        self.session = URLSession(configuration: configuration, delegate: NoRedirect(), delegateQueue: nil)
        self.timeout = timeout
    }

    private func build(_ request: HttpRequest) throws -> URLRequest {
        guard let url = URL(string: request.url) else {
            throw transportFailure("the request URL could not be read")
        }
        var outgoing = URLRequest(url: url, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: timeout)
        outgoing.httpMethod = methodName(method: request.method)
        for header in request.headers {
            outgoing.addValue(header.value, forHTTPHeaderField: header.name)
        }
        if !request.body.isEmpty {
            outgoing.httpBody = request.body
        }
        return outgoing
    }

    private static func convert(_ data: Data?, _ response: URLResponse?) throws -> HttpResponse {
        guard let http = response as? HTTPURLResponse else {
            throw transportFailure("the answer is not HTTP")
        }
        let headers = http.allHeaderFields.compactMap { key, value -> HttpHeader? in
            guard let name = key as? String else { return nil }
            return HttpHeader(name: name, value: "\(value)")
        }
        return HttpResponse(status: UInt16(clamping: http.statusCode), headers: headers, body: data ?? Data())
    }

    private static func failure(_ error: Error) -> AuthflowError {
        if let error = error as? AuthflowError { return error }
        switch (error as? URLError)?.code {
        case .timedOut?: return timeoutFailure("timed out")
        case .cannotConnectToHost?: return transportFailure("connection refused")
        case .cannotFindHost?, .dnsLookupFailed?: return transportFailure("host not found")
        case .secureConnectionFailed?, .serverCertificateUntrusted?: return transportFailure("TLS failed")
        default: return transportFailure("the connection failed or was dropped")
        }
    }

    /// Sends one request, blocking the calling thread.
    public func send(request: HttpRequest) throws -> HttpResponse {
        let outgoing = try build(request)
        let done = DispatchSemaphore(value: 0)
        var result: Result<HttpResponse, AuthflowError> = .failure(transportFailure("no answer"))
        let task = session.dataTask(with: outgoing) { data, response, error in
            if let error = error {
                result = .failure(URLSessionTransport.failure(error))
            } else {
                result = Result { try URLSessionTransport.convert(data, response) }
                    .mapError { URLSessionTransport.failure($0) }
            }
            done.signal()
        }
        task.resume()
        done.wait()
        return try result.get()
    }

    /// Sends one request, suspending until the answer arrives.
    public func sendAsync(request: HttpRequest) async throws -> HttpResponse {
        let outgoing = try build(request)
        do {
            let (data, response) = try await session.data(for: outgoing)
            return try URLSessionTransport.convert(data, response)
        } catch {
            throw URLSessionTransport.failure(error)
        }
    }
}

/// The system clock and `SecRandomCopyBytes`.
public final class SystemEnvironment: Environment, @unchecked Sendable {
    public init() {}

    /// The current Unix time in seconds.
    public func now() -> UInt64 {
        UInt64(max(0, Date().timeIntervalSince1970))
    }

    /// `len` bytes from the system's CSPRNG.
    public func randomBytes(len: UInt32) -> Data {
        var bytes = [UInt8](repeating: 0, count: Int(len))
        #if canImport(Security)
        let status = SecRandomCopyBytes(kSecRandomDefault, bytes.count, &bytes)
        precondition(status == errSecSuccess, "SecRandomCopyBytes failed")
        #else
        var generator = SystemRandomNumberGenerator()
        for i in bytes.indices { bytes[i] = generator.next() }
        #endif
        return Data(bytes)
    }
}

/// A `TokenPersister` from a closure (e.g. `{ try keychain.save($0.toJson()) }`). What it throws
/// fails no call: the session hands the set to it again at a later call, after a back-off (1 s,
/// doubling up to five minutes), and keeps nothing of the error (report it yourself, without the
/// tokens).
public final class ClosurePersister: TokenPersister, @unchecked Sendable {
    private let block: (TokenSet) throws -> Void
    public init(_ block: @escaping (TokenSet) throws -> Void) { self.block = block }
    public func persist(tokens: TokenSet) throws { try block(tokens) }
}

public extension OAuthClient {
    /// A client over `URLSessionTransport` and `SystemEnvironment` by default.
    convenience init(client: Client) {
        self.init(client: client, transport: URLSessionTransport(), environment: SystemEnvironment())
    }
}

public extension HttpResponse {
    /// The body as UTF-8 text.
    var text: String { String(decoding: body, as: UTF8.self) }
}

public extension AuthflowError {
    /// The shared fields, whichever the family.
    var details: ErrorDetails {
        switch self {
        case let .OAuth(kind, action, reason, retryAfter, status, code, description, uri, requestId),
             let .Callback(kind, action, reason, retryAfter, status, code, description, uri, requestId),
             let .Http(kind, action, reason, retryAfter, status, code, description, uri, requestId),
             let .Transport(kind, action, reason, retryAfter, status, code, description, uri, requestId),
             let .InvalidResponse(kind, action, reason, retryAfter, status, code, description, uri, requestId),
             let .Configuration(kind, action, reason, retryAfter, status, code, description, uri, requestId),
             let .AuthorizationRequired(kind, action, reason, retryAfter, status, code, description, uri, requestId),
             let .InvalidStoredValue(kind, action, reason, retryAfter, status, code, description, uri, requestId):
            return ErrorDetails(kind: kind, action: action, reason: reason, retryAfter: retryAfter,
                                status: status, providerCode: code, providerDescription: description,
                                providerUri: uri, requestId: requestId)
        }
    }

    /// What went wrong.
    var kind: ErrorKind { details.kind }
    /// What the caller should do.
    var action: Action { details.action }
}
