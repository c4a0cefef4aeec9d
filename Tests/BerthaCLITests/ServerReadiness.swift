import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Polls `GET /health` of a `bertha serve` until it answers 200 (the listener starts before the
/// model loads, answering 503 "Loading model" meanwhile). Returns the 503 bodies it saw.
func waitUntilHealthy(_ base: URL, timeout: Double = 60) async throws -> [String] {
    var loading: [String] = []
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if let (data, response) = try? await URLSession.shared.data(from: base.appendingPathComponent("health")),
           let status = (response as? HTTPURLResponse)?.statusCode {
            if status == 200 { return loading }
            loading.append(String(decoding: data, as: UTF8.self))
        }
        try await Task.sleep(for: .milliseconds(20))
    }
    throw CancellationError()
}
