import BerthaTestSupport
import BerthaTokenizers
import Testing

@Suite("StreamingDetokenizer")
struct StreamingDetokenizerTests {
    @Test("byte tokens of an emoji emit nothing until the character is complete (Gemma: 🦙 = 4 byte tokens)")
    func bytesHeldBack() throws {
        let tokenizer = try TokenizerFixtures.gemma.get()
        let ids = tokenizer.encode("🦙", addSpecial: false, parseSpecial: false)
        #expect(ids.count == 4)
        var stream = tokenizer.streamingDetokenizer()
        let outputs = ids.map { stream.append($0) }
        #expect(outputs == ["", "", "", "🦙"])
    }

    @Test("streamed pieces concatenate to the full detokenization",
          arguments: ["Hello 世界 🦙👍🏽 café — ok", "def f(x):\n\treturn x ** 2  # ✓", "Привет, мир!"])
    func concatenation(text: String) throws {
        for tokenizer in [try TokenizerFixtures.smolLM.get(), try TokenizerFixtures.gemma.get()] {
            let ids = tokenizer.encode(text, addSpecial: false, parseSpecial: false)
            var stream = tokenizer.streamingDetokenizer()
            var streamed = ""
            for id in ids {
                let piece = stream.append(id)
                #expect(!piece.contains("\u{FFFD}"))
                streamed += piece
            }
            streamed += stream.flush()
            #expect(streamed == text)
        }
    }
}
