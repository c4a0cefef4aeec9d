import Foundation

/// What one ingest run did. Counts are documents (a JSONL record or an archive entry is a document).
public struct IngestSummary: Sendable, Equatable, Codable {
    /// Documents that were not in the store before.
    public var added = 0
    /// Documents whose content (or chunking, or embedding model) changed: all their chunks were replaced.
    public var updated = 0
    /// Documents removed: by a removal event, or gone from an object that was ingested again.
    public var deleted = 0
    /// Documents already in the store with the same fingerprint: nothing was done.
    public var unchanged = 0
    /// Sources that hold no document (binary files, nested archives), each with a warning.
    public var skipped = 0
    /// Sources that could not be read or loaded; see `failures`.
    public var failed = 0
    /// Chunks written (embedded and stored); with `dryRun`, chunks that would be written.
    public var chunks = 0
    /// Wall-clock seconds of the run.
    public var seconds = 0.0
    /// True when nothing was embedded or written.
    public var dryRun = false
    /// One entry per failed source: the source and bertha's one-line error.
    public var failures: [Failure] = []
    /// One entry per skipped source and why.
    public var skips: [Skip] = []

    public struct Failure: Sendable, Equatable, Codable {
        public var source: String
        public var error: String
    }

    public struct Skip: Sendable, Equatable, Codable {
        public var source: String
        public var reason: String
    }

    public init() {}

    /// True when the run changed nothing in the store.
    public var isNoOp: Bool { added == 0 && updated == 0 && deleted == 0 }

    /// The one-line human summary the CLI prints.
    public var line: String {
        var parts = ["\(added) added", "\(updated) updated", "\(deleted) deleted", "\(unchanged) unchanged"]
        if skipped > 0 { parts.append("\(skipped) skipped") }
        if failed > 0 { parts.append("\(failed) failed") }
        let chunkPart = dryRun ? "\(chunks) chunks would be written" : "\(chunks) chunks written"
        return (dryRun ? "dry run: " : "") + "documents: " + parts.joined(separator: ", ")
            + "; " + chunkPart + String(format: " in %.1f s", seconds)
    }
}
