import BerthaGGUF
import BerthaTestSupport
import Foundation
import Testing

/// Opens `bytes` and returns the error, or nil when the file was accepted.
func openError(_ bytes: [UInt8], path: String = "bad.gguf") -> GGUFError? {
    do throws(GGUFError) {
        _ = try GGUFFile(bytes: bytes, path: path)
        return nil
    } catch {
        return error
    }
}

@Suite("GGUFFile rejects broken files with one precise error")
struct GGUFValidationTests {
    /// A valid file: one string key and two F32 tensors of 4 and 8 elements.
    static func valid() -> RawGGUF {
        var raw = RawGGUF()
        raw.add(key: "general.architecture", type: .string, payload: RawGGUF.string("llama"))
        raw.addTensor(name: "a", dims: [4], offset: 0)
        raw.addTensor(name: "b", dims: [4, 2], offset: 32)
        raw.data = (0..<64).map { UInt8($0) }
        return raw
    }

    @Test("the baseline file is valid")
    func baseline() throws {
        let raw = Self.valid()
        let file = try GGUFFile(bytes: raw.bytes, path: "ok.gguf")
        #expect(file.tensors.map(\.name) == ["a", "b"])
        #expect(file.dataOffset == raw.dataOffset)
        #expect(Array(file.data(try #require(file.tensor("b")))) == Array(32..<64).map { UInt8($0) })
    }

    @Test("bad magic")
    func badMagic() {
        var raw = Self.valid()
        raw.magic = Array("GGML".utf8)
        #expect(openError(raw.bytes) == .badMagic(path: "bad.gguf", found: Array("GGML".utf8)))
        #expect(openError(raw.bytes)?.description == "not a GGUF file: starts with \"GGML\", expected \"GGUF\" (bad.gguf)")
    }

