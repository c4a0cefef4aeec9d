import BerthaGGUF

/// Qwen2 / Qwen2.5: Llama's block with biases on Q, K and V and NEOX RoPE.
enum Qwen2: ModelArchitecture {
    static let name = "qwen2"

    static func configuration(_ metadata: GGUFMetadata, vocabularySize: Int, file: String) throws(InferenceError) -> ModelConfiguration {
        let reader = MetadataReader(metadata: metadata, architecture: name, file: file)
        var config = try reader.base(vocabularySize: vocabularySize)
        config.ropeStyle = .neox
        config.hasQKVBias = true
        config.normEpsilon = reader.float("attention.layer_norm_rms_epsilon", default: 1e-6)
        return config
    }
}
