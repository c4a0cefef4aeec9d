import Foundation

/// BERT WordPiece, as Hugging Face `tokenizers` runs it for `tokenizer.json` files with a
/// `BertNormalizer` + `BertPreTokenizer` + `WordPiece` pipeline (all-MiniLM-L6-v2 and friends).
///
/// Normalization: drop NUL, U+FFFD and control/format characters, turn whitespace into spaces,
/// put spaces around CJK ideographs, strip accents (NFD, then drop nonspacing marks) and
/// lowercase (both only when `lowercase` is on). Words split on whitespace and every punctuation
/// character. Each word is cut greedily into the longest vocabulary pieces, continuation pieces
/// prefixed `##`; a word with no cut, or over 100 characters, becomes `[UNK]`.
/// GGUF BERT vocabularies (`▁` marks word starts, no `##`) are handled by the vocabulary's
/// `wordPrefix` / `continuationPrefix`.
public struct WordPieceTokenizer: Tokenizer {
    public let vocabulary: TokenizerVocabulary
    public let endOfGenerationIDs: Set<Int32>
    private let ids: _TokenIndex
    private let special: SpecialTokenMatcher
    /// Words longer than this (in characters) become `[UNK]`, as in BERT.
    public static let maxCharactersPerWord = 100

    /// Builds the tokenizer.
    public init(_ vocabulary: TokenizerVocabulary) {
        self.vocabulary = vocabulary
        self.endOfGenerationIDs = Set([vocabulary.eosID].compactMap { $0 })
        let ids = _TokenIndex(vocabulary.tokens)
        self.ids = ids
        self.special = SpecialTokenMatcher(vocabulary: vocabulary)
    }

    public func encode(_ text: String, addSpecial: Bool, parseSpecial: Bool) -> [Int32] {
        var output: [Int32] = []
        if addSpecial, vocabulary.addBOS, let cls = vocabulary.classifierID ?? vocabulary.bosID { output.append(cls) }
        let bytes = Array(text.utf8)
        for fragment in special.partition(bytes, parseSpecial: parseSpecial) {
            switch fragment {
            case .token(let id): output.append(id)
            case .text(let range):
                for word in words(String(decoding: bytes[range], as: UTF8.self)) { encodeWord(word, into: &output) }
            }
        }
        if addSpecial, vocabulary.addEOS, let sep = vocabulary.separatorID ?? vocabulary.eosID { output.append(sep) }
        return output
    }

    /// The normalized, pre-tokenized words of `text`.
    func words(_ text: String) -> [[Unicode.Scalar]] {
        var normalized: [Unicode.Scalar] = []
        normalized.reserveCapacity(text.unicodeScalars.count)
        for scalar in text.unicodeScalars {
            let value = scalar.value
            if value == 0 || value == 0xFFFD { continue }
            let isTabOrNewline = scalar == "\t" || scalar == "\n" || scalar == "\r"
            if !isTabOrNewline {
                // Control characters go before the whitespace test: U+0085 and U+000B are both.
                switch scalar.properties.generalCategory {
                case .control, .format, .unassigned, .privateUse, .surrogate: continue
                default: break
                }
            }
            if isTabOrNewline || scalar.properties.isWhitespace {
                normalized.append(" ")
                continue
            }
            if Self.isCJK(value) {
                normalized.append(" ")
                normalized.append(scalar)
                normalized.append(" ")
            } else {
                normalized.append(scalar)
            }
        }
        if vocabulary.lowercase {
            var view = String.UnicodeScalarView()
            view.append(contentsOf: normalized)
            let decomposed = String(view).decomposedStringWithCanonicalMapping
            normalized.removeAll(keepingCapacity: true)
            for scalar in decomposed.unicodeScalars where scalar.properties.generalCategory != .nonspacingMark {
                normalized.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
            }
        }
        var words: [[Unicode.Scalar]] = []
        var current: [Unicode.Scalar] = []
        for scalar in normalized {
            if scalar == " " {
                if !current.isEmpty { words.append(current); current.removeAll() }
            } else if Self.isPunctuation(scalar) {
                if !current.isEmpty { words.append(current); current.removeAll() }
                words.append([scalar])
            } else {
                current.append(scalar)
            }
        }
        if !current.isEmpty { words.append(current) }
        return words
    }

