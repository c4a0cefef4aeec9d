import Foundation

/// One HTTP request as bertha's clients describe it; `HTTPClient` turns it into a `URLRequest`.
public struct HTTPRequest: Sendable {
    /// Where the request body comes from.
    public enum Body: Sendable {
        case none
        case data(Data)
        /// Streamed from disk by URLSession, never loaded whole.
        case file(URL)
    }

    public var method: String
    public var url: URL
    public var headers: [String: String]
    public var body: Body
    /// Overrides the client's timeout for this request (seconds without progress).
    public var timeout: Double?
    /// Marks a non-idempotent request (POST) safe to repeat, e.g. because the server deduplicates it.
    public var retryable: Bool?

    public init(method: String = "GET", url: URL, headers: [String: String] = [:], body: Body = .none,
                timeout: Double? = nil, retryable: Bool? = nil) {
        self.method = method.uppercased()
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
        self.retryable = retryable
    }

    /// True when repeating the request cannot change the outcome (RFC 9110 §9.2.2), or the caller said so.
    public var isRetryable: Bool {
        retryable ?? ["GET", "HEAD", "PUT", "DELETE", "OPTIONS"].contains(method)
    }
}

/// A complete response: status, headers (lower-cased names) and body.
public struct HTTPResponse: Sendable {
    public let status: Int
    public let headers: [String: String]
    public let body: Data

    public init(status: Int, headers: [String: String], body: Data) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A header by case-insensitive name.
    public func header(_ name: String) -> String? { headers[name.lowercased()] }

    /// The body as UTF-8 text.
    public var text: String { String(decoding: body, as: UTF8.self) }
}
