import BerthaInference
import BerthaTokenizers
import Dispatch
import Foundation
import Synchronization

/// Serves a `LoadedModel` over the `InferenceBackend` protocol.
///
/// Each of the `slots` keeps its own KV-cache sequence, so a follow-up turn of a conversation
/// reuses its prompt prefix. Compute runs on one serial queue off Swift's cooperative pool:
/// the kernels' worker pool takes one caller at a time, and a forward pass blocks for
/// milliseconds. Slots therefore take turns per request (not yet batched per step: see README).
public actor EngineBackend: InferenceBackend {
    private let loaded: LoadedModel
    private let served: ServedModel
    private var freeSlots: [Generator]
    private let compute = DispatchQueue(label: "bertha.engine.compute")

    /// - Parameters:
    ///   - model: the loaded model; its transformer must have at least `slots` sequences.
    ///   - served: how the model is named and versioned in responses and metrics.
    public init(model: LoadedModel, served: ServedModel, slots: Int) {
        self.loaded = model
        self.served = served
        let count = max(1, min(slots, model.transformer.cache.sequences))
        self.freeSlots = (0..<count).map { Generator(transformer: model.transformer, tokenizer: model.tokenizer, sequence: $0) }
    }

    public var model: ServedModel { served }

    public func renderChat(_ messages: [ChatTurn]) async throws -> String {
        loaded.chatTemplate.render(messages.map { ChatMessage(role: $0.role, content: $0.content) })
    }

    public func tokenize(_ text: String, addSpecial: Bool, parseSpecial: Bool) async throws -> [Int32] {
        loaded.tokenizer.encode(text, addSpecial: addSpecial, parseSpecial: parseSpecial)
    }

    public func detokenize(_ ids: [Int32]) async throws -> String {
        loaded.tokenizer.decode(ids)
    }

    public func generate(_ request: GenerationRequest) async throws -> AsyncThrowingStream<GenerationEvent, any Error> {
        let ids = loaded.tokenizer.encode(request.prompt, addSpecial: true, parseSpecial: true)
        let context = served.contextLength
        let maxTokens = request.maxTokens ?? max(0, context - ids.count)
        guard ids.count + maxTokens <= context, maxTokens > 0 else {
            throw ServerError.contextExceeded(promptTokens: ids.count, requested: max(maxTokens, 1), contextLength: context)
        }
        guard let generator = freeSlots.popLast() else {
            throw ServerError.queueFull(retryAfterSeconds: 1)
        }
        let stop = request.stop
        let settings = request.sampling
        let cancelled = Atomic<Bool>(false)
        let (stream, continuation) = AsyncThrowingStream<GenerationEvent, any Error>.makeStream()
        continuation.onTermination = { _ in cancelled.store(true, ordering: .relaxed) }
        compute.async {
            do {
                let result = try generator.generate(prompt: ids, sampling: settings, maxTokens: maxTokens, stop: stop) { piece in
                    continuation.yield(.text(piece, tokens: 1))
                    return !cancelled.load(ordering: .relaxed)
                }
                continuation.yield(.finished(result.finishReason, result.timings, promptTokens: ids.count))
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
            Task { await self.returnSlot(generator) }
        }
        return stream
    }

    private func returnSlot(_ generator: Generator) {
        freeSlots.append(generator)
    }
}
