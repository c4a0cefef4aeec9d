import BerthaCore
import BerthaObjectStore
import BerthaText
import Foundation

/// The fallback for stores without notifications: lists a bucket prefix (ListObjectsV2), compares
/// each object's ETag with the last listing and submits created/changed objects for ingest and
/// vanished ones for deletion. The last listing is kept in `STATE/poll-BUCKET.json`, so a restart
/// only reacts to what changed while it was down.
public struct BucketPoller: Sendable {
    public let store: any ObjectStore
    public let bucket: String
    public let prefix: String
    public let stateURL: URL

    public init(store: any ObjectStore, bucket: String, prefix: String, stateDir: String) {
        self.store = store
        self.bucket = bucket
        self.prefix = prefix
        let safe = bucket.map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "_" }
        stateURL = URL(fileURLWithPath: stateDir).appendingPathComponent("poll-\(String(safe)).json")
    }

    /// The changes between the persisted listing and `current` (object key → ETag).
    public static func diff(previous: [String: String], current: [String: String], bucket: String) -> [IngestEvent] {
        let created = current.keys.sorted().filter { previous[$0] != current[$0] }
            .map { IngestEvent(kind: .created, bucket: bucket, key: $0, eventName: "poll:created") }
        let removed = previous.keys.sorted().filter { current[$0] == nil }
            .map { IngestEvent(kind: .removed, bucket: bucket, key: $0, eventName: "poll:removed") }
        return removed + created
    }

    /// Lists once, submits the differences to `runner` and persists the listing.
    /// - Returns: the events submitted.
    @discardableResult
    public func poll(into runner: PipelineRunner) async throws -> [IngestEvent] {
        let listing = try await store.list(prefix: prefix)
        var current: [String: String] = [:]
        for object in listing.objects where !object.key.hasSuffix("/") {
            current[object.key] = object.etag ?? "\(object.size)-\(object.lastModified?.timeIntervalSince1970 ?? 0)"
        }
        let previous = loadState()
        let events = Self.diff(previous: previous, current: current, bucket: bucket)
        if !events.isEmpty { _ = try await runner.submit(events) }
        // Persisted after submitting: a crash in between re-submits rather than loses a change.
        let data = (try? JSONEncoder.sorted.encode(current)) ?? Data("{}".utf8)
        do throws(FileError) { try AtomicFile.write(data, to: stateURL) } catch {
            throw EventsError.state(path: stateURL.path, reason: error.message)
        }
        return events
    }

    func loadState() -> [String: String] {
        guard let data = FileManager.default.contents(atPath: stateURL.path) else { return [:] }
        return (try? JSONDecoder().decode([String: String].self, from: data)) ?? [:]
    }
}

extension JSONEncoder {
    static var sorted: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}
