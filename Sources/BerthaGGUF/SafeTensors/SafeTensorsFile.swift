import Foundation

/// A Hugging Face safetensors file, memory-mapped and validated on open.
///
/// Layout: an 8-byte little-endian header length N, N bytes of JSON (`{"name": {"dtype", "shape",
/// "data_offsets": [begin, end]}, …, "__metadata__": {string: string}}`), then the data section,
/// which the tensors must cover exactly (no overlaps, no holes, nothing after the last one), as
/// the reference implementation requires. Tensor data is never copied: `data(_:)` views the mapping.
public final class SafeTensorsFile: Sendable {
    /// An element type of the format.
    public enum DType: String, Sendable, CaseIterable {
        case bool = "BOOL", u8 = "U8", i8 = "I8", f8e5m2 = "F8_E5M2", f8e4m3 = "F8_E4M3"
        case i16 = "I16", u16 = "U16", f16 = "F16", bf16 = "BF16"
        case i32 = "I32", u32 = "U32", f32 = "F32", f64 = "F64", i64 = "I64", u64 = "U64"

        /// Bytes per element.
        public var size: Int {
            switch self {
            case .bool, .u8, .i8, .f8e5m2, .f8e4m3: 1
            case .i16, .u16, .f16, .bf16: 2
            case .i32, .u32, .f32: 4
            case .f64, .i64, .u64: 8
            }
        }

        /// The ggml type with the same element encoding, when there is one.
        public var ggmlType: GGMLType? {
            switch self {
            case .f32: .f32
            case .f16: .f16
            case .bf16: .bf16
            case .i8: .i8
            case .i16: .i16
            case .i32: .i32
            case .i64: .i64
            case .f64: .f64
            default: nil
            }
        }
    }

    /// One tensor of the file.
    public struct Tensor: Sendable, Equatable {
        public let name: String
        public let dtype: DType
        /// Dimensions as stored: outermost first (PyTorch order), so a `[rows, cols]` matrix has
        /// `rows` rows of `cols` contiguous elements. May be empty (a scalar).
        public let shape: [Int]
        /// Absolute offset of the data in the file.
        public let offset: Int
        public let byteCount: Int

        /// Number of elements.
        public var elementCount: Int { shape.reduce(1, *) }
        /// The shape innermost first, as GGUF lists it.
        public var ggmlShape: [Int] { shape.reversed() }
    }

    /// The path the file was opened from.
    public let path: String
    /// Size of the file in bytes.
    public let fileSize: Int
    /// The `__metadata__` map (empty when absent).
    public let metadata: [String: String]
    /// Every tensor, in data order.
    public let tensors: [Tensor]
    /// Absolute offset of the data section (8 + header length).
    public let dataOffset: Int

    private let mapping: GGUFMapping
    private let index: [String: Int]

    /// The format's limit on the header size (the reference reader refuses larger headers).
    public static let maxHeaderBytes = 100_000_000

    /// Opens, maps and validates the file at `path`.
    /// - Throws: `SafeTensorsError` naming the file and the tensor or header field at fault.
    public convenience init(path: String) throws(SafeTensorsError) {
        let mapping: GGUFMapping
        do throws(GGUFError) {
            mapping = try GGUFMapping(path: path)
        } catch {
            if case .cannotOpen(_, let reason) = error { throw .cannotOpen(path: path, reason: reason) }
            throw .cannotOpen(path: path, reason: error.message)
        }
        try self.init(mapping: mapping, path: path)
    }

    /// Validates safetensors bytes already in memory, keeping a private copy.
    /// - Parameters:
    ///   - bytes: the whole file.
    ///   - path: the name errors report.
    /// - Throws: `SafeTensorsError` as `init(path:)` does.
    public convenience init(bytes: some Collection<UInt8>, path: String = "<memory>") throws(SafeTensorsError) {
        try self.init(mapping: GGUFMapping(copying: bytes), path: path)
    }

    private init(mapping: GGUFMapping, path: String) throws(SafeTensorsError) {
        let bytes = mapping.bytes
        let size = mapping.size
        guard size >= 8 else { throw .truncatedHeader(path: path, needed: 8, fileSize: size) }
        let headerLength = bytes.loadUnaligned(as: UInt64.self).littleEndian
        guard headerLength <= UInt64(Self.maxHeaderBytes) else {
            throw .invalidHeader(path: path, reason: "header length \(headerLength) exceeds the format's limit of \(Self.maxHeaderBytes) bytes")
        }
        guard 8 + headerLength <= UInt64(size) else {
            throw .truncatedHeader(path: path, needed: 8 + headerLength, fileSize: size)
        }
        let dataOffset = 8 + Int(headerLength)
        let header = Data(bytes[8..<dataOffset])
        guard header.first == UInt8(ascii: "{") else {
            throw .invalidHeader(path: path, reason: "does not start with '{'")
        }
        let entries: [String: HeaderEntry]
        do {
            entries = try JSONDecoder().decode([String: HeaderEntry].self, from: header)
        } catch let error as DecodingError {
            throw Self.describe(error, path: path)
        } catch {
            throw .invalidHeader(path: path, reason: "not JSON (\(error.localizedDescription))")
        }

        let dataSize = size - dataOffset
        var metadata: [String: String] = [:]
        var tensors: [Tensor] = []
        var raws: [(name: String, raw: RawTensor)] = []
        for (name, entry) in entries {
            switch entry {
            case .metadata(let map): metadata = map
            case .tensor(let raw): raws.append((name, raw))
            }
        }
        // In data order, so a truncated file reports the first tensor that is cut.
        raws.sort { ($0.raw.data_offsets.first ?? 0, $0.name) < ($1.raw.data_offsets.first ?? 0, $1.name) }
        for (name, raw) in raws {
            tensors.append(try Self.validate(raw, name: name, path: path, dataOffset: dataOffset, dataSize: dataSize))
        }
        tensors.sort { ($0.offset, $0.byteCount, $0.name) < ($1.offset, $1.byteCount, $1.name) }
        var cursor = dataOffset
        var previous: Tensor?
        for tensor in tensors {
            if tensor.offset < cursor {
                throw .invalidLayout(path: path, tensor: tensor.name,
                                     reason: "its data overlaps tensor '\(previous?.name ?? "?")'")
            }
            if tensor.offset > cursor {
                throw .invalidLayout(path: path, tensor: tensor.name,
                                     reason: "\(tensor.offset - cursor) bytes before it belong to no tensor")
            }
            cursor = tensor.offset + tensor.byteCount
            previous = tensor
        }
        if cursor != size {
            throw .invalidLayout(path: path, tensor: nil,
                                 reason: "\(size - cursor) bytes after the last tensor belong to no tensor")
        }

        self.path = path
        self.fileSize = size
        self.metadata = metadata
        self.tensors = tensors
        self.dataOffset = dataOffset
        self.mapping = mapping
        self.index = Dictionary(uniqueKeysWithValues: tensors.enumerated().map { ($1.name, $0) })
    }

