import ArgumentParser
import BerthaCore
import BerthaInference
import Foundation

struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure prompt processing and generation speed, peak RSS and load time; write a JSON report.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The GGUF model (default: model.path from the configuration).")
    var model: String?

    @Option(name: [.customShort("t"), .customLong("threads")], help: "Compute threads; 0 means one per core.")
    var threads: Int?

    @Option(name: .customShort("p"), help: "Prompt tokens per prompt-processing run.")
    var promptTokens = 128

    @Option(name: .customShort("n"), help: "Tokens generated per generation run.")
    var genTokens = 64

    @Option(name: .customShort("r"), help: "Repetitions of each test.")
    var reps = 5

    @Option(help: "Write the JSON report to this file as well.")
    var output: String?

    func validate() throws {
        guard promptTokens > 0, genTokens > 0, reps > 0 else { throw ValidationError("-p, -n and -r must be positive") }
    }

    struct Stat: Encodable {
        let median: Double
        let min: Double
        let max: Double
        let samples: [Double]
        init(_ samples: [Double]) {
            let s = samples.sorted()
            median = s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
            min = s.first ?? 0
            max = s.last ?? 0
            self.samples = samples
        }
    }

    struct Report: Encodable {
        let model: String
        let architecture: String
        let threads: Int
        let prompt_tokens: Int
        let gen_tokens: Int
        let reps: Int
        let kv_type: String
        let load_ms: Double
        let pp_tokens_per_second: Stat
        let tg_tokens_per_second: Stat
        let peak_rss_bytes: Int?
    }

    func run() async throws {
        var flags = FlagOverrides()
        flags.add("model.threads", threads, flag: "--threads")
        let config = try global.loadConfig(flags).config.model
        let path = model ?? config.path
        let ctx = promptTokens + genTokens + 1
        let loaded = try LoadedModel(path: path, contextLength: ctx, threads: config.threads,
                                     batchSize: max(config.batch, 1), kvType: KVCacheType(rawValue: config.kvType) ?? .f16)
        let engine = loaded.transformer
        let vocab = Int32(engine.configuration.vocabularySize)
        // Fixed pseudo-random tokens like llama-bench: content does not change the cost.
        var rng = SeededRandom(seed: 42)
        let prompt = (0..<promptTokens).map { _ in Int32(truncatingIfNeeded: rng.next() % UInt64(vocab)) }
        var pp: [Double] = [], tg: [Double] = []
        let progress = ProgressReporter("bench", total: Double(reps + 1), unit: "runs", style: global.style, logInterval: 0)
        // one warm-up of each, like llama-bench
        for rep in -1..<reps {
            engine.cache.clear(0)
            let start = Date()
            try engine.evaluate(prompt)
            let ppSeconds = Date().timeIntervalSince(start)
            engine.cache.clear(0)
            var token = prompt[0]
            let genStart = Date()
            for _ in 0..<genTokens {
                try engine.evaluate([token])
                token = Int32(truncatingIfNeeded: rng.next() % UInt64(vocab))
            }
            let tgSeconds = Date().timeIntervalSince(genStart)
            if rep >= 0 {
                pp.append(Double(promptTokens) / ppSeconds)
                tg.append(Double(genTokens) / tgSeconds)
            }
            progress.advance(detail: String(format: "%@pp %.1f t/s, tg %.1f t/s", rep < 0 ? "warm-up: " : "",
                                            Double(promptTokens) / ppSeconds, Double(genTokens) / tgSeconds))
        }
        progress.finish()
        let report = Report(model: path, architecture: engine.configuration.architecture, threads: engine.pool.threads,
                            prompt_tokens: promptTokens, gen_tokens: genTokens, reps: reps, kv_type: engine.cache.type.rawValue,
                            load_ms: loaded.loadSeconds * 1000, pp_tokens_per_second: Stat(pp), tg_tokens_per_second: Stat(tg),
                            peak_rss_bytes: Self.peakRSS())
        if let output {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try AtomicFile.write(encoder.encode(report), to: URL(fileURLWithPath: output))
        }
        if global.json {
            try printJSON(report)
        } else {
            print(String(format: "%@ (%@, %d threads): pp%d %.1f t/s [%.1f–%.1f], tg%d %.1f t/s [%.1f–%.1f], load %.0f ms, peak RSS %.1f MiB",
                         (path as NSString).lastPathComponent, report.architecture, report.threads,
                         promptTokens, report.pp_tokens_per_second.median, report.pp_tokens_per_second.min, report.pp_tokens_per_second.max,
                         genTokens, report.tg_tokens_per_second.median, report.tg_tokens_per_second.min, report.tg_tokens_per_second.max,
                         report.load_ms, Double(report.peak_rss_bytes ?? 0) / 1_048_576))
        }
    }

    /// VmHWM from /proc/self/status (Linux), in bytes.
    static func peakRSS() -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            if fields.count >= 2, let kb = Int(fields[1]) { return kb * 1024 }
        }
        return nil
    }
}
