import ArgumentParser
import BerthaCore
import BerthaInference
import Foundation

struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
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

    func run() async throws {
        var flags = FlagOverrides()
        flags.add("model.threads", threads, flag: "--threads")
        let config = try global.loadConfig(flags).config.model
        let path = model ?? config.path
        let loaded = try LoadedModel(path: path, contextLength: promptTokens + genTokens + 1, threads: config.threads,
                                     batchSize: max(config.batch, 1), kvType: KVCacheType(rawValue: config.kvType) ?? .f16)
        let progress = ProgressReporter("bench", total: Double(reps + 1), unit: "runs", style: global.style, logInterval: 0)
        let report = try Benchmark.run(loaded, path: path, promptTokens: promptTokens, genTokens: genTokens, reps: reps) {
            rep, pp, tg in
            progress.advance(detail: String(format: "%@pp %.1f t/s, tg %.1f t/s", rep < 0 ? "warm-up: " : "", pp, tg))
        }
        progress.finish()
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
}