    /// The tensor named `name`, or nil.
    public func tensor(_ name: String) -> Tensor? { index[name].map { tensors[$0] } }

    /// The tensor's bytes as a view into the mapping (no copy; any alignment). Valid while this
    /// object lives.
    public func data(_ tensor: Tensor) -> UnsafeRawBufferPointer {
        precondition(tensor.offset >= dataOffset && tensor.offset + tensor.byteCount <= fileSize,
                     "tensor '\(tensor.name)' is not a tensor of \(path)")
        return UnsafeRawBufferPointer(rebasing: mapping.bytes[tensor.offset..<tensor.offset + tensor.byteCount])
    }

    // MARK: header decoding

    private struct RawTensor: Decodable {
        let dtype: String
        let shape: [Int]
        let data_offsets: [Int]
    }

    private enum HeaderEntry: Decodable {
        case metadata([String: String])
        case tensor(RawTensor)

        init(from decoder: any Decoder) throws {
            if decoder.codingPath.last?.stringValue == "__metadata__" {
                self = .metadata(try [String: String](from: decoder))
            } else {
                self = .tensor(try RawTensor(from: decoder))
            }
        }
    }

    private static func validate(_ raw: RawTensor, name: String, path: String, dataOffset: Int,
                                 dataSize: Int) throws(SafeTensorsError) -> Tensor {
        guard let dtype = DType(rawValue: raw.dtype) else {
            throw .invalidTensor(path: path, tensor: name, reason: "unknown dtype '\(raw.dtype)'")
        }
        guard raw.shape.allSatisfy({ $0 >= 0 }) else {
            throw .invalidTensor(path: path, tensor: name, reason: "negative dimension in shape \(raw.shape)")
        }
        guard raw.data_offsets.count == 2, raw.data_offsets[0] >= 0, raw.data_offsets[0] <= raw.data_offsets[1] else {
            throw .invalidTensor(path: path, tensor: name, reason: "data_offsets \(raw.data_offsets) is not [begin, end] with begin ≤ end")
        }
        var expected = dtype.size
        for dimension in raw.shape {
            let (product, overflow) = expected.multipliedReportingOverflow(by: dimension)
            guard !overflow else { throw .invalidTensor(path: path, tensor: name, reason: "shape \(raw.shape) overflows") }
            expected = product
        }
        let (begin, end) = (raw.data_offsets[0], raw.data_offsets[1])
        guard end - begin == expected else {
            throw .invalidTensor(path: path, tensor: name,
                                 reason: "data_offsets \(raw.data_offsets) hold \(end - begin) bytes, but shape \(raw.shape) of \(dtype.rawValue) needs \(expected)")
        }
        guard end <= dataSize else {
            throw .tensorOutOfBounds(path: path, tensor: name, end: end, dataSize: dataSize)
        }
        return Tensor(name: name, dtype: dtype, shape: raw.shape, offset: dataOffset + begin, byteCount: expected)
    }

    /// A decoding failure as one line naming the tensor (the first key of the coding path).
    private static func describe(_ error: DecodingError, path: String) -> SafeTensorsError {
        let context: DecodingError.Context
        switch error {
        case .typeMismatch(_, let c), .valueNotFound(_, let c), .keyNotFound(_, let c), .dataCorrupted(let c): context = c
        @unknown default: return .invalidHeader(path: path, reason: String(describing: error))
        }
        var reason = context.debugDescription
        if case .keyNotFound(let key, _) = error { reason = "missing field '\(key.stringValue)'" }
        guard let first = context.codingPath.first?.stringValue else {
            if case .dataCorrupted = error { return .invalidHeader(path: path, reason: "not JSON (\(reason))") }
            return .invalidHeader(path: path, reason: reason)
        }
        let field = context.codingPath.dropFirst().map(\.stringValue).joined(separator: ".")
        if first == "__metadata__" {
            return .invalidHeader(path: path, reason: "__metadata__ must map strings to strings (\(reason))")
        }
        return .invalidTensor(path: path, tensor: first, reason: field.isEmpty ? reason : "\(field): \(reason)")
    }
}
