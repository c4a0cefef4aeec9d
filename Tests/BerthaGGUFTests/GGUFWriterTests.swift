import BerthaGGUF
import BerthaTestSupport
import Foundation
import Testing

@Suite("GGUFWriter writes what gguf-py writes and reads")
struct GGUFWriterTests {
    @Test("the same metadata and tensors give a file byte-identical to gguf-py's", arguments: [32, 64, 1])
    func byteIdenticalToReference(alignment: Int) throws {
        let dir = try TemporaryDirectory("gguf-writer")
        defer { dir.remove() }
        let referencePath = dir.path("ref.gguf").path
        let expected = try ReferenceGGUF.write(to: referencePath, alignment: alignment)

        var writer = GGUFWriter(alignment: alignment)
        for (key, value) in expected.metadata { writer.metadata[key] = value }
        for tensor in expected.tensors {
            let type = try #require(GGMLType(rawValue: tensor.type))
            try writer.addTensor(name: tensor.name, shape: tensor.shape, type: type, data: tensor.bytes)
        }
        let ours = dir.path("ours.gguf").path
        try writer.write(to: ours)
        let reference = try Data(contentsOf: URL(fileURLWithPath: referencePath))
        let written = try Data(contentsOf: URL(fileURLWithPath: ours))
        #expect(written.count == reference.count)
        #expect(written == reference)
        #expect(try writer.encoded() == Array(reference))
    }

