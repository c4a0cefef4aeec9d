import BerthaCore
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Builds a GGUF file (version 3 by default, little-endian) from metadata and tensors, in the
/// layout llama.cpp and gguf-py write: header, metadata, tensor index, then each tensor's data
/// padded to the alignment.
///
/// Tensors given as bytes are held in memory until `write(to:)`; a tensor copied from another GGUF
/// (`addTensor(_:of:)`) is a view of that file's mapping, so a merged model costs memory only for
/// the tensors it changed. The output replaces the destination atomically.
///
/// ```swift
/// var writer = GGUFWriter()
/// writer.metadata["general.architecture"] = .string("llama")
/// try writer.addTensor(name: "blk.0.attn_q.weight.lora_a", shape: [576, 8], values: weights)
/// try writer.write(to: "adapter.gguf")
/// ```
public struct GGUFWriter: Sendable {
    /// One tensor to write.
    public struct Tensor: Sendable {
        /// The tensor's name, unique in the file.
        public let name: String
        /// Dimensions, innermost (row length) first.
        public let shape: [Int]
        /// Element type.
        public let type: GGMLType
        /// Bytes of data (before padding).
        public var byteCount: Int {
            switch storage {
            case .owned(let bytes): bytes.count
            case .mapped(_, let info): info.byteCount
            }
        }

        fileprivate enum Storage: Sendable {
            case owned([UInt8])
            /// A tensor of a mapped file; holding the file keeps the mapping alive.
            case mapped(GGUFFile, GGUFTensorInfo)
        }
        fileprivate let storage: Storage

