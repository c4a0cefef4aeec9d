import BerthaInference
import Foundation

/// Opens GGUF files on bertha's engine for `ModelReloader`: the loader `bertha serve` uses.
public struct EngineModelLoader: Sendable {
    public var contextLength: Int
    public var threads: Int
    public var batchSize: Int
    public var kvType: KVCacheType
    public var slots: Int

    public init(contextLength: Int, threads: Int, batchSize: Int, kvType: KVCacheType, slots: Int) {
        self.contextLength = contextLength
        self.threads = threads
        self.batchSize = batchSize
        self.kvType = kvType
        self.slots = slots
    }

    /// Loads `ref` into a new `EngineBackend` (its own weights, KV caches and slots, beside any
    /// model already serving).
    public func load(_ ref: ModelRef) async throws -> (any InferenceBackend, ServedModel) {
        let settings = self
        // Mapping and checking a model blocks for up to seconds; keep it off Swift's cooperative
        // pool, which is serving requests meanwhile.
        let loaded = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<LoadedModel, any Error>) in
            Thread.detachNewThread {
                continuation.resume(with: Result {
                    try LoadedModel(path: ref.path, contextLength: settings.contextLength, threads: settings.threads,
                                    batchSize: settings.batchSize, kvType: settings.kvType, sequences: settings.slots,
                                    lora: ref.adapterPath)
                })
            }
        }
        let served = ServedModel(id: ref.name, version: ref.version, sha256: ref.sha256,
                                 contextLength: loaded.transformer.cache.contextLength)
        return (EngineBackend(model: loaded, served: served, slots: slots), served)
    }
}
