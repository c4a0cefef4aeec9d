/// A request bertha sent over HTTP failed. URLs pass through `Redactor` before they are stored, so
/// neither credentials nor presigned signatures reach a message.
public enum HTTPError: BerthaError, Equatable {
    /// No connection could be made (refused, reset, DNS) after all retries.
    case unreachable(url: String, reason: String)
    /// The peer did not answer within the timeout, after all retries.
    case timeout(url: String, seconds: Double)
    /// The peer answered with a non-success status; `excerpt` is the start of the body.
    case status(code: Int, method: String, url: String, excerpt: String)
    /// The request could not be built or its body read (bad URL, unreadable upload file).
    case invalidRequest(url: String, reason: String)
    /// The response body was not what the caller expected (e.g. not JSON).
    case invalidResponse(url: String, reason: String)

    public var message: String {
        switch self {
        case .unreachable(_, let reason): "cannot reach the server: \(reason)"
        case .timeout(_, let seconds): "no answer within \(Self.format(seconds)) s"
        case .status(let code, let method, _, let excerpt):
            excerpt.isEmpty ? "\(method) failed with HTTP \(code)" : "\(method) failed with HTTP \(code): \(excerpt)"
        case .invalidRequest(_, let reason): "invalid request: \(reason)"
        case .invalidResponse(_, let reason): "unexpected response: \(reason)"
        }
    }

    public var location: String? {
        switch self {
        case .unreachable(let url, _), .timeout(let url, _), .status(_, _, let url, _),
             .invalidRequest(let url, _), .invalidResponse(let url, _): url
        }
    }

    public var exitCode: BerthaExitCode {
        switch self {
        case .unreachable, .timeout: .unreachable
        default: .failure
        }
    }

    /// The HTTP status, when the peer answered.
    public var statusCode: Int? {
        if case .status(let code, _, _, _) = self { return code }
        return nil
    }

    private static func format(_ seconds: Double) -> String {
        seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds)
    }
}
