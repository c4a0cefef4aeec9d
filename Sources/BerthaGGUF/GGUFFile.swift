/// A GGUF model file (versions 2 and 3), memory-mapped and fully validated on open.
///
/// The metadata and tensor index are parsed straight from the mapping; tensor data is never
/// copied: `data(_:)` returns a view into the mapping, which stays valid as long as this object
/// lives. Opening checks everything a reader could trip over later (truncation, out-of-bounds or
/// overlapping tensor data, misaligned offsets, unknown types, impossible shapes, duplicate names,
/// invalid UTF-8), so code that holds a `GGUFFile` can trust its tensor views.
public final class GGUFFile: Sendable {
    /// The path the file was opened from.
    public let path: String
    /// The format version (2 or 3).
    public let version: UInt32
    /// Size of the file in bytes.
    public let fileSize: Int
    /// All key/value metadata, in file order.
    public let metadata: GGUFMetadata
    /// Every tensor, in file order.
    public let tensors: [GGUFTensorInfo]
    /// Alignment of tensor data: `general.alignment`, or GGUF's default of 32.
    public let alignment: Int
    /// Absolute offset of the tensor data section (after the tensor index, aligned).
    public let dataOffset: Int

    private let mapping: GGUFMapping
    private let index: [String: Int]

    /// GGUF's alignment when `general.alignment` is absent.
    public static let defaultAlignment = 32

    /// Opens, maps and validates the GGUF file at `path`.
    /// - Parameter path: the file to read.
    /// - Throws: `GGUFError` naming the file and the offending key, tensor or offset.
    public convenience init(path: String) throws(GGUFError) {
        try self.init(mapping: try GGUFMapping(path: path), path: path)
    }

    /// Validates GGUF bytes already in memory (a download, a test case), keeping a private copy.
    /// - Parameters:
    ///   - bytes: the whole file.
    ///   - path: the name errors report for it.
    /// - Throws: `GGUFError` as `init(path:)` does.
    public convenience init(bytes: some Collection<UInt8>, path: String = "<memory>") throws(GGUFError) {
        try self.init(mapping: GGUFMapping(copying: bytes), path: path)
    }

    private init(mapping: GGUFMapping, path: String) throws(GGUFError) {
        var parser = GGUFParser(bytes: mapping.bytes, path: path)

        // Header: magic, version, tensor count, metadata count.
        try parser.need(4, "header")
        let magic = Array(mapping.bytes[0..<4])
        guard magic == Array("GGUF".utf8) else { throw .badMagic(path: path, found: magic) }
        _ = try parser.read(UInt32.self, "header")
        let version = try parser.read(UInt32.self, "header")
        guard version == 2 || version == 3 else { throw .unsupportedVersion(path: path, version: version) }
        let tensorCountOffset = parser.position
        let rawTensorCount = try parser.read(UInt64.self, "header")
        let keyCountOffset = parser.position
        let rawKeyCount = try parser.read(UInt64.self, "header")

        // Metadata: each entry is at least a key length, a type tag and one byte of value.
        let keyCount = try parser.checkCount(rawKeyCount, minimumSize: 13, "metadata key count", countOffset: keyCountOffset)
        var metadata = GGUFMetadata()
        for entry in 0..<keyCount {
            let key = try parser.readString("metadata key #\(entry)")
            let type = try parser.readValueType(key: key)
            let value = try parser.readValue(type, key: key, depth: 0)
            guard metadata.insertNew(key, value) else { throw .duplicateKey(path: path, key: key) }
        }

        let alignment = try Self.alignment(of: metadata, path: path)

        // Tensor index: name, dims, type, offset relative to the data section. At least 32 bytes each.
        let tensorCount = try parser.checkCount(rawTensorCount, minimumSize: 32, "tensor count",
                                                countOffset: tensorCountOffset)
        var pending: [(name: String, shape: [Int], type: GGMLType, relativeOffset: UInt64, byteCount: Int)] = []
        pending.reserveCapacity(tensorCount)
        var index: [String: Int] = [:]
        index.reserveCapacity(tensorCount)
        for number in 0..<tensorCount {
            let name = try parser.readString("name of tensor #\(number)")
            let dimensionCount = try parser.read(UInt32.self, "tensor info '\(name)'")
            guard (1...4).contains(dimensionCount) else {
                throw .invalidShape(path: path, tensor: name, shape: [],
                                    reason: "\(dimensionCount) dimensions, GGUF allows 1 to 4")
            }
            var stored: [UInt64] = []
            for _ in 0..<dimensionCount { stored.append(try parser.read(UInt64.self, "tensor info '\(name)'")) }
            let typeID = try parser.read(UInt32.self, "tensor info '\(name)'")
            let relativeOffset = try parser.read(UInt64.self, "tensor info '\(name)'")

            let checked = try Self.validateShape(stored, typeID: typeID, tensor: name, path: path)
            guard relativeOffset % UInt64(alignment) == 0 else {
                throw .misalignedTensor(path: path, tensor: name, offset: relativeOffset, alignment: alignment)
            }
            guard index.updateValue(pending.count, forKey: name) == nil else {
                throw .duplicateTensor(path: path, tensor: name)
            }
            pending.append((name, checked.shape, checked.type, relativeOffset, checked.byteCount))
        }

        parser.align(to: alignment)
        let dataOffset = parser.position
        let fileSize = mapping.size
        var tensors: [GGUFTensorInfo] = []
        tensors.reserveCapacity(pending.count)
        for tensor in pending {
            // Bounds in UInt64 first: a lying offset must not overflow Int arithmetic.
            let start = UInt64(dataOffset).addingReportingOverflow(tensor.relativeOffset)
            let end = start.partialValue.addingReportingOverflow(UInt64(tensor.byteCount))
            guard !start.overflow, !end.overflow, end.partialValue <= UInt64(fileSize) else {
                throw .tensorOutOfBounds(path: path, tensor: tensor.name, offset: tensor.relativeOffset,
                                         byteCount: tensor.byteCount, fileSize: fileSize)
            }
            tensors.append(GGUFTensorInfo(name: tensor.name, shape: tensor.shape, type: tensor.type,
                                          offset: Int(start.partialValue), byteCount: tensor.byteCount))
        }
        try Self.checkOverlaps(tensors, path: path)

        self.path = path
        self.version = version
        self.fileSize = fileSize
        self.metadata = metadata
        self.tensors = tensors
        self.alignment = alignment
        self.dataOffset = dataOffset
        self.mapping = mapping
        self.index = index
    }

