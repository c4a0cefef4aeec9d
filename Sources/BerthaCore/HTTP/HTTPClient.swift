import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Logging

/// The HTTP client every network client in bertha (S3, MLflow, Milvus, Prometheus) is built on.
///
/// URLSession underneath (FoundationNetworking on Linux), plus what URLSession leaves to callers:
/// retries with exponential backoff and jitter for idempotent requests on connection errors,
/// timeouts and 502/503/504; typed errors whose URLs are redacted; JSON helpers; downloads streamed
/// to a temporary file and renamed into place.
public final class HTTPClient: Sendable {
    /// Seconds a request may go without progress before it fails as a timeout.
    public let timeout: Double
    public let retry: RetryPolicy
    /// Headers added to every request (authorization, user agent); a request's own headers win.
    public let defaultHeaders: [String: String]
    private let session: URLSession
    private let logger = Logger(label: "bertha.http")

    public init(timeout: Double = 60, retry: RetryPolicy = RetryPolicy(), defaultHeaders: [String: String] = [:]) {
        self.timeout = timeout
        self.retry = retry
        var headers = defaultHeaders
        if headers["User-Agent"] == nil { headers["User-Agent"] = "bertha/\(BerthaVersion.current)" }
        self.defaultHeaders = headers
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.httpMaximumConnectionsPerHost = 16
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        session = URLSession(configuration: configuration)
    }

    deinit { session.finishTasksAndInvalidate() }

    /// Sends `request` and returns the response; statuses outside 200–299 throw `HTTPError.status`
    /// unless listed in `accept` (e.g. 404 for an existence check).
    public func send(_ request: HTTPRequest, accept: Set<Int> = []) async throws(HTTPError) -> HTTPResponse {
        try await withRetries(request) { urlRequest throws(HTTPError) in
            let (data, response) = try await self.perform(request, urlRequest)
            return HTTPResponse(status: response.statusCode, headers: Self.headers(of: response), body: data)
        } check: { response throws(HTTPError) in
            try self.check(response.status, body: response.body, request: request, accept: accept)
        }
    }

    /// Downloads the response body to `destination` through a temporary file that is renamed into
    /// place only after the whole body arrived, so `destination` is never a partial file.
    /// - Returns: the response headers and status (the body is in the file).
    @discardableResult
    public func download(_ request: HTTPRequest, to destination: URL) async throws(HTTPError) -> HTTPResponse {
        let response = try await withRetries(request) { urlRequest throws(HTTPError) -> (HTTPURLResponse, URL) in
            do {
                let (location, response) = try await self.session.cancellableDownload(
                    for: urlRequest, into: destination.deletingLastPathComponent())
                guard let http = response as? HTTPURLResponse else {
                    throw HTTPError.invalidResponse(url: Self.redacted(request.url), reason: "not an HTTP response")
                }
                return (http, location)
            } catch let error as HTTPError {
                throw error
            } catch {
                throw Self.classify(error, request: request, timeout: request.timeout ?? self.timeout)
            }
        } check: { (result: (HTTPURLResponse, URL)) throws(HTTPError) in
            let (http, location) = result
            if !(200..<300).contains(http.statusCode) {
                let excerpt = (try? Data(contentsOf: location, options: .mappedIfSafe).prefix(4096)) ?? Data()
                try? FileManager.default.removeItem(at: location)
                try self.check(http.statusCode, body: Data(excerpt), request: request, accept: [])
            }
        }
        let (http, location) = response
        do {
            try AtomicFile.withTemporaryFile(for: destination) { tmp in
                // URLSession's file lives in the system temp dir, maybe another filesystem: move it
                // next to the destination first so the final rename is atomic.
                try FileManager.default.moveItem(at: location, to: tmp)
            }
        } catch {
            try? FileManager.default.removeItem(at: location)
            throw HTTPError.invalidRequest(url: Self.redacted(request.url), reason: "cannot save download: \(error.message)")
        }
        return HTTPResponse(status: http.statusCode, headers: Self.headers(of: http), body: Data())
    }

    /// Sends `body` encoded as JSON and decodes the JSON answer as `R`.
    public func json<R: Decodable>(_ method: String, _ url: URL, body: (some Encodable)?, as type: R.Type,
                                   headers: [String: String] = [:], retryable: Bool? = nil) async throws(HTTPError) -> R {
        var request = HTTPRequest(method: method, url: url, headers: headers, retryable: retryable)
        request.headers["Accept"] = "application/json"
        if let body {
            do {
                request.body = .data(try JSONEncoder().encode(body))
            } catch {
                throw HTTPError.invalidRequest(url: Self.redacted(url), reason: "cannot encode JSON body: \(error)")
            }
            request.headers["Content-Type"] = "application/json"
        }
        let response = try await send(request)
        return try Self.decode(type, from: response.body, url: url)
    }

    /// Decodes a JSON body, naming the URL and the decoding problem when it does not fit.
    public static func decode<R: Decodable>(_ type: R.Type, from data: Data, url: URL) throws(HTTPError) -> R {
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch {
            let excerpt = String(decoding: data.prefix(200), as: UTF8.self).oneLine
            throw HTTPError.invalidResponse(url: redacted(url), reason: "cannot decode \(R.self) from \(excerpt): \(error)")
        }
    }

    /// The URL as it may appear in messages: no credentials, no presigned signatures.
    public static func redacted(_ url: URL) -> String {
        Redactor.shared.redact(url.absoluteString)
    }

