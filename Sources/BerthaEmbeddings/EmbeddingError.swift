import BerthaCore

/// Why an embedding model could not be opened. Errors inside a model file (GGUF, safetensors,
/// `config.json`, `tokenizer.json`) come from their readers and name the file themselves.
public enum EmbeddingError: BerthaError, Equatable {
    /// `embeddings.model` names nothing on disk.
    case modelNotFound(path: String)
    /// A Hugging Face folder lacks a file the model needs (`role`: what the file is for).
    case missingFile(path: String, role: String)
    /// A sentence-transformers side file (pooling, max length) is unreadable.
    case invalidFile(path: String, reason: String)
    /// A pooling mode other than mean or `[CLS]`.
    case unsupportedPooling(path: String, mode: String)
    /// The model's tokenizer is not BERT WordPiece.
    case unsupportedTokenizer(path: String, model: String)

    public var message: String {
        switch self {
        case .modelNotFound:
            "embedding model not found: expected a GGUF file or a Hugging Face folder (config.json, model.safetensors, tokenizer.json)"
        case .missingFile(_, let role): "the embedding model folder has no \(role)"
        case .invalidFile(_, let reason): "unreadable model file: \(reason)"
        case .unsupportedPooling(_, let mode): "pooling '\(mode)' is not supported (supported: mean, cls)"
        case .unsupportedTokenizer(_, let model): "tokenizer '\(model)' is not BERT WordPiece, which embedding models need"
        }
    }

    public var location: String? {
        switch self {
        case .modelNotFound(let path), .missingFile(let path, _), .invalidFile(let path, _),
             .unsupportedPooling(let path, _), .unsupportedTokenizer(let path, _):
            path
        }
    }

    public var exitCode: BerthaExitCode {
        switch self {
        case .modelNotFound: .usage
        default: .failure
        }
    }
}
