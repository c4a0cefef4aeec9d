import BerthaCore
import Foundation
import Logging

/// The result of registering a GGUF file: which registry version holds it and where its files are.
public struct RegisteredVersion: Sendable, Equatable, Codable {
    public var name: String
    public var version: String
    /// `models:/NAME/VERSION`.
    public var uri: String
    /// The alias set on the version, if one was asked for.
    public var alias: String?
    public var runID: String
    public var experimentID: String?
    /// The version's source: the run's `model` artifact directory.
    public var source: String
    /// The GGUF file's artifact URI (`<source>/<file name>`).
    public var artifactURI: String
    public var sha256: String
    /// True when a version with the same sha256 already existed and was returned instead of a new one.
    public var reused: Bool
    public var facts: GGUFFacts
}

/// Registers GGUF models and LoRA adapters as MLflow model versions: one run per registration
/// (unless the caller brings its own), the file's facts as params, the file and an `MLmodel`
/// descriptor as artifacts, a version tagged with the file's sha256, and an optional alias.
///
/// Registering a file whose sha256 is already a version of the same model returns that version
/// (and moves the alias to it) instead of adding a duplicate.
public struct ModelRegistrar: Sendable {
    public let client: MLflowClient
    /// Experiment used when a registration does not name one.
    public let defaultExperiment: String
    /// Directory under a run's artifacts that holds the model (`<run>/artifacts/model/…`).
    public static let artifactDirectory = "model"
    /// The version tag holding the file's sha256 (deduplication and cache lookups key on it).
    public static let sha256Tag = "bertha.sha256"
    /// The version tag holding the GGUF file's name inside the source directory.
    public static let fileTag = "bertha.file"
    /// The version tag saying `model` or `adapter`.
    public static let kindTag = "bertha.type"
    /// The version tag naming an adapter's base model (from the adapter's `bertha.base.uri`).
    public static let baseTag = "bertha.base"
    private let logger = Logger(label: "bertha.register")
    private let progress: ProgressReporter?

    public init(client: MLflowClient, defaultExperiment: String = "bertha", progress: ProgressReporter? = nil) {
        self.client = client
        self.defaultExperiment = defaultExperiment
        self.progress = progress
    }

    /// Registers `file` as a version of `name`.
    /// - Parameters:
    ///   - file: a GGUF model or LoRA adapter.
    ///   - name: the registered model.
    ///   - alias: an alias to point at the version (`champion`), moved if it pointed elsewhere.
    ///   - experiment: the experiment of a new run (default `defaultExperiment`).
    ///   - runID: log to this existing run instead of creating one (it is left running).
    ///   - params, metrics, tags: extra run params, metrics and tags (tags also go on the version).
    /// - Returns: the new or, for an already registered sha256, the existing version.
    /// - Throws: `MLflowError`; a run bertha created is marked FAILED when a later step fails.
    public func register(file: URL, name: String, alias: String? = nil, experiment: String? = nil, runID: String? = nil,
                         params: [String: String] = [:], metrics: [String: Double] = [:],
                         tags: [String: String] = [:]) async throws(MLflowError) -> RegisteredVersion {
        progress?.advance(detail: "reading \(file.lastPathComponent)")
        let facts = try GGUFFacts(path: file.path)

        // Same bytes already registered under this name: return that version.
        if try await client.registeredModel(named: name) != nil,
           let existing = try await client.modelVersions(name: name, taggedWith: Self.sha256Tag, value: facts.sha256)
               .min(by: { (Int($0.version) ?? 0) < (Int($1.version) ?? 0) }) {
            if let alias { try await client.setAlias(name: name, alias: alias, version: existing.version) }
            logger.info("already registered", metadata: ["uri": "\(existing.uri)", "sha256": "\(facts.sha256)"])
            let source = existing.source ?? ""
            let fileName = existing.tag(Self.fileTag) ?? file.lastPathComponent
            return RegisteredVersion(name: name, version: existing.version, uri: existing.uri, alias: alias,
                                     runID: existing.runID ?? "", experimentID: nil, source: source,
                                     artifactURI: source + "/" + fileName, sha256: facts.sha256, reused: true, facts: facts)
        }

        let run: Run
        if let runID {
            run = try await client.run(id: runID)
        } else {
            let experimentName = experiment ?? defaultExperiment
            let found = try await client.ensureExperiment(named: experimentName)
            run = try await client.createRun(experimentID: found.experimentID, name: "register-\(name)",
                                             tags: ["bertha.command": "register", "mlflow.source.name": "bertha"])
        }
        let ownsRun = runID == nil
        do throws(MLflowError) {
            let version = try await registerInRun(run, file: file, facts: facts, name: name, alias: alias,
                                                  params: params, metrics: metrics, tags: tags)
            if ownsRun { try await client.updateRun(id: run.info.runID, status: .finished) }
            return version
        } catch {
            if ownsRun { try? await client.updateRun(id: run.info.runID, status: .failed) }
            throw error
        }
    }

