import Foundation
import NIOPosix
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Synchronization

/// `bertha bench serve`: a load generator for an OpenAI-compatible server. At each concurrency
/// level, that many clients stream chat completions back to back until `requests` are done;
/// the report has throughput, time to first token and inter-token latency percentiles.
public struct ServeBenchmark: Sendable {
    public struct Options: Sendable {
        /// The server's base URL (`http://127.0.0.1:8080`).
        public var url: URL
        public var apiKey: String?
        public var concurrency: [Int]
        /// Requests per concurrency level.
        public var requests: Int
        public var maxTokens: Int
        public var prompt: String
        /// Requests per level run first and not measured (connections, caches).
        public var warmup: Int

        public init(url: URL, apiKey: String? = nil, concurrency: [Int], requests: Int, maxTokens: Int = 64,
                    prompt: String = "Write a short story about a lighthouse keeper.", warmup: Int = 1) {
            self.url = url
            self.apiKey = apiKey
            self.concurrency = concurrency
            self.requests = requests
            self.maxTokens = maxTokens
            self.prompt = prompt
            self.warmup = warmup
        }
    }

    /// p50/p90/p99 and mean of a sample, in milliseconds.
    public struct Percentiles: Codable, Sendable, Equatable {
        public var p50: Double
        public var p90: Double
        public var p99: Double
        public var mean: Double

        /// Nearest-rank percentiles of `seconds`, reported in ms; zeros for an empty sample.
        public init(seconds: [Double]) {
            let sorted = seconds.sorted()
            func rank(_ p: Double) -> Double {
                guard !sorted.isEmpty else { return 0 }
                let index = min(sorted.count - 1, max(0, Int((p * Double(sorted.count)).rounded(.up)) - 1))
                return sorted[index] * 1000
            }
            p50 = rank(0.5)
            p90 = rank(0.9)
            p99 = rank(0.99)
            mean = sorted.isEmpty ? 0 : sorted.reduce(0, +) / Double(sorted.count) * 1000
        }
    }

    /// One concurrency level's results.
    public struct Level: Codable, Sendable {
        public var concurrency: Int
        public var requests: Int
        public var failures: Int
        public var seconds: Double
        public var completionTokens: Int
        /// Completion tokens per second of wall time, all streams together.
        public var tokensPerSecond: Double
        public var requestsPerSecond: Double
        public var ttftMS: Percentiles
        public var interTokenMS: Percentiles
        public var durationMS: Percentiles
        /// TTFT minus the engine's own prompt time (from the stream's `timings`; the first token
        /// comes from the prompt pass): what the HTTP layer, queueing and scheduling add.
        public var serverOverheadMS: Percentiles

        enum CodingKeys: String, CodingKey {
            case concurrency, requests, failures, seconds
            case completionTokens = "completion_tokens", tokensPerSecond = "tokens_per_second"
            case requestsPerSecond = "requests_per_second", ttftMS = "ttft_ms", interTokenMS = "inter_token_ms"
            case durationMS = "duration_ms", serverOverheadMS = "server_overhead_ms"
        }
    }

    public let options: Options

    public init(_ options: Options) {
        self.options = options
    }

    /// Runs every level in order.
    /// - Parameter progress: called after each level.
    public func run(progress: @Sendable (Level) -> Void = { _ in }) async throws -> [Level] {
        var levels: [Level] = []
        for concurrency in options.concurrency {
            if options.warmup > 0 {
                _ = try await measure(concurrency: concurrency, requests: min(options.warmup * concurrency, options.requests))
            }
            let level = try await measure(concurrency: concurrency, requests: options.requests)
            progress(level)
            levels.append(level)
        }
        return levels
    }

    func request() throws -> URLRequest {
        var request = URLRequest(url: options.url.appendingPathComponent("v1/chat/completions"))
        request.httpMethod = "POST"
        request.timeoutInterval = 600
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        if let key = options.apiKey { request.setValue("Bearer \(key)", forHTTPHeaderField: "Authorization") }
        let body: [String: Any] = [
            "messages": [["role": "user", "content": options.prompt]], "max_tokens": options.maxTokens,
            "stream": true, "stream_options": ["include_usage": true], "temperature": 0,
        ]
        request.httpBody = try JSONSerialization.data(withJSONObject: body)
        return request
    }

