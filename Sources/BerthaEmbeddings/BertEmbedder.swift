import BerthaInference
import BerthaTokenizers

/// A BERT sentence-embedding model (all-MiniLM-L6-v2 and its family) behind `TextEmbedder`:
/// WordPiece tokenization with truncation, the packed-batch `BertEncoder`, pooling and L2
/// normalization — what sentence-transformers' `encode(normalize_embeddings=True)` computes.
///
/// An actor: calls are serialized because the encoder's threads and scratch serve one batch at a
/// time. Open one with `EmbeddingModels.open(section:)`.
public actor BertEmbedder: TextEmbedder {
    public nonisolated let modelName: String
    public nonisolated let dimension: Int
    public nonisolated let maxTokens: Int
    /// Inputs per forward pass (`embeddings.batch_size`).
    public nonisolated let batchSize: Int
    /// The WordPiece tokenizer.
    public nonisolated let tokenizer: any Tokenizer
    /// Where the model was loaded from.
    public nonisolated let path: String
    /// Compute threads.
    public nonisolated let threads: Int
    /// Seconds spent loading the weights and tokenizer.
    public nonisolated let loadSeconds: Double
    private let encoder: BertEncoder

    /// Wraps a loaded encoder and its tokenizer.
    /// - Parameters:
    ///   - encoder: the model.
    ///   - tokenizer: its WordPiece tokenizer.
    ///   - modelName: for logs and `/v1/embeddings`.
    ///   - path: the file or folder it came from.
    ///   - maxTokens: inputs are cut to this many tokens, `[CLS]` and `[SEP]` included (≤ the model's positions).
    ///   - batchSize: inputs per forward pass.
    ///   - loadSeconds: time spent loading.
    public init(encoder: BertEncoder, tokenizer: any Tokenizer, modelName: String, path: String, maxTokens: Int,
                batchSize: Int, loadSeconds: Double = 0) {
        self.encoder = encoder
        self.tokenizer = tokenizer
        self.modelName = modelName
        self.path = path
        self.dimension = encoder.configuration.width
        self.maxTokens = max(2, min(maxTokens, encoder.configuration.maxPositions))
        self.batchSize = max(1, batchSize)
        self.threads = encoder.pool.threads
        self.loadSeconds = loadSeconds
    }

    public func embed(_ texts: [String]) async throws -> [[Float]] {
        var vectors: [[Float]] = []
        vectors.reserveCapacity(texts.count)
        var start = 0
        while start < texts.count {
            try Task.checkCancellation()
            let end = min(start + batchSize, texts.count)
            let ids = texts[start..<end].map { tokenIDs($0) }
            vectors += try encoder.embed(ids)
            start = end
        }
        return vectors
    }

    public nonisolated func tokenCount(_ text: Substring) -> Int {
        tokenizer.encode(String(text), addSpecial: false, parseSpecial: true).count
    }

    /// The ids the model reads for `text`: `[CLS]`, the WordPiece tokens, `[SEP]`, cut to
    /// `maxTokens` by dropping tokens before `[SEP]` (Hugging Face's truncation, which
    /// sentence-transformers applies at its `max_seq_length`). Special-token text such as
    /// `[SEP]` inside `text` maps to its id, as in Hugging Face tokenizers.
    public nonisolated func tokenIDs(_ text: String) -> [Int32] {
        let ids = tokenizer.encode(text, addSpecial: true, parseSpecial: true)
        guard ids.count > maxTokens else { return ids }
        let vocabulary = tokenizer.vocabulary
        if vocabulary.addEOS, let separator = vocabulary.separatorID ?? vocabulary.eosID, ids.last == separator {
            return Array(ids.prefix(maxTokens - 1)) + [separator]
        }
        return Array(ids.prefix(maxTokens))
    }
}
