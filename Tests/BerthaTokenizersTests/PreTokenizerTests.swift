import BerthaTokenizers
import Testing

@Suite("PreTokenizer")
struct PreTokenizerTests {
    @Test("splits words the way llama.cpp's pre-tokenizer regexes do", arguments: [
        ("gpt2", "Hello world's  123", ["Hello", " world", "'s", " ", " 123"]),
        ("gpt2", "a  \n", ["a", "  \n"]),
        ("llama-bpe", "12345 abc\n\n def", ["123", "45", " abc", "\n\n", " def"]),
        ("llama-bpe", "I'M ok!?\n", ["I", "'M", " ok", "!?\n"]),
        ("qwen2", "2024", ["2", "0", "2", "4"]),
        ("smollm", "abc123def 45", ["abc", "1", "2", "3", "def", " ", "4", "5"]),
    ])
    func split(name: String, text: String, expected: [String]) {
        let words = PreTokenizer(name: name).split(text)
        #expect(words == expected)
        #expect(words.joined() == text)
    }

    @Test("pre-tokenizer names map to their rule sets", arguments: [
        ("llama-bpe", PreTokenizer.Kind.llama3), ("llama3", .llama3), ("qwen2", .qwen2), ("smollm", .smollm),
        ("starcoder", .smollm), ("gpt-2", .gpt2), ("default", .gpt2), ("something-new", .gpt2),
    ])
    func names(name: String, kind: PreTokenizer.Kind) {
        #expect(PreTokenizer(name: name).kind == kind)
    }
}
