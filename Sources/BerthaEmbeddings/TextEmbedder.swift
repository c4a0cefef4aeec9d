/// A sentence-embedding model: text in, one L2-normalised vector per text out.
///
/// Ingest, RAG in `serve` and `/v1/embeddings` depend on this protocol, not on a concrete model,
/// so the pipeline code is the same whether the model came from a GGUF file or a Hugging Face folder.
public protocol TextEmbedder: Sendable {
    /// A name for logs, metadata and the `model` field of `/v1/embeddings` (e.g. `all-MiniLM-L6-v2`).
    var modelName: String { get }
    /// The length of every vector `embed` returns (384 for all-MiniLM-L6-v2).
    var dimension: Int { get }
    /// The longest input in tokens (special tokens included) the model reads; longer inputs are truncated.
    var maxTokens: Int { get }
    /// Embeds `texts` in order. Vectors have unit L2 norm.
    func embed(_ texts: [String]) async throws -> [[Float]]
    /// The number of model tokens `text` encodes to, without special tokens: what chunk sizes are measured in.
    func tokenCount(_ text: Substring) -> Int
}
