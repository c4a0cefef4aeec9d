import BerthaTestSupport
import BerthaTokenizers
import Foundation
import Testing

/// all-MiniLM-L6-v2's `tokenizer.json` against Hugging Face tokenizers 0.23.3.
@Suite("WordPiece matches Hugging Face tokenizers")
struct WordPieceTokenizerTests {
    struct Case: Decodable, Sendable, CustomTestStringConvertible {
        let text: String
        let ids: [Int32]
        let tokens: [String]
        var testDescription: String { String(text.prefix(40).debugDescription) }
    }

    struct File: Decodable { let cases: [Case] }

    static let cases: [Case] = {
        guard let url = try? TestEnvironment.fixture("tokenizer/all-minilm-l6-v2-ids.json"),
              let data = try? Data(contentsOf: url) else { return [] }
        return (try? JSONDecoder().decode(File.self, from: data).cases) ?? []
    }()

    @Test("the fixture holds 24 sentences")
    func fixturePresent() { #expect(Self.cases.count == 24) }

    @Test("ids (with [CLS] and [SEP]) and pieces equal the reference", arguments: cases)
    func ids(item: Case) throws {
        let tokenizer = try TokenizerFixtures.miniLM.get()
        let ids = tokenizer.encode(item.text, addSpecial: true, parseSpecial: true)
        #expect(ids == item.ids)
        #expect(ids.map { tokenizer.piece($0) } == item.tokens)
    }

    @Test("decoding glues ## continuations and drops [CLS]/[SEP]")
    func decode() throws {
        let tokenizer = try TokenizerFixtures.miniLM.get()
        let ids = tokenizer.encode("Tokenization is unbelievable!")
        #expect(tokenizer.decode(ids, removeSpecial: true) == "tokenization is unbelievable !")
    }
}
