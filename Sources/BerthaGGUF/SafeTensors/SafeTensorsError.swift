import BerthaCore

/// Why a safetensors file could not be read. Every case carries the file's path (the error's
/// location) and, where one is at fault, the tensor's name.
public enum SafeTensorsError: BerthaError, Equatable {
    /// The file could not be opened or mapped.
    case cannotOpen(path: String, reason: String)
    /// The file is shorter than its 8-byte header length, or than the header it announces.
    case truncatedHeader(path: String, needed: UInt64, fileSize: Int)
    /// The header is not a JSON object of tensor entries (plus an optional `__metadata__` map).
    case invalidHeader(path: String, reason: String)
    /// One tensor entry is malformed: unknown dtype, negative dimension, offsets that disagree
    /// with the shape and dtype.
    case invalidTensor(path: String, tensor: String, reason: String)
    /// A tensor's data ends past the end of the file.
    case tensorOutOfBounds(path: String, tensor: String, end: Int, dataSize: Int)
    /// The data section is not exactly covered by the tensors: an overlap, a hole, or trailing bytes.
    case invalidLayout(path: String, tensor: String?, reason: String)

    /// The file the error is about.
    public var path: String {
        switch self {
        case .cannotOpen(let path, _), .truncatedHeader(let path, _, _), .invalidHeader(let path, _),
             .invalidTensor(let path, _, _), .tensorOutOfBounds(let path, _, _, _), .invalidLayout(let path, _, _):
            path
        }
    }

    public var location: String? { path }

    public var message: String {
        switch self {
        case .cannotOpen(_, let reason):
            return "cannot open safetensors file: \(reason)"
        case .truncatedHeader(_, let needed, let size):
            return "truncated safetensors file: the header needs \(needed) bytes, the file has \(size)"
        case .invalidHeader(_, let reason):
            return "corrupt safetensors header: \(reason)"
        case .invalidTensor(_, let tensor, let reason):
            return "safetensors tensor '\(tensor)': \(reason)"
        case .tensorOutOfBounds(_, let tensor, let end, let dataSize):
            return "safetensors tensor '\(tensor)' data ends at byte \(end) of the data section, which has only \(dataSize) bytes; the file is truncated"
        case .invalidLayout(_, let tensor, let reason):
            if let tensor { return "corrupt safetensors data layout at tensor '\(tensor)': \(reason)" }
            return "corrupt safetensors data layout: \(reason)"
        }
    }

    /// A runtime failure (exit 1): the file, not the command line, is at fault.
    public var exitCode: BerthaExitCode { .failure }
}