    private func encodeWord(_ word: [Unicode.Scalar], into output: inout [Int32]) {
        guard let unknown = vocabulary.unknownID else { return }
        if word.count > Self.maxCharactersPerWord {
            output.append(unknown)
            return
        }
        var pieces: [Int32] = []
        var start = 0
        while start < word.count {
            var end = word.count
            var found: Int32?
            while start < end {
                var view = String.UnicodeScalarView()
                view.append(contentsOf: word[start..<end])
                let prefix = start == 0 ? vocabulary.wordPrefix : vocabulary.continuationPrefix
                if let id = ids[prefix + String(view)] {
                    found = id
                    break
                }
                end -= 1
            }
            guard let found else {
                output.append(unknown)
                return
            }
            pieces.append(found)
            start = end
        }
        output.append(contentsOf: pieces)
    }

    /// BERT's punctuation: ASCII symbols and punctuation, and every Unicode `P*` character.
    static func isPunctuation(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        if (33...47).contains(v) || (58...64).contains(v) || (91...96).contains(v) || (123...126).contains(v) {
            return true
        }
        switch scalar.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation:
            return true
        default:
            return false
        }
    }

    /// The CJK Unified Ideograph blocks BERT isolates as single words.
    static func isCJK(_ v: UInt32) -> Bool {
        (0x4E00...0x9FFF).contains(v) || (0x3400...0x4DBF).contains(v) || (0x20000...0x2A6DF).contains(v)
            || (0x2A700...0x2B73F).contains(v) || (0x2B740...0x2B81F).contains(v) || (0x2B820...0x2CEAF).contains(v)
            || (0xF900...0xFAFF).contains(v) || (0x2F800...0x2FA1F).contains(v)
    }

    public func pieceBytes(_ id: Int32, unparseSpecial: Bool) -> [UInt8] {
        guard id >= 0, Int(id) < vocabulary.count else { return [] }
        let text = vocabulary.tokens[Int(id)]
        switch vocabulary.type(of: id) {
        case .control, .unknown:
            return unparseSpecial ? Array(text.utf8) : []
        default:
            return Array(text.utf8)
        }
    }

    /// Joins pieces as BERT's decoder does: a space between words, continuation pieces glued on.
    public func decodeBytes(_ ids: [Int32], removeSpecial: Bool, unparseSpecial: Bool) -> [UInt8] {
        var slice = ids[...]
        if removeSpecial, let first = slice.first, first == (vocabulary.classifierID ?? vocabulary.bosID) {
            slice = slice.dropFirst()
        }
        if removeSpecial, let last = slice.last, last == (vocabulary.separatorID ?? vocabulary.eosID) {
            slice = slice.dropLast()
        }
        var out = ""
        for id in slice {
            let piece = String(decoding: pieceBytes(id, unparseSpecial: unparseSpecial), as: UTF8.self)
            if piece.isEmpty { continue }
            if !vocabulary.continuationPrefix.isEmpty {
                if piece.hasPrefix(vocabulary.continuationPrefix) {
                    out += piece.dropFirst(vocabulary.continuationPrefix.count)
                } else {
                    out += (out.isEmpty ? "" : " ") + piece
                }
            } else if !vocabulary.wordPrefix.isEmpty, piece.hasPrefix(vocabulary.wordPrefix) {
                out += (out.isEmpty ? "" : " ") + piece.dropFirst(vocabulary.wordPrefix.count)
            } else {
                out += piece
            }
        }
        return Array(out.utf8)
    }
}
