import Crypto
import Foundation

/// AWS Signature Version 4 for S3: canonical request, string to sign, signing key chain.
///
/// Pure and clock-free (the date is a parameter), so AWS's published examples are its unit tests.
public struct SigV4Signer: Sendable {
    public let credentials: S3Credentials
    public let region: String
    public let service: String

    /// The payload hash S3 accepts when the body is not hashed (streamed uploads over TLS or trusted links).
    public static let unsignedPayload = "UNSIGNED-PAYLOAD"
    /// SHA-256 of the empty body.
    public static let emptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    public init(credentials: S3Credentials, region: String = "us-east-1", service: String = "s3") {
        self.credentials = credentials
        self.region = region
        self.service = service
    }

    /// The headers to add to a request: `x-amz-date`, `x-amz-content-sha256`, the session token if
    /// any, and `Authorization`. `headers` are the request's other headers; all are signed, plus `host`.
    public func sign(method: String, url: URL, headers: [String: String], payloadHash: String,
                     date: Date) -> [String: String] {
        let (amzDate, day) = Self.timestamps(date)
        var signed: [String: String] = [:]
        for (name, value) in headers { signed[name.lowercased()] = value }
        signed["host"] = Self.hostHeader(url)
        signed["x-amz-date"] = amzDate
        signed["x-amz-content-sha256"] = payloadHash
        if !credentials.sessionToken.isEmpty { signed["x-amz-security-token"] = credentials.sessionToken }

        let names = signed.keys.sorted()
        let canonicalHeaders = names.map { "\($0):\(Self.trimHeaderValue(signed[$0] ?? ""))\n" }.joined()
        let signedHeaders = names.joined(separator: ";")
        let canonical = [method.uppercased(), Self.canonicalPath(url), Self.canonicalQuery(url),
                         canonicalHeaders, signedHeaders, payloadHash].joined(separator: "\n")
        let scope = "\(day)/\(region)/\(service)/aws4_request"
        let signature = self.signature(canonicalRequest: canonical, amzDate: amzDate, day: day, scope: scope)

        var result = signed
        result.removeValue(forKey: "host")
        for name in headers.keys { result.removeValue(forKey: name.lowercased()) }
        result["Authorization"] = "AWS4-HMAC-SHA256 Credential=\(credentials.accessKey)/\(scope), "
            + "SignedHeaders=\(signedHeaders), Signature=\(signature)"
        return result
    }

    /// A presigned URL: the signature travels in the query, only `host` is signed and the payload is unsigned.
    public func presign(method: String = "GET", url: URL, expires: Int, date: Date) -> URL {
        let (amzDate, day) = Self.timestamps(date)
        let scope = "\(day)/\(region)/\(service)/aws4_request"
        var query = Self.queryPairs(url)
        query.append(("X-Amz-Algorithm", "AWS4-HMAC-SHA256"))
        query.append(("X-Amz-Credential", "\(credentials.accessKey)/\(scope)"))
        query.append(("X-Amz-Date", amzDate))
        query.append(("X-Amz-Expires", String(expires)))
        if !credentials.sessionToken.isEmpty { query.append(("X-Amz-Security-Token", credentials.sessionToken)) }
        query.append(("X-Amz-SignedHeaders", "host"))
        let canonicalQuery = Self.encodeQuery(query)
        let canonical = [method.uppercased(), Self.canonicalPath(url), canonicalQuery,
                         "host:\(Self.hostHeader(url))\n", "host", Self.unsignedPayload].joined(separator: "\n")
        let signature = self.signature(canonicalRequest: canonical, amzDate: amzDate, day: day, scope: scope)
        var components = URLComponents(url: url, resolvingAgainstBaseURL: false)
        components?.percentEncodedQuery = canonicalQuery + "&X-Amz-Signature=\(signature)"
        return components?.url ?? url
    }

    /// The hex signature of a canonical request (exposed for tests against AWS's intermediate values).
    func signature(canonicalRequest: String, amzDate: String, day: String, scope: String) -> String {
        let stringToSign = ["AWS4-HMAC-SHA256", amzDate, scope,
                            Self.hex(SHA256.hash(data: Data(canonicalRequest.utf8)))].joined(separator: "\n")
        var key = SymmetricKey(data: Data("AWS4\(credentials.secretKey)".utf8))
        for part in [day, region, service, "aws4_request"] {
            key = SymmetricKey(data: Data(HMAC<SHA256>.authenticationCode(for: Data(part.utf8), using: key)))
        }
        return Self.hex(HMAC<SHA256>.authenticationCode(for: Data(stringToSign.utf8), using: key))
    }

    /// Hex SHA-256 of `data`: the value of `x-amz-content-sha256` for a signed payload.
    public static func sha256Hex(_ data: Data) -> String { hex(SHA256.hash(data: data)) }

    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        bytes.map { String(format: "%02x", $0) }.joined()
    }

    static func timestamps(_ date: Date) -> (amzDate: String, day: String) {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        let amzDate = formatter.string(from: date)
        return (amzDate, String(amzDate.prefix(8)))
    }

    static func hostHeader(_ url: URL) -> String {
        let host = url.host ?? ""
        guard let port = url.port else { return host }
        if (url.scheme == "http" && port == 80) || (url.scheme == "https" && port == 443) { return host }
        return "\(host):\(port)"
    }

    /// The path as sent, each segment URI-encoded once (S3 does not double-encode).
    static func canonicalPath(_ url: URL) -> String {
        let path = URLComponents(url: url, resolvingAgainstBaseURL: false)?.percentEncodedPath ?? ""
        if path.isEmpty { return "/" }
        // Normalise whatever encoding the URL carries to the one SigV4 wants.
        return path.split(separator: "/", omittingEmptySubsequences: false)
            .map { uriEncode($0.removingPercentEncoding ?? String($0)) }
            .joined(separator: "/")
    }

    static func queryPairs(_ url: URL) -> [(String, String)] {
        guard let query = URLComponents(url: url, resolvingAgainstBaseURL: false)?.percentEncodedQuery, !query.isEmpty else {
            return []
        }
        return query.split(separator: "&").map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(parts[0]).removingPercentEncoding ?? String(parts[0])
            let value = parts.count > 1 ? (String(parts[1]).removingPercentEncoding ?? String(parts[1])) : ""
            return (name, value)
        }
    }

    static func canonicalQuery(_ url: URL) -> String { encodeQuery(queryPairs(url)) }

    static func encodeQuery(_ pairs: [(String, String)]) -> String {
        let encoded: [(String, String)] = pairs.map { pair in (uriEncode(pair.0), uriEncode(pair.1)) }
        let sorted = encoded.sorted { (a: (String, String), b: (String, String)) -> Bool in
            if a.0 == b.0 { return a.1 < b.1 }
            return a.0 < b.0
        }
        return sorted.map { pair in pair.0 + "=" + pair.1 }.joined(separator: "&")
    }

    private static let unreserved = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~".utf8)

    /// RFC 3986 encoding as SigV4 defines it: everything but unreserved characters, upper-case hex.
    public static func uriEncode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            if unreserved.contains(byte) { out.append(Character(UnicodeScalar(byte))) } else { out += String(format: "%%%02X", byte) }
        }
        return out
    }

    static func trimHeaderValue(_ value: String) -> String {
        value.trimmingCharacters(in: .whitespaces)
            .split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
    }
}
