import BerthaInference
import BerthaTestSupport
import Foundation
import Testing

@Suite("Benchmark")
struct BenchmarkTests {
    @Test("reports one sample per repetition after a warm-up, medians inside the range, and the keys bench-compare reads")
    func report() throws {
        let path = try TestEnvironment.model("SmolLM2-135M-Instruct.Q4_1.gguf").path
        let loaded = try LoadedModel(path: path, contextLength: 16, threads: 2)
        var runs: [Int] = []
        let report = try Benchmark.run(loaded, path: path, promptTokens: 8, genTokens: 4, reps: 3) { rep, _, _ in runs.append(rep) }
        #expect(runs == [-1, 0, 1, 2])
        for stat in [report.pp_tokens_per_second, report.tg_tokens_per_second] {
            #expect(stat.samples.count == 3)
            #expect(stat.min > 0)
            #expect(stat.min <= stat.median && stat.median <= stat.max)
        }
        #expect(report.architecture == "llama")
        #expect((report.peak_rss_bytes ?? 0) > 50 << 20)
        let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(report)) as? [String: Any]
        #expect((json?["tg_tokens_per_second"] as? [String: Any])?["median"] is Double)
        #expect((json?["pp_tokens_per_second"] as? [String: Any])?["median"] is Double)
    }

    @Test("batched decoding advances every sequence one token per pass and reports aggregate tokens/s")
    func batchedDecode() throws {
        let path = try TestEnvironment.model("SmolLM2-135M-Instruct.Q4_1.gguf").path
        let loaded = try LoadedModel(path: path, contextLength: 16, threads: 2, sequences: 3)
        var runs: [Int] = []
        let stat = try Benchmark.batchedDecode(loaded.transformer, parallel: 3, promptTokens: 5, genTokens: 4, reps: 2) { rep, _ in
            runs.append(rep)
        }
        #expect(runs == [-1, 0, 1])
        #expect(stat.samples.count == 2 && stat.min > 0)
        for sequence in 0..<3 { #expect(loaded.transformer.cache.count(of: sequence) == 9) }
        // Every sequence got logits from the last pass.
        for row in 0..<3 { #expect(loaded.transformer.logits(row).contains { $0 != 0 }) }
    }

    @Test("the median of an even count is the mean of the middle two")
    func median() {
        #expect(Benchmark.Stat([4, 1, 3, 2]).median == 2.5)
        #expect(Benchmark.Stat([5, 1, 3]).median == 3)
    }
}
