import Foundation

/// An immutable file of records: written once, complete before the manifest names it.
///
/// Layout (little-endian):
/// ```
/// "BVS1"                       magic
/// u32 dimension, u32 rows, u64 metadataLength
/// f32 vectors   (rows, dimension)   unit length
/// metadata      JSON array of rows, each {id, doc, text, meta}
/// ```
/// The manifest keeps each segment's byte length and FNV-1a 64 checksum, so a torn or damaged
/// file is detected instead of served.
struct SegmentFile {
    static let magic: [UInt8] = Array("BVS1".utf8)
    static let headerSize = 4 + 4 + 4 + 8

    /// A row's non-vector fields as stored in the metadata block.
    struct Row: Codable, Equatable {
        var id: String
        var doc: String
        var text: String
        var meta: [String: String]
    }

    var dimension: Int
    var rows: [Row]
    /// (rows.count, dimension), row-major.
    var vectors: [Float]

    /// The file's bytes.
    func encoded() throws -> Data {
        let json = try JSONEncoder().encode(rows)
        var data = Data(capacity: Self.headerSize + vectors.count * 4 + json.count)
        data.append(contentsOf: Self.magic)
        appendLE(&data, UInt32(dimension))
        appendLE(&data, UInt32(rows.count))
        appendLE(&data, UInt64(json.count))
        vectors.withUnsafeBufferPointer { buffer in
            // Floats are stored as their IEEE bits in little-endian order.
            var bits = [UInt32](repeating: 0, count: buffer.count)
            for i in 0..<buffer.count { bits[i] = buffer[i].bitPattern.littleEndian }
            bits.withUnsafeBytes { data.append(contentsOf: $0) }
        }
        data.append(json)
        return data
    }

    /// Parses a segment; `path` only names the file in errors.
    static func decode(_ data: Data, path: String) throws(VectorStoreError) -> SegmentFile {
        guard data.count >= headerSize, Array(data.prefix(4)) == magic else {
            throw .corrupt(path: path, reason: "not a bertha segment (bad magic or too short)")
        }
        let dimension = Int(readLE(data, at: 4, as: UInt32.self))
        let rowCount = Int(readLE(data, at: 8, as: UInt32.self))
        let jsonLength = readLE(data, at: 12, as: UInt64.self)
        let vectorBytes = rowCount * dimension * 4
        guard jsonLength < UInt64(Int.max), headerSize + vectorBytes + Int(jsonLength) == data.count else {
            throw .corrupt(path: path, reason: "segment length \(data.count) does not match its header")
        }
        var vectors = [Float](repeating: 0, count: rowCount * dimension)
        data.withUnsafeBytes { raw in
            for i in 0..<vectors.count {
                let bits = raw.loadUnaligned(fromByteOffset: headerSize + i * 4, as: UInt32.self)
                vectors[i] = Float(bitPattern: UInt32(littleEndian: bits))
            }
        }
        let json = data.subdata(in: (headerSize + vectorBytes)..<data.count)
        let rows: [Row]
        do {
            rows = try JSONDecoder().decode([Row].self, from: json)
        } catch {
            throw .corrupt(path: path, reason: "segment metadata is not valid JSON")
        }
        guard rows.count == rowCount else {
            throw .corrupt(path: path, reason: "segment header says \(rowCount) rows, metadata holds \(rows.count)")
        }
        return SegmentFile(dimension: dimension, rows: rows, vectors: vectors)
    }

    /// FNV-1a 64 of `data`, as 16 hex digits.
    static func checksum(_ data: Data) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        data.withUnsafeBytes { raw in
            for byte in raw {
                hash ^= UInt64(byte)
                hash = hash &* 0x0000_0100_0000_01b3
            }
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}

private func appendLE<T: FixedWidthInteger>(_ data: inout Data, _ value: T) {
    withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) }
}

private func readLE<T: FixedWidthInteger>(_ data: Data, at offset: Int, as: T.Type) -> T {
    data.withUnsafeBytes { T(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: T.self)) }
}
