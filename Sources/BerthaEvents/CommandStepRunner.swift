import BerthaText
import Foundation

/// Runs each step as `bertha SUBCOMMAND … --json` (or any executable that takes the same
/// arguments, such as a test script), with the receiver's configuration file and `--set` overrides,
/// its standard output kept as the step's result and its standard error in the run's log.
public struct CommandStepRunner: StepRunner {
    /// The `bertha` executable (`events.command`; empty means the running binary).
    public var executable: String
    /// Passed to every step after its own arguments: `--config FILE`, `--set key=value`…
    public var configArguments: [String]
    /// The registered model name (`mlflow.model_name`).
    public var modelName: String
    /// Curated datasets for retraining (`retrain.data`), passed as `--data`.
    public var data: [String]
    /// The feedback log `bertha serve` writes (`server.feedback_log`), passed as `--feedback` when it
    /// exists: rated answers are what the retraining learns from.
    public var feedbackLog: String?
    public var environment: [String: String]

    public init(executable: String, configArguments: [String] = [], modelName: String, data: [String] = [],
                feedbackLog: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.executable = executable
        self.configArguments = configArguments
        self.modelName = modelName
        self.data = data
        self.feedbackLog = feedbackLog
        self.environment = environment
    }

    /// The step's command line after the executable.
    public func arguments(for step: PipelineStep, context: StepContext) -> [String] {
        let candidate = context.outputDirectory.appendingPathComponent("model.gguf").path
        switch step {
        case .ingest, .delete:
            return ["ingest", "--event", eventFile(context).path, "--json"] + configArguments
        case .retrain(let trigger):
            let feedback = feedbackLog.flatMap { FileManager.default.fileExists(atPath: $0) ? ["--feedback", $0] : nil } ?? []
            return ["retrain", "--base", "models:/\(modelName)@champion"] + data.flatMap { ["--data", $0] } + feedback
                + ["--trigger", trigger, "--json"] + configArguments
                + ["--set", "retrain.output_dir=\(context.outputDirectory.path)"]
        case .evaluate:
            return ["inspect", candidate] + configArguments
        case .register(let alias):
            // The version joins the retrain's MLflow run (params, metric history, report), as the
            // bertha-retrain WorkflowTemplate's register step does.
            let runID = Self.mlflowRunID(in: context.outputDirectory.appendingPathComponent("report.json"))
            return ["register", candidate, "--name", modelName, "--alias", alias, "--json"]
                + (runID.map { ["--run-id", $0] } ?? []) + configArguments
        }
    }

    private func eventFile(_ context: StepContext) -> URL { context.directory.appendingPathComponent("event.json") }

    public func run(_ step: PipelineStep, context: StepContext) async throws(EventsError) -> StepOutcome {
        try? FileManager.default.createDirectory(at: context.outputDirectory, withIntermediateDirectories: true)
        switch step {
        case .ingest(let event), .delete(let event):
            // The same S3 record the bertha-ingest WorkflowTemplate builds from its parameters.
            let record: [String: Any] = ["Records": [[
                "eventName": event.kind == .created ? "s3:ObjectCreated:Put" : "s3:ObjectRemoved:Delete",
                "s3": ["bucket": ["name": event.bucket], "object": ["key": event.key]],
            ]]]
            do {
                let data = try JSONSerialization.data(withJSONObject: record, options: [.sortedKeys])
                try data.write(to: eventFile(context))
            } catch {
                throw .state(path: eventFile(context).path, reason: "cannot write the event file: \(error)")
            }
        case .evaluate:
            let candidate = context.outputDirectory.appendingPathComponent("model.gguf")
            guard FileManager.default.fileExists(atPath: candidate.path) else {
                throw .stepOutput(step: "evaluate", reason: "retrain left no candidate at \(candidate.path)")
            }
        default:
            break
        }
        let arguments = arguments(for: step, context: context)
        let stdout = context.directory.appendingPathComponent("\(step.name).stdout")
        let status = try await ChildProcess.run(executable, arguments, environment: environment, stdout: stdout, log: context.log)
        var outcome = StepOutcome(command: [executable] + arguments, exitCode: status, output: Self.readOutput(stdout))
        guard status == 0 else { throw .stepFailed(step: step.name, exitCode: status, log: context.log.path) }
        switch step {
        case .evaluate:
            // retrain writes the verdict; no verdict means the gate did not pass.
            let gateFile = context.outputDirectory.appendingPathComponent("gate")
            let verdict = (try? String(contentsOf: gateFile, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
            outcome.gate = verdict == "passed" ? "passed" : "failed"
        case .register:
            outcome.modelVersion = Self.version(in: outcome.output)
        default:
            break
        }
        return outcome
    }

    /// `mlflowRunID` of retrain's report.json, when the retrain was tracked in MLflow.
    static func mlflowRunID(in report: URL) -> String? {
        guard let data = FileManager.default.contents(atPath: report.path),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let runID = object["mlflowRunID"] as? String, !runID.isEmpty else { return nil }
        return runID
    }

    static func readOutput(_ url: URL) -> String? {
        guard let data = FileManager.default.contents(atPath: url.path), !data.isEmpty else { return nil }
        return String(decoding: data.prefix(64 << 10), as: UTF8.self)
    }

    /// The registered version from `bertha register --json`: a top-level `version` (string or number).
    static func version(in output: String?) -> String? {
        guard let output, let object = try? JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any] else { return nil }
        if let text = object["version"] as? String { return text }
        if let number = object["version"] as? Int { return String(number) }
        return nil
    }
}