    private func registerInRun(_ run: Run, file: URL, facts: GGUFFacts, name: String, alias: String?,
                               params: [String: String], metrics: [String: Double],
                               tags: [String: String]) async throws(MLflowError) -> RegisteredVersion {
        let runID = run.info.runID
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        try await client.logBatch(
            runID: runID,
            metrics: metrics.sorted { $0.key < $1.key }.map { Metric(key: $0.key, value: $0.value, timestamp: now) },
            params: facts.params + params.sorted { $0.key < $1.key }.map { KeyValue(key: $0.key, value: $0.value) },
            tags: tags.sorted { $0.key < $1.key }.map { KeyValue(key: $0.key, value: $0.value) })

        let fileName = file.lastPathComponent
        progress?.advance(detail: "uploading \(fileName) (\(facts.fileSize) bytes)")
        let started = Date()
        try await client.uploadArtifact(file: file, artifactRoot: run.info.artifactURI, path: "\(Self.artifactDirectory)/\(fileName)")
        logger.info("uploaded", metadata: ["file": "\(fileName)", "seconds": "\(String(format: "%.1f", Date().timeIntervalSince(started)))"])
        let descriptor = ModelDescriptor(facts: facts, fileName: fileName, runID: runID)
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("bertha-MLmodel-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: scratch) }
        do throws(FileError) {
            try AtomicFile.write(descriptor.yaml, to: scratch)
        } catch {
            throw MLflowError.localFile(path: scratch.path, reason: error.message)
        }
        try await client.uploadArtifact(file: scratch, artifactRoot: run.info.artifactURI, path: "\(Self.artifactDirectory)/MLmodel")

        try await client.ensureRegisteredModel(named: name)
        let source = run.info.artifactURI + "/" + Self.artifactDirectory
        var versionTags = tags
        versionTags[Self.sha256Tag] = facts.sha256
        versionTags[Self.fileTag] = fileName
        versionTags[Self.kindTag] = facts.kind
        if let base = facts.baseURI { versionTags[Self.baseTag] = base }
        let created = try await client.createModelVersion(name: name, source: source, runID: runID, tags: versionTags)
        let ready = try await client.waitUntilReady(name: name, version: created.version)
        if let alias { try await client.setAlias(name: name, alias: alias, version: ready.version) }
        logger.info("registered", metadata: ["uri": "\(ready.uri)", "run_id": "\(runID)"])
        return RegisteredVersion(name: name, version: ready.version, uri: ready.uri, alias: alias, runID: runID,
                                 experimentID: run.info.experimentID, source: source, artifactURI: source + "/" + fileName,
                                 sha256: facts.sha256, reused: false, facts: facts)
    }
}

/// A small `MLmodel`-style descriptor stored beside the GGUF file, so MLflow's UI and other tools
/// see what the directory holds.
public struct ModelDescriptor: Sendable, Equatable {
    public var facts: GGUFFacts
    public var fileName: String
    public var runID: String

    /// YAML; every string is a JSON literal, which YAML reads as the same string.
    public var yaml: String {
        func q(_ text: String) -> String {
            let data = (try? JSONEncoder().encode(text)) ?? Data("\"\"".utf8)
            return String(decoding: data, as: UTF8.self)
        }
        var lines = [
            "artifact_path: \(ModelRegistrar.artifactDirectory)",
            "run_id: \(q(runID))",
            "utc_time_created: \(q(ISO8601DateFormatter().string(from: Date())))",
            "flavors:",
            "  gguf:",
            "    file: \(q(fileName))",
            "    sha256: \(q(facts.sha256))",
            "    size: \(facts.fileSize)",
            "    type: \(q(facts.kind))",
            "    architecture: \(q(facts.architecture))",
            "    quantization: \(q(facts.quantization))",
            "    tensor_count: \(facts.tensorCount)",
        ]
        if let label = facts.sizeLabel { lines.append("    size_label: \(q(label))") }
        if let ctx = facts.contextLength { lines.append("    context_length: \(ctx)") }
        lines.append("    loader: \(q("bertha \(BerthaVersion.current)"))")
        return lines.joined(separator: "\n") + "\n"
    }
}
