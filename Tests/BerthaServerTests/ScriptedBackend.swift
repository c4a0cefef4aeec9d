import BerthaInference
import BerthaServer
import Foundation

/// A deterministic backend for the HTTP layer's tests: it "generates" a fixed reply word by word,
/// optionally slowly, and counts prompt tokens as whitespace-separated words. The real engine is
/// exercised by the engine's own tests; here the subject is the protocol around it.
struct ScriptedBackend: InferenceBackend {
    var reply = "Paris is the capital of France ."
    var delay: Duration = .zero
    var model: ServedModel { ServedModel(id: "scripted", version: "7", sha256: String(repeating: "ab", count: 32), contextLength: 64) }

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
        guard promptTokens + limit <= 64 else {
            throw ServerError.contextExceeded(promptTokens: promptTokens, requested: limit, contextLength: 64)
        }
        let words = reply.split(separator: " ").map(String.init)
        let delay = self.delay
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
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}
