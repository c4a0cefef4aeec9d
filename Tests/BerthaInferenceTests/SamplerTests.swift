import BerthaInference
import Testing

@Suite("Sampler")
struct SamplerTests {
    static let logits: [Float] = [1.0, 3.0, 2.5, -1.0, 0.5, 2.9, 0.0, 1.5]

    func draw(_ p: SamplingParameters, _ count: Int = 64, history: [Int32] = []) throws -> [Int32] {
        var sampler = try Sampler(p)
        return Self.logits.withUnsafeBufferPointer { buffer in (0..<count).map { _ in sampler.sample(buffer, history: history) } }
    }

    @Test("greedy picks the argmax")
    func greedy() throws {
        #expect(try draw(.greedy, 3) == [1, 1, 1])
    }

    @Test("the same seed gives the same tokens, another seed different ones")
    func seeded() throws {
        var p = SamplingParameters()
        p.temperature = 1.5
        p.topK = 0
        p.topP = 1
        p.minP = 0
        p.seed = 7
        let a = try draw(p), b = try draw(p)
        p.seed = 8
        let c = try draw(p)
        #expect(a == b)
        #expect(a != c)
        #expect(Set(a).count > 2)
    }

    @Test("top-k 2 only ever yields the two best tokens")
    func topK() throws {
        var p = SamplingParameters()
        p.temperature = 2
        p.topK = 2
        p.minP = 0
        p.topP = 1
        #expect(Set(try draw(p, 200)) == [1, 5])
    }

    @Test("min-p drops tokens far below the best")
    func minP() throws {
        var p = SamplingParameters()
        p.temperature = 5
        p.topK = 0
        p.topP = 1
        p.minP = 0.5  // keeps logits within ln 2 of 3.0: ids 1, 2, 5
        #expect(Set(try draw(p, 300)).isSubset(of: [1, 2, 5]))
    }

    @Test("logit bias can ban the best token and penalties can flip the choice")
    func biasAndPenalty() throws {
        var p = SamplingParameters.greedy
        p.logitBias = [1: -.infinity]
        #expect(try draw(p, 1) == [5])
        var q = SamplingParameters.greedy
        q.presencePenalty = 1
        #expect(try draw(q, 1, history: [1]) == [5])
    }

    @Test("invalid settings are rejected with the parameter named")
    func invalid() {
        var p = SamplingParameters()
        p.topP = 0
        #expect(throws: InferenceError.invalidParameter(name: "top-p", value: "0.0")) { try Sampler(p) }
    }
}
