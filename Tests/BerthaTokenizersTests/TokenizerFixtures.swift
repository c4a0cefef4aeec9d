import BerthaTestSupport
import BerthaTokenizers
import Foundation
import Testing

/// The reference data the tokenizer tests compare against, and the tokenizers under test
/// (each loaded once per test process: Gemma's 262,144-token vocabulary takes a while).
enum TokenizerFixtures {
    /// One string of `tokenizer/<model>.json` (llama.cpp 0c1e570's `llama_tokenize`/`llama_detokenize`).
    struct ModelCase: Decodable, Sendable, CustomTestStringConvertible {
        let text: String
        let ids: [Int32]
        let ids_no_special: [Int32]
        let detok_special: String
        let detok: String
        var testDescription: String { String(text.prefix(40).debugDescription) }
    }

    struct ModelFile: Decodable, Sendable {
        let cases: [ModelCase]
    }

    static let smolLM = Result { try loadTokenizer(path: TestEnvironment.model("SmolLM2-135M-Instruct.Q4_1.gguf").path) }
    static let gemma = Result { try loadTokenizer(path: TestEnvironment.model("gemma-3-270m-q4_k_m.gguf").path) }
    static let miniLM = Result { try loadTokenizer(path: TestEnvironment.model("all-MiniLM-L6-v2").path) }

    static func modelCases(_ file: String) throws -> [ModelCase] {
        let data = try Data(contentsOf: TestEnvironment.fixture("tokenizer/\(file)"))
        return try JSONDecoder().decode(ModelFile.self, from: data).cases
    }

    /// llama.cpp's `test-tokenizer-0` vectors for one vocabulary family.
    struct VocabularyCase: Sendable {
        let text: String
        let ids: [Int32]
    }

    /// Small vocabularies are committed under Tests/Fixtures; llama-bpe (7.8 MB) and qwen2 (5.9 MB)
    /// are too large to commit and are read from the shared fixtures next to the repository.
    static func vocabularyFile(_ name: String) throws -> URL {
        if let committed = try? TestEnvironment.fixture("tokenizer/vocab/\(name)") { return committed }
        let shared = TestEnvironment.repoRoot.deletingLastPathComponent()
            .appendingPathComponent("shared/fixtures/tokenizer/vocab/\(name)")
        guard FileManager.default.fileExists(atPath: shared.path) else {
            throw MissingVocabulary(path: shared.path)
        }
        return shared
    }

    static func vocabularyCases(_ family: String) throws -> [VocabularyCase] {
        let input = try String(contentsOf: TestEnvironment.fixture("tokenizer/vocab/ggml-vocab-\(family).gguf.inp"),
                               encoding: .utf8)
        let output = try String(contentsOf: TestEnvironment.fixture("tokenizer/vocab/ggml-vocab-\(family).gguf.out"),
                                encoding: .utf8)
        var texts = input.components(separatedBy: "\n__ggml_vocab_test__\n")
        if texts.last == "" { texts.removeLast() }
        let lines = output.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        return texts.enumerated().map { index, text in
            let ids = lines[index].split(separator: " ").compactMap { Int32($0) }
            return VocabularyCase(text: text, ids: ids)
        }
    }
}

/// A vocabulary GGUF that is neither committed nor in the shared fixtures: the test fails with this.
struct MissingVocabulary: Error, CustomStringConvertible {
    let path: String
    var description: String { "missing \(path): copy llama.cpp 0c1e570's models/ vocabulary file there" }
}
