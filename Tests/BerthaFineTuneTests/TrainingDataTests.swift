import BerthaFineTune
import BerthaGGUF
import BerthaInference
import BerthaTestSupport
import BerthaTokenizers
import Foundation
import Testing

@Suite("Training data")
struct TrainingDataTests {
    @Test("a malformed JSONL line is reported with its file and line number")
    func malformedLine() throws {
        let path = try TestEnvironment.fixture("retrain/malformed.jsonl").path
        #expect(throws: FineTuneError.malformedLine(file: path, line: 2, reason: "expected {\"messages\":[{\"role\":…,\"content\":…}]}: not valid JSON")) {
            try TrainingData.loadChatJSONL(path: path)
        }
    }

    @Test("a conversation without an assistant turn or with an unknown role is refused")
    func invalidConversation() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.path("d.jsonl").path
        try "{\"messages\":[{\"role\":\"user\",\"content\":\"q\"}]}\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: FineTuneError.malformedLine(file: path, line: 1, reason: "no assistant message to learn from")) {
            try TrainingData.loadChatJSONL(path: path)
        }
        try "\n{\"messages\":[{\"role\":\"bot\",\"content\":\"q\"}]}\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: FineTuneError.malformedLine(file: path, line: 2, reason: "messages[0].role must be system, user or assistant, got bot")) {
            try TrainingData.loadChatJSONL(path: path)
        }
    }

    @Test("feedback: thumbs-up become examples, thumbs-down only with a reviewed answer, the last vote wins")
    func feedback() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        func record(_ id: String, _ score: String, _ q: String, _ a: String) -> String {
            "{\"completion_id\":\"\(id)\",\"score\":\"\(score)\",\"model\":\"m\",\"model_version\":\"1\",\"messages\":[{\"role\":\"user\",\"content\":\"\(q)\"}],\"completion\":\"\(a)\",\"timestamp\":\"t\"}"
        }
        let log = dir.path("feedback.jsonl").path
        try [record("a", "up", "q1", "good"), record("b", "down", "q2", "bad"), record("c", "down", "q3", "worse"),
             record("d", "up", "q4", "fine"), record("d", "down", "q4", "fine")].joined(separator: "\n")
            .write(toFile: log, atomically: true, encoding: .utf8)
        let review = dir.path("review.jsonl").path
        try "{\"completion_id\":\"b\",\"completion\":\"corrected\"}\n".write(toFile: review, atomically: true, encoding: .utf8)
        let plain = try TrainingData.loadFeedback(path: log)
        #expect(plain.examples.map { $0.messages.last!.content } == ["good"])
        #expect(plain.skipped == 3)
        let reviewed = try TrainingData.loadFeedback(path: log, review: review)
        #expect(reviewed.examples.map { $0.messages.last!.content } == ["good", "corrected"])
        #expect(reviewed.examples[1].messages.first == .user("q2"))
    }

    @Test("dedup keeps the first copy; the split depends only on the seed")
    func dedupAndSplit() throws {
        let path = try TestEnvironment.fixture("retrain/facts.jsonl").path
        let facts = try TrainingData.loadChatJSONL(path: path)
        #expect(facts.count == 40)
        #expect(TrainingData.deduplicate(facts + facts).count == 40)
        let a = TrainingData.split(facts, evalShare: 0.1, seed: 1)
        let b = TrainingData.split(facts, evalShare: 0.1, seed: 1)
        let c = TrainingData.split(facts, evalShare: 0.1, seed: 2)
        #expect(a.eval.count == 4 && a.train.count == 36)
        #expect(a.eval.map(\.origin) == b.eval.map(\.origin))
        #expect(a.eval.map(\.origin) != c.eval.map(\.origin))
        #expect(Set(a.eval.map(\.origin)).isDisjoint(with: a.train.map(\.origin)))
    }

    @Test("the loss mask covers exactly the assistant's answer and its end-of-turn (SmolLM2's ChatML)")
    func lossMask() throws {
        let model = try TestEnvironment.model("SmolLM2-135M-Instruct.Q4_1.gguf").path
        let vocabulary = try TokenizerVocabulary(gguf: try GGUFFile(path: model))
        let tokenizer = try makeTokenizer(vocabulary)
        let encoder = ExampleEncoder(tokenizer: tokenizer, template: ChatTemplate(for: vocabulary))
        let example = TrainingExample(messages: [.user("Who makes the kettle?"), .assistant("Marrowind Labs."),
                                                 .user("Where?"), .assistant("Tallinn.")], origin: "t")
        let (ids, mask) = encoder.encode(example, maxTokens: 512)
        let full = tokenizer.encode(ChatTemplate(for: vocabulary).render(example.messages, addGenerationPrompt: false))
        #expect(ids == full)
        let trained = zip(ids, mask).filter(\.1).map(\.0)
        #expect(tokenizer.decode(trained, unparseSpecial: true) == "Marrowind Labs.<|im_end|>\nTallinn.<|im_end|>\n")
        let cut = encoder.encode(example, maxTokens: 10)
        #expect(cut.ids.count == 10 && cut.mask.count == 10)
    }

    @Test("packing never splits an example and never exceeds the row length")
    func packing() {
        let encoded = (1...7).map { n in (ids: [Int32](repeating: Int32(n), count: n * 3), mask: [Bool](repeating: true, count: n * 3)) }
        let rows = SequencePacker.pack(encoded, ctx: 24)
        #expect(rows.allSatisfy { $0.count <= 24 })
        #expect(rows.reduce(0) { $0 + $1.count } == encoded.reduce(0) { $0 + $1.ids.count })
        for row in rows {
            for i in row.tokens.indices where i > 0 && row.segments[i] != row.segments[i - 1] { #expect(row.positions[i] == 0) }
        }
    }
}
