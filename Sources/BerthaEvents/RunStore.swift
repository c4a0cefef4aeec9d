import BerthaCore
import Foundation

/// The run history on disk: `STATE/runs/ID/run.json` (the record) and `STATE/runs/ID/run.log`
/// (what every step printed). Records are replaced atomically, so a crash leaves the previous
/// state of a run, never half a file.
public struct RunStore: Sendable {
    public let directory: URL

    /// - Parameter stateDir: `events.state_dir`.
    public init(stateDir: String) {
        directory = URL(fileURLWithPath: stateDir).appendingPathComponent("runs")
    }

    public func runDirectory(_ id: String) -> URL { directory.appendingPathComponent(id) }
    public func logURL(_ id: String) -> URL { runDirectory(id).appendingPathComponent("run.log") }
    private func recordURL(_ id: String) -> URL { runDirectory(id).appendingPathComponent("run.json") }

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }()

    private static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }()

    /// Writes (or replaces) a run's record.
    public func save(_ run: Run) throws(EventsError) {
        let url = recordURL(run.id)
        let data: Data
        do { data = try Self.encoder.encode(run) } catch { throw .state(path: url.path, reason: "\(error)") }
        do throws(FileError) { try AtomicFile.write(data, to: url) } catch { throw .state(path: url.path, reason: error.message) }
    }

    /// One run's record.
    public func load(_ id: String) throws(EventsError) -> Run {
        // Ids name directories: refuse anything that could leave the runs directory.
        guard !id.isEmpty, !id.contains("/"), !id.hasPrefix(".") else { throw .unknownRun(id: id) }
        let url = recordURL(id)
        guard let data = FileManager.default.contents(atPath: url.path) else { throw .unknownRun(id: id) }
        do { return try Self.decoder.decode(Run.self, from: data) } catch {
            throw .state(path: url.path, reason: "unreadable run record: \(error)")
        }
    }

    /// Every run, oldest first. Unreadable records are reported, not skipped.
    public func loadAll() throws(EventsError) -> [Run] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        var runs: [Run] = []
        for name in names where !name.hasPrefix(".") {
            guard FileManager.default.fileExists(atPath: recordURL(name).path) else { continue }
            runs.append(try load(name))
        }
        return runs.sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
    }

    /// Marks runs a previous process left `running` as failed (their child died with it) and
    /// returns the runs that were still queued, to be started again.
    /// - Parameter skipping: runs of the calling process, which are not left over.
    public func recover(skipping: Set<String> = [], now: Date = Date()) throws(EventsError) -> [Run] {
        var queued: [Run] = []
        for var run in try loadAll() where !skipping.contains(run.id) {
            switch run.state {
            case .running:
                run.state = .failed
                run.finishedAt = now
                run.error = "interrupted: bertha events stopped while the run was in progress (retry with bertha events retry \(run.id))"
                try save(run)
            case .queued:
                queued.append(run)
            default:
                break
            }
        }
        return queued
    }

    /// `STATE/alerts.jsonl`: every Alertmanager notification and what was done with it.
    public var notificationsURL: URL { directory.deletingLastPathComponent().appendingPathComponent("alerts.jsonl") }

    /// One line of `alerts.jsonl`.
    public struct NotificationRecord: Codable, Sendable, Equatable {
        public var receivedAt: Date
        public var status: String
        /// `alertname` and episode (fingerprint@startsAt) of each alert in the notification.
        public var alerts: [String]
        public var decision: AlertDecision
    }

    func recordNotification(_ payload: AlertmanagerPayload, _ decision: AlertDecision) {
        let record = NotificationRecord(receivedAt: Date(), status: payload.status,
                                        alerts: payload.alerts.map { "\($0.labels["alertname"] ?? "?") \($0.status) \($0.episode)" },
                                        decision: decision)
        guard let line = try? Self.compact.encode(record) else { return }
        append(Data(line) + Data("\n".utf8), to: notificationsURL)
    }

    /// The notifications recorded so far, oldest first.
    public func notifications() -> [NotificationRecord] {
        guard let text = try? String(contentsOf: notificationsURL, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { try? Self.decoder.decode(NotificationRecord.self, from: Data($0.utf8)) }
    }

    private static let compact: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }()

    private func append(_ data: Data, to url: URL) {
        try? FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        if let handle = FileHandle(forWritingAtPath: url.path) {
            handle.seekToEndOfFile()
            handle.write(data)
            try? handle.close()
        } else {
            _ = FileManager.default.createFile(atPath: url.path, contents: data)
        }
    }

    /// Appends a line to a run's log.
    public func appendLog(_ id: String, _ line: String) {
        let stamped = "\(ISO8601DateFormatter().string(from: Date())) \(Redactor.shared.redact(line))\n"
        append(Data(stamped.utf8), to: logURL(id))
    }
}
