/// SentencePiece-style tokenization over a GGUF `llama` vocabulary (LLaMA 1/2, Gemma 3), as
/// llama.cpp's `llm_tokenizer_spm` does it.
///
/// Spaces become `▁` (and the text gains a leading one when `addSpacePrefix` is set); the text is
/// split into UTF-8 characters; adjacent pairs whose concatenation is a token are merged,
/// highest score first (ties: leftmost), until no pair is a token. A character that never became
/// a token is emitted as byte tokens `<0xNN>`.
public struct SentencePieceTokenizer: Tokenizer {
    public let vocabulary: TokenizerVocabulary
    public let endOfGenerationIDs: Set<Int32>
    private let ids: _TokenIndex
    private let special: SpecialTokenMatcher
    /// Token for each byte value (`<0xNN>`, else the one-byte piece), or -1.
    private let byteTokens: [Int32]

    /// Builds the tokenizer; never fails (a missing byte token only matters for text that needs it).
    public init(_ vocabulary: TokenizerVocabulary) {
        let (resolved, eog) = vocabulary.resolvingEndOfGeneration()
        self.vocabulary = resolved
        self.endOfGenerationIDs = eog
        let ids = _TokenIndex(resolved.tokens)
        self.ids = ids
        self.special = SpecialTokenMatcher(vocabulary: resolved)
        let hex = Array("0123456789ABCDEF")
        self.byteTokens = (0..<256).map { byte in
            let name = "<0x\(hex[byte >> 4])\(hex[byte & 15])>"
            if let id = ids[name] { return id }
            // A lone byte above 0x7F is not text; only ASCII can fall back to its one-character piece.
            return byte < 0x80 ? ids[String(decoding: [UInt8(byte)], as: UTF8.self)] ?? -1 : -1
        }
    }

    public func encode(_ text: String, addSpecial: Bool, parseSpecial: Bool) -> [Int32] {
        let bytes = Array(text.utf8)
        var output: [Int32] = []
        output.reserveCapacity(bytes.count / 3 + 2)
        // A space prefix goes before the first text fragment and after every special token.
        var previousWasSpecial = true
        if addSpecial, vocabulary.addBOS, let bos = vocabulary.bosID { output.append(bos) }
        for fragment in special.partition(bytes, parseSpecial: parseSpecial) {
            switch fragment {
            case .token(let id):
                output.append(id)
                previousWasSpecial = true
            case .text(let range):
                var escaped: [UInt8] = []
                escaped.reserveCapacity(range.count + 8)
                if vocabulary.addSpacePrefix, previousWasSpecial { escaped.append(contentsOf: [0xE2, 0x96, 0x81]) }
                for byte in bytes[range] {
                    if byte == 0x20 { escaped.append(contentsOf: [0xE2, 0x96, 0x81]) } else { escaped.append(byte) }
                }
                encodeEscaped(escaped, into: &output)
                previousWasSpecial = false
            }
        }
        if addSpecial, vocabulary.addEOS, let eos = vocabulary.eosID { output.append(eos) }
        return output
    }

    private struct Bigram {
        var score: Float
        var left: Int32
        var right: Int32
        var size: Int32
        var token: Int32
    }

    /// The merge loop over one fragment whose spaces are already `▁`.
    private func encodeEscaped(_ text: [UInt8], into output: inout [Int32]) {
        guard !text.isEmpty else { return }
        // Symbols: one per UTF-8 character, as a doubly linked list over `text`.
        var start: [Int32] = [], length: [Int32] = [], prev: [Int32] = [], next: [Int32] = [], token: [Int32] = []
        var offset = 0
        while offset < text.count {
            let count = min(_utf8Length(text[offset]), text.count - offset)
            start.append(Int32(offset))
            length.append(Int32(count))
            prev.append(Int32(start.count - 2))
            offset += count
            next.append(offset == text.count ? -1 : Int32(start.count))
            token.append(-1)
        }
        var queue = _BinaryHeap<Bigram>(capacity: start.count) { a, b in
            a.score > b.score || (a.score == b.score && a.left < b.left)
        }
        func tryAdd(_ left: Int32, _ right: Int32) {
            guard left >= 0, right >= 0 else { return }
            let from = Int(start[Int(left)])
            let to = Int(start[Int(right)] + length[Int(right)])
            let piece = String(decoding: text[from..<to], as: UTF8.self)
            guard let id = ids[piece] else { return }
            let score = vocabulary.scores.isEmpty ? 0 : vocabulary.scores[Int(id)]
            queue.push(Bigram(score: score, left: left, right: right, size: Int32(to - from), token: id))
        }
        for i in 1..<start.count { tryAdd(Int32(i - 1), Int32(i)) }
        while let bigram = queue.pop() {
            let l = Int(bigram.left), r = Int(bigram.right)
            // Stale: one side was merged away since this pair was queued.
            if length[l] == 0 || length[r] == 0 || length[l] + length[r] != bigram.size { continue }
            length[l] += length[r]
            length[r] = 0
            token[l] = bigram.token
            next[l] = next[r]
            if next[r] >= 0 { prev[Int(next[r])] = bigram.left }
            tryAdd(prev[l], bigram.left)
            tryAdd(bigram.left, next[l])
        }
        var i: Int32 = 0
        while i != -1 {
            let s = Int(i)
            if token[s] >= 0 {
                output.append(token[s])
            } else {
                let from = Int(start[s]), to = from + Int(length[s])
                if let id = ids[String(decoding: text[from..<to], as: UTF8.self)] {
                    output.append(id)
                } else {
                    for byte in text[from..<to] where byteTokens[Int(byte)] >= 0 { output.append(byteTokens[Int(byte)]) }
                }
            }
            i = next[s]
        }
    }

    public func pieceBytes(_ id: Int32, unparseSpecial: Bool) -> [UInt8] {
        guard id >= 0, Int(id) < vocabulary.count else { return [] }
        let text = vocabulary.tokens[Int(id)]
        switch vocabulary.type(of: id) {
        case .control, .unknown:
            return unparseSpecial ? Array(text.utf8) : []
        case .userDefined:
            return Array(text.utf8)
        case .normal:
            var out: [UInt8] = []
            out.reserveCapacity(text.utf8.count)
            var utf8 = Array(text.utf8)[...]
            while let byte = utf8.first {
                if byte == 0xE2, utf8.count >= 3, utf8[utf8.startIndex + 1] == 0x96, utf8[utf8.startIndex + 2] == 0x81 {
                    out.append(0x20)
                    utf8 = utf8.dropFirst(3)
                } else {
                    out.append(byte)
                    utf8 = utf8.dropFirst()
                }
            }
            return out
        case .byte:
            // `<0xNN>`
            let utf8 = Array(text.utf8)
            if utf8.count == 6, let value = UInt8(String(decoding: utf8[3..<5], as: UTF8.self), radix: 16) {
                return [value]
            }
            return Array(text.utf8)
        case .unused, .undefined:
            return []
        }
    }

    public func decodeBytes(_ ids: [Int32], removeSpecial: Bool, unparseSpecial: Bool) -> [UInt8] {
        _llamaDetokenize(ids, vocabulary: vocabulary, removeSpecial: removeSpecial, unparseSpecial: unparseSpecial) {
            pieceBytes($0, unparseSpecial: $1)
        }
    }
}

/// Length of the UTF-8 sequence a lead byte starts (continuation bytes count as one, as in llama.cpp).
@inline(__always)
func _utf8Length(_ lead: UInt8) -> Int {
    switch lead >> 4 {
    case 0xC, 0xD: 2
    case 0xE: 3
    case 0xF: 4
    default: 1
    }
}
