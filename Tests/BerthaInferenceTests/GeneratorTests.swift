import BerthaInference
import BerthaTestSupport
import Testing

@Suite("Generator on SmolLM2")
struct GeneratorTests {
    static func model(ctx: Int = 256) throws -> LoadedModel {
        try LoadedModel(path: TestEnvironment.model(ReferenceModels.smollm).path, contextLength: ctx, threads: 2)
    }

    @Test("sampling with a seed is reproducible; the text streams in pieces that add up")
    func seededGeneration() throws {
        let m = try Self.model()
        let g = Generator(transformer: m.transformer, tokenizer: m.tokenizer)
        var p = SamplingParameters()
        p.temperature = 1
        p.seed = 1234
        let prompt = m.tokenizer.encode("Once upon a time")
        var streamed = ""
        let a = try g.generate(prompt: prompt, sampling: p, maxTokens: 12) { streamed += $0; return true }
        g.reset()
        let b = try g.generate(prompt: prompt, sampling: p, maxTokens: 12)
        #expect(a.generatedIDs == b.generatedIDs)
        #expect(a.generatedIDs.count == 12)
        #expect(streamed == a.text)
        #expect(a.timings.promptN == prompt.count)
    }

    @Test("a stop string ends generation and is cut from the text")
    func stopString() throws {
        let m = try Self.model()
        let g = Generator(transformer: m.transformer, tokenizer: m.tokenizer)
        let prompt = m.tokenizer.encode("1, 2, 3, 4, 5,")
        let free = try g.generate(prompt: prompt, sampling: .greedy, maxTokens: 10)
        #expect(free.text.contains("7"))
        let stopped = try g.generate(prompt: prompt, sampling: .greedy, maxTokens: 10, stop: ["7"])
        #expect(stopped.finishReason == .stop)
        #expect(!stopped.text.contains("7"))
        #expect(free.text.hasPrefix(stopped.text))
    }

    @Test("a prompt longer than the context is a typed error")
    func overflow() throws {
        let m = try Self.model(ctx: 16)
        let g = Generator(transformer: m.transformer, tokenizer: m.tokenizer)
        let prompt = [Int32](repeating: 100, count: 20)
        #expect(throws: InferenceError.contextOverflow(tokens: 20, context: 16)) {
            try g.generate(prompt: prompt, sampling: .greedy, maxTokens: 4)
        }
    }

    @Test("a second prompt sharing a prefix evaluates only the new suffix and gives the same tokens")
    func prefixReuse() throws {
        let m = try Self.model()
        let g = Generator(transformer: m.transformer, tokenizer: m.tokenizer)
        let first = m.tokenizer.encode("The capital of France is Paris. The capital of Italy is")
        _ = try g.generate(prompt: first, sampling: .greedy, maxTokens: 4)
        let second = first + m.tokenizer.encode(" Rome. The capital of Spain is")
        let reused = try g.generate(prompt: second, sampling: .greedy, maxTokens: 6)
        #expect(reused.timings.promptN < second.count)
        g.reset()
        let fresh = try g.generate(prompt: second, sampling: .greedy, maxTokens: 6)
        #expect(fresh.timings.promptN == second.count)
        #expect(reused.generatedIDs == fresh.generatedIDs)
    }

    @Test("context shift keeps generating past the context window")
    func contextShift() throws {
        let m = try Self.model(ctx: 32)
        let g = Generator(transformer: m.transformer, tokenizer: m.tokenizer)
        let prompt = m.tokenizer.encode("Count: 1, 2, 3, 4, 5, 6,")
        let r = try g.generate(prompt: prompt, sampling: .greedy, maxTokens: 40, keep: 2, contextShift: true)
        #expect(r.generatedIDs.count == 40)
        #expect(g.cachedTokens.count <= 32)
    }
}
