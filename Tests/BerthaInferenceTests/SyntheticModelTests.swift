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
        let logits_q8_activations: [[Double]]
    }

    /// Worst per-position relative error ‖got − expected‖₂ / ‖expected‖₂.
    static func relativeError(_ engine: Transformer, _ reference: [[Double]]) -> Double {
        var worst = 0.0
        for (row, expected) in reference.enumerated() {
            let got = engine.logits(row)
            var diff = 0.0, norm = 0.0
            for i in expected.indices {
                diff += (Double(got[i]) - expected[i]) * (Double(got[i]) - expected[i])
                norm += expected[i] * expected[i]
            }
            worst = max(worst, (diff / norm).squareRoot())
        }
        return worst
    }

    @Test("logits match the float64 reference within 1e-3 (F32), and within 2e-3 of the 8-bit-activation reference (quantized)",
          arguments: [("llama", "f32", 1e-3), ("llama", "q8_0", 5e-2), ("gemma3", "f32", 1e-3), ("gemma3", "q8_0", 5e-2),
                      ("qwen2", "f32", 1e-3), ("qwen2", "q4_0", 5e-2)])
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
        let worst = Self.relativeError(engine, reference.logits)
        if type != "f32" {
            // Quantized weights make the engine (like llama.cpp) round every matmul input to 8-bit
            // blocks; against a reference doing the same rounding the error must be tiny.
            let exact = Self.relativeError(engine, reference.logits_q8_activations)
            #expect(exact < 2e-3, "\(arch) \(type): relative error \(exact) against the 8-bit-activation reference")
        }
        #expect(worst < tolerance, "\(arch) \(type): relative error \(worst)")
    }
}
