import BerthaCore
import Foundation

/// Where a retrain run records what it did: MLflow in production (adapted by the CLI over
/// `BerthaMLflow`'s client), a local JSON file offline. One tracker instance is one run.
public protocol TrainingTracker: Sendable {
    /// Records run parameters (strings, as MLflow keeps them).
    func logParams(_ params: [String: String]) async throws
    /// Records metric values at a step.
    func logMetrics(_ metrics: [String: Double], step: Int) async throws
    /// Uploads a file produced by the run under `directory` (nil: the artifact root).
    func logArtifact(path: String, directory: String?) async throws
    /// Closes the run as finished or failed.
    func finish(succeeded: Bool) async throws
    /// The run's id (MLflow's run id, or the local file's path), for the report.
    var runID: String { get }
    /// MLflow's run id when the run is tracked there (a later `bertha register --run-id` attaches to it).
    var mlflowRunID: String? { get }
}

extension TrainingTracker {
    public var mlflowRunID: String? { nil }
}

/// Registers a trained adapter as a model version and moves aliases: MLflow's model registry in
/// production (adapted by the CLI over `BerthaMLflow`'s registrar).
public protocol ModelPublisher: Sendable {
    /// Registers `path` (an adapter GGUF logged by run `runID`) as a new version of `name`;
    /// returns the version.
    func registerAdapter(path: String, name: String, runID: String, tags: [String: String]) async throws -> String
    /// Points `alias` of `name` at `version`.
    func promote(name: String, version: String, alias: String) async throws
}

/// A tracker that keeps the run in a JSON file (`tracking.json` in the output directory),
/// rewritten atomically after every call: params, each metric's history, artifacts, status.
public actor LocalJSONTracker: TrainingTracker {
    struct State: Codable {
        var params: [String: String] = [:]
        var metrics: [String: [Point]] = [:]
        var artifacts: [String] = []
        var status = "RUNNING"
        var startTime: String
        var endTime: String?
    }

    struct Point: Codable {
        var step: Int
        var value: Double
    }

    public nonisolated let runID: String
    private let url: URL
    private var state: State

    /// - Parameter path: the JSON file to write.
    public init(path: String) {
        url = URL(fileURLWithPath: path)
        runID = path
        state = State(startTime: ISO8601DateFormatter().string(from: Date()))
    }

    public func logParams(_ params: [String: String]) throws {
        state.params.merge(params) { _, new in new }
        try save()
    }

    public func logMetrics(_ metrics: [String: Double], step: Int) throws {
        for (key, value) in metrics { state.metrics[key, default: []].append(Point(step: step, value: value)) }
        try save()
    }

    public func logArtifact(path: String, directory: String?) throws {
        let name = (path as NSString).lastPathComponent
        state.artifacts.append(directory.map { "\($0)/\(name)" } ?? name)
        try save()
    }

    public func finish(succeeded: Bool) throws {
        state.status = succeeded ? "FINISHED" : "FAILED"
        state.endTime = ISO8601DateFormatter().string(from: Date())
        try save()
    }

    private func save() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(try encoder.encode(state), to: url)
    }
}
