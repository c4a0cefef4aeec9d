import BerthaInference
import BerthaServer
import BerthaTestSupport
import Testing

/// The engine backend on the real SmolLM2: concurrent requests share forward passes and still
/// produce exactly what each produces alone.
@Suite("Continuous batching on SmolLM2", .serialized)
struct BatchingTests {
    static let context = 256

    static func backend(slots: Int) throws -> EngineBackend {
        let path = try TestEnvironment.model("SmolLM2-135M-Instruct.Q4_1.gguf").path
        let model = try LoadedModel(path: path, contextLength: context, threads: 2, sequences: slots)
        return EngineBackend(model: model, served: ServedModel(id: "smollm2", version: "local", sha256: "", contextLength: context),
                             slots: slots, promptChunk: 16)
    }

    static func requests() -> [GenerationRequest] {
        let prompts = ["The capital of France is", "Once upon a time, in a small village,", "1, 2, 3, 4, 5,",
                       "def fibonacci(n):"]
        return prompts.enumerated().map { i, prompt in
            var r = GenerationRequest(prompt: prompt)
            r.maxTokens = 20
            if i == 1 {
                // One request samples with a seed: its draws must not depend on its batch mates.
                r.sampling.temperature = 0.9
                r.sampling.seed = 7
            } else {
                r.sampling = .greedy
            }
            return r
        }
    }

    /// The whole text and finish reason of one generation.
    static func run(_ backend: EngineBackend, _ request: GenerationRequest) async throws -> String {
        var text = ""
        var finish = ""
        for try await event in try await backend.generate(request) {
            switch event {
            case .text(let piece, _): text += piece
            case .finished(let reason, let timings, _):
                finish = "\(reason) \(timings.predictedN)"
            }
        }
        return text + " | " + finish
    }

    @Test("N concurrent requests give the same outputs as alone, in shared forward passes")
    func concurrentEqualsAlone() async throws {
        let requests = Self.requests()
        let single = try Self.backend(slots: 1)
        defer { single.shutdown() }
        var alone: [String] = []
        for r in requests { alone.append(try await Self.run(single, r)) }
        let aloneStats = single.statistics
        #expect(aloneStats.sharedSteps == 0)

        let batched = try Self.backend(slots: requests.count)
        defer { batched.shutdown() }
        let together = try await withThrowingTaskGroup(of: (Int, String).self) { group in
            for (i, r) in requests.enumerated() { group.addTask { (i, try await Self.run(batched, r)) } }
            var out = [String](repeating: "", count: requests.count)
            for try await (i, text) in group { out[i] = text }
            return out
        }
        #expect(together == alone)
        #expect(alone.allSatisfy { $0.hasSuffix(" 20") })
        let stats = batched.statistics
        #expect(stats.maxSequencesInStep == requests.count)
        #expect(stats.sharedSteps > 10)
        // 4 × 20 tokens alone took one pass per token (plus prompt chunks); batched, the decode
        // passes are shared.
        #expect(stats.forwardCalls < aloneStats.forwardCalls / 2)
        #expect(stats.jobsCompleted == requests.count)
    }

    @Test("a cancelled request leaves its slot to the next one")
    func cancellationFreesSlot() async throws {
        let backend = try Self.backend(slots: 1)
        defer { backend.shutdown() }
        // A counting prompt: SmolLM2 continues it far beyond 200 tokens (a bare instruction like
        // "Write a story" ends at once with EOS and would never reach the cancellation).
        var long = GenerationRequest(prompt: "1, 2, 3, 4, 5,")
        long.maxTokens = 200
        long.sampling = .greedy
        let events = try await backend.generate(long)
        // The consumer goes away after two pieces, as a disconnecting client's handler does.
        let (started, signal) = AsyncStream<Void>.makeStream()
        let consumer = Task {
            var pieces = 0
            // However the stream ends, the test must not wait for a signal that cannot come.
            defer { signal.finish() }
            for try await event in events {
                if case .text = event { pieces += 1 }
                if pieces == 2 { signal.yield() }
            }
            return pieces
        }
        for await _ in started { break }
        consumer.cancel()
        let seen = try await consumer.value
        #expect(seen >= 2, "the long generation ended before it could be cancelled")
        var next = GenerationRequest(prompt: "The capital of France is")
        next.maxTokens = 4
        next.sampling = .greedy
        let text = try await Self.run(backend, next)
        #expect(text.hasSuffix("length 4"))
        let stats = backend.statistics
        #expect(stats.jobsCompleted == 2)
        // The cancelled generation stopped long before its 200 tokens.
        #expect(stats.forwardCalls < 60)
    }
}
