/// GPT-2 byte-level BPE over a GGUF `gpt2` vocabulary (GPT-2, LLaMA 3, Qwen2, SmolLM), as
/// llama.cpp's `llm_tokenizer_bpe` does it.
///
/// Text is split into words by the `tokenizer.ggml.pre` pre-tokenizer; each word's UTF-8 bytes
/// are mapped to GPT-2's printable byte characters, one symbol per byte; then the adjacent pair
/// with the lowest merge rank is merged (ties: leftmost) until no pair has a rank. Symbols are
/// token ids and merges are looked up by id pair, so no strings are built in the merge loop.
public struct BytePairTokenizer: Tokenizer {
    public let vocabulary: TokenizerVocabulary
    public let endOfGenerationIDs: Set<Int32>
    public let preTokenizer: PreTokenizer
    private let ids: _TokenIndex
    private let special: SpecialTokenMatcher
    /// Token of each byte's GPT-2 character.
    private let byteTokens: [Int32]
    /// (left id << 32 | right id) → rank and merged token.
    private let merges: [UInt64: Merge]
    /// LLaMA 3 style: a word that is itself a token is taken whole, without merging.
    private let ignoresMerges: Bool

    private struct Merge: Sendable {
        var rank: Int32
        var token: Int32
    }

    /// Builds the tokenizer.
    public init(_ vocabulary: TokenizerVocabulary) {
        let (resolved, eog) = vocabulary.resolvingEndOfGeneration()
        self.vocabulary = resolved
        self.endOfGenerationIDs = eog
        self.preTokenizer = PreTokenizer(name: resolved.preTokenizer)
        self.ignoresMerges = preTokenizer.kind == .llama3
        let ids = _TokenIndex(resolved.tokens)
        self.ids = ids
        self.special = SpecialTokenMatcher(vocabulary: resolved)
        // Some vocabularies (SmolLM2) lack a few control-byte characters; like llama.cpp, such
        // bytes are dropped when they cannot be merged into a token.
        self.byteTokens = (0..<256).map { ids[String(Character(_ByteLevel.character(of: UInt8($0))))] ?? -1 }
        var merges: [UInt64: Merge] = [:]
        merges.reserveCapacity(resolved.merges.count)
        for (rank, line) in resolved.merges.enumerated() {
            // Split at the first space after the first byte, as llama.cpp does.
            let utf8 = line.utf8
            guard utf8.count > 2,
                  let space = utf8.dropFirst().firstIndex(of: 0x20) else { continue }
            let left = String(line[..<space]), right = String(line[line.utf8.index(after: space)...])
            guard let l = ids[left], let r = ids[right], let merged = ids[left + right] else { continue }
            let key = UInt64(UInt32(bitPattern: l)) << 32 | UInt64(UInt32(bitPattern: r))
            if merges[key] == nil { merges[key] = Merge(rank: Int32(rank), token: merged) }
        }
        self.merges = merges
    }

    public func encode(_ text: String, addSpecial: Bool, parseSpecial: Bool) -> [Int32] {
        let bytes = Array(text.utf8)
        var output: [Int32] = []
        output.reserveCapacity(bytes.count / 3 + 2)
        if addSpecial, vocabulary.addBOS, let bos = vocabulary.bosID { output.append(bos) }
        for fragment in special.partition(bytes, parseSpecial: parseSpecial) {
            switch fragment {
            case .token(let id): output.append(id)
            case .text(let range): encodeText(bytes[range], into: &output)
            }
        }
        if addSpecial, vocabulary.addEOS, let eos = vocabulary.eosID { output.append(eos) }
        return output
    }

    private struct Pair {
        var rank: Int32
        var left: Int32
        var right: Int32
        var leftToken: Int32
        var rightToken: Int32
        var token: Int32
    }

