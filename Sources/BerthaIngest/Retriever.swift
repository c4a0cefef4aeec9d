import BerthaEmbeddings
import BerthaVectorStore
import Foundation

/// One retrieved chunk: its text, where it came from and how close it is to the query.
public struct RetrievedChunk: Sendable, Equatable, Codable {
    /// The chunk id (SHA-256 of document id, index and text).
    public var id: String
    public var documentID: String
    /// The source URI (`file:///…`, `s3://bucket/key`, `…!/entry` inside an archive).
    public var source: String
    public var text: String
    /// Cosine similarity to the query, 1 = same direction.
    public var score: Float
    public var chunkIndex: Int?
    public var page: Int?
    public var section: String?
    /// All stored metadata, including the keys above.
    public var metadata: [String: String]

    public init(_ hit: ScoredRecord) {
        let metadata = hit.record.metadata
        id = hit.record.id
        documentID = hit.record.documentID
        source = metadata[VectorRecord.MetadataKey.source] ?? hit.record.documentID
        text = hit.record.text
        score = hit.score
        chunkIndex = metadata[VectorRecord.MetadataKey.chunkIndex].flatMap { Int($0) }
        page = metadata[VectorRecord.MetadataKey.page].flatMap { Int($0) }
        section = metadata[VectorRecord.MetadataKey.section]
        self.metadata = metadata
    }
}

/// Finds the stored chunks nearest to a question: what `bertha ingest --query` prints and what the RAG
/// of `bertha serve` puts in front of the model.
public struct Retriever: Sendable {
    public let embedder: any TextEmbedder
    public let store: any VectorStore

    public init(embedder: any TextEmbedder, store: any VectorStore) {
        self.embedder = embedder
        self.store = store
    }

    /// The `k` chunks nearest to `query`, best first.
    /// - Parameters:
    ///   - minScore: drop chunks whose cosine similarity is below it (`vector_store.score_threshold`).
    ///   - filter: metadata equalities and/or document ids a chunk must match.
    /// - Throws: the embedding model's or the store's error.
    public func retrieve(query: String, k: Int, minScore: Float? = nil, filter: SearchFilter = .none) async throws -> [RetrievedChunk] {
        guard k > 0, !query.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { return [] }
        let vectors = try await embedder.embed([query])
        guard let vector = vectors.first, vectors.count == 1 else {
            throw IngestError.embedderMismatch(model: embedder.modelName, reason: "\(vectors.count) vectors for 1 query")
        }
        return try await store.search(vector, k: k, filter: filter, minScore: minScore).map(RetrievedChunk.init)
    }
}
