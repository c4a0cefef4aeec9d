import BerthaInference
import BerthaTokenizers
import Dispatch
import Foundation
import Synchronization

/// Serves a `LoadedModel` over the `InferenceBackend` protocol with continuous batching.
///
/// The `slots` generations in flight are decoded together, one batched forward pass per step, by
/// a `ContinuousBatcher` that owns the model's compute thread: a new request joins between steps
/// (its prompt evaluated in chunks alongside the others' decode tokens), a finished or cancelled
/// one leaves its slot, whose KV cache stays for prefix reuse by the next request. How many
/// requests wait for a slot is bounded by the server's `Admission`, not here.
public actor EngineBackend: InferenceBackend {
    private let loaded: LoadedModel
    private let served: ServedModel
    /// The scheduler; exposed so tests and metrics can read its step counters.
    public nonisolated let batcher: ContinuousBatcher

    /// - Parameters:
    ///   - model: the loaded model; its transformer must have at least `slots` sequences.
    ///   - served: how the model is named and versioned in responses and metrics.
    ///   - slots: generations decoded together.
    ///   - promptChunk: most prompt tokens evaluated per step (bounds how long a joining prompt
    ///     delays the others' next token).
    public init(model: LoadedModel, served: ServedModel, slots: Int, promptChunk: Int = 128) {
        self.loaded = model
        self.served = served
        self.batcher = ContinuousBatcher(transformer: model.transformer, tokenizer: model.tokenizer,
                                         slots: slots, promptChunk: promptChunk)
    }

    /// Counters of the batching loop (forward passes, shared steps, most sequences in one pass).
    public nonisolated var statistics: ContinuousBatcher.Statistics { batcher.statistics }

    /// Stops the compute thread; queued and running generations end.
    public nonisolated func shutdown() { batcher.shutdown() }

    // The batcher's thread keeps the model (weights, KV caches) alive until told to stop; a backend
    // swapped out by a reload is released once its last request finished, and so must its thread be.
    deinit { batcher.shutdown() }

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
        let (stream, continuation) = AsyncThrowingStream<GenerationEvent, any Error>.makeStream()
        let promptTokens = ids.count
        let job = ContinuousBatcher.Job(prompt: ids, sampling: request.sampling, maxTokens: maxTokens, stop: request.stop)
        let ticket = batcher.submit(job) { event in
            switch event {
            case .piece(let text):
                if case .terminated = continuation.yield(.text(text, tokens: 1)) { return false }
                return true
            case .finished(let result):
                continuation.yield(.finished(result.finishReason, result.timings, promptTokens: promptTokens))
                continuation.finish()
            case .failed(let error):
                continuation.finish(throwing: error)
            }
            return true
        }
        continuation.onTermination = { _ in ticket.cancel() }
        return stream
    }
}