        /// Calls `body` with the raw bytes in `type`'s layout.
        public func withBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
            switch storage {
            case .owned(let bytes):
                // Array.withUnsafeBytes rethrows untyped errors: carry the typed one out in a Result.
                return try bytes.withUnsafeBytes { raw in Result { () throws(E) -> R in try body(raw) } }.get()
            case .mapped(let file, let info):
                return try body(file.data(info))
            }
        }
    }

    /// Metadata to write, in order. `general.alignment` is set from `alignment` when it differs
    /// from the default (or was set already).
    public var metadata: GGUFMetadata
    /// Tensor data alignment: a power of two.
    public var alignment: Int
    /// The version written into the header: 3 (current) or 2 (same layout, for older readers).
    public var version: UInt32
    /// The tensors added so far, in file order.
    public private(set) var tensors: [Tensor] = []

    /// Makes an empty writer.
    /// - Parameters:
    ///   - metadata: initial metadata.
    ///   - alignment: tensor data alignment, a power of two (GGUF's default is 32).
    ///   - version: 3, or 2.
    public init(metadata: GGUFMetadata = GGUFMetadata(), alignment: Int = GGUFFile.defaultAlignment, version: UInt32 = 3) {
        self.metadata = metadata
        self.alignment = alignment
        self.version = version
    }

    /// Adds a tensor of raw bytes in `type`'s layout (quantized blocks as ggml stores them).
    /// - Parameters:
    ///   - name: a name not used by another tensor.
    ///   - shape: 1 to 4 dimensions, innermost (row length) first.
    ///   - type: the element type; the row length must be a whole number of its blocks.
    ///   - data: exactly `rows * type.rowBytes(shape[0])` bytes.
    /// - Throws: `GGUFError.duplicateTensor`, `.invalidShape` or `.tensorDataSize` (path `<writer>`).
    public mutating func addTensor(name: String, shape: [Int], type: GGMLType, data: [UInt8]) throws(GGUFError) {
        try add(Tensor(name: name, shape: shape, type: type, storage: .owned(data)))
    }

    /// Adds `tensor` of `file` unchanged (name, shape, type, bytes) without copying its data: the
    /// bytes are read from the file's mapping when the output is written.
    /// - Throws: `GGUFError.duplicateTensor` when the name is taken.
    public mutating func addTensor(_ tensor: GGUFTensorInfo, of file: GGUFFile) throws(GGUFError) {
        try add(Tensor(name: tensor.name, shape: tensor.shape, type: tensor.type, storage: .mapped(file, tensor)))
    }

    private mutating func add(_ tensor: Tensor) throws(GGUFError) {
        let path = "<writer>", name = tensor.name, shape = tensor.shape
        guard !tensors.contains(where: { $0.name == name }) else { throw .duplicateTensor(path: path, tensor: name) }
        guard (1...4).contains(shape.count) else {
            throw .invalidShape(path: path, tensor: name, shape: shape.map(Int64.init),
                                reason: "\(shape.count) dimensions, GGUF allows 1 to 4")
        }
        let checked = try GGUFFile.validateShape(shape.map { UInt64(bitPattern: Int64($0)) },
                                                 typeID: tensor.type.rawValue, tensor: name, path: path)
        guard checked.byteCount == tensor.byteCount else {
            throw .tensorDataSize(path: path, tensor: name, expected: checked.byteCount, actual: tensor.byteCount)
        }
        tensors.append(tensor)
    }

    /// Adds an F32 tensor from its values (row-major in ggml's order: `shape[0]` varies fastest).
    public mutating func addTensor(name: String, shape: [Int], values: [Float]) throws(GGUFError) {
        #if _endian(little)
        // One copy: a per-value loop takes a minute for a 1 GB model in a debug build.
        let bytes = values.withUnsafeBytes { raw in
            [UInt8](unsafeUninitializedCapacity: raw.count) { buffer, count in
                if let start = raw.baseAddress { buffer.baseAddress!.initialize(from: start.assumingMemoryBound(to: UInt8.self), count: raw.count) }
                count = raw.count
            }
        }
        #else
        var bytes = [UInt8]()
        bytes.reserveCapacity(values.count * 4)
        for value in values { appendLittleEndian(value.bitPattern, to: &bytes) }
        #endif
        try addTensor(name: name, shape: shape, type: .f32, data: bytes)
    }

    /// The complete file as bytes.
    /// - Throws: `GGUFError` for an unsupported version or alignment.
    public func encoded() throws(GGUFError) -> [UInt8] {
        var output = try header(path: "<writer>")
        for tensor in tensors {
            tensor.withBytes { output.append(contentsOf: $0) }
            pad(&output)
        }
        return output
    }

    /// Writes the file to `path`, replacing it atomically (temporary file, fsync, rename).
    /// - Throws: `GGUFError.cannotWrite` naming `path`, or a validation error.
    public func write(to path: String) throws(GGUFError) {
        let header = try header(path: path)
        let url = URL(fileURLWithPath: path)
        // AtomicFile flattens the body's errors into FileError; keep ours to rethrow it as is.
        var failure: GGUFError?
        do throws(FileError) {
            try AtomicFile.withTemporaryFile(for: url) { temporary in
                do throws(GGUFError) {
                    try writeFile(temporary.path, header: header, path: path)
                } catch {
                    failure = error
                    throw error
                }
            }
        } catch {
            throw failure ?? .cannotWrite(path: path, reason: error.message)
        }
    }

    private func writeFile(_ temporary: String, header: [UInt8], path: String) throws(GGUFError) {
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .cannotWrite(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        try writeAll(fd, header, path: path)
        let zeros = [UInt8](repeating: 0, count: alignment)
        for tensor in tensors {
            try tensor.withBytes { bytes throws(GGUFError) in try writeAll(fd, bytes, path: path) }
            let padding = paddingCount(tensor.byteCount)
            if padding > 0 { try writeAll(fd, zeros[0..<padding], path: path) }
        }
    }

    // MARK: layout

    /// Header, metadata and tensor index, padded so the data section starts aligned.
    private func header(path: String) throws(GGUFError) -> [UInt8] {
        guard version == 2 || version == 3 else { throw .unsupportedWriteVersion(path: path, version: version) }
        guard alignment > 0, alignment & (alignment - 1) == 0, alignment <= Int(UInt32.max) else {
            throw .invalidAlignment(path: path, alignment: UInt64(max(alignment, 0)))
        }
        var metadata = self.metadata
        if alignment != GGUFFile.defaultAlignment || metadata["general.alignment"] != nil {
            metadata["general.alignment"] = .uint32(UInt32(alignment))
        }
        var out = [UInt8]()
        out.append(contentsOf: Array("GGUF".utf8))
        appendLittleEndian(version, to: &out)
        appendLittleEndian(UInt64(tensors.count), to: &out)
        appendLittleEndian(UInt64(metadata.count), to: &out)
        for key in metadata.keys {
            guard let value = metadata[key] else { continue }
            appendString(key, to: &out)
            appendLittleEndian(value.type.rawValue, to: &out)
            append(value, to: &out)
        }
        var offset = 0
        for tensor in tensors {
            appendString(tensor.name, to: &out)
            appendLittleEndian(UInt32(tensor.shape.count), to: &out)
            for dimension in tensor.shape { appendLittleEndian(UInt64(dimension), to: &out) }
            appendLittleEndian(tensor.type.rawValue, to: &out)
            appendLittleEndian(UInt64(offset), to: &out)
            offset += tensor.byteCount + paddingCount(tensor.byteCount)
        }
        pad(&out)
        return out
    }

    private func paddingCount(_ size: Int) -> Int { (alignment - size % alignment) % alignment }

    private func pad(_ bytes: inout [UInt8]) {
        bytes.append(contentsOf: repeatElement(0, count: paddingCount(bytes.count)))
    }

    private func append(_ value: GGUFValue, to out: inout [UInt8]) {
        switch value {
        case .uint8(let v): out.append(v)
        case .int8(let v): out.append(UInt8(bitPattern: v))
        case .uint16(let v): appendLittleEndian(v, to: &out)
        case .int16(let v): appendLittleEndian(v, to: &out)
        case .uint32(let v): appendLittleEndian(v, to: &out)
        case .int32(let v): appendLittleEndian(v, to: &out)
        case .uint64(let v): appendLittleEndian(v, to: &out)
        case .int64(let v): appendLittleEndian(v, to: &out)
        case .float32(let v): appendLittleEndian(v.bitPattern, to: &out)
        case .float64(let v): appendLittleEndian(v.bitPattern, to: &out)
        case .bool(let v): out.append(v ? 1 : 0)
        case .string(let v): appendString(v, to: &out)
        case .array(let a): append(a, to: &out)
        }
    }

    private func append(_ array: GGUFArray, to out: inout [UInt8]) {
        appendLittleEndian(array.elementType.rawValue, to: &out)
        appendLittleEndian(UInt64(array.count), to: &out)
        switch array {
        case .uint8(let a): out.append(contentsOf: a)
        case .int8(let a): for v in a { out.append(UInt8(bitPattern: v)) }
        case .uint16(let a): for v in a { appendLittleEndian(v, to: &out) }
        case .int16(let a): for v in a { appendLittleEndian(v, to: &out) }
        case .uint32(let a): for v in a { appendLittleEndian(v, to: &out) }
        case .int32(let a): for v in a { appendLittleEndian(v, to: &out) }
        case .uint64(let a): for v in a { appendLittleEndian(v, to: &out) }
        case .int64(let a): for v in a { appendLittleEndian(v, to: &out) }
        case .float32(let a): for v in a { appendLittleEndian(v.bitPattern, to: &out) }
        case .float64(let a): for v in a { appendLittleEndian(v.bitPattern, to: &out) }
        case .bool(let a): for v in a { out.append(v ? 1 : 0) }
        case .strings(let a): for v in a { appendString(v, to: &out) }
        case .arrays(let a): for v in a { append(v, to: &out) }
        }
    }

    private func appendString(_ string: String, to out: inout [UInt8]) {
        let utf8 = string.utf8
        appendLittleEndian(UInt64(utf8.count), to: &out)
        out.append(contentsOf: utf8)
    }

    private func writeAll(_ fd: Int32, _ bytes: some Collection<UInt8>, path: String) throws(GGUFError) {
        let complete = bytes.withContiguousStorageIfAvailable { posixWriteAll(fd, UnsafeRawBufferPointer($0)) }
        guard complete == true else {
            throw .cannotWrite(path: path, reason: String(cString: strerror(errno)))
        }
    }
}

/// write(2) until every byte is out, retrying on EINTR; false on any other error.
private func posixWriteAll(_ fd: Int32, _ buffer: UnsafeRawBufferPointer) -> Bool {
    guard let base = buffer.baseAddress else { return true }
    var written = 0
    while written < buffer.count {
        let n = write(fd, base + written, buffer.count - written)
        if n < 0 {
            if errno == EINTR { continue }
            return false
        }
        written += n
    }
    return true
}

private func appendLittleEndian<T: FixedWidthInteger>(_ value: T, to out: inout [UInt8]) {
    withUnsafeBytes(of: value.littleEndian) { out.append(contentsOf: $0) }
}
