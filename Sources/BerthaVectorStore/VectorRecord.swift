/// One stored chunk: its text, its embedding and where it came from.
///
/// The ingest command maps its chunks onto records; this module knows nothing of chunking.
public struct VectorRecord: Sendable, Equatable, Codable {
    /// Unique within a store; re-upserting the same id replaces the record.
    public var id: String
    /// The document the chunk belongs to; `replaceDocument`/`deleteDocument` act on all its records.
    public var documentID: String
    public var text: String
    /// The embedding. Stores normalise it to unit length, so scores are cosine similarities.
    public var vector: [Float]
    /// Free-form string metadata: `source` (URI), `chunk_index`, `page`, `section`, … Searchable by equality.
    public var metadata: [String: String]

    public init(id: String, documentID: String, text: String, vector: [Float], metadata: [String: String] = [:]) {
        self.id = id
        self.documentID = documentID
        self.text = text
        self.vector = vector
        self.metadata = metadata
    }

    /// Metadata keys bertha's ingest fills in; other keys pass through unchanged.
    public enum MetadataKey {
        public static let source = "source"
        public static let chunkIndex = "chunk_index"
        public static let page = "page"
        public static let section = "section"
    }
}

/// A search hit: the record and its cosine similarity to the query (1 = same direction).
public struct ScoredRecord: Sendable, Equatable {
    public var record: VectorRecord
    public var score: Float

    public init(record: VectorRecord, score: Float) {
        self.record = record
        self.score = score
    }
}

/// Restricts a search: every `metadata` pair must match exactly, and when `documentIDs` is set the
/// record's document must be one of them.
public struct SearchFilter: Sendable, Equatable {
    public var metadata: [String: String]
    public var documentIDs: Set<String>?

    public init(metadata: [String: String] = [:], documentIDs: Set<String>? = nil) {
        self.metadata = metadata
        self.documentIDs = documentIDs
    }

    public static let none = SearchFilter()

    public var isEmpty: Bool { metadata.isEmpty && documentIDs == nil }

    /// True when `record` passes the filter.
    public func matches(documentID: String, metadata recordMetadata: [String: String]) -> Bool {
        if let documentIDs, !documentIDs.contains(documentID) { return false }
        for (key, value) in metadata where recordMetadata[key] != value { return false }
        return true
    }
}

/// What a store remembers about an ingested document, so an unchanged document is not re-embedded.
public struct DocumentState: Sendable, Equatable, Codable {
    public var documentID: String
    /// The content hash the ingest computed when the document was stored.
    public var contentHash: String
    /// The ids of the document's records.
    public var recordIDs: [String]

    public init(documentID: String, contentHash: String, recordIDs: [String]) {
        self.documentID = documentID
        self.contentHash = contentHash
        self.recordIDs = recordIDs
    }
}
