import BerthaText
import Foundation

/// A step of the local pipelines, the same steps as the WorkflowTemplates `bertha render-manifests`
/// writes: `bertha-ingest` is one `ingest` (or `delete`) step, `bertha-retrain` is
/// retrain → evaluate → register → promote.
public enum PipelineStep: Sendable, Equatable {
    /// Index a created object (`bertha ingest --event FILE`).
    case ingest(IngestEvent)
    /// Drop a removed object's chunks (`bertha ingest --event FILE` with an ObjectRemoved record).
    case delete(IngestEvent)
    /// Fine-tune the champion on the feedback log and the curated data; writes the candidate and the
    /// gate verdict to the run's `out/` directory (`bertha retrain --base models:/NAME@champion`).
    case retrain(trigger: String)
    /// Check the candidate and read the gate verdict (`bertha inspect out/model.gguf`, `out/gate`).
    case evaluate
    /// Register the candidate under an alias: `challenger` always, `champion` when the gate passed
    /// (`bertha register out/model.gguf --name NAME --alias ALIAS`).
    case register(alias: String)

    public var name: String {
        switch self {
        case .ingest: "ingest"
        case .delete: "delete"
        case .retrain: "retrain"
        case .evaluate: "evaluate"
        case .register(let alias): alias == "champion" ? "promote" : "register"
        }
    }
}

/// What a run's steps may use: its directory (the `/work` of a Workflow pod) and its log.
public struct StepContext: Sendable {
    public var runID: String
    /// `STATE/runs/ID/`: event files, `out/` with the candidate model and gate.
    public var directory: URL
    public var log: URL

    public init(runID: String, directory: URL, log: URL) {
        self.runID = runID
        self.directory = directory
        self.log = log
    }

    /// Where retrain writes the candidate (`model.gguf`) and the gate verdict (`gate`).
    public var outputDirectory: URL { directory.appendingPathComponent("out") }
}

/// What a step produced.
public struct StepOutcome: Sendable, Equatable {
    /// The command line that ran (empty for in-process steps).
    public var command: [String]
    public var exitCode: Int32
    /// Standard output: the step's `--json` result.
    public var output: String?
    /// `evaluate`: the gate verdict, `passed` or `failed`.
    public var gate: String?
    /// `register`/`promote`: the model version the registry assigned, when the output names it.
    public var modelVersion: String?

    public init(command: [String], exitCode: Int32, output: String? = nil, gate: String? = nil, modelVersion: String? = nil) {
        self.command = command
        self.exitCode = exitCode
        self.output = output
        self.gate = gate
        self.modelVersion = modelVersion
    }
}

/// Runs pipeline steps. `CommandStepRunner` runs each as a `bertha` child process, exactly like the
/// Argo steps; an in-process implementation over BerthaIngest/BerthaFineTune/BerthaMLflow can
/// replace it without touching the runner's rules.
public protocol StepRunner: Sendable {
    /// Runs one step to completion.
    /// - Throws: `EventsError.stepFailed` when the step fails, `.stepOutput` when it left no usable result.
    func run(_ step: PipelineStep, context: StepContext) async throws(EventsError) -> StepOutcome
}