    /// The tensor named `name`, or nil.
    public func tensor(_ name: String) -> GGUFTensorInfo? {
        index[name].map { tensors[$0] }
    }

    /// The tensor's bytes as a view into the mapping (no copy). Valid while this `GGUFFile` lives.
    /// - Parameter tensor: a tensor of this file (from `tensors` or `tensor(_:)`).
    public func data(_ tensor: GGUFTensorInfo) -> UnsafeRawBufferPointer {
        precondition(tensor.offset >= 0 && tensor.byteCount >= 0 && tensor.offset <= fileSize - tensor.byteCount,
                     "tensor '\(tensor.name)' is not a tensor of \(path)")
        return UnsafeRawBufferPointer(rebasing: mapping.bytes[tensor.offset..<tensor.offset + tensor.byteCount])
    }

    /// The whole file's bytes (to hash or upload it), valid while this `GGUFFile` lives.
    public var bytes: UnsafeRawBufferPointer { mapping.bytes }

    /// True when the bytes are a file mapping rather than an in-memory copy.
    var isMapped: Bool { mapping.isMapped }

    /// Total weights over all tensors.
    public var parameterCount: Int { tensors.reduce(0) { $0 + $1.elementCount } }

    private static func alignment(of metadata: GGUFMetadata, path: String) throws(GGUFError) -> Int {
        guard let value = metadata["general.alignment"] else { return defaultAlignment }
        // llama.cpp reads this key with gguf_get_val_u32; any other type is a broken file.
        guard case .uint32(let alignment) = value else {
            throw .wrongValueType(path: path, key: "general.alignment", expected: .uint32, found: value.type)
        }
        guard alignment > 0, alignment & (alignment - 1) == 0 else {
            throw .invalidAlignment(path: path, alignment: UInt64(alignment))
        }
        return Int(alignment)
    }

    /// Checks dimensions, type and size; returns the shape as `Int`s and the data size in bytes.
    static func validateShape(_ stored: [UInt64], typeID: UInt32, tensor: String, path: String)
        throws(GGUFError) -> (shape: [Int], type: GGMLType, byteCount: Int) {
        // ggml keeps dims as int64: a value above Int64.max is a negative dimension.
        let signed = stored.map { Int64(bitPattern: $0) }
        func invalid(_ reason: String) -> GGUFError {
            .invalidShape(path: path, tensor: tensor, shape: signed, reason: reason)
        }
        if signed.contains(where: { $0 < 0 }) { throw invalid("negative dimension") }
        if signed.contains(0) { throw invalid("zero dimension") }
        guard let type = GGMLType(rawValue: typeID) else {
            throw .unknownTensorType(path: path, tensor: tensor, typeID: typeID)
        }
        let shape = signed.map { Int($0) }
        var elements = 1
        for dimension in shape {
            let (product, overflow) = elements.multipliedReportingOverflow(by: dimension)
            if overflow { throw invalid("element count overflows") }
            elements = product
        }
        guard shape[0] % type.blockSize == 0 else {
            throw invalid("row length \(shape[0]) is not a multiple of \(type)'s block size \(type.blockSize)")
        }
        guard let rowBytes = type.rowBytes(shape[0]) else { throw invalid("row size overflows") }
        let (byteCount, overflow) = rowBytes.multipliedReportingOverflow(by: elements / shape[0])
        if overflow { throw invalid("data size overflows") }
        return (shape, type, byteCount)
    }

    private static func checkOverlaps(_ tensors: [GGUFTensorInfo], path: String) throws(GGUFError) {
        let byStart = tensors.indices.sorted { tensors[$0].offset < tensors[$1].offset }
        for (previous, next) in zip(byStart, byStart.dropFirst()) {
            let a = tensors[previous], b = tensors[next]
            if a.offset + a.byteCount > b.offset {
                throw .overlappingTensors(path: path, tensor: b.name, other: a.name)
            }
        }
    }
}
