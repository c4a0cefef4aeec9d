import BerthaKernels

/// Read access to the frozen weights for code that differentiates through them (LoRA training in
/// `BerthaFineTune`). The pointers live as long as the `ModelWeights`.
extension ModelWeights {
    /// A per-layer or final RMS-norm weight vector.
    public enum Norm: Sendable {
        case attention, feedForward, query, key, postAttention, postFeedForward
    }

    /// The projection `target` of block `layer`, in its GGUF type.
    public func projection(layer: Int, _ target: LoRATarget) -> WeightMatrix {
        let b = blocks[layer]
        switch target {
        case .q: return b.query
        case .k: return b.key
        case .v: return b.value
        case .o: return b.attentionOutput
        case .gate: return b.gate
        case .up: return b.up
        case .down: return b.down
        }
    }

    /// The weight of norm `norm` in block `layer`, or nil when the architecture has none.
    public func norm(_ norm: Norm, layer: Int) -> UnsafePointer<Float>? {
        let b = blocks[layer]
        switch norm {
        case .attention: return b.attentionNorm.pointer
        case .feedForward: return b.feedForwardNorm.pointer
        case .query: return b.queryNorm?.pointer
        case .key: return b.keyNorm?.pointer
        case .postAttention: return b.postAttentionNorm?.pointer
        case .postFeedForward: return b.postFeedForwardNorm?.pointer
        }
    }

    /// Bias of projection `target` (Qwen2's Q/K/V), or nil.
    public func bias(layer: Int, _ target: LoRATarget) -> UnsafePointer<Float>? {
        let b = blocks[layer]
        switch target {
        case .q: return b.queryBias?.pointer
        case .k: return b.keyBias?.pointer
        case .v: return b.valueBias?.pointer
        default: return nil
        }
    }

    /// (vocab, dim) token embeddings.
    public var embeddingMatrix: WeightMatrix { tokenEmbedding }
    /// (vocab, dim) output matrix (the embeddings when tied).
    public var outputMatrix: WeightMatrix { output }
    /// (dim) final norm weight.
    public var outputNormWeight: UnsafePointer<Float> { outputNorm.pointer }
    /// (ropeDim / 2) RoPE frequency divisors, or nil.
    public var ropeFactors: UnsafePointer<Float>? { ropeFrequencyFactors?.pointer }
}
