import BerthaTestSupport
import Foundation
import Testing

@Suite("bertha bench serve against bertha serve with SmolLM2")
struct BenchServeCommandTests {
    @Test("reports every concurrency level as JSON with throughput, TTFT and inter-token percentiles")
    func benchServe() async throws {
        let model = try TestEnvironment.model("SmolLM2-135M-Instruct.Q4_1.gguf")
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let server = try BackgroundProcess(TestEnvironment.berthaExecutable(),
            ["serve", "--model", model.path, "--port", "0", "--ctx", "256", "--threads", "2", "--parallel", "2",
             "--set", "server.feedback_log=\(dir.path("feedback.jsonl").path)"])
        let port = try await server.waitFor(#"listening on http://127\.0\.0\.1:(\d+)"#)
        _ = try await waitUntilHealthy(URL(string: "http://127.0.0.1:\(port)")!)
        let result = try runProcess(TestEnvironment.berthaExecutable(),
            ["bench", "serve", "--url", "http://127.0.0.1:\(port)", "--concurrency", "1,2", "--requests", "4",
             "--max-tokens", "8", "--warmup", "0", "--json", "--quiet"])
        #expect(result.status == 0, "\(result.stderr)")
        let levels = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        #expect(levels.map { $0["concurrency"] as? Int } == [1, 2])
        for level in levels {
            #expect(level["requests"] as? Int == 4)
            #expect(level["failures"] as? Int == 0)
            let tokens = try #require(level["completion_tokens"] as? Int)
            #expect(tokens > 4 && tokens <= 32)
            #expect((level["tokens_per_second"] as? Double ?? 0) > 0)
            let ttft = try #require(level["ttft_ms"] as? [String: Double])
            #expect((ttft["p50"] ?? 0) > 0 && (ttft["p50"] ?? 0) <= (ttft["p99"] ?? 0))
            #expect(((level["inter_token_ms"] as? [String: Double])?["p50"] ?? 0) > 0)
        }
        let table = try runProcess(TestEnvironment.berthaExecutable(),
            ["bench", "serve", "--url", "http://127.0.0.1:\(port)", "--concurrency", "1", "--requests", "1",
             "--max-tokens", "2", "--warmup", "0", "--quiet"])
        #expect(table.stdout.hasPrefix(" conc   reqs"), "\(table.stdout)")
        let status = try await server.stop(signal: SIGTERM)
        #expect(status == 0, "\(server.output)")
    }
}
