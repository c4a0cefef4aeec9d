import BerthaGGUF
import BerthaKernels
import BerthaTestSupport
import Foundation
import Testing

@Suite("Quantize")
struct QuantizeTests {
    /// Writes `x.bin` (float32 Gaussian data at several block scales, with zero and constant blocks)
    /// and `blocks.bin` (gguf-py's `gguf.quants.quantize` of it).
    static let script = """
    import sys, numpy as np
    from gguf import GGMLQuantizationType as T
    from gguf.quants import quantize
    name, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    rng = np.random.default_rng(99)
    x = (rng.standard_normal(n) * rng.uniform(0.001, 4.0, n // 32).repeat(32)).astype(np.float32)
    x[:32] = 0.0
    x[32:64] = 0.75
    x[64:96] = -2.5
    x[96:101] = [65504.0, -65504.0, 1e-8, -0.0, 3.0]
    x.tofile(out + "/x.bin")
    quantize(x.reshape(1, n), T[name]).reshape(-1).view(np.uint8).tofile(out + "/blocks.bin")
    """

    static func quantized(_ type: GGMLType, _ x: [Float]) throws -> [UInt8] {
        var out = [UInt8](repeating: 0xAA, count: type.rowBytes(x.count) ?? 4 * x.count)
        try x.withUnsafeBufferPointer { src in
            try out.withUnsafeMutableBytes { try Quantize.row(type, src.baseAddress!, $0.baseAddress!, count: x.count) }
        }
        return out
    }

    static func dequantized(_ type: GGMLType, _ blocks: [UInt8], count: Int) throws -> [Float] {
        var out = [Float](repeating: .nan, count: count)
        try blocks.withUnsafeBytes { src in
            try out.withUnsafeMutableBufferPointer { try Dequantize.row(type, src.baseAddress!, $0.baseAddress!, count: count) }
        }
        return out
    }

    @Test("encodes like gguf.quants.quantize byte for byte", arguments: [GGMLType.f16, .bf16, .q8_0, .q4_0, .q4_1, .q5_0, .q5_1])
    func matchesGGUFPy(type: GGMLType) throws {
        let count = 256 * 24
        let dir = try TemporaryDirectory("bertha-quant")
        defer { dir.remove() }
        try runPython(Self.script, arguments: [type.description, String(count), dir.url.path])
        let x: [Float] = try Data(contentsOf: dir.path("x.bin")).withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        let want = [UInt8](try Data(contentsOf: dir.path("blocks.bin")))
        let got = try Self.quantized(type, x)
        let differing = zip(got, want).enumerated().filter { $0.element.0 != $0.element.1 }.map(\.offset)
        #expect(got.count == want.count)
        #expect(differing.isEmpty, "\(type): \(differing.count) of \(want.count) bytes differ, first at byte \(differing.first ?? -1)")
    }

    /// ggml's K-quant quantizers have no Python reference; what they must do: reconstruct Gaussian
    /// weights within each format's error, and leave weights that already are on a block's grid
    /// (a model's own tensors, dequantized) nearly where they were, since that is what merging a
    /// small LoRA delta into a quantized model relies on.
    @Test("K-quants reconstruct Gaussian data within the format's error and re-encode model weights almost unchanged",
          arguments: [(GGMLType.q4_K, 0.12), (.q5_K, 0.06), (.q6_K, 0.03)])
    func kQuants(type: GGMLType, bound: Double) throws {
        var rng = SeededRandom(seed: 11)
        let count = 256 * 64
        var x = (0..<count).map { _ in rng.normal() * 0.02 }
        for i in 0..<256 { x[i] = 0 }  // an all-zero block
        let back = try Self.dequantized(type, try Self.quantized(type, x), count: count)
        var err = 0.0, norm = 0.0
        for i in 0..<count { err += Double(back[i] - x[i]) * Double(back[i] - x[i]); norm += Double(x[i]) * Double(x[i]) }
        let relative = (err / norm).squareRoot()
        #expect(relative < bound, "\(type): relative RMS error \(relative)")
        #expect(back[0..<256].allSatisfy { $0 == 0 })

        // Re-encoding decoded weights: relative RMS change far below one quantization step.
        let again = try Self.dequantized(type, try Self.quantized(type, back), count: count)
        var drift = 0.0
        for i in 0..<count { drift += Double(again[i] - back[i]) * Double(again[i] - back[i]) }
        #expect((drift / norm).squareRoot() < bound / 4, "\(type): re-encoding moved the weights by \((drift / norm).squareRoot())")
    }

    @Test("rejects types without an encoder and counts that are not whole blocks")
    func rejects() {
        #expect(throws: KernelError.unsupportedType(.iq2_xxs, tensor: nil)) { try Self.quantized(.iq2_xxs, [Float](repeating: 0, count: 256)) }
        #expect(throws: KernelError.rowNotWholeBlocks(cols: 48, type: .q4_0, tensor: nil)) { try Self.quantized(.q4_0, [Float](repeating: 0, count: 48)) }
    }
}
