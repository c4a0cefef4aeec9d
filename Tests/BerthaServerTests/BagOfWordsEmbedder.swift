import BerthaEmbeddings

/// A deterministic stand-in for a sentence-embedding model: each lower-cased word adds 1 to the
/// dimension its FNV-1a hash picks, and the vector is L2-normalised. Texts sharing words score
/// high, texts sharing none score 0, which is all the server's RAG and /v1/embeddings tests need.
struct BagOfWordsEmbedder: TextEmbedder {
    var modelName = "bag-of-words"
    var dimension = 256
    var maxTokens = 512

    static func words(_ text: Substring) -> [Substring] {
        text.split(whereSeparator: { !$0.isLetter && !$0.isNumber })
    }

    func embed(_ texts: [String]) async throws -> [[Float]] {
        texts.map { text in
            var vector = [Float](repeating: 0, count: dimension)
            for word in Self.words(Substring(text)) {
                var hash: UInt64 = 0xcbf2_9ce4_8422_2325
                for byte in word.lowercased().utf8 {
                    hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
                }
                vector[Int(hash % UInt64(dimension))] += 1
            }
            let norm = vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
            return norm > 0 ? vector.map { $0 / norm } : vector
        }
    }

    func tokenCount(_ text: Substring) -> Int { Self.words(text).count }
}
