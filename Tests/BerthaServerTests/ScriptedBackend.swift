import BerthaInference
import BerthaServer
import Foundation
import Synchronization

/// How the scripted generations ended, shared by every copy of a `ScriptedBackend`.
final class GenerationLog: Sendable {
    private let counts = Mutex<(started: Int, cancelled: Int)>((0, 0))
    private let prompt = Mutex<String?>(nil)
    var started: Int { counts.withLock { $0.started } }
    /// The prompt of the latest generation (what RAG put into it).
    var lastPrompt: String? { prompt.withLock { $0 } }
    func record(prompt text: String) { prompt.withLock { $0 = text } }
    var cancelled: Int { counts.withLock { $0.cancelled } }
    func start() { counts.withLock { $0.started += 1 } }
    func cancel() { counts.withLock { $0.cancelled += 1 } }
}

/// A deterministic backend for the HTTP layer's tests: it "generates" a fixed reply word by word,
/// optionally slowly, and counts prompt tokens as whitespace-separated words. The real engine is
/// exercised by the engine's own tests; here the subject is the protocol around it.
struct ScriptedBackend: InferenceBackend {
    var reply = "Paris is the capital of France ."
    var delay: Duration = .zero
    var log = GenerationLog()
    var model = ServedModel(id: "scripted", version: "7", sha256: String(repeating: "ab", count: 32), contextLength: 64)

    func renderChat(_ messages: [ChatTurn]) async throws -> String {
        messages.map { "<\($0.role)> \($0.content)" }.joined(separator: " ") + " <assistant>"
    }

    func tokenize(_ text: String, addSpecial: Bool, parseSpecial: Bool) async throws -> [Int32] {
        text.split(separator: " ").map { Int32(truncatingIfNeeded: $0.hashValue & 0x7fff) }
    }

    func detokenize(_ ids: [Int32]) async throws -> String { ids.map(String.init).joined(separator: " ") }

    func generate(_ request: GenerationRequest) async throws -> AsyncThrowingStream<GenerationEvent, any Error> {
        let promptTokens = request.prompt.split(separator: " ").count
        let limit = request.maxTokens ?? 16
        guard promptTokens + limit <= model.contextLength else {
            throw ServerError.contextExceeded(promptTokens: promptTokens, requested: limit, contextLength: model.contextLength)
        }
        let words = reply.split(separator: " ").map(String.init)
        let delay = self.delay
        let log = self.log
        log.start()
        log.record(prompt: request.prompt)
        return AsyncThrowingStream { continuation in
            let task = Task {
                var produced = 0
                var text = ""
                for (index, word) in words.enumerated() where produced < limit {
                    if delay > .zero { try await Task.sleep(for: delay) }
                    let piece = (index == 0 ? "" : " ") + word
                    text += piece
                    produced += 1
                    if let stop = request.stop.first(where: { text.contains($0) }) {
                        _ = stop
                        continuation.yield(.finished(.stop, GenerationTimings(promptN: promptTokens, promptMS: 1, predictedN: produced, predictedMS: 2), promptTokens: promptTokens))
                        continuation.finish()
                        return
                    }
                    continuation.yield(.text(piece, tokens: 1))
                }
                let reason: FinishReason = produced < words.count ? .length : .endOfGeneration
                continuation.yield(.finished(reason, GenerationTimings(promptN: promptTokens, promptMS: 1, predictedN: produced, predictedMS: 2), promptTokens: promptTokens))
                continuation.finish()
            }
            continuation.onTermination = { termination in
                if case .cancelled = termination { log.cancel() }
                task.cancel()
            }
        }
    }
}
