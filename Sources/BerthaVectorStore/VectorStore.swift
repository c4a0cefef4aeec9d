/// A collection of embedded chunks that can be searched by cosine similarity.
///
/// Implementations: `EmbeddedVectorStore` (a directory of bertha's own) and `MilvusVectorStore`
/// (Milvus over REST). Open one from configuration with `VectorStores.open(_:)`.
public protocol VectorStore: Sendable {
    /// Inserts records, replacing any with the same id.
    func upsert(_ records: [VectorRecord]) async throws

    /// Replaces every record of `documentID` with `records` and remembers `contentHash`.
    ///
    /// After a crash or failure the document is either entirely as before or entirely as after
    /// (the embedded store guarantees this with one manifest commit; Milvus with insert-then-delete,
    /// see `MilvusVectorStore`).
    func replaceDocument(_ documentID: String, contentHash: String, records: [VectorRecord]) async throws

    /// Removes every record of `documentID` and forgets its hash. Removing an unknown document is not an error.
    func deleteDocument(_ documentID: String) async throws

    /// The content hash stored with `documentID` by `replaceDocument`, or nil when the document is unknown.
    func documentHash(_ documentID: String) async throws -> String?

    /// The ids of the stored documents whose id starts with `prefix`, sorted. Ingest uses it to find
    /// every document that came from one object (`s3://b/k`, `s3://b/k#3`, `s3://b/k.zip!/a.md`)
    /// when the object is removed or shrinks.
    func documentIDs(withPrefix prefix: String) async throws -> [String]

    /// The `k` records nearest to `vector` that pass `filter` and score at least `minScore`, best first.
    func search(_ vector: [Float], k: Int, filter: SearchFilter, minScore: Float?) async throws -> [ScoredRecord]

    /// The number of live records.
    func count() async throws -> Int

    /// Deletes the whole collection (every record and document hash).
    func drop() async throws
}

extension VectorStore {
    /// The `k` nearest records without a filter or score floor.
    public func search(_ vector: [Float], k: Int) async throws -> [ScoredRecord] {
        try await search(vector, k: k, filter: .none, minScore: nil)
    }
}
