import BerthaGGUF

/// Llama 2/3 and its relatives (SmolLM2, TinyLlama, Mistral): GQA, normal RoPE, SwiGLU, RMSNorm,
/// output matrix tied to the embeddings or separate.
enum Llama: ModelArchitecture {
    static let name = "llama"

    static func configuration(_ metadata: GGUFMetadata, vocabularySize: Int, file: String) throws(InferenceError) -> ModelConfiguration {
        let reader = MetadataReader(metadata: metadata, architecture: name, file: file)
        var config = try reader.base(vocabularySize: vocabularySize)
        config.ropeStyle = .normal
        config.activation = .silu
        return config
    }
}
