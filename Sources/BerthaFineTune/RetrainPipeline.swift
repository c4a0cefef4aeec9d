import BerthaCore
import BerthaGGUF
import BerthaInference
import BerthaTokenizers
import Foundation

/// Everything one `bertha retrain` run needs.
public struct RetrainRequest: Sendable {
    /// The base model GGUF (already resolved to a local file).
    public var basePath: String
    /// An immutable reference to the base (`models:/NAME/VERSION`, or its path), written into the
    /// adapter so the registered adapter can be served on its own.
    public var baseReference: String?
    /// Curated chat JSONL files.
    public var data: [String] = []
    /// Feedback logs written by `bertha serve`.
    public var feedback: [String] = []
    /// Corrected answers for 👎 feedback.
    public var review: String?
    /// A fixed held-out set (chat JSONL); when nil, `evalSplit` of the data is held out.
    public var evalData: String?
    /// Canary prompts (JSONL `{"prompt","expect"}`).
    public var canary: String?
    public var lora = LoRAConfiguration()
    public var options = TrainingOptions()
    /// Epochs over the packed rows; when set, replaces `options.steps`.
    public var epochs: Int?
    public var evalSplit = 0.1
    public var gate = EvaluationGate()
    /// Where model.gguf (the adapter), gate, report.json, report.md and the checkpoint go.
    public var outputDir: String
    /// Continue from the checkpoint in `outputDir` when it belongs to this run.
    public var resume = false
    public var threads = 0
    /// Register the adapter under this model name (and promote it when the gate passes).
    public var registerName: String?
    /// What started the run (alert labels JSON, or `manual`).
    public var trigger = "manual"
    /// Also write `merged.gguf`: the base with the adapter folded in, in the base's tensor types.
    public var merge = false
    /// The type of the adapted tensors in `merged.gguf`; nil keeps the base's.
    public var mergeType: GGMLType?

    public init(basePath: String, outputDir: String) {
        self.basePath = basePath
        self.outputDir = outputDir
    }
}

/// What a retrain run produced.
public struct RetrainReport: Sendable, Codable {
    public var adapterPath: String
    /// The merged full model (`--merge`).
    public var mergedPath: String?
    /// The share of the LoRA delta the merged tensors kept (`AdapterMerger.Summary.deltaRetained`).
    public var mergeDeltaRetained: Double?
    public var gatePath: String
    public var trainExamples: Int
    public var evalExamples: Int
    public var trainRows: Int
    public var trainableParameters: Int
    public var steps: Int
    public var resumedFrom: Int?
    public var finalTrainLoss: Double?
    public var base: EvalLoss
    public var tuned: EvalLoss
    public var canaryBase: CanaryResult?
    public var canaryTuned: CanaryResult?
    public var decision: EvaluationGate.Decision
    public var trainingSeconds: Double
    public var tokensPerSecond: Double
    public var peakRSSBytes: Int?
    public var runID: String?
    /// MLflow's run id when the run was tracked there.
    public var mlflowRunID: String?
    public var registeredVersion: String?
    public var promoted: Bool
    public var lossCurve: [Double]
}

/// Data → training → evaluation → gate → adapter, tracked and optionally published.
public enum RetrainPipeline {
    /// Runs a retrain.
    /// - Parameters:
    ///   - request: what to do.
    ///   - tracker: where params, metrics and artifacts go.
    ///   - publisher: registers and promotes the adapter when `request.registerName` is set.
    ///   - onStep: called after every optimizer step (progress bars).
    /// - Throws: `FineTuneError`, or the model's / tracker's errors.
    public static func run(_ request: RetrainRequest, tracker: any TrainingTracker, publisher: (any ModelPublisher)?,
                           onStep: @Sendable (StepReport, Int) -> Void = { _, _ in }) async throws -> RetrainReport {
        do {
            let report = try await runTracked(request, tracker: tracker, publisher: publisher, onStep: onStep)
            try await tracker.finish(succeeded: true)
            return report
        } catch {
            // The run must not stay RUNNING in MLflow when training, evaluation or upload failed.
            try? await tracker.finish(succeeded: false)
            throw error
        }
    }

