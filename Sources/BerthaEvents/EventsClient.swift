import BerthaCore
import Foundation

/// Talks to a running `bertha events` (the CLI's `events retry` goes through it, because the
/// running receiver owns the state directory while it runs).
public struct EventsClient: Sendable {
    public let baseURL: URL
    private let http: HTTPClient

    public init(host: String, port: Int) {
        // A wildcard listen address is reached on loopback.
        let target = host == "0.0.0.0" || host == "::" ? "127.0.0.1" : host
        baseURL = URL(string: "http://\(target):\(port)")!
        http = HTTPClient(timeout: 10, retry: RetryPolicy(maxAttempts: 1))
    }

    /// Asks the receiver to retry a run.
    /// - Returns: the new run, or nil when no receiver answers.
    /// - Throws: `EventsError` with the receiver's message when it refuses.
    public func retry(_ id: String) async throws(EventsError) -> Run? {
        let url = baseURL.appendingPathComponent("runs").appendingPathComponent(id).appendingPathComponent("retry")
        let response: HTTPResponse
        do {
            response = try await http.send(HTTPRequest(method: "POST", url: url), accept: [400, 404, 409, 500])
        } catch {
            if case .unreachable = error { return nil }
            throw .unreachable(url: url.absoluteString, reason: error.message)
        }
        guard response.status == 202 else {
            let message = (try? JSONDecoder().decode([String: String].self, from: response.body))?["error"]
            if response.status == 404 { throw .unknownRun(id: id) }
            if response.status == 409 { throw .notRetryable(id: id, state: "not failed") }
            throw .state(path: url.absoluteString, reason: message ?? "HTTP \(response.status)")
        }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        do { return try decoder.decode(Run.self, from: response.body) } catch {
            throw .state(path: url.absoluteString, reason: "unexpected answer: \(error)")
        }
    }
}
