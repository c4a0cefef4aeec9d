import BerthaCore

/// Why an ingest could not run or did not finish cleanly. Each case names the source or setting at fault.
public enum IngestError: BerthaError, Equatable {
    /// A source argument is neither a path nor `s3://bucket[/prefix]`.
    case invalidSource(String, reason: String)
    /// `s3://` sources or bucket events need an object store and none was configured.
    case noObjectStore(uri: String)
    /// The chunk settings do not fit the embedding model.
    case invalidChunking(reason: String)
    /// The embedding model returned the wrong number of vectors or a vector of the wrong size.
    case embedderMismatch(model: String, reason: String)
    /// Some sources failed (each is in the summary); the rest were ingested.
    case sourcesFailed(count: Int, first: String)

    public var message: String {
        switch self {
        case .invalidSource(_, let reason): "invalid ingest source: \(reason)"
        case .noObjectStore: "no object store configured for s3:// sources (set s3.endpoint and credentials)"
        case .invalidChunking(let reason): "invalid chunking settings: \(reason)"
        case .embedderMismatch(let model, let reason): "embedding model \(model) misbehaved: \(reason)"
        case .sourcesFailed(let count, let first):
            count == 1 ? "1 source failed: \(first)" : "\(count) sources failed; the first: \(first)"
        }
    }

    public var location: String? {
        switch self {
        case .invalidSource(let source, _): source
        case .noObjectStore(let uri): uri
        case .invalidChunking: "ingest.chunk_size"
        case .embedderMismatch, .sourcesFailed: nil
        }
    }

    public var exitCode: BerthaExitCode {
        switch self {
        case .invalidSource, .invalidChunking: .usage
        default: .failure
        }
    }
}