    private static func runTracked(_ request: RetrainRequest, tracker: any TrainingTracker, publisher: (any ModelPublisher)?,
                                   onStep: @Sendable (StepReport, Int) -> Void) async throws -> RetrainReport {
        let out = URL(fileURLWithPath: request.outputDir)
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let file = try GGUFFile(path: request.basePath)
        let weights = try ModelWeights(file: file)
        let vocabulary = try TokenizerVocabulary(gguf: file)
        let tokenizer = try makeTokenizer(vocabulary, source: request.basePath)
        let template = ChatTemplate(for: vocabulary)
        let threads = request.threads > 0 ? request.threads : ProcessInfo.processInfo.activeProcessorCount
        var options = request.options

        // data
        var examples: [TrainingExample] = []
        for path in request.data { examples += try TrainingData.loadChatJSONL(path: path) }
        var skippedFeedback = 0
        for path in request.feedback {
            let loaded = try TrainingData.loadFeedback(path: path, review: request.review)
            examples += loaded.examples
            skippedFeedback += loaded.skipped
        }
        examples = TrainingData.deduplicate(examples)
        var train: [TrainingExample], eval: [TrainingExample]
        if let evalData = request.evalData {
            train = examples
            eval = TrainingData.deduplicate(try TrainingData.loadChatJSONL(path: evalData))
        } else {
            (train, eval) = TrainingData.split(examples, evalShare: request.evalSplit, seed: options.seed)
        }
        guard !train.isEmpty else { throw FineTuneError.noExamples("the datasets and feedback logs hold no usable conversation") }
        let encoder = ExampleEncoder(tokenizer: tokenizer, template: template)
        var order = SeededRandom(seed: options.seed)
        let trainRows = SequencePacker.pack(train.shuffled(using: &order).map { encoder.encode($0, maxTokens: options.ctx) }, ctx: options.ctx)
            .filter { !$0.lossPositions.isEmpty }
        if let epochs = request.epochs {
            options.steps = max(1, (trainRows.count * epochs + options.batch - 1) / options.batch)
        }
        let evalRows = SequencePacker.pack(eval.map { encoder.encode($0, maxTokens: options.ctx) }, ctx: options.ctx)

        // model
        let parameters = LoRAParameters(configuration: request.lora, model: weights.configuration, seed: options.seed)
        let model = try LoRATrainingModel(weights: weights, parameters: parameters, maxTokens: options.ctx, threads: threads)
        let dataHash = SHA256Hex.of(train.map(\.key).joined(separator: "\u{3}"))
        let baseHash = try SHA256Hex.ofFile(at: request.basePath)
        let fingerprint = SHA256Hex.of([baseHash, dataHash, String(describing: request.lora), String(describing: options)].joined(separator: "|"))
        let trainer = try Trainer(model: model, rows: trainRows, options: options, fingerprint: fingerprint)
        let checkpoint = out.appendingPathComponent("checkpoint.gguf").path
        var resumedFrom: Int?
        if request.resume, FileManager.default.fileExists(atPath: checkpoint) {
            try trainer.loadCheckpoint(from: checkpoint)
            resumedFrom = trainer.step
        }

        try await tracker.logParams([
            "base_model": request.baseReference ?? request.basePath, "base_sha256": baseHash, "data_sha256": dataHash,
            "lora_rank": String(request.lora.rank), "lora_alpha": String(request.lora.alpha),
            "lora_dropout": String(options.dropout ?? 0), "lora_targets": request.lora.targets.map(\.rawValue).joined(separator: ","),
            "learning_rate": String(options.learningRate), "steps": String(options.steps), "batch": String(options.batch),
            "ctx": String(options.ctx), "seed": String(options.seed), "optimizer": "adamw",
            "weight_decay": String(options.weightDecay), "clip_norm": String(options.clipNorm),
            "train_examples": String(train.count), "eval_examples": String(eval.count),
            "feedback_skipped": String(skippedFeedback), "trigger": request.trigger,
        ])

        let base = Evaluation.loss(model, rows: evalRows, useAdapter: false)
        try await tracker.logMetrics(["eval_loss_base": base.loss, "eval_perplexity_base": base.perplexity], step: 0)

        // training
        let started = Date()
        var tokens = 0
        var curve: [Double] = []
        var lastLoss: Double?
        while trainer.step < options.steps {
            try Task.checkCancellation()
            let report = trainer.runStep()
            tokens += report.tokens
            curve.append(report.loss)
            lastLoss = report.loss
            onStep(report, options.steps)
            try await tracker.logMetrics(["train_loss": report.loss, "learning_rate": Double(report.learningRate),
                                          "tokens_per_second": report.tokensPerSecond,
                                          "grad_norm": Double(report.gradientNorm)], step: report.step)
            if options.checkpointEvery > 0, report.step % options.checkpointEvery == 0 || report.step == options.steps {
                try trainer.saveCheckpoint(to: checkpoint)
            }
        }
        let seconds = Date().timeIntervalSince(started)

        // evaluation and gate
        let tuned = Evaluation.loss(model, rows: evalRows, useAdapter: true)
        var canaryBase: CanaryResult?, canaryTuned: CanaryResult?
        if let canary = request.canary {
            let prompts = try CanaryPrompt.load(path: canary)
            canaryBase = try Evaluation.canaries(prompts, weights: weights, tokenizer: tokenizer, template: template,
                                                 adapter: nil, threads: threads)
            canaryTuned = try Evaluation.canaries(prompts, weights: weights, tokenizer: tokenizer, template: template,
                                                  adapter: parameters.adapter(model: weights.configuration), threads: threads)
        }
        let decision = request.gate.decide(base: base, tuned: tuned, canaryBase: canaryBase, canaryTuned: canaryTuned)
        var metrics = ["eval_loss_tuned": tuned.loss, "eval_perplexity_tuned": tuned.perplexity,
                       "eval_improvement": decision.improvement, "gate_passed": decision.passed ? 1 : 0]
        if let canaryBase, let canaryTuned {
            metrics["canary_score_base"] = canaryBase.score
            metrics["canary_score_tuned"] = canaryTuned.score
        }
        try await tracker.logMetrics(metrics, step: options.steps)

        // outputs
        let adapterPath = out.appendingPathComponent("model.gguf").path
        try AdapterWriter.write(parameters, architecture: weights.configuration.architecture,
                                baseName: file.metadata.string("general.name"),
                                baseURI: request.baseReference ?? URL(fileURLWithPath: request.basePath).standardizedFileURL.path,
                                baseSHA256: baseHash, to: adapterPath)
        var merge: AdapterMerger.Summary?
        if request.merge {
            merge = try AdapterMerger.merge(base: request.basePath, adapter: adapterPath,
                                            to: out.appendingPathComponent("merged.gguf").path, adaptedType: request.mergeType)
        }
        let gatePath = out.appendingPathComponent("gate").path
        try AtomicFile.write(decision.verdict + "\n", to: URL(fileURLWithPath: gatePath))
        // A plain file, like gate, so an Argo step can pass the run on as an output parameter.
        if let runID = tracker.mlflowRunID {
            try AtomicFile.write(runID, to: out.appendingPathComponent("mlflow_run_id"))
        }
        var report = RetrainReport(
            adapterPath: adapterPath, mergedPath: merge?.path, mergeDeltaRetained: merge?.deltaRetained, gatePath: gatePath, trainExamples: train.count, evalExamples: eval.count,
            trainRows: trainRows.count, trainableParameters: parameters.count, steps: options.steps, resumedFrom: resumedFrom,
            finalTrainLoss: lastLoss, base: base, tuned: tuned, canaryBase: canaryBase, canaryTuned: canaryTuned,
            decision: decision, trainingSeconds: seconds, tokensPerSecond: seconds > 0 ? Double(tokens) / seconds : 0,
            peakRSSBytes: peakRSS(), runID: tracker.runID, mlflowRunID: tracker.mlflowRunID, registeredVersion: nil,
            promoted: false, lossCurve: curve)
        let reportPath = out.appendingPathComponent("report.json").path
        let markdownPath = out.appendingPathComponent("report.md").path
        let chartPath = out.appendingPathComponent("loss.png").path
        try writeReports(report, json: reportPath, markdown: markdownPath)
        do {
            try AtomicFile.write(LossCurveChart.png(curve), to: URL(fileURLWithPath: chartPath))
        } catch {
            throw FineTuneError.cannotWrite(path: chartPath, reason: error.message)
        }
        try await tracker.logArtifact(path: adapterPath, directory: "adapter")
        try await tracker.logArtifact(path: reportPath, directory: nil)
        try await tracker.logArtifact(path: markdownPath, directory: nil)
        try await tracker.logArtifact(path: chartPath, directory: nil)

        if let name = request.registerName, let publisher {
            let version = try await publisher.registerAdapter(
                path: adapterPath, name: name, runID: tracker.runID,
                tags: ["gate": decision.verdict, "base_sha256": baseHash, "trigger": request.trigger])
            try await publisher.promote(name: name, version: version, alias: "challenger")
            report.registeredVersion = version
            if decision.passed {
                try await publisher.promote(name: name, version: version, alias: "champion")
                report.promoted = true
            }
            try writeReports(report, json: reportPath, markdown: markdownPath)
        }
        return report
    }

