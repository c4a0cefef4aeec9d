import BerthaGGUF

/// How rotary position embeddings pair up the dimensions of a head.
public enum RoPEStyle: String, Sendable, Codable {
    /// Adjacent pairs (2i, 2i+1): Llama as converted to GGUF (Q/K rows permuted by the converter).
    case normal
    /// Halves (i, i + d/2): GPT-NeoX, Qwen2, Gemma.
    case neox
}

/// The gate activation of the feed-forward block: `down(act(gate(x)) * up(x))`.
public enum FeedForwardActivation: String, Sendable, Codable {
    /// SiLU (SwiGLU): Llama, Qwen2.
    case silu
    /// GELU with the tanh approximation (GeGLU): Gemma.
    case geluTanh
}

/// The hyperparameters of a decoder-only transformer, decoded from GGUF metadata by the
/// architecture's file (`Llama.swift`, `Qwen2.swift`, `Gemma3.swift`).
///
/// Everything that differs between the supported architectures is a field here, so one forward
/// pass (`Transformer`) serves them all.
public struct ModelConfiguration: Sendable, Codable, Equatable {
    /// `general.architecture`.
    public var architecture: String
    /// Width of the residual stream (n_embd).
    public var embeddingLength: Int
    /// Number of transformer blocks.
    public var blockCount: Int
    /// Hidden width of the feed-forward block.
    public var feedForwardLength: Int
    /// Query heads.
    public var headCount: Int
    /// Key/value heads (GQA: `headCount` is a multiple).
    public var headCountKV: Int
    /// Width of one query/key head.
    public var headDimension: Int
    /// Width of one value head.
    public var valueHeadDimension: Int
    /// Dimensions rotated by RoPE (the first `ropeDimension` of each head).
    public var ropeDimension: Int
    /// Training context length (`context_length`): a default for the engine's context, not a limit.
    public var trainedContextLength: Int
    /// Vocabulary size (rows of `token_embd`).
    public var vocabularySize: Int
    /// Epsilon of every RMS norm.
    public var normEpsilon: Float
    /// RoPE base of global-attention layers.
    public var ropeBase: Float
    /// RoPE base of sliding-window layers (Gemma 3: 10 000); equals `ropeBase` elsewhere.
    public var ropeBaseSliding: Float
    /// RoPE pairing.
    public var ropeStyle: RoPEStyle
    /// Linear RoPE scaling factor (positions are divided by it); 1 for none.
    public var ropeScale: Float
    /// Window of sliding-window layers in tokens (a token sees itself and the `slidingWindow - 1`
    /// before it); nil when no layer slides.
    public var slidingWindow: Int?
    /// Every `slidingPattern`-th layer (1-based) attends globally, the others slide; nil when
    /// no layer slides.
    public var slidingPattern: Int?
    /// Scale applied to QKᵀ (usually 1/√headDimension).
    public var attentionScale: Float
    /// Factor the token embeddings are multiplied by (Gemma: √n_embd, others 1).
    public var embeddingScale: Float
    /// Q and K carry biases (Qwen2).
    public var hasQKVBias: Bool
    /// Per-head RMS norms on Q and K before RoPE (Gemma 3).
    public var hasQKNorm: Bool
    /// RMS norms after attention and after the FFN, before the residual add (Gemma 2/3).
    public var hasPostNorms: Bool
    /// Gate activation.
    public var activation: FeedForwardActivation
    /// Soft cap of the final logits (`tanh(x / c) * c`), nil for none.
    public var finalLogitSoftcap: Float?

    /// Whether layer `layer` (0-based) uses sliding-window attention.
    public func isSliding(layer: Int) -> Bool {
        guard let pattern = slidingPattern, slidingWindow != nil, pattern > 0 else { return false }
        return (layer + 1) % pattern != 0
    }

    /// RoPE base of layer `layer`.
    public func ropeBase(layer: Int) -> Float { isSliding(layer: layer) ? ropeBaseSliding : ropeBase }

    /// Query width (`headCount * headDimension`).
    public var queryDimension: Int { headCount * headDimension }
    /// Key width (`headCountKV * headDimension`).
    public var keyDimension: Int { headCountKV * headDimension }
    /// Value width (`headCountKV * valueHeadDimension`).
    public var valueDimension: Int { headCountKV * valueHeadDimension }
}

/// Reads the `<arch>.*` hyperparameters every architecture shares, with precise errors.
struct MetadataReader {
    let metadata: GGUFMetadata
    let architecture: String
    let file: String

    func int(_ suffix: String) throws(InferenceError) -> Int {
        let key = "\(architecture).\(suffix)"
        guard let value = metadata.int(key) else { throw .missingMetadata(key: key, file: file) }
        guard value > 0 else { throw .invalidMetadata(key: key, value: String(value), file: file) }
        return value
    }

    func int(_ suffix: String, default fallback: Int) throws(InferenceError) -> Int {
        let key = "\(architecture).\(suffix)"
        if metadata[key] == nil { return fallback }
        return try int(suffix)
    }

    func float(_ suffix: String, default fallback: Float) -> Float {
        metadata.float("\(architecture).\(suffix)").map { Float($0) } ?? fallback
    }

    func float(_ suffix: String) throws(InferenceError) -> Float {
        let key = "\(architecture).\(suffix)"
        guard let value = metadata.float(key) else { throw .missingMetadata(key: key, file: file) }
        return Float(value)
    }

    /// The common decoder fields; the architecture file adjusts the rest.
    func base(vocabularySize: Int) throws(InferenceError) -> ModelConfiguration {
        let width = try int("embedding_length")
        let heads = try int("attention.head_count")
        let kvHeads = try int("attention.head_count_kv", default: heads)
        guard heads % kvHeads == 0 else {
            throw .invalidMetadata(key: "\(architecture).attention.head_count_kv", value: String(kvHeads), file: file)
        }
        let headDim = try int("attention.key_length", default: width / heads)
        let valueDim = try int("attention.value_length", default: headDim)
        let ropeDim = try int("rope.dimension_count", default: headDim)
        guard ropeDim <= headDim, ropeDim % 2 == 0 else {
            throw .invalidMetadata(key: "\(architecture).rope.dimension_count", value: String(ropeDim), file: file)
        }
        let base = float("rope.freq_base", default: 10_000)
        var scale: Float = 1
        if metadata.string("\(architecture).rope.scaling.type") == "linear" {
            scale = float("rope.scaling.factor", default: 1)
        }
        return ModelConfiguration(
            architecture: architecture,
            embeddingLength: width,
            blockCount: try int("block_count"),
            feedForwardLength: try int("feed_forward_length"),
            headCount: heads,
            headCountKV: kvHeads,
            headDimension: headDim,
            valueHeadDimension: valueDim,
            ropeDimension: ropeDim,
            trainedContextLength: try int("context_length", default: 2048),
            vocabularySize: vocabularySize,
            normEpsilon: float("attention.layer_norm_rms_epsilon", default: 1e-5),
            ropeBase: base,
            ropeBaseSliding: base,
            ropeStyle: .normal,
            ropeScale: scale > 0 ? scale : 1,
            slidingWindow: nil,
            slidingPattern: nil,
            attentionScale: 1 / Float(headDim).squareRoot(),
            embeddingScale: 1,
            hasQKVBias: false,
            hasQKNorm: false,
            hasPostNorms: false,
            activation: .silu,
            finalLogitSoftcap: nil)
    }
}
