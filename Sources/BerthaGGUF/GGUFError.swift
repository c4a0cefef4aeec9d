import BerthaCore

/// Why a GGUF file could not be read or written. Every case carries the file's path (shown as the
/// error's location) and the key, tensor or offset at fault.
public enum GGUFError: BerthaError, Equatable {
    /// The file could not be opened or mapped.
    case cannotOpen(path: String, reason: String)
    /// The first four bytes are not `GGUF`.
    case badMagic(path: String, found: [UInt8])
    /// A version other than 2 or 3 (1 used 32-bit counts and is not read; a byte-swapped version
    /// means a big-endian file).
    case unsupportedVersion(path: String, version: UInt32)
    /// The file ends inside `section` (`header`, `metadata key 'x'`, `tensor info 'y'`): `needed`
    /// bytes at `offset`, but the file has fewer.
    case truncated(path: String, section: String, offset: Int, needed: UInt64)
    /// A stored count or length (`what`) that no file of this size could hold.
    case countTooLarge(path: String, what: String, count: UInt64, offset: Int)
    /// A string (key, value or tensor name) that is not valid UTF-8.
    case invalidUTF8(path: String, what: String, offset: Int)
    /// A metadata value type tag that GGUF does not define.
    case unknownValueType(path: String, key: String, typeID: UInt32)
    /// A bool stored as something other than 0 or 1.
    case invalidBool(path: String, key: String, value: UInt8)
    /// Arrays nested deeper than any real file nests them (a guard against stack exhaustion).
    case nestingTooDeep(path: String, key: String, depth: Int)
    /// The same metadata key twice.
    case duplicateKey(path: String, key: String)
    /// A well-known key stored with the wrong type (`general.alignment` must be uint32).
    case wrongValueType(path: String, key: String, expected: GGUFValueType, found: GGUFValueType)
    /// `general.alignment` (or a writer's alignment) that is zero or not a power of two.
    case invalidAlignment(path: String, alignment: UInt64)
    /// The same tensor name twice.
    case duplicateTensor(path: String, tensor: String)
    /// A tensor type id ggml does not define (or a removed one, like Q4_2).
    case unknownTensorType(path: String, tensor: String, typeID: UInt32)
    /// A shape GGUF cannot hold for this type: 0 or more than 4 dimensions, a zero or negative
    /// dimension, a row length that is not a whole number of blocks, or a size that overflows.
    case invalidShape(path: String, tensor: String, shape: [Int64], reason: String)
    /// A tensor's stored offset is not a multiple of the file's alignment.
    case misalignedTensor(path: String, tensor: String, offset: UInt64, alignment: Int)
    /// A tensor's data runs past the end of the file.
    case tensorOutOfBounds(path: String, tensor: String, offset: UInt64, byteCount: Int, fileSize: Int)
    /// Two tensors' data ranges overlap.
    case overlappingTensors(path: String, tensor: String, other: String)
    /// A writer was given data whose size does not match the tensor's shape and type.
    case tensorDataSize(path: String, tensor: String, expected: Int, actual: Int)
    /// A writer was asked for a version it does not write.
    case unsupportedWriteVersion(path: String, version: UInt32)
    /// The output file could not be written.
    case cannotWrite(path: String, reason: String)

    /// The file the error is about.
    public var path: String {
        switch self {
        case .cannotOpen(let path, _), .badMagic(let path, _), .unsupportedVersion(let path, _),
             .truncated(let path, _, _, _), .countTooLarge(let path, _, _, _), .invalidUTF8(let path, _, _),
             .unknownValueType(let path, _, _), .invalidBool(let path, _, _), .nestingTooDeep(let path, _, _),
             .duplicateKey(let path, _), .wrongValueType(let path, _, _, _), .invalidAlignment(let path, _),
             .duplicateTensor(let path, _), .unknownTensorType(let path, _, _), .invalidShape(let path, _, _, _),
             .misalignedTensor(let path, _, _, _), .tensorOutOfBounds(let path, _, _, _, _),
             .overlappingTensors(let path, _, _), .tensorDataSize(let path, _, _, _),
             .unsupportedWriteVersion(let path, _), .cannotWrite(let path, _):
            path
        }
    }

