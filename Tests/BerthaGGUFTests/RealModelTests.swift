import BerthaGGUF
import BerthaTestSupport
import Foundation
import Testing

@Suite("GGUFFile on the real models agrees with gguf-py's GGUFReader")
struct RealModelTests {
    /// Dumps what gguf-py's reader sees: keys in order, value types, the vocabulary size, and every
    /// tensor's name, type id, shape, absolute offset and byte count.
    static let readerScript = #"""
import sys, json
import gguf
r = gguf.GGUFReader(sys.argv[1])
fields = []
for name, f in r.fields.items():
    if name.startswith("GGUF."):
        continue
    entry = {"key": name, "type": int(f.types[0])}
    if f.types[0] == gguf.GGUFValueType.ARRAY:
        entry["count"] = len(f.data)
        entry["element"] = int(f.types[-1])
    elif f.types[0] == gguf.GGUFValueType.STRING:
        entry["value"] = f.contents()
    elif f.types[0] in (gguf.GGUFValueType.FLOAT32, gguf.GGUFValueType.FLOAT64):
        entry["value"] = float(f.contents()).hex()
    else:
        entry["value"] = str(int(f.contents()))
    fields.append(entry)
tensors = [{"name": t.name, "type": int(t.tensor_type), "shape": [int(x) for x in t.shape],
            "offset": int(t.data_offset), "bytes": int(t.n_bytes)} for t in r.tensors]
print(json.dumps({"fields": fields, "tensors": tensors, "alignment": int(r.alignment)}))
"""#

    static let models = ["SmolLM2-135M-Instruct.Q4_1.gguf", "gemma-3-270m-q4_k_m.gguf"]

    @Test("metadata keys, scalar values and every tensor match GGUFReader", arguments: models)
    func matchesReference(model: String) throws {
        let path = try TestEnvironment.model(model).path
        let json = try runPython(Self.readerScript, arguments: [path])
        let root = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let fields = try #require(root["fields"] as? [[String: Any]])
        let tensors = try #require(root["tensors"] as? [[String: Any]])

        let file = try GGUFFile(path: path)
        #expect(file.alignment == root["alignment"] as? Int)
        #expect(file.metadata.keys == fields.compactMap { $0["key"] as? String })
        for field in fields {
            let key = try #require(field["key"] as? String)
            let value = try #require(file.metadata[key], "\(key)")
            #expect(Int(value.type.rawValue) == field["type"] as? Int, "type of \(key)")
            if case .array(let array) = value {
                #expect(array.count == field["count"] as? Int, "count of \(key)")
                #expect(Int(array.elementType.rawValue) == field["element"] as? Int, "element type of \(key)")
            } else if case .string(let string) = value {
                #expect(string == field["value"] as? String, "\(key)")
            } else if let double = value.doubleValue, value.type == .float32 || value.type == .float64 {
                #expect(double == Double(field["value"] as? String ?? ""), "\(key)")
            } else if case .bool(let bool) = value {
                #expect((bool ? "1" : "0") == field["value"] as? String, "\(key)")
            } else {
                #expect(value.description == field["value"] as? String, "\(key)")
            }
        }
        #expect(file.tensors.count == tensors.count)
        for (ours, theirs) in zip(file.tensors, tensors) {
            #expect(ours.name == theirs["name"] as? String)
            #expect(Int(ours.type.rawValue) == theirs["type"] as? Int, "\(ours.name)")
            #expect(ours.shape == theirs["shape"] as? [Int], "\(ours.name)")
            #expect(ours.offset == theirs["offset"] as? Int, "\(ours.name)")
            #expect(ours.byteCount == theirs["bytes"] as? Int, "\(ours.name)")
        }
    }

    struct Facts: Sendable, CustomStringConvertible {
        let model: String
        let architecture: String
        let fileSize: Int
        let tensorCount: Int
        let types: [String: Int]
        let vocabSize: Int
        let tokenizer: String
        var description: String { model }
    }

    /// From /work/shared/README.md and gguf-py's GGUFReader on these exact files.
    static let facts = [
        Facts(model: "SmolLM2-135M-Instruct.Q4_1.gguf", architecture: "llama", fileSize: 98_362_432, tensorCount: 272,
              types: ["Q4_1": 210, "Q8_0": 1, "F32": 61], vocabSize: 49_152, tokenizer: "gpt2"),
        Facts(model: "gemma-3-270m-q4_k_m.gguf", architecture: "gemma3", fileSize: 253_113_024, tensorCount: 236,
              types: ["Q8_0": 10, "Q5_0": 81, "Q4_K": 27, "Q6_K": 9, "F32": 109], vocabSize: 262_144, tokenizer: "llama"),
    ]

    @Test("architecture, size, type histogram and vocabulary are the model's", arguments: facts)
    func knownFacts(facts: Facts) throws {
        let file = try GGUFFile(path: try TestEnvironment.model(facts.model).path)
        let summary = GGUFSummary(file)
        #expect(summary.architecture == facts.architecture)
        #expect(summary.fileSize == facts.fileSize)
        #expect(summary.tensorCount == facts.tensorCount)
        #expect(Dictionary(uniqueKeysWithValues: summary.tensorTypes.map { ($0.type, $0.tensors) }) == facts.types)
        #expect(summary.tensorTypes.map(\.bytes).reduce(0, +) == file.tensors.map(\.byteCount).reduce(0, +))
        #expect(summary.tokenizer.vocabSize == facts.vocabSize)
        #expect(summary.tokenizer.model == facts.tokenizer)
        #expect(file.metadata.floats("tokenizer.ggml.scores").map(\.count) ?? facts.vocabSize == facts.vocabSize)
        // The embedding matrix: one row of n_embd weights per token.
        let embedding = try #require(file.tensor("token_embd.weight"))
        let width = try #require(file.metadata.int(file.metadata.arch("embedding_length")))
        #expect(embedding.shape == [width, facts.vocabSize])
        #expect(embedding.rowLength == width && embedding.rows == facts.vocabSize)
        #expect(embedding.type == .q8_0)
        #expect(embedding.byteCount == facts.vocabSize * (width / 32) * 34)
        #expect(embedding.rowByteCount == (width / 32) * 34)
        // The last tensor ends within the final alignment padding of the file.
        let end = file.tensors.map { $0.offset + $0.byteCount }.max() ?? 0
        #expect(end <= file.fileSize && file.fileSize - end < file.alignment)
    }
}
