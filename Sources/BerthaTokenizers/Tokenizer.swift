/// Turns text into token ids and back, exactly as llama.cpp's `llama_tokenize` /
/// `llama_detokenize` do for the same vocabulary.
///
/// Conforming types: `SentencePieceTokenizer` (`llama`), `BytePairTokenizer` (`gpt2`) and
/// `WordPieceTokenizer` (`bert`). Build one for a vocabulary with `makeTokenizer(_:)` or for a
/// file with `loadTokenizer(path:)`.
public protocol Tokenizer: Sendable {
    /// The vocabulary this tokenizer was built from (with end-of-generation tokens typed control).
    var vocabulary: TokenizerVocabulary { get }

    /// Ids that end generation: EOS, EOT and the turn-closing tokens (`<|im_end|>`, `<end_of_turn>`, …).
    var endOfGenerationIDs: Set<Int32> { get }

    /// Tokenizes `text`.
    /// - Parameters:
    ///   - text: the input.
    ///   - addSpecial: add BOS/EOS (or `[CLS]`/`[SEP]`) as the vocabulary's flags ask.
    ///   - parseSpecial: map special-token text such as `<|im_start|>` to its id; when false it is
    ///     tokenized as ordinary text (user-defined tokens are matched either way, as in llama.cpp).
    /// - Returns: the token ids.
    func encode(_ text: String, addSpecial: Bool, parseSpecial: Bool) -> [Int32]

    /// The bytes token `id` renders as (not necessarily whole UTF-8 characters: byte tokens and
    /// byte-level BPE pieces can split a character).
    /// - Parameters:
    ///   - id: a token id; ids outside the vocabulary render as nothing.
    ///   - unparseSpecial: render control tokens as their text (`<|im_end|>`) instead of nothing.
    func pieceBytes(_ id: Int32, unparseSpecial: Bool) -> [UInt8]

    /// The bytes a token sequence renders as.
    /// - Parameters:
    ///   - ids: the tokens.
    ///   - removeSpecial: drop a leading BOS and trailing EOS the vocabulary would have added.
    ///   - unparseSpecial: render control tokens as their text.
    func decodeBytes(_ ids: [Int32], removeSpecial: Bool, unparseSpecial: Bool) -> [UInt8]
}

extension Tokenizer {
    /// Tokenizes with the model's BOS/EOS and special-token parsing, like `llama-tokenize`.
    public func encode(_ text: String) -> [Int32] { encode(text, addSpecial: true, parseSpecial: true) }

    /// Detokenizes to text; invalid UTF-8 (a sequence cut inside a character) becomes U+FFFD.
    /// - Parameters:
    ///   - ids: the tokens.
    ///   - removeSpecial: drop a leading BOS and trailing EOS the vocabulary would have added.
    ///   - unparseSpecial: render control tokens as their text.
    public func decode(_ ids: [Int32], removeSpecial: Bool = false, unparseSpecial: Bool = false) -> String {
        String(decoding: decodeBytes(ids, removeSpecial: removeSpecial, unparseSpecial: unparseSpecial), as: UTF8.self)
    }

    /// The text of one token as `llama-tokenize` prints it (control tokens included).
    public func piece(_ id: Int32) -> String {
        String(decoding: pieceBytes(id, unparseSpecial: true), as: UTF8.self)
    }

    /// Number of tokens in the vocabulary.
    public var vocabularySize: Int { vocabulary.count }
    /// Beginning of sequence (`[CLS]` for WordPiece).
    public var bosID: Int32? { vocabulary.bosID }
    /// End of sequence (`[SEP]` for WordPiece).
    public var eosID: Int32? { vocabulary.eosID }

    /// True for EOS, EOT and the tokens that close a chat turn: generation stops there.
    public func isEndOfGeneration(_ id: Int32) -> Bool { endOfGenerationIDs.contains(id) }

    /// A fresh incremental detokenizer for streaming this tokenizer's output.
    public func streamingDetokenizer(unparseSpecial: Bool = false) -> StreamingDetokenizer {
        StreamingDetokenizer(tokenizer: self, unparseSpecial: unparseSpecial)
    }
}

/// Builds the tokenizer `vocabulary.model` names.
/// - Throws: `TokenizerError` when the vocabulary is inconsistent (a byte-level BPE vocabulary
///   without its 256 byte tokens).
public func makeTokenizer(_ vocabulary: TokenizerVocabulary, source: String = "<vocabulary>") throws(TokenizerError)
    -> any Tokenizer {
    switch vocabulary.model {
    case .sentencePiece: return SentencePieceTokenizer(vocabulary)
    case .bytePair: return BytePairTokenizer(vocabulary)
    case .wordPiece: return WordPieceTokenizer(vocabulary)
    }
}