    /// Reads a file with gguf-py's GGUFReader and prints every flat field (ints as strings, floats
    /// as hex) and every tensor with its bytes.
    static let readerScript = #"""
import sys, json
import gguf
T = gguf.GGUFValueType
r = gguf.GGUFReader(sys.argv[1])
def enc(t, v):
    if t in (T.FLOAT32, T.FLOAT64): return float(v).hex()
    if t == T.BOOL: return bool(v)
    if t == T.STRING: return v
    return str(int(v))
fields = {}
for name, f in r.fields.items():
    if name.startswith("GGUF."): continue
    if f.types[0] == T.ARRAY:
        fields[name] = {"types": [int(t) for t in f.types], "v": [enc(f.types[-1], x) for x in f.contents()]}
    else:
        fields[name] = {"types": [int(f.types[0])], "v": enc(f.types[0], f.contents())}
tensors = [{"name": t.name, "type": int(t.tensor_type), "shape": [int(x) for x in t.shape],
            "hex": t.data.tobytes().hex()} for t in r.tensors]
print(json.dumps({"fields": fields, "tensors": tensors, "alignment": int(r.alignment), "order": list(r.fields.keys())}))
"""#

    @Test("gguf-py's GGUFReader reads back every value and tensor GGUFWriter wrote")
    func roundTripThroughReference() throws {
        var metadata = GGUFMetadata()
        metadata["general.architecture"] = .string("llama")
        metadata["general.name"] = .string("round trip ✓")
        metadata["u8"] = .uint8(255)
        metadata["i8"] = .int8(-128)
        metadata["u16"] = .uint16(65535)
        metadata["i16"] = .int16(-32768)
        metadata["u32"] = .uint32(.max)
        metadata["i32"] = .int32(.min)
        metadata["u64"] = .uint64(.max)
        metadata["i64"] = .int64(.min)
        metadata["f32"] = .float32(-0.15625)
        metadata["f64"] = .float64(1.0 / 3.0)
        metadata["yes"] = .bool(true)
        metadata["no"] = .bool(false)
        metadata["tokens"] = .array(.strings(["<s>", "</s>", "héllo", ""]))
        metadata["scores"] = .array(.float32([0, -1.5, 2.25, -1e-3]))
        metadata["types"] = .array(.int32([1, 3, 1, 1]))
        metadata["u64s"] = .array(.uint64([0, .max]))
        metadata["bools"] = .array(.bool([false, true]))
        metadata["f64s"] = .array(.float64([.pi, -0.0]))

        var writer = GGUFWriter(metadata: metadata, alignment: 64)
        let a: [Float] = (0..<24).map { Float($0) * 0.25 - 3 }
        try writer.addTensor(name: "blk.0.attn_q.weight.lora_a", shape: [8, 3], values: a)
        try writer.addTensor(name: "blk.0.attn_q.weight.lora_b", shape: [3, 2, 1, 4], values: Array(a.prefix(24)))
        let q8: [UInt8] = (0..<68).map { UInt8(truncatingIfNeeded: $0 &* 37) }
        try writer.addTensor(name: "q8", shape: [32, 2], type: .q8_0, data: q8)

        let dir = try TemporaryDirectory("gguf-writer")
        defer { dir.remove() }
        let path = dir.path("adapter.gguf").path
        try writer.write(to: path)

        let json = try runPython(Self.readerScript, arguments: [path])
        let root = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let fields = try #require(root["fields"] as? [String: [String: Any]])
        #expect(root["alignment"] as? Int == 64)
        let order = try #require(root["order"] as? [String]).filter { !$0.hasPrefix("GGUF.") }
        #expect(order == metadata.keys + ["general.alignment"])
        #expect(fields["general.alignment"]?["v"] as? String == "64")

        func field(_ key: String) -> Any? { fields[key]?["v"] }
        #expect(field("general.name") as? String == "round trip ✓")
        #expect(field("u8") as? String == "255")
        #expect(field("i8") as? String == "-128")
        #expect(field("u16") as? String == "65535")
        #expect(field("i16") as? String == "-32768")
        #expect(field("u32") as? String == String(UInt32.max))
        #expect(field("i32") as? String == String(Int32.min))
        #expect(field("u64") as? String == String(UInt64.max))
        #expect(field("i64") as? String == String(Int64.min))
        #expect((field("f32") as? String).flatMap(Double.init) == -0.15625)
        #expect((field("f64") as? String).flatMap(Double.init) == 1.0 / 3.0)
        #expect(field("yes") as? Bool == true)
        #expect(field("no") as? Bool == false)
        #expect(field("tokens") as? [String] == ["<s>", "</s>", "héllo", ""])
        #expect((field("scores") as? [String])?.compactMap { Double($0) } == [0, -1.5, 2.25, Double(Float(-1e-3))])
        #expect(field("types") as? [String] == ["1", "3", "1", "1"])
        #expect(field("u64s") as? [String] == ["0", String(UInt64.max)])
        #expect(field("bools") as? [Bool] == [false, true])
        #expect((field("f64s") as? [String])?.compactMap { Double($0) } == [.pi, -0.0])
        #expect(fields["types"]?["types"] as? [Int] == [9, 5])
        #expect(fields["u64s"]?["types"] as? [Int] == [9, 10])
        #expect(fields["f32"]?["types"] as? [Int] == [6])

        let tensors = try #require(root["tensors"] as? [[String: Any]])
        let file = try GGUFFile(path: path)
        #expect(tensors.count == 3)
        for (theirs, ours) in zip(tensors, file.tensors) {
            #expect(theirs["name"] as? String == ours.name)
            #expect(theirs["shape"] as? [Int] == ours.shape)
            #expect(theirs["type"] as? Int == Int(ours.type.rawValue))
            #expect(try ReferenceGGUF.bytes(hex: theirs["hex"] as? String ?? "") == Array(file.data(ours)))
        }
        #expect(file.metadata["f64s"] == metadata["f64s"])
        #expect(Array(file.data(file.tensors[2])) == q8)
    }

    @Test("nested and empty arrays survive a write and read")
    func nestedAndEmptyArrays() throws {
        var writer = GGUFWriter()
        writer.metadata["nested"] = .array(.arrays([.int32([1, 2]), .strings(["a"]), .arrays([.float64([0.5])]), .uint8([])]))
        writer.metadata["empty"] = .array(.strings([]))
        let file = try GGUFFile(bytes: try writer.encoded(), path: "nested")
        #expect(file.metadata == writer.metadata)
        #expect(file.tensors.isEmpty)
    }

    @Test("a tensor copied from a mapped file (no copy in memory) writes the same bytes as the file holds")
    func tensorsOfAnotherFile() throws {
        let dir = try TemporaryDirectory("gguf-writer")
        defer { dir.remove() }
        var source = GGUFWriter(alignment: 64)
        let q8 = (0..<68).map { UInt8(truncatingIfNeeded: $0 &* 37) }
        try source.addTensor(name: "q", shape: [32, 2], type: .q8_0, data: q8)
        try source.addTensor(name: "f", shape: [3], values: [1, -2, 0.5])
        let sourcePath = dir.path("source.gguf").path
        try source.write(to: sourcePath)
        let file = try GGUFFile(path: sourcePath)

        var copy = GGUFWriter(metadata: file.metadata, alignment: file.alignment, version: file.version)
        for tensor in file.tensors { try copy.addTensor(tensor, of: file) }
        #expect(copy.tensors.map(\.byteCount) == [68, 12])
        let copyPath = dir.path("copy.gguf").path
        try copy.write(to: copyPath)
        #expect(try Data(contentsOf: URL(fileURLWithPath: copyPath)) == Data(contentsOf: URL(fileURLWithPath: sourcePath)))
        #expect(try copy.encoded() == source.encoded())
        #expect(throws: GGUFError.duplicateTensor(path: "<writer>", tensor: "q")) { try copy.addTensor(file.tensors[0], of: file) }
    }

    @Test("tensor data of the wrong size, bad shapes and duplicate names are refused")
    func rejectsBadTensors() throws {
        var writer = GGUFWriter()
        #expect(throws: GGUFError.tensorDataSize(path: "<writer>", tensor: "t", expected: 34, actual: 33)) {
            try writer.addTensor(name: "t", shape: [32], type: .q8_0, data: [UInt8](repeating: 0, count: 33))
        }
        #expect(throws: GGUFError.self) {
            try writer.addTensor(name: "t", shape: [31], type: .q8_0, data: [UInt8](repeating: 0, count: 34))
        }
        #expect(throws: GGUFError.self) {
            try writer.addTensor(name: "t", shape: [1, 1, 1, 1, 1], values: [1])
        }
        try writer.addTensor(name: "t", shape: [1], values: [1])
        #expect(throws: GGUFError.duplicateTensor(path: "<writer>", tensor: "t")) {
            try writer.addTensor(name: "t", shape: [1], values: [2])
        }
        writer.alignment = 48
        #expect(throws: GGUFError.invalidAlignment(path: "<writer>", alignment: 48)) { try writer.encoded() }
        writer.alignment = 32
        writer.version = 1
        #expect(throws: GGUFError.unsupportedWriteVersion(path: "<writer>", version: 1)) { try writer.encoded() }
    }

    @Test("a failed write leaves no file behind and names the path")
    func failedWrite() throws {
        let dir = try TemporaryDirectory("gguf-writer")
        defer { dir.remove() }
        var writer = GGUFWriter()
        writer.version = 7
        let path = dir.path("out.gguf").path
        #expect(throws: GGUFError.unsupportedWriteVersion(path: path, version: 7)) { try writer.write(to: path) }
        #expect(!FileManager.default.fileExists(atPath: path))
        // A directory where the file should go: renaming a file over it fails.
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        writer.version = 3
        do throws(GGUFError) {
            try writer.write(to: path)
            Issue.record("writing over a directory succeeded")
        } catch {
            #expect(error.path == path)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.url.path) == ["out.gguf"])
    }
}

@Suite("GGUFMetadata")
struct GGUFMetadataTests {
    @Test("setting an existing key keeps its place, a new key appends, nil removes")
    func ordering() {
        var m = GGUFMetadata()
        m["a"] = .uint32(1)
        m["b"] = .string("x")
        m["c"] = .bool(true)
        m["a"] = .int64(-1)
        #expect(m.keys == ["a", "b", "c"])
        #expect(m["a"] == .int64(-1))
        m["b"] = nil
        #expect(m.keys == ["a", "c"])
        #expect(m.count == 2)
        m["b"] = .float32(1.5)
        #expect(m.keys == ["a", "c", "b"])
        #expect(m.float("b") == 1.5)
        #expect(m.architecture == nil)
        #expect(m.arch("block_count") == "block_count")
    }
}
