import BerthaGGUF
import BerthaTestSupport
import Foundation
import Testing

/// Builds safetensors bytes: the 8-byte length, the JSON header (padded with spaces to 8 bytes,
/// as the reference writer does), then the data.
func safeTensorsBytes(header: String, data: [UInt8]) -> [UInt8] {
    var json = Array(header.utf8)
    while json.count % 8 != 0 { json.append(0x20) }
    var bytes = withUnsafeBytes(of: UInt64(json.count).littleEndian, Array.init)
    bytes += json
    bytes += data
    return bytes
}

func floatBytes(_ values: [Float]) -> [UInt8] { values.flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian, Array.init) } }

@Suite("SafeTensorsFile")
struct SafeTensorsFileTests {
    static let twoTensors = #"{"__metadata__":{"format":"pt"},"b":{"dtype":"F16","shape":[2],"data_offsets":[24,28]},"a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]}}"#

    @Test("reads dtype, shape (outermost first), metadata and data views in data order")
    func valid() throws {
        let data = floatBytes([1, 2, 3, 4, 5, 6]) + [0x00, 0x3C, 0x00, 0xC0]  // f16 1.0, -2.0
        let file = try SafeTensorsFile(bytes: safeTensorsBytes(header: Self.twoTensors, data: data), path: "x.safetensors")
        #expect(file.metadata == ["format": "pt"])
        #expect(file.tensors.map(\.name) == ["a", "b"])
        let a = try #require(file.tensor("a"))
        #expect(a.dtype == .f32 && a.shape == [2, 3] && a.ggmlShape == [3, 2] && a.byteCount == 24)
        #expect(a.dtype.ggmlType == .f32)
        let view = file.data(a)
        #expect((0..<6).map { view.loadUnaligned(fromByteOffset: $0 * 4, as: Float.self) } == [1, 2, 3, 4, 5, 6])
        #expect(Array(file.data(try #require(file.tensor("b")))) == [0x00, 0x3C, 0x00, 0xC0])
        #expect(file.tensor("c") == nil)
    }

    @Test("malformed files are rejected with one error naming the file and the tensor at fault", arguments: [
        (#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, 4,
         "safetensors tensor 'a' data ends at byte 8 of the data section, which has only 4 bytes; the file is truncated"),
        (#"{"a":{"dtype":"Q4","shape":[2],"data_offsets":[0,8]}}"#, 8, "safetensors tensor 'a': unknown dtype 'Q4'"),
        (#"{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, 8,
         "safetensors tensor 'a': data_offsets [0, 8] hold 8 bytes, but shape [3] of F32 needs 12"),
        (#"{"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}"#, 8, "safetensors tensor 'a': negative dimension in shape [-2]"),
        (#"{"a":{"dtype":"F32","shape":[2]}}"#, 8, "safetensors tensor 'a': missing field 'data_offsets'"),
        (#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, 8,
         "corrupt safetensors data layout at tensor 'b': its data overlaps tensor 'a'"),
        (#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, 8,
         "corrupt safetensors data layout at tensor 'a': 4 bytes before it belong to no tensor"),
        (#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, 8,
         "corrupt safetensors data layout: 4 bytes after the last tensor belong to no tensor"),
        (#"{"__metadata__":{"n":1}}"#, 0, "corrupt safetensors header: __metadata__ must map strings to strings"),
        (#"[1,2]"#, 0, "corrupt safetensors header: does not start with '{'"),
        (#"{"a":"#, 0, "corrupt safetensors header: not JSON"),
    ])
    func malformed(header: String, dataBytes: Int, message: String) throws {
        let bytes = safeTensorsBytes(header: header, data: [UInt8](repeating: 0, count: dataBytes))
        let error = #expect(throws: SafeTensorsError.self) { try SafeTensorsFile(bytes: bytes, path: "m/model.safetensors") }
        #expect(error?.message.hasPrefix(message) == true, "\(error?.message ?? "no error")")
        #expect(error?.location == "m/model.safetensors")
        #expect(error?.exitCode == .failure)
    }

    @Test("a file cut inside its header length or header says how many bytes it needed")
    func truncatedHeader() throws {
        let full = safeTensorsBytes(header: Self.twoTensors, data: [UInt8](repeating: 0, count: 28))
        for cut in [0, 5, 8, 40] {
            let error = #expect(throws: SafeTensorsError.self) { try SafeTensorsFile(bytes: full.prefix(cut), path: "t.safetensors") }
            #expect(error?.description.hasPrefix("truncated safetensors file: the header needs ") == true, "\(cut): \(String(describing: error))")
            #expect(error?.description.hasSuffix("(t.safetensors)") == true)
        }
    }

    @Test("a header length beyond the format's 100 MB limit is refused before reading it")
    func hugeHeader() throws {
        let bytes = withUnsafeBytes(of: UInt64(1) << 40, Array.init) + [UInt8](repeating: 0x7B, count: 16)
        let error = #expect(throws: SafeTensorsError.self) { try SafeTensorsFile(bytes: bytes, path: "h") }
        #expect(error?.message.contains("exceeds the format's limit") == true)
    }

    @Test("a missing file is a cannotOpen error naming it")
    func missingFile() throws {
        let error = #expect(throws: SafeTensorsError.self) { try SafeTensorsFile(path: "/nonexistent/model.safetensors") }
        #expect(error?.location == "/nonexistent/model.safetensors")
        #expect(error?.message.hasPrefix("cannot open safetensors file") == true)
    }

    @Test("the real all-MiniLM-L6-v2 weights: 104 tensors covering the file, F32 matrices stored [out, in]")
    func realModel() throws {
        let file = try SafeTensorsFile(path: TestEnvironment.model("all-MiniLM-L6-v2/model.safetensors").path)
        #expect(file.tensors.count == 104)  // 6 embedding, 6 × 16 encoder, 2 pooler
        let q = try #require(file.tensor("encoder.layer.0.attention.self.query.weight"))
        #expect(q.dtype == .f32 && q.shape == [384, 384])
        #expect(try #require(file.tensor("encoder.layer.5.intermediate.dense.weight")).shape == [1536, 384])
        #expect(file.tensors.last.map { $0.offset + $0.byteCount } == file.fileSize)
    }
}
