import BerthaTestSupport
import BerthaTokenizers
import Testing

/// The two test models against llama.cpp's `llama_tokenize` / `llama_detokenize` on 44 strings.
@Suite("Model tokenizers match llama.cpp")
struct ModelTokenizerTests {
    static let smolCases = (try? TokenizerFixtures.modelCases("smollm2-135m-instruct-q4_1.json")) ?? []
    static let gemmaCases = (try? TokenizerFixtures.modelCases("gemma-3-270m-q4_k_m.json")) ?? []

    @Test("fixtures hold all 44 strings for both models")
    func fixturesPresent() throws {
        #expect(try TokenizerFixtures.modelCases("smollm2-135m-instruct-q4_1.json").count == 44)
        #expect(try TokenizerFixtures.modelCases("gemma-3-270m-q4_k_m.json").count == 44)
    }

    @Test("SmolLM2 (byte-level BPE, pre smollm) ids and detokenization equal llama.cpp's", arguments: smolCases)
    func smolLM(item: TokenizerFixtures.ModelCase) throws {
        try check(TokenizerFixtures.smolLM.get(), item)
    }

    @Test("Gemma 3 (SentencePiece, 262,144 tokens) ids and detokenization equal llama.cpp's", arguments: gemmaCases)
    func gemma(item: TokenizerFixtures.ModelCase) throws {
        try check(TokenizerFixtures.gemma.get(), item)
    }

    private func check(_ tokenizer: any Tokenizer, _ item: TokenizerFixtures.ModelCase) {
        #expect(tokenizer.encode(item.text, addSpecial: true, parseSpecial: true) == item.ids)
        #expect(tokenizer.encode(item.text, addSpecial: false, parseSpecial: false) == item.ids_no_special)
        #expect(tokenizer.decode(item.ids, removeSpecial: false, unparseSpecial: true) == item.detok_special)
        #expect(tokenizer.decode(item.ids, removeSpecial: false, unparseSpecial: false) == item.detok)
    }

    @Test("end-of-generation covers EOS and the turn-closing tokens")
    func endOfGeneration() throws {
        let smol = try TokenizerFixtures.smolLM.get()
        #expect(smol.isEndOfGeneration(2))     // <|im_end|>
        #expect(smol.isEndOfGeneration(0))     // <|endoftext|>
        #expect(!smol.isEndOfGeneration(1))    // <|im_start|>
        let gemma = try TokenizerFixtures.gemma.get()
        #expect(gemma.isEndOfGeneration(1))    // <eos>
        #expect(gemma.isEndOfGeneration(106))  // <end_of_turn>
        #expect(!gemma.isEndOfGeneration(105)) // <start_of_turn>
        #expect(gemma.vocabularySize == 262_144)
        #expect(gemma.bosID == 2)
    }
}