extension TokenizerVocabulary {
    /// Token texts llama.cpp treats as ending generation besides EOS/EOT (`llama_vocab::impl::load`).
    static let endOfGenerationTexts: Set<String> = [
        "<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>", "<|call|>", "<|eom_id|>", "<EOT>", "_<EOT>",
        "<|endoftext|>", "<end_of_turn>", "<｜end▁of▁sentence｜>",
    ]

    /// The end-of-generation ids, and this vocabulary with them typed control (llama.cpp overrides
    /// the type of a turn-closing token stored as normal, so it never renders as text by accident).
    func resolvingEndOfGeneration() -> (TokenizerVocabulary, Set<Int32>) {
        var ids = Set<Int32>()
        if let eosID { ids.insert(eosID) }
        if let eotID { ids.insert(eotID) }
        var copy = self
        for (index, text) in tokens.enumerated() where Self.endOfGenerationTexts.contains(text) {
            ids.insert(Int32(index))
        }
        if !copy.tokenTypes.isEmpty {
            for id in ids where Self.endOfGenerationTexts.contains(tokens[Int(id)]) {
                copy.tokenTypes[Int(id)] = .control
            }
        }
        if copy.eotID == nil {
            copy.eotID = ["<|eot_id|>", "<|im_end|>", "<end_of_turn>", "<|end|>", "<EOT>"].lazy
                .compactMap { text in self.tokens.firstIndex(of: text).map(Int32.init) }.first
        }
        return (copy, ids)
    }
}

/// llama.cpp's `llama_detokenize` for SentencePiece and BPE: optional BOS/EOS removal, the
/// first token's space prefix stripped when the vocabulary adds one, then clean_spaces.
func _llamaDetokenize(_ ids: [Int32], vocabulary: TokenizerVocabulary, removeSpecial: Bool, unparseSpecial: Bool,
                      piece: (Int32, Bool) -> [UInt8]) -> [UInt8] {
    var slice = ids[...]
    var removeSpace = vocabulary.addSpacePrefix
    if removeSpecial, vocabulary.addBOS, let first = slice.first, first == vocabulary.bosID {
        removeSpace = false
        slice = slice.dropFirst()
    }
    if removeSpecial, vocabulary.addEOS, let last = slice.last, last == vocabulary.eosID {
        slice = slice.dropLast()
    }
    var out: [UInt8] = []
    for id in slice {
        var bytes = piece(id, unparseSpecial)
        if removeSpace, bytes.first == 0x20 { bytes.removeFirst() }
        removeSpace = false
        out.append(contentsOf: bytes)
    }
    return vocabulary.cleanSpaces ? _cleanSpaces(out) : out
}

/// llama.cpp's clean_spaces passes: no space before `?!.,`, none around a lone `'`, and none
/// before `'s`, `'m`, `'re`, `'ve`.
func _cleanSpaces(_ text: [UInt8]) -> [UInt8] {
    let space = UInt8(ascii: " "), quote = UInt8(ascii: "'")
    var a: [UInt8] = []
    a.reserveCapacity(text.count)
    for (i, x) in text.enumerated() {
        if i > 0, text[i - 1] == space, [UInt8(ascii: "?"), UInt8(ascii: "!"), UInt8(ascii: "."), UInt8(ascii: ",")].contains(x) {
            a.removeLast()
        }
        a.append(x)
    }
    var b: [UInt8] = []
    var i = 0
    while i < a.count {
        let x = a[i]
        if i > 0, x == quote, i + 1 < a.count, a[i - 1] == space, a[i + 1] == space {
            b.removeLast()
            b.append(x)
            i += 2
            continue
        }
        b.append(x)
        i += 1
    }
    var c: [UInt8] = []
    for (i, x) in b.enumerated() {
        if i > 0, b[i - 1] == space, x == quote, i + 1 < b.count {
            let x1 = b[i + 1]
            if x1 == UInt8(ascii: "s") || x1 == UInt8(ascii: "m") {
                c.removeLast()
            } else if i + 2 < b.count {
                let x2 = b[i + 2]
                if (x1 == UInt8(ascii: "r") && x2 == UInt8(ascii: "e")) || (x1 == UInt8(ascii: "v") && x2 == UInt8(ascii: "e")) {
                    c.removeLast()
                }
            }
        }
        c.append(x)
    }
    return c
}
