/// LlamaIndex `TokenTextSplitter` semantics: text is split into words (at whitespace; words over the
/// size into characters) with no regard for sentences, and the words are merged into chunks of at most
/// `chunkSize` tokens, each starting with the previous chunk's last words worth at most `chunkOverlap`.
public struct TokenSplitter: TextSplitter {
    public let chunkSize: Int
    public let chunkOverlap: Int
    public let counter: any TokenCounter

    public init(chunkSize: Int = 512, chunkOverlap: Int = 64, counter: any TokenCounter) throws {
        guard chunkSize > 0 else { throw TextError.invalidChunking(reason: "chunk size \(chunkSize) must be positive") }
        guard chunkOverlap >= 0, chunkOverlap < chunkSize else {
            throw TextError.invalidChunking(reason: "chunk overlap \(chunkOverlap) must be at least 0 and below the chunk size \(chunkSize)")
        }
        self.chunkSize = chunkSize
        self.chunkOverlap = chunkOverlap
        self.counter = counter
    }

    public func chunkRanges(in text: String, range: Range<String.Index>) -> [Range<String.Index>] {
        guard !RangeSplitting.trimmed(text, range).isEmpty else { return [] }
        var pieces: [SplitPiece] = []
        for word in RangeSplitting.byWords(text, range) {
            let tokens = counter.tokenCount(text[word])
            if tokens <= chunkSize {
                pieces.append(SplitPiece(range: word, isSentence: false, tokens: tokens))
                continue
            }
            for char in RangeSplitting.byCharacters(text, word) {
                pieces.append(SplitPiece(range: char, isSentence: false, tokens: counter.tokenCount(text[char])))
            }
        }
        return ChunkMerger(size: chunkSize, overlap: chunkOverlap).merge(pieces, text: text)
    }
}
