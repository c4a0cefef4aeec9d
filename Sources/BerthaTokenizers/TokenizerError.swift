import BerthaCore

/// Why a tokenizer could not be built from a vocabulary, a GGUF file or a `tokenizer.json`.
/// Each case carries the source (file path) and the key or value at fault.
public enum TokenizerError: BerthaError, Equatable {
    /// A required metadata key is missing (`tokenizer.ggml.tokens`).
    case missingKey(source: String, key: String)
    /// `tokenizer.ggml.model` names a tokenizer bertha does not implement.
    case unsupportedModel(source: String, model: String)
    /// Parallel arrays (tokens, scores, token types) disagree in length.
    case lengthMismatch(source: String, key: String, expected: Int, found: Int)
    /// A special token id (`bos`, `eos`, …) outside the vocabulary.
    case tokenIDOutOfRange(source: String, key: String, id: Int, vocabularySize: Int)
    /// A byte-level BPE vocabulary lacks the token for one of the 256 byte characters.
    case missingByteToken(source: String, byte: UInt8)
    /// A `tokenizer.json` that is not valid JSON or lacks the WordPiece model.
    case invalidTokenizerJSON(source: String, reason: String)
    /// A path that is neither a GGUF file nor a folder holding `tokenizer.json`.
    case unrecognizedSource(path: String)

    public var message: String {
        switch self {
        case .missingKey(_, let key): "tokenizer metadata lacks '\(key)'"
        case .unsupportedModel(_, let model):
            "tokenizer model '\(model)' is not supported (supported: llama (SentencePiece), gpt2 (byte-level BPE), bert (WordPiece))"
        case .lengthMismatch(_, let key, let expected, let found):
            "'\(key)' has \(found) entries, the vocabulary has \(expected) tokens"
        case .tokenIDOutOfRange(_, let key, let id, let size):
            "'\(key)' = \(id) is outside the vocabulary of \(size) tokens"
        case .missingByteToken(_, let byte): "byte-level vocabulary has no token for byte 0x\(String(byte, radix: 16))"
        case .invalidTokenizerJSON(_, let reason): "tokenizer.json is not usable: \(reason)"
        case .unrecognizedSource: "not a GGUF file, a tokenizer.json, or a folder holding tokenizer.json"
        }
    }

    public var location: String? {
        switch self {
        case .missingKey(let s, _), .unsupportedModel(let s, _), .lengthMismatch(let s, _, _, _),
             .tokenIDOutOfRange(let s, _, _, _), .missingByteToken(let s, _), .invalidTokenizerJSON(let s, _):
            s
        case .unrecognizedSource(let path): path
        }
    }

    public var exitCode: BerthaExitCode {
        switch self {
        case .unrecognizedSource: .usage
        default: .failure
        }
    }
}
