/// Counts tokens the way the embedding model will see them; chunk sizes are measured with it.
///
/// The embedding model's WordPiece tokenizer conforms in BerthaEmbeddings, so a 512-token chunk is
/// 512 tokens for the model that embeds it, not an estimate.
public protocol TokenCounter: Sendable {
    /// The number of tokens `text` encodes to, without special tokens such as `[CLS]`/`[SEP]`.
    func tokenCount(_ text: Substring) -> Int
}
