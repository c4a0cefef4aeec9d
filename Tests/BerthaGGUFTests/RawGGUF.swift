import BerthaGGUF

/// Assembles GGUF bytes field by field, so a test can write exactly the lie it wants to check
/// (a wrong count, a misaligned offset, a bad type id) independently of `GGUFWriter`.
struct RawGGUF {
    var magic: [UInt8] = Array("GGUF".utf8)
    var version: UInt32 = 3
    /// Overrides for the header counts; nil means the true count.
    var tensorCount: UInt64?
    var keyCount: UInt64?
    var entries: [[UInt8]] = []
    var infos: [[UInt8]] = []
    var alignment = 32
    var data: [UInt8] = []

    static func u32(_ v: UInt32) -> [UInt8] { withUnsafeBytes(of: v.littleEndian, Array.init) }
    static func u64(_ v: UInt64) -> [UInt8] { withUnsafeBytes(of: v.littleEndian, Array.init) }
    static func string(_ s: String) -> [UInt8] { rawString(Array(s.utf8)) }
    static func rawString(_ bytes: [UInt8]) -> [UInt8] { u64(UInt64(bytes.count)) + bytes }

    /// A metadata entry: key, type tag, then `payload` as the value's bytes.
    mutating func add(key: [UInt8], type: UInt32, payload: [UInt8]) {
        entries.append(Self.rawString(key) + Self.u32(type) + payload)
    }

    mutating func add(key: String, type: GGUFValueType, payload: [UInt8]) {
        add(key: Array(key.utf8), type: type.rawValue, payload: payload)
    }

    /// A tensor info: name, dims, type id, offset relative to the data section.
    mutating func addTensor(name: [UInt8], dims: [UInt64], type: UInt32, offset: UInt64) {
        infos.append(Self.rawString(name) + Self.u32(UInt32(dims.count)) + dims.flatMap(Self.u64) + Self.u32(type) + Self.u64(offset))
    }

    mutating func addTensor(name: String, dims: [UInt64], type: GGMLType = .f32, offset: UInt64) {
        addTensor(name: Array(name.utf8), dims: dims, type: type.rawValue, offset: offset)
    }

    var bytes: [UInt8] {
        var out = magic + Self.u32(version) + Self.u64(tensorCount ?? UInt64(infos.count)) + Self.u64(keyCount ?? UInt64(entries.count))
        for entry in entries { out += entry }
        for info in infos { out += info }
        out += [UInt8](repeating: 0, count: (alignment - out.count % alignment) % alignment)
        return out + data
    }

    /// Offset of the data section in `bytes`.
    var dataOffset: Int { bytes.count - data.count }
}