    /// The file, shown after the message.
    public var location: String? { path }

    /// What is wrong, naming the key, tensor or offset.
    public var message: String {
        switch self {
        case .cannotOpen(_, let reason):
            return "cannot open GGUF file: \(reason)"
        case .badMagic(_, let found):
            let shown = found.map { ($0 >= 0x20 && $0 < 0x7f) ? String(UnicodeScalar($0)) : "\\x" + hex($0) }.joined()
            return "not a GGUF file: starts with \"\(shown)\", expected \"GGUF\""
        case .unsupportedVersion(_, let version):
            if version == 1 {
                return "GGUF version 1 is not supported (only versions 2 and 3); convert the model again with a current llama.cpp"
            }
            if (2...3).contains(version.byteSwapped) {
                return "big-endian GGUF (version \(version.byteSwapped) byte-swapped) is not supported; use a little-endian file"
            }
            return "unsupported GGUF version \(version) (only versions 2 and 3 are read)"
        case .truncated(_, let section, let offset, let needed):
            return "truncated GGUF file: \(section) needs \(needed) bytes at offset \(offset), past the end of the file"
        case .countTooLarge(_, let what, let count, let offset):
            return "corrupt GGUF file: \(what) is \(count) at offset \(offset), more than the file could hold"
        case .invalidUTF8(_, let what, let offset):
            return "corrupt GGUF file: \(what) at offset \(offset) is not valid UTF-8"
        case .unknownValueType(_, let key, let typeID):
            return "corrupt GGUF file: metadata key '\(key)' has unknown value type \(typeID)"
        case .invalidBool(_, let key, let value):
            return "corrupt GGUF file: metadata key '\(key)' has bool byte \(value), expected 0 or 1"
        case .nestingTooDeep(_, let key, let depth):
            return "corrupt GGUF file: metadata key '\(key)' nests arrays more than \(depth) deep"
        case .duplicateKey(_, let key):
            return "corrupt GGUF file: metadata key '\(key)' appears twice"
        case .wrongValueType(_, let key, let expected, let found):
            return "metadata key '\(key)' is \(found), expected \(expected)"
        case .invalidAlignment(_, let alignment):
            return "alignment \(alignment) is not a power of two (general.alignment)"
        case .duplicateTensor(_, let tensor):
            return "corrupt GGUF file: tensor '\(tensor)' appears twice"
        case .unknownTensorType(_, let tensor, let typeID):
            return "tensor '\(tensor)' has unknown ggml type id \(typeID)"
        case .invalidShape(_, let tensor, let shape, let reason):
            return "tensor '\(tensor)' has invalid shape \(shape): \(reason)"
        case .misalignedTensor(_, let tensor, let offset, let alignment):
            return "tensor '\(tensor)' data offset \(offset) is not a multiple of the alignment \(alignment)"
        case .tensorOutOfBounds(_, let tensor, let offset, let byteCount, let fileSize):
            return "tensor '\(tensor)' data (\(byteCount) bytes at data-section offset \(offset)) runs past the end of the file (\(fileSize) bytes); the file is truncated or corrupt"
        case .overlappingTensors(_, let tensor, let other):
            return "corrupt GGUF file: tensor '\(tensor)' data overlaps tensor '\(other)'"
        case .tensorDataSize(_, let tensor, let expected, let actual):
            return "tensor '\(tensor)' needs \(expected) bytes of data for its shape and type, got \(actual)"
        case .unsupportedWriteVersion(_, let version):
            return "cannot write GGUF version \(version) (only 2 and 3)"
        case .cannotWrite(_, let reason):
            return "cannot write GGUF file: \(reason)"
        }
    }

    /// Always a runtime failure (exit 1): the file, not the command line, is at fault.
    public var exitCode: BerthaExitCode { .failure }
}

private func hex(_ byte: UInt8) -> String {
    let digits = Array("0123456789abcdef")
    return String([digits[Int(byte >> 4)], digits[Int(byte & 0xf)]])
}