    @Test("versions other than 2 and 3, including v1 and big-endian files", arguments: [UInt32(0), 1, 4, 0x0300_0000, 0x0200_0000])
    func unsupportedVersion(version: UInt32) {
        var raw = Self.valid()
        raw.version = version
        let error = openError(raw.bytes)
        #expect(error == .unsupportedVersion(path: "bad.gguf", version: version))
        if version == 1 { #expect(error?.message.contains("version 1 is not supported") == true) }
        if version == 0x0300_0000 { #expect(error?.message.contains("big-endian") == true) }
    }

    @Test("an empty file and a cut header are truncated", arguments: [0, 3, 4, 8, 16, 23])
    func truncatedHeader(length: Int) {
        let error = openError(Array(Self.valid().bytes.prefix(length)))
        guard case .truncated(_, "header", _, _) = error else {
            Issue.record("expected truncated header, got \(String(describing: error))")
            return
        }
    }

    @Test("every truncation of a real file is reported, and only before the last tensor's end")
    func truncatedEverywhere() throws {
        let dir = try TemporaryDirectory("gguf-trunc")
        defer { dir.remove() }
        let url = dir.path("ref.gguf")
        _ = try ReferenceGGUF.write(to: url.path)
        let bytes = try [UInt8](Data(contentsOf: url))
        let file = try GGUFFile(path: url.path)
        let end = file.tensors.map { $0.offset + $0.byteCount }.max() ?? 0
        for length in 0..<bytes.count {
            let error = openError(Array(bytes[..<length]))
            if length >= end {
                #expect(error == nil, "cut at \(length) is only trailing padding")
                continue
            }
            switch error {
            case .truncated?, .countTooLarge?:
                // A count read from a cut file may exceed the whole (shorter) file: that is corrupt too.
                #expect(length < file.dataOffset, "cut at \(length)")
            case .tensorOutOfBounds?:
                #expect(length >= file.dataOffset - file.alignment, "cut at \(length)")
            default:
                Issue.record("cut at \(length): \(String(describing: error))")
            }
        }
    }

    @Test("tensor data past the end of the file, including offsets that would overflow",
          arguments: [UInt64(64), 1 << 40, UInt64.max - 31, 1 << 63])
    func outOfBounds(offset: UInt64) {
        var raw = Self.valid()
        raw.infos[1] = []
        raw.infos.removeLast()
        raw.addTensor(name: "b", dims: [4, 2], offset: offset)
        guard case .tensorOutOfBounds(_, "b", offset, 32, let size)? = openError(raw.bytes) else {
            Issue.record("expected tensorOutOfBounds for offset \(offset), got \(String(describing: openError(raw.bytes)))")
            return
        }
        #expect(size == raw.bytes.count)
    }

    @Test("a tensor offset that is not a multiple of the alignment")
    func misaligned() {
        var raw = Self.valid()
        raw.infos.removeLast()
        raw.addTensor(name: "b", dims: [4], offset: 20)
        #expect(openError(raw.bytes) == .misalignedTensor(path: "bad.gguf", tensor: "b", offset: 20, alignment: 32))
    }

    @Test("overlapping tensor data")
    func overlapping() {
        var raw = Self.valid()
        raw.infos.removeLast()
        raw.addTensor(name: "b", dims: [4, 2], offset: 0)
        #expect(openError(raw.bytes) == .overlappingTensors(path: "bad.gguf", tensor: "b", other: "a"))
        raw.infos.removeLast()
        raw.addTensor(name: "b", dims: [16], offset: 0)
        raw.infos.swapAt(0, 1)
        #expect(openError(raw.bytes) != nil)
    }

    @Test("unknown and removed tensor type ids", arguments: [UInt32(4), 5, 31, 36, 1000])
    func unknownType(id: UInt32) {
        var raw = Self.valid()
        raw.infos.removeLast()
        raw.addTensor(name: Array("b".utf8), dims: [32], type: id, offset: 32)
        #expect(openError(raw.bytes) == .unknownTensorType(path: "bad.gguf", tensor: "b", typeID: id))
    }

    struct BadShape: Sendable, CustomStringConvertible {
        let dims: [UInt64]
        let type: GGMLType
        let reason: String
        var description: String { "\(dims) \(type)" }
    }

    static let badShapes = [
        BadShape(dims: [], type: .f32, reason: "0 dimensions"),
        BadShape(dims: [1, 1, 1, 1, 1], type: .f32, reason: "5 dimensions"),
        BadShape(dims: [4, 0], type: .f32, reason: "zero dimension"),
        BadShape(dims: [UInt64(bitPattern: -4)], type: .f32, reason: "negative dimension"),
        BadShape(dims: [33], type: .q8_0, reason: "not a multiple of Q8_0's block size 32"),
        BadShape(dims: [128, 2], type: .q4_K, reason: "not a multiple of Q4_K's block size 256"),
        BadShape(dims: [1 << 32, 1 << 32, 1 << 32], type: .f32, reason: "element count overflows"),
        BadShape(dims: [1 << 62, 2], type: .f32, reason: "overflows"),
    ]

    @Test("impossible shapes name the tensor and the reason", arguments: badShapes)
    func invalidShape(bad: BadShape) {
        var raw = Self.valid()
        raw.infos.removeLast()
        raw.addTensor(name: "b", dims: bad.dims, type: bad.type, offset: 32)
        guard case .invalidShape(_, "b", _, let reason)? = openError(raw.bytes) else {
            Issue.record("expected invalidShape, got \(String(describing: openError(raw.bytes)))")
            return
        }
        #expect(reason.contains(bad.reason), "\(reason)")
    }

    @Test("duplicate metadata keys and tensor names")
    func duplicates() {
        var raw = Self.valid()
        raw.add(key: "general.architecture", type: .string, payload: RawGGUF.string("gemma3"))
        #expect(openError(raw.bytes) == .duplicateKey(path: "bad.gguf", key: "general.architecture"))
        raw = Self.valid()
        raw.addTensor(name: "a", dims: [4], offset: 64)
        raw.data += [UInt8](repeating: 0, count: 16)
        #expect(openError(raw.bytes) == .duplicateTensor(path: "bad.gguf", tensor: "a"))
    }

    @Test("invalid UTF-8 in a key, a value, an array element and a tensor name")
    func invalidUTF8() {
        let bad: [UInt8] = [0x61, 0xff, 0x62]
        var raw = Self.valid()
        raw.add(key: bad, type: GGUFValueType.string.rawValue, payload: RawGGUF.string("x"))
        guard case .invalidUTF8(_, "metadata key #1", _)? = openError(raw.bytes) else {
            Issue.record("key: \(String(describing: openError(raw.bytes)))")
            return
        }
        raw = Self.valid()
        raw.add(key: "k", type: .string, payload: RawGGUF.rawString([0xc3, 0x28]))
        guard case .invalidUTF8(_, "value of metadata key 'k'", _)? = openError(raw.bytes) else {
            Issue.record("value: \(String(describing: openError(raw.bytes)))")
            return
        }
        raw = Self.valid()
        raw.add(key: "tokens", type: .array,
                payload: RawGGUF.u32(GGUFValueType.string.rawValue) + RawGGUF.u64(2) + RawGGUF.string("ok") + RawGGUF.rawString([0xed, 0xa0, 0x80]))
        guard case .invalidUTF8(_, "element 1 of metadata key 'tokens'", _)? = openError(raw.bytes) else {
            Issue.record("element: \(String(describing: openError(raw.bytes)))")
            return
        }
        raw = Self.valid()
        raw.infos.removeLast()
        raw.addTensor(name: bad, dims: [4], type: 0, offset: 32)
        guard case .invalidUTF8(_, "name of tensor #1", _)? = openError(raw.bytes) else {
            Issue.record("tensor: \(String(describing: openError(raw.bytes)))")
            return
        }
    }

    @Test("absurd counts and lengths are refused before anything is allocated")
    func absurdCounts() {
        var raw = Self.valid()
        raw.add(key: "tokens", type: .array, payload: RawGGUF.u32(GGUFValueType.string.rawValue) + RawGGUF.u64(1 << 60))
        guard case .countTooLarge(_, "element count of metadata key 'tokens'", 1 << 60, _)? = openError(raw.bytes) else {
            Issue.record("array: \(String(describing: openError(raw.bytes)))")
            return
        }
        raw = Self.valid()
        raw.add(key: "scores", type: .array, payload: RawGGUF.u32(GGUFValueType.float32.rawValue) + RawGGUF.u64(.max))
        guard case .countTooLarge(_, _, .max, _)? = openError(raw.bytes) else {
            Issue.record("overflowing array: \(String(describing: openError(raw.bytes)))")
            return
        }
        raw = Self.valid()
        raw.add(key: "s", type: .string, payload: RawGGUF.u64(1 << 50))
        guard case .countTooLarge(_, "length of value of metadata key 's'", _, _)? = openError(raw.bytes) else {
            Issue.record("string: \(String(describing: openError(raw.bytes)))")
            return
        }
        raw = Self.valid()
        raw.keyCount = 1 << 40
        guard case .countTooLarge(_, "metadata key count", _, 16)? = openError(raw.bytes) else {
            Issue.record("key count: \(String(describing: openError(raw.bytes)))")
            return
        }
        raw = Self.valid()
        raw.tensorCount = UInt64.max
        guard case .countTooLarge(_, "tensor count", .max, 8)? = openError(raw.bytes) else {
            Issue.record("tensor count: \(String(describing: openError(raw.bytes)))")
            return
        }
    }

    @Test("unknown value types, bad bools and runaway nesting")
    func badValues() {
        var raw = Self.valid()
        raw.add(key: Array("k".utf8), type: 13, payload: [0])
        #expect(openError(raw.bytes) == .unknownValueType(path: "bad.gguf", key: "k", typeID: 13))
        raw = Self.valid()
        raw.add(key: "k", type: .array, payload: RawGGUF.u32(99) + RawGGUF.u64(0))
        #expect(openError(raw.bytes) == .unknownValueType(path: "bad.gguf", key: "k", typeID: 99))
        raw = Self.valid()
        raw.add(key: "flag", type: .bool, payload: [2])
        #expect(openError(raw.bytes) == .invalidBool(path: "bad.gguf", key: "flag", value: 2))
        raw = Self.valid()
        var nested = RawGGUF.u32(GGUFValueType.int32.rawValue) + RawGGUF.u64(0)
        for _ in 0..<40 { nested = RawGGUF.u32(GGUFValueType.array.rawValue) + RawGGUF.u64(1) + nested }
        raw.add(key: "deep", type: .array, payload: nested)
        #expect(openError(raw.bytes) == .nestingTooDeep(path: "bad.gguf", key: "deep", depth: 16))
    }

    @Test("general.alignment must be a uint32 power of two, and sets the data alignment")
    func alignment() throws {
        for bad in [UInt32(0), 48, 3] {
            var raw = Self.valid()
            raw.add(key: "general.alignment", type: .uint32, payload: RawGGUF.u32(bad))
            #expect(openError(raw.bytes) == .invalidAlignment(path: "bad.gguf", alignment: UInt64(bad)))
        }
        var raw = Self.valid()
        raw.add(key: "general.alignment", type: .uint64, payload: RawGGUF.u64(32))
        #expect(openError(raw.bytes) == .wrongValueType(path: "bad.gguf", key: "general.alignment", expected: .uint32, found: .uint64))

        raw = Self.valid()
        raw.alignment = 64
        raw.add(key: "general.alignment", type: .uint32, payload: RawGGUF.u32(64))
        #expect(openError(raw.bytes) == .misalignedTensor(path: "bad.gguf", tensor: "b", offset: 32, alignment: 64))
        raw.infos.removeLast()
        raw.addTensor(name: "b", dims: [4, 2], offset: 64)
        raw.data += [UInt8](repeating: 7, count: 32)
        let file = try GGUFFile(bytes: raw.bytes, path: "ok.gguf")
        #expect(file.alignment == 64)
        #expect(file.dataOffset % 64 == 0)
    }

    @Test("files that cannot be opened name the path")
    func cannotOpen() throws {
        let dir = try TemporaryDirectory("gguf-open")
        defer { dir.remove() }
        #expect(throws: GGUFError.cannotOpen(path: dir.url.path, reason: "not a regular file")) {
            try GGUFFile(path: dir.url.path)
        }
        let missing = dir.path("missing.gguf").path
        #expect(throws: GGUFError.cannotOpen(path: missing, reason: "No such file or directory")) {
            try GGUFFile(path: missing)
        }
        let empty = dir.path("empty.gguf")
        try Data().write(to: empty)
        #expect(throws: GGUFError.truncated(path: empty.path, section: "header", offset: 0, needed: 4)) {
            try GGUFFile(path: empty.path)
        }
    }
}
