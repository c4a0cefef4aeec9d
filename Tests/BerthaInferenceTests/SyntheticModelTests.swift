import BerthaGGUF
import BerthaInference
import BerthaTestSupport
import Foundation
import Testing

/// Tiny random models written by the `gguf` package, checked against the float64 NumPy forward pass
/// in `Tests/Fixtures/engine/synthetic_model.py`.
@Suite("Transformer against a NumPy reference on synthetic models")
struct SyntheticModelTests {
    struct Reference: Decodable {
        let tokens: [Int32]
        let logits: [[Double]]
    }

    @Test("logits of every position match within 1e-3 (F32) or 2e-2 (quantized) relative error",
          arguments: [("llama", "f32", 1e-3), ("llama", "q8_0", 2e-2), ("gemma3", "f32", 1e-3), ("gemma3", "q8_0", 2e-2),
                      ("qwen2", "f32", 1e-3), ("qwen2", "q4_0", 2e-2)])
    func matchesReference(arch: String, type: String, tolerance: Double) throws {
        let dir = try TemporaryDirectory("bertha-synthetic")
        defer { dir.remove() }
        let path = dir.path("\(arch)-\(type).gguf").path
        let script = try TestEnvironment.fixture("engine/synthetic_model.py")
        let output = try runProcess(TestEnvironment.python(), [script.path, path, arch, type, "7"])
        #expect(output.status == 0, "\(output.stderr)")
        let reference = try JSONDecoder().decode(Reference.self, from: Data(output.stdout.utf8))
        let weights = try ModelWeights(file: GGUFFile(path: path))
        #expect(weights.configuration.architecture == arch)
        // F32 KV cache: an F16 cache alone would add ~1e-3 of rounding.
        let engine = Transformer(weights: weights, contextLength: 32, batchSize: 4,
                                 logitCapacity: reference.tokens.count, kvType: .f32, threads: 2)
        try engine.evaluate(reference.tokens, allLogits: true)
        var worst = 0.0
        for (row, expected) in reference.logits.enumerated() {
            let got = engine.logits(row)
            let scale = expected.map(abs).max() ?? 1
            for i in expected.indices { worst = max(worst, abs(Double(got[i]) - expected[i]) / scale) }
        }
        #expect(worst < tolerance, "\(arch) \(type): relative error \(worst)")
    }
}
