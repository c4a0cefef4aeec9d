import BerthaTokenizers

/// Counts tokens with a model tokenizer (WordPiece for all-MiniLM-L6-v2), without `[CLS]`/`[SEP]`:
/// the splitter sums counts of pieces, and the embedding model adds its two special tokens once per
/// chunk, so a chunk size of 510 fills a 512-position model exactly.
public struct TokenizerTokenCounter: TokenCounter {
    public let tokenizer: any Tokenizer

    public init(_ tokenizer: any Tokenizer) {
        self.tokenizer = tokenizer
    }

    public func tokenCount(_ text: Substring) -> Int {
        tokenizer.encode(String(text), addSpecial: false, parseSpecial: false).count
    }
}