    static func writeReports(_ report: RetrainReport, json: String, markdown: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(try encoder.encode(report), to: URL(fileURLWithPath: json))
        var md = "# Retrain report\n\n"
        md += "Gate: **\(report.decision.verdict)**\n\n"
        for reason in report.decision.reasons { md += "- \(reason)\n" }
        md += "\n| | base | tuned |\n|---|---|---|\n"
        md += String(format: "| eval loss | %.4f | %.4f |\n| perplexity | %.2f | %.2f |\n",
                     report.base.loss, report.tuned.loss, report.base.perplexity, report.tuned.perplexity)
        if let b = report.canaryBase, let t = report.canaryTuned {
            md += "| canary | \(b.answered)/\(b.total) | \(t.answered)/\(t.total) |\n"
        }
        md += String(format: "\n%d examples (%d held out), %d steps, %.0f s, %.1f tokens/s\n",
                     report.trainExamples, report.evalExamples, report.steps, report.trainingSeconds, report.tokensPerSecond)
        md += "\n![training loss](loss.png)\n"
        md += "\nTrain loss by step: " + report.lossCurve.map { String(format: "%.3f", $0) }.joined(separator: " ") + "\n"
        try AtomicFile.write(md, to: URL(fileURLWithPath: markdown))
    }

    /// VmHWM of this process in bytes (Linux), nil elsewhere.
    public static func peakRSS() -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            let kb = line.split(separator: " ").compactMap { Int($0) }.first
            return kb.map { $0 * 1024 }
        }
        return nil
    }
}
