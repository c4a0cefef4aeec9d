import BerthaText
import Foundation

/// One pipeline run: what started it, its steps and where it ended. Stored as `runs/ID/run.json`.
public struct Run: Codable, Sendable, Equatable, Identifiable {
    /// What the run does.
    public enum Job: Codable, Sendable, Equatable {
        /// Index (`created`) or drop (`removed`) one object: the `bertha-ingest` WorkflowTemplate.
        case ingest(IngestEvent)
        /// retrain → evaluate → register → promote: the `bertha-retrain` WorkflowTemplate.
        /// `trigger` is the alert (JSON) handed to `bertha retrain --trigger`.
        case retrain(trigger: String)

        public var kind: String {
            switch self {
            case .ingest(let event): event.kind == .created ? "ingest" : "delete"
            case .retrain: "retrain"
            }
        }
    }

    public enum State: String, Codable, Sendable {
        /// Accepted, waiting for its turn (another run of the same key, or a retraining, is running).
        case queued
        case running
        case succeeded
        case failed
        /// A newer event for the same object arrived before this one started; that one runs instead.
        case superseded

        public var isFinished: Bool { self == .succeeded || self == .failed || self == .superseded }
    }

    /// One step of the pipeline, as it ran.
    public struct Step: Codable, Sendable, Equatable {
        public var name: String
        public var command: [String]
        public var startedAt: Date
        public var finishedAt: Date?
        public var exitCode: Int32?
        /// The step's standard output (its `--json` result), at most 64 KiB.
        public var output: String?

        public init(name: String, command: [String], startedAt: Date) {
            self.name = name
            self.command = command
            self.startedAt = startedAt
        }
    }

    public var id: String
    public var job: Job
    public var state: State
    public var createdAt: Date
    public var startedAt: Date?
    public var finishedAt: Date?
    public var steps: [Step]
    /// Why it failed, one line.
    public var error: String?
    /// Alert episodes (fingerprint@startsAt) that this retraining answers, including repeats and
    /// alerts coalesced into it while another retraining ran.
    public var alerts: [String]
    /// The run this one retries.
    public var retryOf: String?
    /// The gate verdict of a retraining (`passed`/`failed`), and the registered version.
    public var gate: String?
    public var modelVersion: String?
    public var logPath: String

    public init(id: String, job: Job, createdAt: Date, logPath: String, alerts: [String] = [], retryOf: String? = nil) {
        self.id = id
        self.job = job
        self.state = .queued
        self.createdAt = createdAt
        self.steps = []
        self.alerts = alerts
        self.retryOf = retryOf
        self.logPath = logPath
    }

    /// The object key an ingest run is about; runs of the same key never overlap.
    public var objectKey: String? {
        if case .ingest(let event) = job { return "\(event.bucket)/\(event.key)" }
        return nil
    }

    /// A sortable id: UTC time, kind and a random suffix (`20261129-063015-ingest-3fa2`).
    public static func makeID(kind: String, at date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        let suffix = String(UInt16.random(in: 0...UInt16.max), radix: 16)
        return "\(formatter.string(from: date))-\(kind)-\(String(repeating: "0", count: 4 - suffix.count))\(suffix)"
    }
}
