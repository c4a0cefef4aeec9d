import BerthaGGUF
import BerthaTokenizers
import Testing

@Suite("SentencePieceTokenizer on a hand-made vocabulary")
struct SentencePieceTokenizerTests {
    /// ▁ab outscores ab, so "ab" merges first and then joins its ▁; é is not a token and falls
    /// back to its two UTF-8 byte tokens.
    static let vocabulary = TokenizerVocabulary(
        model: .sentencePiece,
        tokens: ["<unk>", "<s>", "</s>", "\u{2581}", "a", "b", "ab", "\u{2581}ab", "<0xC3>", "<0xA9>"],
        scores: [0, 0, 0, -1, -2, -2, 1, 2, 0, 0],
        tokenTypes: [.unknown, .control, .control, .normal, .normal, .normal, .normal, .normal, .byte, .byte],
        bosID: 1, eosID: 2, unknownID: 0)

    @Test("merges by score, adds the space prefix and BOS, and falls back to bytes")
    func encode() {
        let tokenizer = SentencePieceTokenizer(Self.vocabulary)
        #expect(tokenizer.encode("ab é", addSpecial: true, parseSpecial: true) == [1, 7, 3, 8, 9])
        #expect(tokenizer.encode("ab é", addSpecial: false, parseSpecial: false) == [7, 3, 8, 9])
    }

    @Test("detokenizing drops the added space prefix and renders byte tokens as bytes")
    func decode() {
        let tokenizer = SentencePieceTokenizer(Self.vocabulary)
        #expect(tokenizer.decode([7, 3, 8, 9]) == "ab é")
        // llama.cpp keeps the space when it removes a leading BOS (llama_detokenize), and so do we.
        #expect(tokenizer.decode([1, 7, 3, 8, 9], removeSpecial: true) == " ab é")
        #expect(tokenizer.decode([1, 7], unparseSpecial: true) == "<s> ab")
        #expect(tokenizer.decode([1, 7]) == " ab")
    }

    @Test("special-token text becomes its id only when special parsing is on")
    func specialParsing() {
        let tokenizer = SentencePieceTokenizer(Self.vocabulary)
        #expect(tokenizer.encode("<s>ab", addSpecial: false, parseSpecial: true) == [1, 7])
        #expect(!tokenizer.encode("<s>ab", addSpecial: false, parseSpecial: false).contains(1))
    }

    @Test("a GGUF with an unknown tokenizer model is rejected naming it")
    func unsupported() throws {
        var metadata = GGUFMetadata()
        metadata["tokenizer.ggml.model"] = .string("rwkv")
        metadata["tokenizer.ggml.tokens"] = .array(.strings(["a"]))
        #expect(throws: TokenizerError.unsupportedModel(source: "x.gguf", model: "rwkv")) {
            try TokenizerVocabulary(metadata: metadata, source: "x.gguf")
        }
    }
}
