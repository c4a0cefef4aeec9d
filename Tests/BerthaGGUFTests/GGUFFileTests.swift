import BerthaGGUF
import BerthaTestSupport
import Foundation
import Testing

@Suite("GGUFFile reads what gguf-py writes")
struct GGUFFileTests {
    struct Layout: Sendable, CustomStringConvertible {
        let version: UInt32
        let alignment: Int
        var description: String { "v\(version), alignment \(alignment)" }
    }

    static let layouts = [
        Layout(version: 3, alignment: 32), Layout(version: 2, alignment: 32),
        Layout(version: 3, alignment: 64), Layout(version: 2, alignment: 1), Layout(version: 3, alignment: 256),
    ]

    @Test("every metadata value, nested array and tensor byte matches what gguf-py wrote", arguments: layouts)
    func readsReferenceFile(layout: Layout) throws {
        let dir = try TemporaryDirectory("gguf-ref")
        defer { dir.remove() }
        let path = dir.path("ref.gguf").path
        let expected = try ReferenceGGUF.write(to: path, version: layout.version, alignment: layout.alignment)
        let file = try GGUFFile(path: path)

        #expect(file.version == layout.version)
        #expect(file.alignment == layout.alignment)
        #expect(file.fileSize == (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int))
        #expect(file.metadata.keys == expected.metadata.map(\.key))
        for (key, value) in expected.metadata {
            #expect(file.metadata[key] == value, "metadata key \(key)")
        }
        #expect(file.tensors.map(\.name) == expected.tensors.map(\.name))
        for reference in expected.tensors {
            let tensor = try #require(file.tensor(reference.name))
            #expect(tensor.shape == reference.shape, "\(reference.name)")
            #expect(tensor.type.rawValue == reference.type, "\(reference.name)")
            #expect(tensor.offset % layout.alignment == 0)
            #expect(tensor.offset >= file.dataOffset)
            #expect(Array(file.data(tensor)) == reference.bytes, "bytes of \(reference.name)")
        }
    }

    @Test("typed accessors read numbers of any width and reject the wrong type")
    func accessors() throws {
        let dir = try TemporaryDirectory("gguf-ref")
        defer { dir.remove() }
        let path = dir.path("ref.gguf").path
        _ = try ReferenceGGUF.write(to: path)
        let m = try GGUFFile(path: path).metadata
        #expect(m.architecture == "llama")
        #expect(m.arch("context_length") == "llama.context_length")
        #expect(m.int("test.scalar.uint8") == 200)
        #expect(m.int("test.scalar.int64") == -(1 << 62) - 7)
        #expect(m.int("test.scalar.uint64") == nil, "2^63+5 does not fit in Int")
        #expect(m.int("test.scalar.string") == nil)
        #expect(m.float("test.scalar.float32") == Double(Float(3.14159)))
        #expect(m.float("test.scalar.int16") == -30000)
        #expect(m.bool("test.scalar.bool") == true)
        #expect(m.bool("test.scalar.bool_false") == false)
        #expect(m.string("test.scalar.string") == "héllo ✓ 日本語 🦙")
        #expect(m.string("test.scalar.empty_string") == "")
        #expect(m.strings("test.array.string") == ["a", "", "ü€𝄞", "<|im_start|>"])
        #expect(m.ints("test.array.int32") == [-5, 6, -7])
        #expect(m.ints("test.array.uint64") == nil, "2^64-1 does not fit in Int")
        #expect(m.floats("test.array.float32") == [Float(0.1), -2.5, 1e30])
        #expect(m.floats("test.array.float64") == [Float(0.1), -Float.infinity])
        #expect(m.array("test.array.nested")?.elementType == .array)
        #expect(m.array("test.array.nested")?.count == 3)
        #expect(m["no.such.key"] == nil)
    }

    @Test("a file can be validated from bytes in memory as from disk")
    func readsBytesInMemory() throws {
        let dir = try TemporaryDirectory("gguf-ref")
        defer { dir.remove() }
        let url = dir.path("ref.gguf")
        _ = try ReferenceGGUF.write(to: url.path)
        let bytes = try Data(contentsOf: url)
        let fromDisk = try GGUFFile(path: url.path)
        let fromMemory = try GGUFFile(bytes: bytes, path: "ref")
        #expect(fromMemory.metadata == fromDisk.metadata)
        #expect(fromMemory.tensors == fromDisk.tensors)
        for tensor in fromDisk.tensors {
            #expect(Array(fromMemory.data(tensor)) == Array(fromDisk.data(tensor)))
        }
    }

    @Test("access hints reach the kernel for mapped files and are ignored for in-memory ones")
    func advice() throws {
        let file = try GGUFFile(path: try TestEnvironment.model("SmolLM2-135M-Instruct.Q4_1.gguf").path)
        #expect(file.advise(.willNeed))
        #expect(file.advise(.random))
        #expect(file.advise(.sequential))
        let copy = try GGUFFile(bytes: Array(file.bytes), path: "copy")
        #expect(!copy.advise(.willNeed))
        #expect(copy.tensors == file.tensors)
    }
}

@Suite("GGUFSummary")
struct GGUFSummaryTests {
    static let counts = [0, 1, 500, 999, 1_000, 1_499, 12_345, 999_999, 1_000_001, 134_515_008, 268_098_176,
                         1_711_376_384, 7_241_732_096, 70_553_706_496, 1_000_000_000_001, 3_141_592_653_589]

    @Test("size labels match gguf-py's model_weight_count_rounded_notation")
    func sizeLabels() throws {
        let script = "import sys; from gguf.utility import model_weight_count_rounded_notation as f; print(' '.join(f(int(a)) for a in sys.argv[1:]))"
        let reference = try runPython(script, arguments: Self.counts.map(String.init))
            .trimmingCharacters(in: .whitespacesAndNewlines).split(separator: " ").map(String.init)
        #expect(Self.counts.map(GGUFSummary.sizeLabel) == reference)
    }
}
