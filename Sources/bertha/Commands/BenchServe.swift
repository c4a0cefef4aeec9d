import ArgumentParser
import BerthaCore
import BerthaServer
import Foundation

/// `bertha bench serve`: load-tests a running server (bertha's own or any OpenAI-compatible one).
struct BenchServe: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Load-test an OpenAI-compatible server: throughput, TTFT and inter-token latency per concurrency level.",
        discussion: """
            At each level, that many clients stream chat completions back to back until --requests are done \
            (after --warmup requests per client that are not counted). The server-overhead column is TTFT minus \
            the engine's own prompt time (read from the stream's `timings`; the first token comes from the prompt pass). \
            http:// servers are driven with SwiftNIO, which costs the client next to no CPU; https:// with URLSession.
            """)

    @OptionGroup var global: GlobalOptions

    @Option(help: "Base URL of the server.")
    var url: String = "http://127.0.0.1:8080"

    @Option(help: "Comma-separated concurrency levels.")
    var concurrency: String = "1,4,8"

    @Option(help: "Requests per concurrency level.")
    var requests: Int = 32

    @Option(name: .customLong("max-tokens"), help: "max_tokens of each request.")
    var maxTokens: Int = 64

    @Option(help: "The user message every request sends.")
    var prompt: String = "Write a short story about a lighthouse keeper."

    @Option(help: "Unmeasured requests per client before each level.")
    var warmup: Int = 1

    @Option(name: .customLong("api-key"), help: "Bearer key (default: server.api_key).")
    var apiKey: String?

    @Option(help: "Write the JSON report to this file as well.")
    var output: String?

    func levels() throws -> [Int] {
        let values = concurrency.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !values.isEmpty, values.allSatisfy({ ($0 ?? 0) > 0 }) else {
            throw ValidationError("--concurrency takes positive integers separated by commas, got '\(concurrency)'")
        }
        return values.map { $0! }
    }

    func validate() throws {
        _ = try levels()
        guard requests > 0, maxTokens > 0, warmup >= 0 else { throw ValidationError("--requests and --max-tokens must be positive") }
        guard let parsed = URL(string: url), parsed.scheme == "http" || parsed.scheme == "https" else {
            throw ValidationError("--url must be an http(s) URL, got '\(url)'")
        }
    }

    func run() async throws {
        let config = try global.loadConfig().config
        let key = apiKey ?? (config.server.apiKey.isEmpty ? nil : config.server.apiKey)
        let benchmark = ServeBenchmark(.init(url: URL(string: url)!, apiKey: key, concurrency: try levels(), requests: requests,
                                             maxTokens: maxTokens, prompt: prompt, warmup: warmup))
        let progress = ProgressReporter("bench serve", total: Double(try levels().count), unit: "levels", style: global.style, logInterval: 0)
        let levels = try await benchmark.run { level in
            progress.advance(detail: String(format: "concurrency %d: %.1f tok/s", level.concurrency, level.tokensPerSecond))
        }
        progress.finish()
        if let output {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try AtomicFile.write(encoder.encode(levels), to: URL(fileURLWithPath: output))
        }
        if global.json {
            try printJSON(levels)
        } else {
            print(ServeBenchmark.table(levels))
        }
    }
}
