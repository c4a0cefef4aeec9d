import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Synchronization

/// What one streamed chat completion looked like from the client's side.
public struct StreamedCompletion: Sendable {
    /// Seconds from sending the request to the first content delta.
    public var timeToFirstToken: Double?
    /// Seconds between consecutive content deltas.
    public var interTokenGaps: [Double]
    /// Seconds from sending the request to the end of the stream.
    public var duration: Double
    /// `usage.completion_tokens` of the final chunk (or the number of deltas when absent).
    public var completionTokens: Int
    /// The engine's own `timings.prompt_ms` and per-token decode time, to separate server overhead.
    public var promptMS: Double?
    public var predictedPerTokenMS: Double?
    /// HTTP status; 200 for a stream that ran.
    public var status: Int
}

/// Streams one `POST /v1/chat/completions` with a `URLSessionDataDelegate` (swift-corelibs
/// Foundation has no `bytes(for:)`), timestamping each SSE event as it arrives.
final class StreamingCompletionTask: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    private struct State {
        var buffer = Data()
        var firstToken: Double?
        var lastToken: Double?
        var gaps: [Double] = []
        var deltas = 0
        var usageTokens: Int?
        var promptMS: Double?
        var perTokenMS: Double?
        var status = 0
        var body = Data()
        var continuation: CheckedContinuation<StreamedCompletion, any Error>?
    }

    private let state = Mutex(State())
    private let started = ContinuousClock.now

    static func run(_ request: URLRequest) async throws -> StreamedCompletion {
        let task = StreamingCompletionTask()
        let session = URLSession(configuration: .ephemeral, delegate: task, delegateQueue: nil)
        defer { session.finishTasksAndInvalidate() }
        return try await withCheckedThrowingContinuation { continuation in
            task.state.withLock { $0.continuation = continuation }
            session.dataTask(with: request).resume()
        }
    }

    private var elapsed: Double {
        let (seconds, attoseconds) = (ContinuousClock.now - started).components
        return Double(seconds) + Double(attoseconds) / 1e18
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
        state.withLock { $0.status = (response as? HTTPURLResponse)?.statusCode ?? 0 }
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        let now = elapsed
        state.withLock { state in
            guard state.status == 200 else {
                state.body.append(data)
                return
            }
            state.buffer.append(data)
            let separator = Data("\n\n".utf8)
            while let range = state.buffer.range(of: separator) {
                let event = state.buffer.subdata(in: state.buffer.startIndex..<range.lowerBound)
                state.buffer.removeSubrange(state.buffer.startIndex..<range.upperBound)
                guard event.starts(with: Data("data: {".utf8)),
                      let chunk = try? JSONSerialization.jsonObject(with: event.dropFirst(6)) as? [String: Any] else { continue }
                let delta = ((chunk["choices"] as? [[String: Any]])?.first?["delta"] as? [String: Any])?["content"] as? String
                if let delta, !delta.isEmpty {
                    if let last = state.lastToken { state.gaps.append(now - last) } else { state.firstToken = now }
                    state.lastToken = now
                    state.deltas += 1
                }
                if let usage = chunk["usage"] as? [String: Any] {
                    state.usageTokens = usage["completion_tokens"] as? Int
                }
                if let timings = chunk["timings"] as? [String: Any] {
                    state.promptMS = timings["prompt_ms"] as? Double
                    state.perTokenMS = timings["predicted_per_token_ms"] as? Double
                }
            }
        }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        let now = elapsed
        let (continuation, result) = state.withLock { state -> (CheckedContinuation<StreamedCompletion, any Error>?, Result<StreamedCompletion, any Error>) in
            defer { state.continuation = nil }
            if let error { return (state.continuation, .failure(error)) }
            return (state.continuation, .success(StreamedCompletion(
                timeToFirstToken: state.firstToken, interTokenGaps: state.gaps, duration: now,
                completionTokens: state.usageTokens ?? state.deltas, promptMS: state.promptMS,
                predictedPerTokenMS: state.perTokenMS, status: state.status)))
        }
        continuation?.resume(with: result)
    }
}
