import Foundation

/// An MLflow experiment (`experiments/get-by-name`).
public struct Experiment: Sendable, Equatable, Codable {
    public var experimentID: String
    public var name: String
    /// Where runs of this experiment store artifacts (`mlflow-artifacts:/1`, `s3://…`).
    public var artifactLocation: String?
    public var lifecycleStage: String?

    enum CodingKeys: String, CodingKey {
        case experimentID = "experiment_id", name, artifactLocation = "artifact_location", lifecycleStage = "lifecycle_stage"
    }
}

/// A run's lifecycle state.
public enum RunStatus: String, Sendable, Codable, CaseIterable {
    case running = "RUNNING", scheduled = "SCHEDULED", finished = "FINISHED", failed = "FAILED", killed = "KILLED"
}

/// A metric point: key, value, timestamp (ms since the epoch) and step.
public struct Metric: Sendable, Equatable, Codable {
    public var key: String
    public var value: Double
    public var timestamp: Int64
    public var step: Int64

    public init(key: String, value: Double, timestamp: Int64 = Int64(Date().timeIntervalSince1970 * 1000), step: Int64 = 0) {
        self.key = key
        self.value = value
        self.timestamp = timestamp
        self.step = step
    }

    enum CodingKeys: String, CodingKey { case key, value, timestamp, step }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        key = try c.decode(String.self, forKey: .key)
        value = try c.decodeIfPresent(Double.self, forKey: .value) ?? 0
        // proto3 JSON writes int64 as a string or a number, and omits zeros.
        timestamp = try Self.int64(c, .timestamp)
        step = try Self.int64(c, .step)
    }

    static func int64(_ c: KeyedDecodingContainer<CodingKeys>, _ key: CodingKeys) throws -> Int64 {
        if let number = try? c.decodeIfPresent(Int64.self, forKey: key) { return number }
        if let text = try c.decodeIfPresent(String.self, forKey: key) { return Int64(text) ?? 0 }
        return 0
    }
}

/// A key/value pair: a run parameter or a tag.
public struct KeyValue: Sendable, Equatable, Codable, Hashable {
    public var key: String
    public var value: String

    public init(key: String, value: String) {
        self.key = key
        self.value = value
    }

    enum CodingKeys: String, CodingKey { case key, value }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        key = try c.decode(String.self, forKey: .key)
        value = try c.decodeIfPresent(String.self, forKey: .value) ?? ""
    }
}

/// An MLflow run: its identity and state (`info`) and what was logged (`data`).
public struct Run: Sendable, Equatable, Codable {
    public struct Info: Sendable, Equatable, Codable {
        public var runID: String
        public var experimentID: String
        public var runName: String?
        public var status: RunStatus?
        /// Root of the run's artifacts (`mlflow-artifacts:/<exp>/<run>/artifacts`).
        public var artifactURI: String
        public var lifecycleStage: String?

        enum CodingKeys: String, CodingKey {
            case runID = "run_id", experimentID = "experiment_id", runName = "run_name", status
            case artifactURI = "artifact_uri", lifecycleStage = "lifecycle_stage"
        }
    }

    public struct Data: Sendable, Equatable, Codable {
        public var metrics: [Metric]
        public var params: [KeyValue]
        public var tags: [KeyValue]

        enum CodingKeys: String, CodingKey { case metrics, params, tags }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            metrics = try c.decodeIfPresent([Metric].self, forKey: .metrics) ?? []
            params = try c.decodeIfPresent([KeyValue].self, forKey: .params) ?? []
            tags = try c.decodeIfPresent([KeyValue].self, forKey: .tags) ?? []
        }
    }

    public var info: Info
    public var data: Data?

    /// The logged parameters as a dictionary.
    public var params: [String: String] { Dictionary((data?.params ?? []).map { ($0.key, $0.value) }) { $1 } }
    /// The latest value of each metric.
    public var metrics: [String: Double] { Dictionary((data?.metrics ?? []).map { ($0.key, $0.value) }) { $1 } }
    /// The run's tags as a dictionary.
    public var tags: [String: String] { Dictionary((data?.tags ?? []).map { ($0.key, $0.value) }) { $1 } }
}

/// A registered model (`registered-models/get`).
public struct RegisteredModel: Sendable, Equatable, Codable {
    public var name: String
    public var description: String?
    public var tags: [KeyValue]?
    public var aliases: [Alias]?

    /// An alias entry as MLflow lists it on a registered model.
    public struct Alias: Sendable, Equatable, Codable {
        public var alias: String
        public var version: String
    }
}

/// One version of a registered model.
public struct ModelVersion: Sendable, Equatable, Codable {
    public enum Status: String, Sendable, Codable {
        case pendingRegistration = "PENDING_REGISTRATION", failedRegistration = "FAILED_REGISTRATION", ready = "READY"
    }

    public var name: String
    public var version: String
    /// Where the version's files are (`mlflow-artifacts:/…/artifacts/model`, `s3://…`, `runs:/…`).
    public var source: String?
    public var runID: String?
    public var status: Status?
    public var statusMessage: String?
    public var tags: [KeyValue]?
    public var aliases: [String]?
    public var creationTimestamp: Int64?

    enum CodingKeys: String, CodingKey {
        case name, version, source, runID = "run_id", status, statusMessage = "status_message", tags, aliases
        case creationTimestamp = "creation_timestamp"
    }

    /// A tag's value by key.
    public func tag(_ key: String) -> String? { tags?.first { $0.key == key }?.value }

    /// `models:/NAME/VERSION`.
    public var uri: String { "models:/\(name)/\(version)" }
}

/// One entry of an artifact listing.
public struct ArtifactFile: Sendable, Equatable, Codable {
    public var path: String
    public var isDir: Bool
    public var fileSize: Int?

    enum CodingKeys: String, CodingKey { case path, isDir = "is_dir", fileSize = "file_size" }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        path = try c.decode(String.self, forKey: .path)
        isDir = try c.decodeIfPresent(Bool.self, forKey: .isDir) ?? false
        if let size = try? c.decodeIfPresent(Int.self, forKey: .fileSize) { fileSize = size }
        else { fileSize = (try c.decodeIfPresent(String.self, forKey: .fileSize)).flatMap { Int($0) } }
    }
}