    private func encodeText(_ bytes: ArraySlice<UInt8>, into output: inout [Int32]) {
        let scalars = String(decoding: bytes, as: UTF8.self).unicodeScalars
        var codepoints: [UInt32] = []
        codepoints.reserveCapacity(bytes.count)
        var classes: [_CodepointClass] = []
        classes.reserveCapacity(bytes.count)
        for scalar in scalars {
            codepoints.append(scalar.value)
            classes.append(_CodepointClass.of(scalar.value))
        }
        var word: [UInt8] = []
        var symbols: [Int32] = [], prev: [Int32] = [], next: [Int32] = []
        var queue = _BinaryHeap<Pair>(capacity: 64) { a, b in
            a.rank < b.rank || (a.rank == b.rank && a.left < b.left)
        }
        for range in preTokenizer.split(codepoints, classes: classes) {
            word.removeAll(keepingCapacity: true)
            for i in range { _appendUTF8(codepoints[i], to: &word) }
            if ignoresMerges, let whole = ids[String(decoding: word.map { _ByteLevel.utf8Of[Int($0)] }.joined(), as: UTF8.self)] {
                output.append(whole)
                continue
            }
            if word.count == 1 {
                if byteTokens[Int(word[0])] >= 0 { output.append(byteTokens[Int(word[0])]) }
                continue
            }
            symbols.removeAll(keepingCapacity: true)
            prev.removeAll(keepingCapacity: true)
            next.removeAll(keepingCapacity: true)
            for (i, byte) in word.enumerated() {
                symbols.append(byteTokens[Int(byte)])
                prev.append(Int32(i - 1))
                next.append(i + 1 == word.count ? -1 : Int32(i + 1))
            }
            queue.removeAll()
            func tryAdd(_ left: Int32, _ right: Int32) {
                guard left >= 0, right >= 0 else { return }
                let l = symbols[Int(left)], r = symbols[Int(right)]
                guard l >= 0, r >= 0 else { return }
                let key = UInt64(UInt32(bitPattern: l)) << 32 | UInt64(UInt32(bitPattern: r))
                guard let merge = merges[key] else { return }
                queue.push(Pair(rank: merge.rank, left: left, right: right, leftToken: l, rightToken: r, token: merge.token))
            }
            for i in 1..<symbols.count { tryAdd(Int32(i - 1), Int32(i)) }
            while let pair = queue.pop() {
                let l = Int(pair.left), r = Int(pair.right)
                // Stale: either side changed (merged away or grown) since the pair was queued.
                guard symbols[l] == pair.leftToken, symbols[r] == pair.rightToken, next[l] == pair.right else { continue }
                symbols[l] = pair.token
                symbols[r] = -1
                next[l] = next[r]
                if next[r] >= 0 { prev[Int(next[r])] = pair.left }
                tryAdd(prev[l], pair.left)
                tryAdd(pair.left, next[l])
            }
            var i: Int32 = 0
            while i != -1 {
                if symbols[Int(i)] >= 0 { output.append(symbols[Int(i)]) }
                i = next[Int(i)]
            }
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
            for scalar in text.unicodeScalars {
                if let byte = _ByteLevel.byte(of: scalar.value) {
                    out.append(byte)
                } else {
                    _appendUTF8(scalar.value, to: &out)
                }
            }
            return out
        case .byte, .unused, .undefined:
            return []
        }
    }

    public func decodeBytes(_ ids: [Int32], removeSpecial: Bool, unparseSpecial: Bool) -> [UInt8] {
        _llamaDetokenize(ids, vocabulary: vocabulary, removeSpecial: removeSpecial, unparseSpecial: unparseSpecial) {
            pieceBytes($0, unparseSpecial: $1)
        }
    }
}

/// GPT-2's reversible byte ↔ printable character mapping (`bytes_to_unicode`): printable Latin-1
/// bytes map to themselves, the other 68 to U+0100 onwards in byte order.
enum _ByteLevel {
    static let characters: [UInt32] = {
        var table = [UInt32](repeating: 0, count: 256)
        var extra: UInt32 = 256
        for byte in 0..<256 {
            if (33...126).contains(byte) || (161...172).contains(byte) || (174...255).contains(byte) {
                table[byte] = UInt32(byte)
            } else {
                table[byte] = extra
                extra += 1
            }
        }
        return table
    }()

    /// UTF-8 of each byte's character.
    static let utf8Of: [[UInt8]] = characters.map { value in
        var out: [UInt8] = []
        _appendUTF8(value, to: &out)
        return out
    }

    private static let bytes: [UInt32: UInt8] = Dictionary(uniqueKeysWithValues: characters.enumerated().map {
        ($0.element, UInt8($0.offset))
    })

    static func character(of byte: UInt8) -> Unicode.Scalar {
        Unicode.Scalar(characters[Int(byte)]) ?? "?"
    }

    static func byte(of character: UInt32) -> UInt8? { bytes[character] }
}

@inline(__always)
func _appendUTF8(_ value: UInt32, to out: inout [UInt8]) {
    switch value {
    case 0..<0x80:
        out.append(UInt8(value))
    case 0x80..<0x800:
        out.append(UInt8(0xC0 | (value >> 6)))
        out.append(UInt8(0x80 | (value & 0x3F)))
    case 0x800..<0x10000:
        out.append(UInt8(0xE0 | (value >> 12)))
        out.append(UInt8(0x80 | ((value >> 6) & 0x3F)))
        out.append(UInt8(0x80 | (value & 0x3F)))
    default:
        out.append(UInt8(0xF0 | (value >> 18)))
        out.append(UInt8(0x80 | ((value >> 12) & 0x3F)))
        out.append(UInt8(0x80 | ((value >> 6) & 0x3F)))
        out.append(UInt8(0x80 | (value & 0x3F)))
    }
}
