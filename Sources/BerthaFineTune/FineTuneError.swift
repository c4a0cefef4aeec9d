import BerthaCore

/// Everything that can go wrong preparing data, training or gating; each case names the file,
/// line, key or value at fault.
public enum FineTuneError: BerthaError, Equatable {
    /// A dataset line that is not a valid example.
    case malformedLine(file: String, line: Int, reason: String)
    /// A dataset or review file that cannot be read.
    case unreadable(path: String, reason: String)
    /// No usable training examples after filtering.
    case noExamples(String)
    /// A model the trainer cannot differentiate.
    case unsupportedModel(String)
    /// A bad option value.
    case invalidOption(name: String, value: String)
    /// A checkpoint that does not belong to this run.
    case checkpointMismatch(path: String, reason: String)
    /// A file that cannot be written.
    case cannotWrite(path: String, reason: String)

    public var message: String {
        switch self {
        case .malformedLine(_, _, let reason): "malformed example: \(reason)"
        case .unreadable(_, let reason): "cannot read: \(reason)"
        case .noExamples(let why): "no training examples: \(why)"
        case .unsupportedModel(let why): "cannot train this model: \(why)"
        case .invalidOption(let name, let value): "invalid \(name): \(value)"
        case .checkpointMismatch(_, let reason): "checkpoint does not match this run: \(reason)"
        case .cannotWrite(_, let reason): "cannot write: \(reason)"
        }
    }

    public var location: String? {
        switch self {
        case .malformedLine(let file, let line, _): "\(file):\(line)"
        case .unreadable(let path, _), .checkpointMismatch(let path, _), .cannotWrite(let path, _): path
        case .noExamples, .unsupportedModel, .invalidOption: nil
        }
    }

    public var exitCode: BerthaExitCode {
        switch self {
        case .invalidOption: .usage
        default: .failure
        }
    }
}