    // MARK: - internals

    private func withRetries<T>(_ request: HTTPRequest, _ attempt: (URLRequest) async throws(HTTPError) -> T,
                                check: (T) throws(HTTPError) -> Void) async throws(HTTPError) -> T {
        let urlRequest = makeURLRequest(request)
        var attemptNumber = 1
        while true {
            let failure: HTTPError
            do {
                let value = try await attempt(urlRequest)
                try check(value)
                return value
            } catch {
                failure = error
            }
            guard attemptNumber < retry.maxAttempts, request.isRetryable, isTransient(failure) else { throw failure }
            let delay = retry.delay(beforeRetry: attemptNumber)
            logger.debug("retrying after transient failure",
                         metadata: ["method": "\(request.method)", "url": "\(Self.redacted(request.url))",
                                    "attempt": "\(attemptNumber)", "error": "\(failure.message)",
                                    "delay_s": "\(String(format: "%.3f", delay))"])
            try? await Task.sleep(nanoseconds: UInt64(delay * 1e9))
            attemptNumber += 1
        }
    }

    private func isTransient(_ error: HTTPError) -> Bool {
        switch error {
        case .unreachable, .timeout: true
        case .status(let code, _, _, _): retry.retryableStatuses.contains(code)
        case .invalidRequest, .invalidResponse: false
        }
    }

    private func perform(_ request: HTTPRequest, _ urlRequest: URLRequest) async throws(HTTPError) -> (Data, HTTPURLResponse) {
        do {
            let result: (Data, URLResponse)
            switch request.body {
            case .none: result = try await session.cancellableData(for: urlRequest)
            case .data(let data): result = try await session.cancellableData(for: urlRequest, body: .data(data))
            case .file(let file):
                guard FileManager.default.isReadableFile(atPath: file.path) else {
                    throw HTTPError.invalidRequest(url: Self.redacted(request.url), reason: "cannot read \(file.path)")
                }
                result = try await session.cancellableData(for: urlRequest, body: .file(file))
            }
            guard let http = result.1 as? HTTPURLResponse else {
                throw HTTPError.invalidResponse(url: Self.redacted(request.url), reason: "not an HTTP response")
            }
            return (result.0, http)
        } catch let error as HTTPError {
            throw error
        } catch {
            throw Self.classify(error, request: request, timeout: request.timeout ?? timeout)
        }
    }

    private func makeURLRequest(_ request: HTTPRequest) -> URLRequest {
        var urlRequest = URLRequest(url: request.url)
        urlRequest.httpMethod = request.method
        urlRequest.timeoutInterval = request.timeout ?? timeout
        for (name, value) in defaultHeaders where request.headers.keys.first(where: { $0.caseInsensitiveCompare(name) == .orderedSame }) == nil {
            urlRequest.setValue(value, forHTTPHeaderField: name)
        }
        for (name, value) in request.headers { urlRequest.setValue(value, forHTTPHeaderField: name) }
        if case .file(let file) = request.body, request.headers["Content-Length"] == nil,
           let size = (try? FileManager.default.attributesOfItem(atPath: file.path))?[.size] as? Int {
            // Without a length URLSession would send the file chunked, which S3 rejects.
            urlRequest.setValue(String(size), forHTTPHeaderField: "Content-Length")
        }
        return urlRequest
    }

    private func check(_ status: Int, body: Data, request: HTTPRequest, accept: Set<Int>) throws(HTTPError) {
        guard !(200..<300).contains(status), !accept.contains(status) else { return }
        throw HTTPError.status(code: status, method: request.method, url: Self.redacted(request.url),
                               excerpt: Self.excerpt(body))
    }

    /// The first 300 characters of a body, on one line, redacted.
    public static func excerpt(_ body: Data) -> String {
        var text = String(decoding: body.prefix(600), as: UTF8.self).oneLine
        if text.count > 300 { text = String(text.prefix(300)) + "…" }
        return Redactor.shared.redact(text)
    }

    private static func classify(_ error: any Error, request: HTTPRequest, timeout: Double) -> HTTPError {
        let url = redacted(request.url)
        if let urlError = error as? URLError {
            switch urlError.code {
            case .timedOut: return .timeout(url: url, seconds: timeout)
            case .cannotConnectToHost, .cannotFindHost, .dnsLookupFailed, .networkConnectionLost,
                 .notConnectedToInternet, .badServerResponse, .secureConnectionFailed, .zeroByteResource:
                return .unreachable(url: url, reason: describe(urlError))
            case .unsupportedURL, .badURL: return .invalidRequest(url: url, reason: describe(urlError))
            default: return .unreachable(url: url, reason: describe(urlError))
            }
        }
        return .unreachable(url: url, reason: String(describing: error))
    }

    private static func describe(_ error: URLError) -> String {
        switch error.code {
        case .cannotConnectToHost: "connection refused"
        case .networkConnectionLost: "connection closed by the server"
        case .cannotFindHost, .dnsLookupFailed: "unknown host"
        case .badServerResponse: "malformed response"
        default: error.localizedDescription
        }
    }

    private static func headers(of response: HTTPURLResponse) -> [String: String] {
        var result: [String: String] = [:]
        for (key, value) in response.allHeaderFields {
            if let key = key as? String, let value = value as? String { result[key.lowercased()] = value }
        }
        return result
    }
}
