import BerthaEmbeddings
import BerthaText

/// Counts tokens with the embedding model's own tokenizer, so a chunk of N tokens is N tokens for
/// the model that embeds it.
public struct EmbedderTokenCounter: TokenCounter {
    public let embedder: any TextEmbedder

    public init(_ embedder: any TextEmbedder) {
        self.embedder = embedder
    }

    public func tokenCount(_ text: Substring) -> Int { embedder.tokenCount(text) }
}