    /// One streamed completion: over SwiftNIO for http:// (a client that costs next to no CPU),
    /// over URLSession for https://.
    func stream(_ request: URLRequest) async throws -> StreamedCompletion {
        guard let url = request.url, url.scheme == "http", let host = url.host else {
            return try await StreamingCompletionTask.run(request)
        }
        let headers = (request.allHTTPHeaderFields ?? [:]).sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        let path = url.path.isEmpty ? "/" : url.path
        return try await NIOStreamingCompletion.run(group: MultiThreadedEventLoopGroup.singleton, host: host,
                                                    port: url.port ?? 80, path: path, headers: headers,
                                                    body: request.httpBody ?? Data())
    }

    /// `concurrency` clients issue `requests` streamed completions between them.
    func measure(concurrency: Int, requests: Int) async throws -> Level {
        let next = TicketCounter()
        let request = try request()
        let started = ContinuousClock.now
        let results = try await withThrowingTaskGroup(of: [Result<StreamedCompletion, any Error>].self) { group in
            for _ in 0..<concurrency {
                group.addTask {
                    var mine: [Result<StreamedCompletion, any Error>] = []
                    while next.take() < requests {
                        do {
                            mine.append(.success(try await stream(request)))
                        } catch {
                            mine.append(.failure(error))
                        }
                    }
                    return mine
                }
            }
            var all: [Result<StreamedCompletion, any Error>] = []
            for try await batch in group { all += batch }
            return all
        }
        let (seconds, attoseconds) = (ContinuousClock.now - started).components
        let wall = Double(seconds) + Double(attoseconds) / 1e18
        let done = results.compactMap { try? $0.get() }.filter { $0.status == 200 && $0.timeToFirstToken != nil }
        let tokens = done.reduce(0) { $0 + $1.completionTokens }
        let overhead = done.compactMap { run -> Double? in
            // The first token is sampled from the prompt pass's logits, so everything beyond the
            // engine's prompt time is HTTP, admission and scheduling.
            guard let ttft = run.timeToFirstToken, let prompt = run.promptMS else { return nil }
            return ttft - prompt / 1000
        }
        return Level(concurrency: concurrency, requests: results.count, failures: results.count - done.count, seconds: wall,
                     completionTokens: tokens, tokensPerSecond: Double(tokens) / wall,
                     requestsPerSecond: Double(done.count) / wall,
                     ttftMS: Percentiles(seconds: done.compactMap(\.timeToFirstToken)),
                     interTokenMS: Percentiles(seconds: done.flatMap(\.interTokenGaps)),
                     durationMS: Percentiles(seconds: done.map(\.duration)),
                     serverOverheadMS: Percentiles(seconds: overhead))
    }

    /// The levels as a fixed-width table.
    public static func table(_ levels: [Level]) -> String {
        var lines = [" conc   reqs  fail     tok/s    req/s | TTFT ms p50    p90    p99 | ITL p50   p90   p99 | overhead p50    p90"]
        for level in levels {
            lines.append(String(format: "%5d %6d %5d %9.1f %8.2f | %11.1f %6.1f %6.1f | %7.1f %5.1f %5.1f | %12.2f %6.2f",
                                level.concurrency, level.requests, level.failures, level.tokensPerSecond, level.requestsPerSecond,
                                level.ttftMS.p50, level.ttftMS.p90, level.ttftMS.p99,
                                level.interTokenMS.p50, level.interTokenMS.p90, level.interTokenMS.p99,
                                level.serverOverheadMS.p50, level.serverOverheadMS.p90))
        }
        return lines.joined(separator: "\n")
    }
}

/// Hands out 0, 1, 2, … to the benchmark's clients, so together they issue exactly `requests`.
final class TicketCounter: Sendable {
    private let next = Atomic<Int>(0)
    func take() -> Int { next.add(1, ordering: .relaxed).oldValue }
}
