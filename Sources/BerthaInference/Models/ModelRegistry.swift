import BerthaGGUF

/// One supported architecture: decodes its configuration from GGUF metadata.
protocol ModelArchitecture {
    /// The `general.architecture` value this type handles.
    static var name: String { get }
    /// The hyperparameters of a model of this architecture.
    static func configuration(_ metadata: GGUFMetadata, vocabularySize: Int, file: String) throws(InferenceError) -> ModelConfiguration
}

/// Maps `general.architecture` to the type that decodes it. Adding an architecture: write its file
/// in `Models/`, add it here, and add any new tensor to `TensorName`.
public enum ModelRegistry {
    static func entry(_ architecture: String) -> (any ModelArchitecture.Type)? {
        switch architecture {
        case Llama.name: Llama.self
        case Qwen2.name: Qwen2.self
        case Gemma3.name: Gemma3.self
        default: nil
        }
    }

    /// The architectures the engine runs, sorted.
    public static let architectures: [String] = [Gemma3.name, Llama.name, Qwen2.name]

    /// The configuration of the model in `file`.
    /// - Throws: `InferenceError.unsupportedArchitecture`, `.missingMetadata`, `.invalidMetadata`, `.missingTensor`.
    public static func configuration(of file: GGUFFile) throws(InferenceError) -> ModelConfiguration {
        guard let arch = file.metadata.architecture else {
            throw .missingMetadata(key: "general.architecture", file: file.path)
        }
        guard let type = entry(arch) else { throw .unsupportedArchitecture(arch, file: file.path) }
        guard let embd = file.tensor(TensorName.tokenEmbedding) else {
            throw .missingTensor(TensorName.tokenEmbedding, file: file.path)
        }
        return try type.configuration(file.metadata, vocabularySize: embd.rows, file: file.path)
    }
}
