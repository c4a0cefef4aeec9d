import BerthaGGUF
import BerthaKernels
import BerthaTestSupport
import Foundation
import Testing

/// The Swift decoder against gguf-py's `gguf.quants.dequantize`, the reference implementation of
/// the block formats that llama.cpp's converters use.
@Suite("Dequantize")
struct DequantizeTests {
    /// Writes `blocks.bin` (the weights) and `values.bin` (gguf's float32 decoding) for `type`.
    /// Types gguf-py can quantize get Gaussian data through `gguf.quants.quantize`; the K-quants
    /// (no quantizer in gguf-py) and a second pass of every type get random block bytes with finite
    /// random f16 scales, which reach every bit pattern of the packed fields.
    static let script = """
    import sys, numpy as np
    from gguf import GGMLQuantizationType as T
    from gguf.quants import quantize, dequantize, GGML_QUANT_SIZES
    name, mode, n, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    t = T[name]
    bs, ts = GGML_QUANT_SIZES[t]
    rng = np.random.default_rng(1234)
    if mode == "quantize":
        x = (rng.standard_normal(n) * rng.uniform(0.01, 3.0, n // 32 if n >= 32 else 1).repeat(32)[:n]).astype(np.float32)
        x[:5] = [0.0, -0.0, 1e-8, 65504.0, -3.0]
        blocks = quantize(x.reshape(1, n), t).reshape(-1)
        raw = blocks.view(np.uint8).reshape(-1)
    else:
        nb = n // bs
        raw = rng.integers(0, 256, size=(nb, ts), dtype=np.uint8)
        def half(col, scale, sign=1):
            v = (np.abs(rng.standard_normal(nb)) * scale * sign).astype(np.float16)
            raw[:, col:col + 2] = v.view(np.uint8).reshape(nb, 2)
        if name in ("Q8_0", "Q4_0", "Q5_0"): half(0, 0.02)
        elif name in ("Q4_1", "Q5_1"): half(0, 0.02); half(2, 0.1, -1)
        elif name in ("Q4_K", "Q5_K"): half(0, 0.002); half(2, 0.002)
        elif name == "Q6_K": half(208, 0.001)
        raw = raw.reshape(-1)
    values = dequantize(raw.reshape(1, -1) if bs > 1 else raw.view(np.float16 if name == "F16" else np.uint8), t).astype(np.float32).reshape(-1)
    raw.tofile(out + "/blocks.bin")
    values.tofile(out + "/values.bin")
    """

    static let quantizable: [GGMLType] = [.f16, .bf16, .q8_0, .q4_0, .q4_1, .q5_0, .q5_1]
    static let blockTypes: [GGMLType] = [.q8_0, .q4_0, .q4_1, .q5_0, .q5_1, .q4_K, .q5_K, .q6_K]

    static func check(_ type: GGMLType, mode: String) throws {
        let count = 256 * 40
        let dir = try TemporaryDirectory("bertha-dequant")
        defer { dir.remove() }
        try runPython(script, arguments: [type.description, mode, String(count), dir.url.path])
        let blocks = try Data(contentsOf: dir.path("blocks.bin"))
        let expected = try Data(contentsOf: dir.path("values.bin"))
        #expect(blocks.count == type.rowBytes(count))
        #expect(expected.count == count * 4)
        var got = [Float](repeating: .nan, count: count)
        try blocks.withUnsafeBytes { src in
            try got.withUnsafeMutableBufferPointer { dst in
                try Dequantize.row(type, src.baseAddress!, dst.baseAddress!, count: count)
            }
        }
        let want: [UInt32] = expected.withUnsafeBytes { Array($0.bindMemory(to: UInt32.self)) }
        var mismatches = 0, first: Int?
        for i in 0..<count where got[i].bitPattern != want[i] {
            mismatches += 1
            if first == nil { first = i }
        }
        #expect(mismatches == 0, "\(type) \(mode): \(mismatches) of \(count) values differ; first at \(first ?? -1): \(first.map { got[$0] } ?? 0) vs \(first.map { Float(bitPattern: want[$0]) } ?? 0)")
    }

    @Test("decodes gguf-quantized Gaussian data bit for bit like gguf.quants.dequantize", arguments: quantizable)
    func quantizedData(type: GGMLType) throws {
        try Self.check(type, mode: "quantize")
    }

    @Test("decodes random block bytes bit for bit like gguf.quants.dequantize", arguments: blockTypes)
    func randomBlocks(type: GGMLType) throws {
        try Self.check(type, mode: "random")
    }

    @Test("rejects types without a decoder and counts that are not whole blocks")
    func rejects() {
        let bytes = [UInt8](repeating: 0, count: 1024)
        var out = [Float](repeating: 0, count: 512)
        bytes.withUnsafeBytes { src in
            out.withUnsafeMutableBufferPointer { dst in
                #expect(throws: KernelError.unsupportedType(.iq2_xxs, tensor: nil)) {
                    try Dequantize.row(.iq2_xxs, src.baseAddress!, dst.baseAddress!, count: 256)
                }
                #expect(throws: KernelError.rowNotWholeBlocks(cols: 48, type: .q4_0, tensor: nil)) {
                    try Dequantize.row(.q4_0, src.baseAddress!, dst.baseAddress!, count: 48)
                }
            }
        }
    }
}
