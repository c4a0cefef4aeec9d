import BerthaEmbeddings
import BerthaVectorStore

/// Retrieval-augmented generation: embeds the question, takes the best chunks from the vector
/// store, and writes them into the system prompt as numbered sources the answer can cite.
public struct RAGRetriever: Sendable {
    public let embedder: any TextEmbedder
    public let store: any VectorStore
    /// Chunks retrieved per question (`vector_store.top_k`).
    public let topK: Int
    /// Minimum cosine similarity a chunk needs (`vector_store.score_threshold`).
    public let minScore: Float

    public init(embedder: any TextEmbedder, store: any VectorStore, topK: Int, minScore: Float) {
        self.embedder = embedder
        self.store = store
        self.topK = topK
        self.minScore = minScore
    }

    /// The chunks that answer `question`, best first, numbered from 1; empty when none passes the threshold.
    public func retrieve(_ question: String) async throws -> [Source] {
        guard let vector = try await embedder.embed([question]).first else { return [] }
        let hits = try await store.search(vector, k: topK, filter: .none, minScore: minScore)
        return hits.enumerated().map { offset, hit in
            Source(index: offset + 1, documentID: hit.record.documentID,
                   uri: hit.record.metadata[VectorRecord.MetadataKey.source] ?? hit.record.documentID,
                   score: Double(hit.score), text: hit.record.text)
        }
    }

    /// `turns` with the sources put into the system prompt (an existing system message keeps its
    /// text after them). The last user message is left as the user wrote it.
    public static func augment(_ turns: [ChatTurn], with sources: [Source]) -> [ChatTurn] {
        guard !sources.isEmpty else { return turns }
        var context = "Answer using the numbered sources below when they are relevant, and cite them like [1]. "
            + "If they do not contain the answer, say so.\n"
        for source in sources {
            context += "\n[\(source.index)] \(source.uri)\n\(source.text)\n"
        }
        var result = turns
        if let first = result.first, first.role == "system" || first.role == "developer" {
            result[0].content = context + "\n" + first.content
        } else {
            result.insert(ChatTurn(role: "system", content: context), at: 0)
        }
        return result
    }
}
