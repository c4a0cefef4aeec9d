import BerthaCore
import BerthaGGUF

/// Everything that can go wrong loading or running a model; each case carries the offending value.
public enum InferenceError: BerthaError, Equatable {
    /// `general.architecture` names an architecture with no entry in `ModelRegistry`.
    case unsupportedArchitecture(String, file: String)
    /// A required metadata key is absent or has the wrong type.
    case missingMetadata(key: String, file: String)
    /// A metadata value is present but unusable (e.g. zero heads, head count not dividing the width).
    case invalidMetadata(key: String, value: String, file: String)
    /// A tensor the architecture needs is not in the file.
    case missingTensor(String, file: String)
    /// A tensor has a shape other than the configuration implies.
    case tensorShape(String, expected: [Int], actual: [Int])
    /// A tensor's storage type has no kernel.
    case unsupportedTensorType(String, type: String)
    /// The prompt plus the tokens already cached do not fit the context window.
    case contextOverflow(tokens: Int, context: Int)
    /// A token id outside `0..<vocabularySize`.
    case tokenOutOfRange(Int32, vocabularySize: Int)
    /// A sequence id outside the cache's slots.
    case sequenceOutOfRange(Int, sequences: Int)
    /// A position that is not the next free one of its sequence.
    case positionMismatch(sequence: Int, expected: Int, got: Int)
    /// Invalid sampler or generation settings.
    case invalidParameter(name: String, value: String)
    /// The model file has no tokenizer the engine can use.
    case tokenizer(String)

    public var message: String {
        switch self {
        case .unsupportedArchitecture(let arch, _):
            return "unsupported model architecture '\(arch)' (supported: \(ModelRegistry.architectures.joined(separator: ", ")))"
        case .missingMetadata(let key, _): return "the model has no metadata key '\(key)'"
        case .invalidMetadata(let key, let value, _): return "invalid value \(value) for metadata key '\(key)'"
        case .missingTensor(let name, _): return "the model has no tensor '\(name)'"
        case .tensorShape(let name, let expected, let actual):
            return "tensor '\(name)' has shape \(actual), expected \(expected)"
        case .unsupportedTensorType(let name, let type): return "tensor '\(name)' has type \(type), which the engine cannot compute with"
        case .contextOverflow(let tokens, let context):
            return "\(tokens) tokens do not fit the context of \(context) tokens (raise --ctx or shorten the prompt)"
        case .tokenOutOfRange(let id, let vocab): return "token id \(id) is outside the vocabulary of \(vocab) tokens"
        case .sequenceOutOfRange(let seq, let n): return "sequence \(seq) is outside the cache's \(n) sequences"
        case .positionMismatch(let seq, let expected, let got):
            return "sequence \(seq): position \(got) given but the next free position is \(expected)"
        case .invalidParameter(let name, let value): return "invalid \(name): \(value)"
        case .tokenizer(let why): return "tokenizer: \(why)"
        }
    }

    public var location: String? {
        switch self {
        case .unsupportedArchitecture(_, let file), .missingMetadata(_, let file), .invalidMetadata(_, _, let file),
             .missingTensor(_, let file):
            return file
        default: return nil
        }
    }

    public var exitCode: BerthaExitCode {
        switch self {
        case .invalidParameter, .contextOverflow: return .usage
        default: return .failure
        }
    }
}
