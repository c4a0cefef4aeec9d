/// LlamaIndex `SentenceSplitter` semantics with bertha's token counter: text is split by paragraphs
/// (`paragraphSeparator`, `\n\n\n` as in LlamaIndex), then sentences, and only pieces still over
/// `chunkSize` tokens are split further by clauses, words and finally characters. Pieces are then merged
/// greedily up to `chunkSize` tokens, each chunk starting with the previous chunk's trailing pieces
/// worth at most `chunkOverlap` tokens.
public struct SentenceSplitter: TextSplitter {
    public let chunkSize: Int
    public let chunkOverlap: Int
    public let counter: any TokenCounter
    public var paragraphSeparator: String
    public var sentenceTokenizer: SentenceTokenizer

    public init(chunkSize: Int = 512, chunkOverlap: Int = 64, counter: any TokenCounter,
                paragraphSeparator: String = "\n\n\n", sentenceTokenizer: SentenceTokenizer = SentenceTokenizer()) throws {
        guard chunkSize > 0 else { throw TextError.invalidChunking(reason: "chunk size \(chunkSize) must be positive") }
        guard chunkOverlap >= 0, chunkOverlap < chunkSize else {
            throw TextError.invalidChunking(reason: "chunk overlap \(chunkOverlap) must be at least 0 and below the chunk size \(chunkSize)")
        }
        self.chunkSize = chunkSize
        self.chunkOverlap = chunkOverlap
        self.counter = counter
        self.paragraphSeparator = paragraphSeparator
        self.sentenceTokenizer = sentenceTokenizer
    }

    public func chunkRanges(in text: String, range: Range<String.Index>) -> [Range<String.Index>] {
        guard !RangeSplitting.trimmed(text, range).isEmpty else { return [] }
        let pieces = split(text, range)
        return ChunkMerger(size: chunkSize, overlap: chunkOverlap).merge(pieces, text: text)
    }

    private func split(_ text: String, _ range: Range<String.Index>) -> [SplitPiece] {
        let tokens = counter.tokenCount(text[range])
        if tokens <= chunkSize { return [SplitPiece(range: range, isSentence: true, tokens: tokens)] }
        var parts = RangeSplitting.bySeparator(text, range, paragraphSeparator)
        var isSentence = true
        if parts.count <= 1 { parts = sentenceTokenizer.sentenceRanges(in: text[range]) }
        if parts.count <= 1 {
            isSentence = false
            parts = RangeSplitting.byClause(text, range)
            if parts.count <= 1 { parts = RangeSplitting.byWords(text, range) }
            if parts.count <= 1 { parts = RangeSplitting.byCharacters(text, range) }
            // One character over the limit cannot be split further; it becomes its own chunk.
            if parts.count <= 1 { return [SplitPiece(range: range, isSentence: false, tokens: tokens)] }
        }
        var out: [SplitPiece] = []
        for part in parts {
            let count = counter.tokenCount(text[part])
            if count <= chunkSize {
                out.append(SplitPiece(range: part, isSentence: isSentence, tokens: count))
            } else {
                out += split(text, part)
            }
        }
        return out
    }
}
