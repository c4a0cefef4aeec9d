import BerthaGGUF
import BerthaTestSupport
import BerthaTokenizers
import Foundation
import Testing

/// llama.cpp's own tokenizer test vectors (`test-tokenizer-0`, add_special and parse_special off).
@Suite("llama.cpp test-tokenizer-0 vectors")
struct LlamaCppVectorTests {
    @Test("ids equal llama.cpp's for all 46 strings of each vocabulary family",
          arguments: ["llama-spm", "gpt-2", "llama-bpe", "qwen2"])
    func vectors(family: String) throws {
        let file = try TokenizerFixtures.vocabularyFile("ggml-vocab-\(family).gguf")
        let tokenizer = try loadTokenizer(path: file.path)
        let cases = try TokenizerFixtures.vocabularyCases(family)
        #expect(cases.count == 46)
        for item in cases {
            let ids = tokenizer.encode(item.text, addSpecial: false, parseSpecial: false)
            #expect(ids == item.ids, "\(family): \(item.text.debugDescription)")
        }
    }

    @Test("the vocabulary's algorithm and pre-tokenizer are read from GGUF metadata",
          arguments: [("llama-spm", TokenizerVocabulary.Model.sentencePiece, "default", 32000),
                      ("gpt-2", .bytePair, "gpt-2", 50257), ("llama-bpe", .bytePair, "llama-bpe", 128256),
                      ("qwen2", .bytePair, "qwen2", 151936)])
    func metadata(family: String, model: TokenizerVocabulary.Model, pre: String, count: Int) throws {
        let file = try GGUFFile(path: TokenizerFixtures.vocabularyFile("ggml-vocab-\(family).gguf").path)
        let vocabulary = try TokenizerVocabulary(gguf: file)
        #expect(vocabulary.model == model)
        #expect(vocabulary.count == count)
        if model == .bytePair { #expect(vocabulary.preTokenizer == pre) }
    }
}
