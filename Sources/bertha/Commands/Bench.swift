import ArgumentParser
import BerthaCore
import BerthaEmbeddings
import BerthaInference
import BerthaMLflow
import Foundation

struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Measure prompt processing and generation speed, peak RSS and load time; write a JSON report.",
        discussion: """
            With --embeddings MODEL it measures an embedding model instead: sentences per second over \
            --sentences generated sentences of ~140 characters (or the lines of --input), in batches of \
            --batch, after a warm-up batch.
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The GGUF model file or a models:/, runs:/, s3:// URI (default: model.path from the configuration).")
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

    @Option(help: ArgumentHelp("Benchmark this embedding model (GGUF file or Hugging Face folder) instead.",
                               valueName: "model"))
    var embeddings: String?

    @Option(help: "Also decode this many sequences together (one token of each per forward pass, after a -p token prompt each) and report their aggregate tokens/s: the engine's ceiling for serve --parallel.")
    var parallel: Int?

    @Option(help: "Embeddings: number of generated sentences per run.")
    var sentences = 1000

    @Option(help: "Embeddings: sentences per forward pass (default: embeddings.batch_size).")
    var batch: Int?

    @Option(help: "Embeddings: read the sentences from this file, one per line, instead of generating them.")
    var input: String?

    @Option(help: "Embeddings: write the sentences used to this file, one per line (to run other tools on them).")
    var saveSentences: String?

    @Option(help: ArgumentHelp("Instead of a model: embedded-store search latency with this many random 384-dim vectors (repeatable).",
                               valueName: "vectors"))
    var store: [Int] = []

    @Option(help: ArgumentHelp("Instead of a model: chunking throughput over these documents with the embedding model's tokenizer.",
                               valueName: "path"))
    var chunking: String?

    func validate() throws {
        guard promptTokens > 0, genTokens > 0, reps > 0 else { throw ValidationError("-p, -n and -r must be positive") }
        guard (parallel ?? 1) > 0 else { throw ValidationError("--parallel must be positive") }
        guard sentences > 0, (batch ?? 1) > 0 else { throw ValidationError("--sentences and --batch must be positive") }
        if embeddings != nil, model != nil { throw ValidationError("give the model either as the argument or as --embeddings, not both") }
        if embeddings == nil, input != nil || saveSentences != nil || batch != nil {
            throw ValidationError("--batch, --input and --save-sentences need --embeddings MODEL")
        }
    }

    func run() async throws {
        if let embeddings { return try await runEmbeddings(embeddings) }
        if !store.isEmpty || chunking != nil {
            try await runIngestBenchmarks()
            return
        }
        var flags = FlagOverrides()
        flags.add("model.threads", threads, flag: "--threads")
        let full = try global.loadConfig(flags).config
        let config = full.model
        let path = try await ModelReference.localPath(model ?? config.path, config: full).path
        let loaded = try LoadedModel(path: path, contextLength: promptTokens + genTokens + 1, threads: config.threads,
                                     batchSize: max(config.batch, 1), kvType: KVCacheType(rawValue: config.kvType) ?? .f16,
                                     sequences: max(parallel ?? 1, 1))
        let runs = Double(reps + 1) * (parallel == nil ? 1 : 2)
        let progress = ProgressReporter("bench", total: runs, unit: "runs", style: global.style, logInterval: 0)
        var report = try Benchmark.run(loaded, path: path, promptTokens: promptTokens, genTokens: genTokens, reps: reps) {
            rep, pp, tg in
            progress.advance(detail: String(format: "%@pp %.1f t/s, tg %.1f t/s", rep < 0 ? "warm-up: " : "", pp, tg))
        }
        if let parallel {
            report.parallel = parallel
            report.tg_batch_tokens_per_second = try Benchmark.batchedDecode(
                loaded.transformer, parallel: parallel, promptTokens: promptTokens, genTokens: genTokens, reps: reps) { rep, rate in
                progress.advance(detail: String(format: "%@%d sequences: %.1f t/s", rep < 0 ? "warm-up: " : "", parallel, rate))
            }
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
            if let batch = report.tg_batch_tokens_per_second, let parallel = report.parallel {
                print(String(format: "  %d sequences decoding together: %.1f t/s aggregate [%.1f–%.1f], %.2f× tg",
                             parallel, batch.median, batch.min, batch.max, batch.median / max(report.tg_tokens_per_second.median, 1e-9)))
            }
        }
    }

    private func runEmbeddings(_ model: String) async throws {
        var flags = FlagOverrides()
        flags.add("embeddings.threads", threads, flag: "--threads")
        flags.add("embeddings.batch_size", batch, flag: "--batch")
        var section = try global.loadConfig(flags).config.embeddings
        section.model = model
        let embedder = try EmbeddingModels.open(path: section.model, threads: section.threads, batchSize: section.batchSize)
        var texts = EmbeddingBenchmark.sentences(count: sentences)
        if let input {
            let url = URL(fileURLWithPath: input)
            texts = try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map(String.init).filter { !$0.isEmpty }
            guard !texts.isEmpty else { throw ValidationError("--input \(input) holds no sentences") }
        }
        if let saveSentences {
            try AtomicFile.write(Data((texts.joined(separator: "\n") + "\n").utf8), to: URL(fileURLWithPath: saveSentences))
        }
        let progress = ProgressReporter("bench", total: Double(reps + 1), unit: "runs", style: global.style, logInterval: 0)
        let report = try await EmbeddingBenchmark.run(embedder, sentences: texts, reps: reps) { rep, rate in
            progress.advance(detail: String(format: "%@%.1f sentences/s", rep < 0 ? "warm-up: " : "", rate))
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
            let rate = report.sentences_per_second
            print(String(format: "%@ (%d threads, batch %d): %.1f sentences/s [%.1f–%.1f], %.0f tokens/s, %d sentences of %.0f chars / %.1f tokens, load %.0f ms, peak RSS %.1f MiB",
                         report.model, report.threads, report.batch_size, rate.median, rate.min, rate.max,
                         report.tokens_per_second.median, report.sentences, report.mean_characters, report.mean_tokens,
                         report.load_ms, Double(report.peak_rss_bytes ?? 0) / 1_048_576))
        }
    }
}
