import ArgumentParser
import BerthaCore
import BerthaFineTune
import BerthaGGUF
import BerthaInference
import BerthaMLflow
import Foundation

struct Retrain: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retrain",
        abstract: "Fine-tune a LoRA adapter on CPU from feedback and curated chat data, evaluate it against the base, gate, track.",
        discussion: """
            Writes model.gguf (the adapter, llama.cpp's LoRA format, naming its base model), gate (passed/failed), \
            report.json, report.md, loss.png and checkpoint.gguf into retrain.output_dir. With a models:/ base or \
            --register NAME the run is tracked in MLflow (params, per-step metrics, artifacts), otherwise in \
            tracking.json. --register NAME registers the adapter as a version of NAME with alias challenger and \
            moves champion to it when the gate passes.
            """)

    @OptionGroup var global: GlobalOptions

    @Option(help: "Base model: a GGUF path, models:/NAME@ALIAS, models:/NAME/VERSION, runs:/…, s3://… (default: model.path).")
    var base: String?

    @Option(help: "Curated chat JSONL ({\"messages\":[…]}), repeatable (retrain.data).")
    var data: [String] = []

    @Option(help: "Feedback log written by bertha serve, repeatable (👍 become examples).")
    var feedback: [String] = []

    @Option(help: "Review JSONL {\"completion_id\",\"completion\"}: corrected answers that turn 👎 feedback into examples.")
    var review: String?

    @Option(name: .customLong("eval-data"), help: "A fixed held-out chat JSONL instead of --eval-split (retrain.eval_data).")
    var evalData: String?

    @Option(help: "Canary prompts JSONL {\"prompt\",\"expect\":[keywords]} scored before and after.")
    var canary: String?

    @Option(help: "LoRA rank (retrain.rank).")
    var rank: Int?

    @Option(help: "LoRA alpha (retrain.alpha).")
    var alpha: Double?

    @Option(help: "Adapted projections, comma-separated: q,k,v,o,gate,up,down (retrain.targets).")
    var targets: String?

    @Option(help: "Optimizer steps (retrain.steps).")
    var steps: Int?

    @Option(help: "Epochs over the packed training rows; sets the steps.")
    var epochs: Int?

    @Option(help: "Peak learning rate (retrain.learning_rate).")
    var lr: Double?

    @Option(help: "Packed sequences per step (retrain.batch).")
    var batch: Int?

    @Option(help: "Training sequence length in tokens (retrain.ctx).")
    var ctx: Int?

    @Option(name: .customLong("eval-split"), help: "Share of examples held out (retrain.eval_split).")
    var evalSplit: Double?

    @Option(help: "Seed of the split, initialisation and order (retrain.seed).")
    var seed: Int?

    @Option(name: .customLong("min-improvement"), help: "Relative eval-loss improvement needed to pass (retrain.min_improvement).")
    var minImprovement: Double?

    @Option(name: .customLong("max-canary-regression"), help: "Largest canary-score drop allowed (retrain.max_canary_regression).")
    var maxCanaryRegression: Double?

    @Option(name: .customLong("output-dir"), help: "Output directory (retrain.output_dir).")
    var outputDir: String?

    @Option(name: .customLong("checkpoint-every"), help: "Steps between checkpoints.")
    var checkpointEvery = 50

    @Flag(help: "Continue from the checkpoint in the output directory.")
    var resume = false

    @Flag(help: "Also write merged.gguf: the base with the adapter folded in, re-encoded in the base's tensor types.")
    var merge = false

    @Option(name: .customLong("merge-type"), help: "With --merge, write the adapted tensors as this type (f16, f32, q8_0, …) instead of the base's.")
    var mergeType: String?

    @Option(name: [.customShort("t"), .customLong("threads")], help: "Compute threads; 0 means one per core (model.threads).")
    var threads: Int?

    @Option(help: "Register the adapter under this model name (alias challenger; champion when the gate passes).")
    var register: String?

    @Option(help: "What started this run: alert labels JSON, or manual.")
    var trigger = "manual"

    func validate() throws {
        if let epochs, epochs < 1 { throw ValidationError("--epochs must be 1 or more") }
        if steps != nil && epochs != nil { throw ValidationError("give --steps or --epochs, not both") }
        if checkpointEvery < 0 { throw ValidationError("--checkpoint-every must be 0 or more") }
    }

    func run() async throws {
        var flags = FlagOverrides()
        flags.add("retrain.data", list: data, flag: "--data")
        flags.add("retrain.rank", rank, flag: "--rank")
        flags.add("retrain.alpha", alpha, flag: "--alpha")
        flags.add("retrain.targets", targets, flag: "--targets")
        flags.add("retrain.steps", steps, flag: "--steps")
        flags.add("retrain.learning_rate", lr, flag: "--lr")
        flags.add("retrain.batch", batch, flag: "--batch")
        flags.add("retrain.ctx", ctx, flag: "--ctx")
        flags.add("retrain.eval_split", evalSplit, flag: "--eval-split")
        flags.add("retrain.eval_data", evalData, flag: "--eval-data")
        flags.add("retrain.seed", seed, flag: "--seed")
        flags.add("retrain.min_improvement", minImprovement, flag: "--min-improvement")
        flags.add("retrain.max_canary_regression", maxCanaryRegression, flag: "--max-canary-regression")
        flags.add("retrain.output_dir", outputDir, flag: "--output-dir")
        flags.add("model.threads", threads, flag: "--threads")
        let config = try global.loadConfig(flags).config
        let r = config.retrain
        let baseArgument = base ?? config.model.path
        // A registry or S3 base is fetched into the verified cache; a registered adapter brings its
        // base model, and the new adapter is trained on that base (adapters do not stack).
        var basePath = baseArgument
        var baseReference = URL(fileURLWithPath: baseArgument).standardizedFileURL.path
        let remote = ModelURI.isRemote(baseArgument)
        if remote {
            let servable = try await ModelResolver(config: config).resolveServable(baseArgument)
            basePath = servable.model.path
            if let name = servable.model.name, let version = servable.model.version {
                baseReference = "models:/\(name)/\(version)"
            } else {
                baseReference = servable.model.uri
            }
            if let adapter = servable.adapter, !global.quiet {
                let named = "\(adapter.name ?? "?")/\(adapter.version ?? "?")"
                FileHandle.standardError.write(Data("retrain: \(baseArgument) is an adapter (\(named)); training a new adapter on its base \(baseReference)\n".utf8))
            }
        }
        var loraTargets: [LoRATarget] = []
        for name in r.targets {
            guard let t = LoRATarget(rawValue: name.trimmingCharacters(in: .whitespaces)) else {
                throw FineTuneError.invalidOption(name: "retrain.targets", value: "\(name) (expected q, k, v, o, gate, up, down)")
            }
            loraTargets.append(t)
        }
        var request = RetrainRequest(basePath: basePath, outputDir: r.outputDir)
        request.baseReference = baseReference
        request.data = r.data
        request.feedback = feedback
        request.review = review
        request.evalData = r.evalData.isEmpty ? nil : r.evalData
        request.canary = canary
        request.lora = LoRAConfiguration(rank: r.rank, alpha: Float(r.alpha), targets: loraTargets)
        request.options.steps = r.steps
        request.options.batch = r.batch
        request.options.ctx = r.ctx
        request.options.learningRate = Float(r.learningRate)
        request.options.seed = UInt64(bitPattern: Int64(r.seed))
        request.options.checkpointEvery = checkpointEvery
        request.options.dropout = r.dropout > 0 ? Float(r.dropout) : nil
        request.epochs = epochs
        request.evalSplit = r.evalSplit
        request.gate = EvaluationGate(minImprovement: r.minImprovement, maxCanaryRegression: r.maxCanaryRegression)
        request.resume = resume
        request.threads = config.model.threads
        request.registerName = register
        request.trigger = trigger
        request.merge = merge || mergeType != nil
        if let mergeType {
            guard let type = GGMLType(name: mergeType), AdapterMerger.encodableTypes.contains(type) else {
                throw FineTuneError.invalidOption(name: "--merge-type", value: "\(mergeType) (expected one of \(AdapterMerger.encodableTypes.map { $0.description.lowercased() }.joined(separator: ", ")))")
            }
            request.mergeType = type
        }
        // MLflow tracks the run when the model lives in the registry (a models:/ base, or --register);
        // a plain local experiment is tracked in tracking.json beside the adapter.
        let tracker: any TrainingTracker
        var publisher: (any ModelPublisher)?
        if remote || register != nil {
            let client = try MLflowClient(config: config)
            tracker = try await MLflowTrainingTracker(client: client, experiment: config.mlflow.experiment,
                                                      runName: "retrain-\(register ?? config.mlflow.modelName)",
                                                      tags: ["bertha.trigger": trigger, "bertha.base": baseReference])
            if register != nil { publisher = MLflowModelPublisher(client: client, experiment: config.mlflow.experiment) }
        } else {
            tracker = LocalJSONTracker(path: URL(fileURLWithPath: r.outputDir).appendingPathComponent("tracking.json").path)
        }
        let style = global.style
        let progress = LockedBox<ProgressReporter?>(nil)
        let report = try await RetrainPipeline.run(request, tracker: tracker, publisher: publisher) { step, total in
            let bar = progress.withValue { box in
                if box == nil { box = ProgressReporter("retrain", total: Double(total), unit: "steps", style: style) }
                return box!
            }
            bar.update(completed: Double(step.step), detail: String(format: "loss %.3f, %.0f tok/s", step.loss, step.tokensPerSecond))
        }
        progress.withValue { $0?.finish() }
        if global.json {
            try printJSON(report)
        } else if !global.quiet {
            print(String(format: "eval loss %.4f → %.4f (%+.1f%%), gate %@", report.base.loss, report.tuned.loss,
                         -report.decision.improvement * 100, report.decision.verdict))
            if let b = report.canaryBase, let t = report.canaryTuned {
                print("canary \(b.answered)/\(b.total) → \(t.answered)/\(t.total)")
            }
            print(String(format: "%d steps in %.0f s, %.1f tokens/s; adapter %@", report.steps, report.trainingSeconds,
                         report.tokensPerSecond, report.adapterPath))
            if let merged = report.mergedPath {
                let kept = report.mergeDeltaRetained ?? 1
                print(String(format: "merged model %@ (%.0f%% of the LoRA delta kept%@)", merged, kept * 100,
                             kept < 0.9 ? "; re-encoding rounded the rest away, --merge-type f16 keeps it" : ""))
            }
        }
    }
}

/// A mutable value shared with a `@Sendable` callback that runs on one thread at a time.
final class LockedBox<Value>: @unchecked Sendable {
    private var value: Value
    private let lock = NSLock()
    init(_ value: Value) { self.value = value }
    func withValue<R>(_ body: (inout Value) -> R) -> R {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }
}
