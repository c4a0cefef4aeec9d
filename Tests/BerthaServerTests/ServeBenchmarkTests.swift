import BerthaServer
import BerthaTestSupport
import Foundation
import Testing

@Suite("bench serve load generator")
struct ServeBenchmarkTests {
    @Test("percentiles are nearest-rank, in milliseconds")
    func percentiles() {
        let p = ServeBenchmark.Percentiles(seconds: (1...100).map { Double($0) / 1000 })
        #expect(p.p50 == 50)
        #expect(p.p90 == 90)
        #expect(p.p99 == 99)
        #expect(abs(p.mean - 50.5) < 1e-9)
        #expect(ServeBenchmark.Percentiles(seconds: []).p50 == 0)
    }

    @Test("streams every request at each level and measures TTFT, inter-token gaps and throughput from the SSE timing")
    func levels() async throws {
        let paced = ScriptedBackend(delay: .milliseconds(40))
        try await withServer(paced, slots: 4, queue: 8) { url, _ in
            let benchmark = ServeBenchmark(.init(url: url, concurrency: [1, 3], requests: 6, maxTokens: 5, warmup: 0))
            let levels = try await benchmark.run()
            #expect(levels.map(\.concurrency) == [1, 3])
            for level in levels {
                #expect(level.requests == 6)
                #expect(level.failures == 0)
                #expect(level.completionTokens == 30)
                // Each word waits 40 ms before it is sent: TTFT and every gap are about that.
                #expect(level.ttftMS.p50 >= 40 && level.ttftMS.p50 < 200, "\(level.ttftMS)")
                #expect(level.interTokenMS.p50 >= 30 && level.interTokenMS.p50 < 200, "\(level.interTokenMS)")
                #expect(level.durationMS.p50 >= 200)
                // The scripted engine reports prompt_ms = 1, so its 40 ms before the first word is overhead.
                #expect(level.serverOverheadMS.p50 >= 38 && level.serverOverheadMS.p50 < 200, "\(level.serverOverheadMS)")
            }
            // Three clients at once finish the same work in about a third of the time.
            #expect(levels[1].tokensPerSecond > levels[0].tokensPerSecond * 2)
            let table = ServeBenchmark.table(levels)
            #expect(table.split(separator: "\n").count == 3)
        }
    }

    @Test("a server that refuses requests shows up as failures, not as a crash")
    func failures() async throws {
        try await withServer(apiKey: "sk-needed") { url, _ in
            let level = try await ServeBenchmark(.init(url: url, concurrency: [2], requests: 3, maxTokens: 2, warmup: 0)).run()[0]
            #expect(level.requests == 3)
            #expect(level.failures == 3)
        }
    }
}
