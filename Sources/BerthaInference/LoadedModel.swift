import BerthaGGUF
import BerthaKernels
import BerthaTokenizers
import Foundation

/// A GGUF model opened for generation: the transformer, its tokenizer and chat template.
public struct LoadedModel: @unchecked Sendable {
    /// The transformer with its KV cache.
    public let transformer: Transformer
    /// The tokenizer from the same file.
    public let tokenizer: any Tokenizer
    /// The chat template detected from the file.
    public let chatTemplate: ChatTemplate
    /// Seconds spent mapping the file, checking the tensors and allocating the cache.
    public let loadSeconds: Double

    /// Opens `path`.
    /// - Parameters:
    ///   - path: the GGUF file.
    ///   - contextLength: KV cache positions per sequence (0: the model's trained length, capped at 4096).
    ///   - threads: compute threads (0: one per core).
    ///   - batchSize: prompt tokens per forward chunk.
    ///   - kvType: KV cache element type.
    ///   - sequences: cache slots.
    ///   - lora: a LoRA adapter GGUF (llama.cpp's format) applied on top of the base weights.
    /// - Throws: `GGUFError`, `InferenceError` or `TokenizerError` naming what is wrong.
    public init(path: String, contextLength: Int = 0, threads: Int = 0, batchSize: Int = 512,
                kvType: KVCacheType = .f16, sequences: Int = 1, lora: String? = nil) throws {
        let start = Date()
        let file = try GGUFFile(path: path)
        let weights = try ModelWeights(file: file)
        let ctx = contextLength > 0 ? contextLength : min(weights.configuration.trainedContextLength, 4096)
        let threadCount = threads > 0 ? threads : ProcessInfo.processInfo.activeProcessorCount
        transformer = Transformer(weights: weights, contextLength: ctx, sequences: sequences, batchSize: batchSize,
                                  kvType: kvType, threads: threadCount,
                                  lora: try lora.map { try LoRAAdapter(path: $0, configuration: weights.configuration) })
        let vocabulary = try TokenizerVocabulary(gguf: file)
        tokenizer = try makeTokenizer(vocabulary, source: path)
        chatTemplate = ChatTemplate(for: vocabulary)
        loadSeconds = Date().timeIntervalSince(start)
    }
}
