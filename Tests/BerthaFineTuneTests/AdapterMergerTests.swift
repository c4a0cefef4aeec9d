import BerthaCore
import BerthaFineTune
import BerthaGGUF
import BerthaInference
import BerthaTestSupport
import Foundation
import Testing

@Suite("Merging an adapter into its base (--merge)", .serialized)
struct AdapterMergerTests {
    static let model = "SmolLM2-135M-Instruct.Q4_1.gguf"

    @Test("the merged SmolLM2 keeps every untouched tensor, and predicts what llama.cpp predicts with base + adapter",
          arguments: [GGMLType.f16, nil])
    func mergeSmolLM2(adaptedType: GGMLType?) throws {
        let dir = try TemporaryDirectory("bertha-merge")
        defer { dir.remove() }
        let basePath = try TestEnvironment.model(Self.model).path
        let adapterPath = try TestEnvironment.fixture("retrain/lora-parity/SmolLM2-135M-Instruct.Q4_1.adapter.gguf").path
        let mergedPath = dir.path("merged.gguf").path
        let summary = try AdapterMerger.merge(base: basePath, adapter: adapterPath, to: mergedPath, adaptedType: adaptedType)
        #expect(summary.mergedTensors == 60)  // q and v of 30 layers

        let base = try GGUFFile(path: basePath), merged = try GGUFFile(path: mergedPath)
        #expect(merged.tensors.map(\.name) == base.tensors.map(\.name))
        for (b, m) in zip(base.tensors, merged.tensors) {
            let adapted = b.name.hasSuffix("attn_q.weight") || b.name.hasSuffix("attn_v.weight")
            #expect(m.type == (adapted ? adaptedType ?? b.type : b.type), "\(b.name): \(m.type)")
        }
        #expect(merged.metadata.string(AdapterMerger.adapterSHA256Key) == (try SHA256Hex.ofFile(at: adapterPath)))
        #expect(merged.metadata.string("tokenizer.ggml.model") == base.metadata.string("tokenizer.ggml.model"))
        var changed = 0
        for tensor in base.tensors {
            let mergedTensor = merged.tensor(tensor.name)!
            let same = mergedTensor.type == tensor.type && Array(base.data(tensor)) == Array(merged.data(mergedTensor))
            let adapted = tensor.name.hasSuffix("attn_q.weight") || tensor.name.hasSuffix("attn_v.weight")
            #expect(same != adapted, "\(tensor.name): \(same ? "unchanged" : "changed")")
            if !same { changed += 1 }
        }
        #expect(changed == 60)

        // The merged model alone against llama.cpp running base + adapter (the parity fixture).
        let fixture = try JSONDecoder().decode(LoRAParityFixture.self, from: Data(contentsOf:
            TestEnvironment.fixture("retrain/lora-parity/SmolLM2-135M-Instruct.Q4_1.json")))
        let weights = try ModelWeights(file: merged)
        var checked = 0, agreed = 0, moved = 0, movedAgreed = 0
        for testCase in fixture.cases {
            let engine = Transformer(weights: weights, contextLength: 512, batchSize: 512,
                                     logitCapacity: testCase.ids.count, threads: 2)
            try engine.evaluate(testCase.ids, allLogits: true)
            for position in testCase.positions where position.top10[0][1] - position.top10[1][1] > 0.5 {
                checked += 1
                let agrees = LoRAParityTests.argmax(engine.logits(position.pos)) == Int(position.top10[0][0])
                if agrees { agreed += 1 }
                // Positions where the adapter moved llama.cpp's prediction off the base model's.
                if position.base_top10[0][0] != position.top10[0][0] {
                    moved += 1
                    if agrees { movedAgreed += 1 }
                }
            }
        }
        print("merge \(adaptedType?.description ?? "base types"): \(agreed)/\(checked) agree, \(movedAgreed)/\(moved) of the adapter's moves, delta kept \(summary.deltaRetained)")
        #expect(checked > 40 && moved >= 10)
        if adaptedType == .f16 {
            // F16 keeps the delta: the merged model alone predicts what llama.cpp predicts with the adapter.
            #expect(summary.deltaRetained > 0.99)
            #expect(agreed == checked && movedAgreed == moved, "\(agreed)/\(checked), \(movedAgreed)/\(moved) of the adapter's moves")
        } else {
            // Q4_1's step is far larger than this adapter's delta: re-encoding rounds most of it away
            // (measured: 3 of 22 moves kept, 85 of 105 positions agree), and the summary must say so.
            #expect(summary.deltaRetained < 0.5)
            #expect(Double(agreed) >= 0.75 * Double(checked), "the merged model is not a sane model: \(agreed)/\(checked)")
        }
    }

    @Test("an adapter of another architecture is refused with the adapter's path, and nothing is written")
    func refusesMismatch() throws {
        let dir = try TemporaryDirectory("bertha-merge")
        defer { dir.remove() }
        let adapterPath = try TestEnvironment.fixture("retrain/lora-parity/SmolLM2-135M-Instruct.Q4_1.adapter.gguf").path
        let out = dir.path("merged.gguf").path
        let gemma = try TestEnvironment.model("gemma-3-270m-q4_k_m.gguf").path
        do {
            _ = try AdapterMerger.merge(base: gemma, adapter: adapterPath, to: out)
            Issue.record("merging a llama adapter into gemma3 succeeded")
        } catch {
            #expect(error.location == adapterPath)
            #expect(error.message.contains("architecture llama"))
        }
        #expect(!FileManager.default.fileExists(atPath: out))
    }
}
