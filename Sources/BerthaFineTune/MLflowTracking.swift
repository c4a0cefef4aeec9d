import BerthaCore
import BerthaMLflow
import Foundation

/// One MLflow run per retrain: params once, metrics per step (with their step, so MLflow draws the
/// curves), files as run artifacts, and the run closed FINISHED or FAILED.
public actor MLflowTrainingTracker: TrainingTracker {
    public nonisolated let runID: String
    public nonisolated var mlflowRunID: String? { runID }
    private let client: MLflowClient
    private let artifactRoot: String

    /// Creates the run in `experiment` (created when missing).
    public init(client: MLflowClient, experiment: String, runName: String, tags: [String: String] = [:]) async throws(MLflowError) {
        let found = try await client.ensureExperiment(named: experiment)
        var runTags = ["bertha.command": "retrain", "mlflow.source.name": "bertha"]
        runTags.merge(tags) { _, new in new }
        let run = try await client.createRun(experimentID: found.experimentID, name: runName, tags: runTags)
        self.client = client
        self.runID = run.info.runID
        self.artifactRoot = run.info.artifactURI
    }

    public func logParams(_ params: [String: String]) async throws {
        try await client.logBatch(runID: runID, params: params.sorted { $0.key < $1.key }.map { KeyValue(key: $0.key, value: $0.value) })
    }

    public func logMetrics(_ metrics: [String: Double], step: Int) async throws {
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        // MLflow rejects NaN/inf in JSON; a diverged loss is still worth a point, so clamp it visibly.
        let points = metrics.sorted { $0.key < $1.key }.map { key, value in
            Metric(key: key, value: value.isFinite ? value : (value > 0 ? Double.greatestFiniteMagnitude : -Double.greatestFiniteMagnitude),
                   timestamp: now, step: Int64(step))
        }
        try await client.logBatch(runID: runID, metrics: points)
    }

    public func logArtifact(path: String, directory: String?) async throws {
        let name = (path as NSString).lastPathComponent
        try await client.uploadArtifact(file: URL(fileURLWithPath: path), artifactRoot: artifactRoot,
                                        path: directory.map { "\($0)/\(name)" } ?? name)
    }

    public func finish(succeeded: Bool) async throws {
        try await client.updateRun(id: runID, status: succeeded ? .finished : .failed)
    }
}

/// Registers adapters through `ModelRegistrar` (file and MLmodel descriptor as artifacts of the
/// training run, the version tagged with sha256, kind and base) and moves aliases.
public struct MLflowModelPublisher: ModelPublisher {
    public let registrar: ModelRegistrar
    public let client: MLflowClient

    public init(client: MLflowClient, experiment: String) {
        self.client = client
        self.registrar = ModelRegistrar(client: client, defaultExperiment: experiment)
    }

    public func registerAdapter(path: String, name: String, runID: String, tags: [String: String]) async throws -> String {
        try await registrar.register(file: URL(fileURLWithPath: path), name: name, runID: runID, tags: tags).version
    }

    public func promote(name: String, version: String, alias: String) async throws {
        try await client.setAlias(name: name, alias: alias, version: version)
    }
}
