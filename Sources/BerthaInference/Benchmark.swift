import BerthaCore
import Foundation

/// llama-bench-style measurement of one model: prompt processing (pp) and generation (tg) tokens/s
/// over repeated runs after one warm-up, load time and peak RSS.
public enum Benchmark {
    /// Median, range and samples of one measurement.
    public struct Stat: Codable, Sendable {
        public let median: Double
        public let min: Double
        public let max: Double
        public let samples: [Double]

        public init(_ samples: [Double]) {
            let s = samples.sorted()
            median = s.isEmpty ? 0 : (s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2)
            min = s.first ?? 0
            max = s.last ?? 0
            self.samples = samples
        }
    }

    /// The JSON report `bertha bench --output` writes (and `make bench-compare` reads).
    public struct Report: Codable, Sendable {
        public let model: String
        public let architecture: String
        public let threads: Int
        public let prompt_tokens: Int
        public let gen_tokens: Int
        public let reps: Int
        public let kv_type: String
        public let load_ms: Double
        public let pp_tokens_per_second: Stat
        public let tg_tokens_per_second: Stat
        public let peak_rss_bytes: Int?
        /// Sequences decoded together in the batched-decode test (`bench --parallel N`), else nil.
        public var parallel: Int? = nil
        /// Aggregate tokens/s of `parallel` sequences each generating `gen_tokens` tokens in shared
        /// forward passes after a `prompt_tokens` prompt (llama-batched-bench's S_TG), else nil.
        public var tg_batch_tokens_per_second: Stat? = nil
    }

    /// Runs the benchmark on a loaded model.
    /// - Parameters:
    ///   - onRun: called after each run (index -1 is the warm-up) with its pp and tg tokens/s.
    /// - Throws: `InferenceError` from the forward pass.
    public static func run(_ loaded: LoadedModel, path: String, promptTokens: Int, genTokens: Int, reps: Int,
                           onRun: (Int, Double, Double) -> Void = { _, _, _ in }) throws(InferenceError) -> Report {
        let engine = loaded.transformer
        let vocab = UInt64(engine.configuration.vocabularySize)
        // Fixed pseudo-random tokens like llama-bench: content does not change the cost.
        var rng = SeededRandom(seed: 42)
        let prompt = (0..<promptTokens).map { _ in Int32(truncatingIfNeeded: rng.next() % vocab) }
        var pp: [Double] = [], tg: [Double] = []
        for rep in -1..<reps {
            engine.cache.clear(0)
            let start = Date()
            try engine.evaluate(prompt)
            let ppRate = Double(promptTokens) / Date().timeIntervalSince(start)
            engine.cache.clear(0)
            var token = prompt[0]
            let genStart = Date()
            for _ in 0..<genTokens {
                try engine.evaluate([token])
                token = Int32(truncatingIfNeeded: rng.next() % vocab)
            }
            let tgRate = Double(genTokens) / Date().timeIntervalSince(genStart)
            if rep >= 0 {
                pp.append(ppRate)
                tg.append(tgRate)
            }
            onRun(rep, ppRate, tgRate)
        }
        return Report(model: path, architecture: engine.configuration.architecture, threads: engine.pool.threads,
                      prompt_tokens: promptTokens, gen_tokens: genTokens, reps: reps, kv_type: engine.cache.type.rawValue,
                      load_ms: loaded.loadSeconds * 1000, pp_tokens_per_second: Stat(pp), tg_tokens_per_second: Stat(tg),
                      peak_rss_bytes: peakRSS())
    }

    /// Batched decoding, the engine's side of continuous batching: `parallel` sequences each take a
    /// `promptTokens` prompt (not timed), then `genTokens` steps decode one token of every sequence
    /// in one forward pass with logits for all of them. The engine needs `parallel` cache slots of
    /// `promptTokens + genTokens` positions and `parallel` logit rows.
    /// - Parameter onRun: called after each run (index -1 is the warm-up) with its aggregate tokens/s.
    /// - Returns: aggregate generated tokens/s over the runs after the warm-up.
    public static func batchedDecode(_ engine: Transformer, parallel: Int, promptTokens: Int, genTokens: Int, reps: Int,
                                     onRun: (Int, Double) -> Void = { _, _ in }) throws(InferenceError) -> Stat {
        let vocab = UInt64(engine.configuration.vocabularySize)
        var rng = SeededRandom(seed: 43)
        var rates: [Double] = []
        for rep in -1..<reps {
            for sequence in 0..<parallel {
                engine.cache.clear(sequence)
                let prompt = (0..<promptTokens).map { _ in Int32(truncatingIfNeeded: rng.next() % vocab) }
                try engine.evaluate(prompt, sequence: sequence)
            }
            let start = Date()
            for step in 0..<genTokens {
                let tokens = (0..<parallel).map { _ in Int32(truncatingIfNeeded: rng.next() % vocab) }
                try engine.forward(tokens: tokens, positions: Array(repeating: promptTokens + step, count: parallel),
                                   sequenceIDs: Array(0..<parallel), logitIndices: Array(0..<parallel))
            }
            let rate = Double(parallel * genTokens) / Date().timeIntervalSince(start)
            if rep >= 0 { rates.append(rate) }
            onRun(rep, rate)
        }
        return Stat(rates)
    }

    /// VmHWM from /proc/self/status (Linux), in bytes.
    public static func peakRSS() -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            if fields.count >= 2, let kb = Int(fields[1]) { return kb * 1024 }
        }
        return nil
    }
}
