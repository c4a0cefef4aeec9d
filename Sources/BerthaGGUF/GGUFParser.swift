/// Reads GGUF's little-endian structures straight from mapped bytes, checking every length
/// against the bytes that remain before it allocates or reads anything.
///
/// Internal: `GGUFFile` is the API. Errors name `path` and the section being read; the section is
/// built lazily (an autoclosure) so the hot loops over 262,144-entry vocabularies pay nothing for it.
struct GGUFParser {
    /// Arrays nested deeper than this are rejected; real files nest at most 2.
    static let maximumNesting = 16

    let bytes: UnsafeRawBufferPointer
    let path: String
    private(set) var position = 0

    init(bytes: UnsafeRawBufferPointer, path: String) {
        self.bytes = bytes
        self.path = path
    }

    var remaining: Int { bytes.count - position }

    /// Throws `truncated` unless `count` more bytes exist.
    @inline(__always)
    func need(_ count: Int, _ section: @autoclosure () -> String) throws(GGUFError) {
        guard count <= remaining else {
            throw .truncated(path: path, section: section(), offset: position, needed: UInt64(count))
        }
    }

    /// Checks that `count` elements of at least `minimumSize` bytes each could fit in what remains:
    /// a count beyond the whole file is corrupt (`countTooLarge`), one beyond the rest is truncation.
    func checkCount(_ count: UInt64, minimumSize: Int, _ what: @autoclosure () -> String,
                    countOffset: Int) throws(GGUFError) -> Int {
        let (total, overflow) = count.multipliedReportingOverflow(by: UInt64(minimumSize))
        if overflow || total > UInt64(bytes.count) {
            throw .countTooLarge(path: path, what: what(), count: count, offset: countOffset)
        }
        if total > UInt64(remaining) {
            throw .truncated(path: path, section: what(), offset: position, needed: total)
        }
        return Int(count)
    }

    @inline(__always)
    mutating func read<T: FixedWidthInteger>(_: T.Type, _ section: @autoclosure () -> String) throws(GGUFError) -> T {
        try need(MemoryLayout<T>.size, section())
        let value = bytes.loadUnaligned(fromByteOffset: position, as: T.self)
        position += MemoryLayout<T>.size
        return T(littleEndian: value)
    }

    /// A GGUF string: u64 byte length, then that many bytes of UTF-8 (no terminator).
    mutating func readString(_ section: @autoclosure () -> String) throws(GGUFError) -> String {
        let lengthOffset = position
        let length = try read(UInt64.self, section())
        let count = try checkCount(length, minimumSize: 1, "length of \(section())", countOffset: lengthOffset)
        let start = position
        let raw = UnsafeRawBufferPointer(rebasing: bytes[start..<start + count])
        guard isValidUTF8(raw) else { throw .invalidUTF8(path: path, what: section(), offset: start) }
        position += count
        return String(decoding: raw.assumingMemoryBound(to: UInt8.self), as: UTF8.self)
    }

    /// `count` fixed-width values copied in one go; GGUF is little-endian like every host bertha runs on.
    mutating func readScalars<T>(_: T.Type, count: Int) -> [T] {
        let size = MemoryLayout<T>.stride
        let source = bytes.baseAddress.map { $0 + position }
        let values = [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            if let source, let target = buffer.baseAddress, count > 0 {
                UnsafeMutableRawPointer(target).copyMemory(from: source, byteCount: count * size)
            }
            initialized = count
        }
        position += count * size
        return values
    }

    mutating func readValueType(key: String) throws(GGUFError) -> GGUFValueType {
        let raw = try read(UInt32.self, "value type of metadata key '\(key)'")
        guard let type = GGUFValueType(rawValue: raw) else {
            throw .unknownValueType(path: path, key: key, typeID: raw)
        }
        return type
    }

    mutating func readValue(_ type: GGUFValueType, key: String, depth: Int) throws(GGUFError) -> GGUFValue {
        let section = "value of metadata key '\(key)'"
        switch type {
        case .uint8: return .uint8(try read(UInt8.self, section))
        case .int8: return .int8(try read(Int8.self, section))
        case .uint16: return .uint16(try read(UInt16.self, section))
        case .int16: return .int16(try read(Int16.self, section))
        case .uint32: return .uint32(try read(UInt32.self, section))
        case .int32: return .int32(try read(Int32.self, section))
        case .uint64: return .uint64(try read(UInt64.self, section))
        case .int64: return .int64(try read(Int64.self, section))
        case .float32: return .float32(Float(bitPattern: try read(UInt32.self, section)))
        case .float64: return .float64(Double(bitPattern: try read(UInt64.self, section)))
        case .bool: return .bool(try readBool(key: key))
        case .string: return .string(try readString(section))
        case .array: return .array(try readArray(key: key, depth: depth + 1))
        }
    }

    mutating func readBool(key: String) throws(GGUFError) -> Bool {
        let byte = try read(UInt8.self, "value of metadata key '\(key)'")
        guard byte <= 1 else { throw .invalidBool(path: path, key: key, value: byte) }
        return byte == 1
    }

    /// An array: u32 element type, u64 count, elements. `depth` counts enclosing arrays.
    mutating func readArray(key: String, depth: Int) throws(GGUFError) -> GGUFArray {
        guard depth <= Self.maximumNesting else {
            throw .nestingTooDeep(path: path, key: key, depth: Self.maximumNesting)
        }
        let elementType = try readValueType(key: key)
        let countOffset = position
        let rawCount = try read(UInt64.self, "element count of metadata key '\(key)'")
        let count = try checkCount(rawCount, minimumSize: elementType.minimumSize,
                                   "element count of metadata key '\(key)'", countOffset: countOffset)
        switch elementType {
        case .uint8: return .uint8(readScalars(UInt8.self, count: count))
        case .int8: return .int8(readScalars(Int8.self, count: count))
        case .uint16: return .uint16(readScalars(UInt16.self, count: count))
        case .int16: return .int16(readScalars(Int16.self, count: count))
        case .uint32: return .uint32(readScalars(UInt32.self, count: count))
        case .int32: return .int32(readScalars(Int32.self, count: count))
        case .uint64: return .uint64(readScalars(UInt64.self, count: count))
        case .int64: return .int64(readScalars(Int64.self, count: count))
        case .float32: return .float32(readScalars(Float.self, count: count))
        case .float64: return .float64(readScalars(Double.self, count: count))
        case .bool:
            var values = [Bool]()
            values.reserveCapacity(count)
            for _ in 0..<count { values.append(try readBool(key: key)) }
            return .bool(values)
        case .string:
            var values = [String]()
            values.reserveCapacity(count)
            for index in 0..<count {
                values.append(try readString("element \(index) of metadata key '\(key)'"))
            }
            return .strings(values)
        case .array:
            var values = [GGUFArray]()
            values.reserveCapacity(count)
            for _ in 0..<count { values.append(try readArray(key: key, depth: depth + 1)) }
            return .arrays(values)
        }
    }

    /// Moves to the next multiple of `alignment` (a power of two); may pass the end of the bytes,
    /// which the tensor bounds checks then report.
    mutating func align(to alignment: Int) {
        position = (position + alignment - 1) & ~(alignment - 1)
    }
}
