import BerthaGGUF

/// Gemma 3 (text): sliding-window attention (window 512) on five of every six layers, RoPE base
/// 10 000 on sliding layers and `rope.freq_base` on the global ones, NEOX RoPE, RMS norms on Q and
/// K per head, extra norms after attention and after the FFN, GELU-tanh gated FFN, embeddings
/// scaled by √n_embd.
///
/// llama.cpp's converter stores every norm weight with Gemma's `1 +` already added, so the norms
/// are used as stored (verified against the fixture logits in `ReferenceLogitsTests`).
enum Gemma3: ModelArchitecture {
    static let name = "gemma3"

    static func configuration(_ metadata: GGUFMetadata, vocabularySize: Int, file: String) throws(InferenceError) -> ModelConfiguration {
        let reader = MetadataReader(metadata: metadata, architecture: name, file: file)
        var config = try reader.base(vocabularySize: vocabularySize)
        config.ropeStyle = .neox
        config.activation = .geluTanh
        config.normEpsilon = reader.float("attention.layer_norm_rms_epsilon", default: 1e-6)
        config.ropeBase = reader.float("rope.freq_base", default: 1_000_000)
        config.ropeBaseSliding = 10_000
        config.slidingWindow = try reader.int("attention.sliding_window", default: 512)
        config.slidingPattern = 6
        config.hasQKNorm = true
        config.hasPostNorms = true
        config.embeddingScale = Float(config.embeddingLength).squareRoot()
        config.attentionScale = 1 / Float(config.headDimension).squareRoot()
        if let cap = metadata.float("\(name).final_logit_softcapping"), cap > 0 { config.finalLogitSoftcap = Float(cap) }
        return config
    }
}
