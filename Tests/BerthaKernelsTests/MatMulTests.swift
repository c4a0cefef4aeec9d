import BerthaGGUF
import BerthaKernels
import BerthaTestSupport
import CBerthaKernels
import Foundation
import Testing

/// Tolerances, normalized like llama.cpp's test-quantize-fns: an error divided by Σ|w·x| of the row
/// (the largest the result could be), so they hold for any scale of weights or activations.
enum Tolerance {
    /// SIMD against scalar kernels on the same quantized activation: the block integer sums are
    /// exact in both, only the float accumulation order differs.
    static let simdVsReference = 2e-6
    /// Float weights (F32/F16/BF16) against a double-precision product: float accumulation only.
    static let floatActivations = 1e-6
    /// Quantized weights against a double-precision product over the same dequantized weights and
    /// the 8-bit activation the kernel actually used: exact block integer sums, float accumulation.
    static let givenQuantizedActivation = 2e-6
    /// Quantized weights against a double-precision product with the original float activation:
    /// the error is the 8-bit rounding of the activation (half a step of max|x|/127 per value;
    /// the test vector has an outlier, as real activations do). Both activation formats take one
    /// scale per 4 values (bertha_block_q8a, bertha_block_q8k), so the outlier coarsens only its own
    /// group: measured up to 1.3e-3 max and 3.5e-4 rms over all types. ggml's activations (one
    /// scale per 32 values for Q4_0 … Q8_0) measured 2.6e-3 to 5.2e-3 max and 5.3e-4 to 1.1e-3 rms
    /// on the same vectors; with one per 256 (the K-quants) the bounds were 2e-2 and 6e-3.
    static let quantizedMax = 1.6e-3
    static let quantizedRMS = 4.5e-4
}

@Suite("MatMul")
struct MatMulTests {
    static let allTypes = WeightMatrix.supportedTypes

    static func isFloat(_ type: GGMLType) -> Bool { type == .f32 || type == .f16 || type == .bf16 }

    /// The activation as the kernels see it: quantized to 8-bit blocks by the C quantizer, then
    /// expanded back to floats (d · q).
    static func quantizedActivation(_ x: [Float], blockSize: Int) -> [Float] {
        var out = [Float](repeating: 0, count: x.count)
        if blockSize == 256 {
            var blocks = [bertha_block_q8k](repeating: bertha_block_q8k(), count: x.count / 256)
            bertha_quantize_row_q8k(x, &blocks, Int32(x.count))
            for (b, block) in blocks.enumerated() {
                let q = elements(of: block.qs, as: Int8.self), d = elements(of: block.d, as: Float.self)
                for i in 0..<256 { out[b * 256 + i] = d[i / 4] * Float(q[i]) }
            }
        } else {
            var blocks = [bertha_block_q8a](repeating: bertha_block_q8a(), count: x.count / 32)
            bertha_quantize_row_q8a(x, &blocks, Int32(x.count))
            for (b, block) in blocks.enumerated() {
                let q = elements(of: block.qs, as: Int8.self), d = elements(of: block.d, as: Float.self)
                for i in 0..<32 { out[b * 32 + i] = d[i / 4] * Float(q[i]) }
            }
        }
        return out
    }

    @Test("the dispatcher picks AVX2 or better kernels on this CPU (it reports AVX2 and FMA)")
    func dispatch() throws {
        let info = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let hasAVX2 = info.contains(" avx2 ") && info.contains(" fma ")
        let hasVNNI = info.contains(" avx512_vnni ") && info.contains(" avx512bw ")
        let isa = KernelISA.current
        #if arch(x86_64)
        #expect(hasAVX2 ? (isa == .avx2 || isa == .avx512vnni) : isa == .scalar)
        #expect(hasVNNI == (isa == .avx512vnni))
        var bytes = [UInt8](repeating: 0, count: 34 * 4)
        try bytes.withUnsafeMutableBytes { p in
            let w = try WeightMatrix(type: .q4_1, data: p.baseAddress!, rows: 1, cols: 128)
            if hasVNNI {
                #expect(w.kernelDescription.hasSuffix("avx512-vnni"))
            } else if hasAVX2 {
                #expect(w.kernelDescription.hasSuffix("avx2"))
            }
            // The multi-row kernels behind batched matmuls (so "matmul equals matvec" tests them here).
            let q8 = try WeightMatrix(type: .q8_0, data: p.baseAddress!, rows: 1, cols: 128)
            if hasVNNI {
                #expect(w.rowsPerWeightPass == 4 && q8.rowsPerWeightPass == 4)
            } else if hasAVX2 {
                #expect(w.rowsPerWeightPass == 2 && q8.rowsPerWeightPass == 2)
            }
        }
        #endif
    }

    @Test("SIMD dot kernels equal the scalar reference kernels within Tolerance.simdVsReference of Σ|w·x|", arguments: allTypes)
    func simdMatchesReference(type: GGMLType) throws {
        var rng = SeededRandom(seed: 0x5EED + UInt64(type.rawValue))
        let rows = 37, cols = type.testCols
        let bytes = randomWeightBytes(type, rows: rows, cols: cols, rng: &rng)
        let x = randomVector(cols, rng: &rng)
        let deq = try dequantizeMatrix(type, bytes, rows: rows, cols: cols)
        let magnitude = referenceMatvec(deq, rows: rows, cols: cols, x).magnitude
        let pool = WorkerPool(threads: 1)
        try bytes.withUnsafeBytes { raw in
            let fast = try WeightMatrix(type: type, data: raw.baseAddress!, rows: rows, cols: cols)
            let reference = try #require(fast.using(.scalar))
            var variants = [fast]
            for isa in [KernelISA.avx2, .avx512vnni] { if let w = fast.using(isa) { variants.append(w) } }
            #expect(variants.count >= 2, "no SIMD kernel ran for \(type)")
            var want = [Float](repeating: 0, count: rows)
            MatMul.matvec(reference, x, &want, pool: pool)
            for w in variants {
                var got = [Float](repeating: .nan, count: rows)
                MatMul.matvec(w, x, &got, pool: pool)
                let worst = (0..<rows).map { Double(abs(got[$0] - want[$0])) / magnitude[$0] }.max() ?? 0
                #expect(worst <= Tolerance.simdVsReference, "\(w.kernelDescription): normalized error \(worst)")
            }
        }
    }

    @Test("the VNNI kernels compute the AVX2 kernels' floats: equal bit for bit",
          arguments: [GGMLType.q8_0, .q4_0, .q4_1, .q5_0])
    func vnniEqualsAVX2(type: GGMLType) throws {
        try #require(KernelISA.current == .avx512vnni, "needs AVX-512 VNNI")
        var rng = SeededRandom(seed: 0xF00D + UInt64(type.rawValue))
        let rows = 41, cols = type.testCols
        let bytes = randomWeightBytes(type, rows: rows, cols: cols, rng: &rng)
        let x = randomVector(cols, rng: &rng)
        let pool = WorkerPool(threads: 1)
        try bytes.withUnsafeBytes { raw in
            let matrix = try WeightMatrix(type: type, data: raw.baseAddress!, rows: rows, cols: cols)
            let avx2 = try #require(matrix.using(.avx2)), vnni = try #require(matrix.using(.avx512vnni))
            var a = [Float](repeating: .nan, count: rows), v = [Float](repeating: .nan, count: rows)
            MatMul.matvec(avx2, x, &a, pool: pool)
            MatMul.matvec(vnni, x, &v, pool: pool)
            #expect(a == v)
        }
    }

    @Test("matvec equals a double-precision product over the dequantized weights", arguments: allTypes, [1, 3])
    func matvecAgainstFloat64(type: GGMLType, threads: Int) throws {
        var rng = SeededRandom(seed: 0xABCD + UInt64(type.rawValue))
        let rows = 150, cols = type.testCols
        let bytes = randomWeightBytes(type, rows: rows, cols: cols, rng: &rng)
        var x = randomVector(cols, rng: &rng)
        x[3] = 25  // an outlier, as real activations have
        let deq = try dequantizeMatrix(type, bytes, rows: rows, cols: cols)
        let (want, magnitude) = referenceMatvec(deq, rows: rows, cols: cols, x)
        let pool = WorkerPool(threads: threads)
        var got = [Float](repeating: .nan, count: rows)
        try bytes.withUnsafeBytes { raw in
            let w = try WeightMatrix(type: type, data: raw.baseAddress!, rows: rows, cols: cols)
            MatMul.matvec(w, x, &got, pool: pool)
        }
        let errors = (0..<rows).map { abs(Double(got[$0]) - want[$0]) / magnitude[$0] }
        let worst = errors.max() ?? 0
        let rms = (errors.map { $0 * $0 }.reduce(0, +) / Double(rows)).squareRoot()
        if Self.isFloat(type) {
            #expect(worst <= Tolerance.floatActivations, "\(type): max normalized error \(worst)")
        } else {
            #expect(worst <= Tolerance.quantizedMax, "\(type): max normalized error \(worst)")
            #expect(rms <= Tolerance.quantizedRMS, "\(type): rms normalized error \(rms)")
            // Given the activation the kernel quantized, the product is exact up to float sums.
            let xq = Self.quantizedActivation(x, blockSize: type.blockSize)
            let (exact, exactMagnitude) = referenceMatvec(deq, rows: rows, cols: cols, xq)
            let exactWorst = (0..<rows).map { abs(Double(got[$0]) - exact[$0]) / exactMagnitude[$0] }.max() ?? 0
            #expect(exactWorst <= Tolerance.givenQuantizedActivation, "\(type): error given the quantized activation \(exactWorst)")
        }
        // A wrong kernel is typically off by far more: make sure the outputs are not trivially equal.
        #expect(got.contains { $0 != 0 })
    }

    @Test("matmul over a batch equals matvec of each row exactly", arguments: allTypes)
    func matmulEqualsMatvec(type: GGMLType) throws {
        var rng = SeededRandom(seed: 0x77 + UInt64(type.rawValue))
        let rows = 70, cols = type.testCols, batch = 9
        let bytes = randomWeightBytes(type, rows: rows, cols: cols, rng: &rng)
        let x = randomVector(cols * batch, rng: &rng)
        let pool = WorkerPool(threads: 2)
        var batched = [Float](repeating: .nan, count: rows * batch)
        var single = [Float](repeating: .nan, count: rows * batch)
        try bytes.withUnsafeBytes { raw in
            let w = try WeightMatrix(type: type, data: raw.baseAddress!, rows: rows, cols: cols)
            x.withUnsafeBufferPointer { xp in
                MatMul.matmul(w, xp.baseAddress!, rows: batch, &batched, pool: pool)
                single.withUnsafeMutableBufferPointer { yp in
                    for i in 0..<batch { MatMul.matvec(w, xp.baseAddress! + i * cols, yp.baseAddress! + i * rows, pool: pool) }
                }
            }
        }
        #expect(batched == single)
    }

    @Test("weight matrices reject unsupported types and rows that are not whole blocks")
    func rejects() {
        let bytes = [UInt8](repeating: 0, count: 4096)
        bytes.withUnsafeBytes { raw in
            #expect(throws: KernelError.unsupportedType(.iq4_nl, tensor: "blk.0.ffn_up.weight")) {
                try WeightMatrix(type: .iq4_nl, data: raw.baseAddress!, rows: 2, cols: 64, name: "blk.0.ffn_up.weight")
            }
            #expect(throws: KernelError.rowNotWholeBlocks(cols: 128, type: .q4_K, tensor: nil)) {
                try WeightMatrix(type: .q4_K, data: raw.baseAddress!, rows: 2, cols: 128)
            }
            #expect(throws: KernelError.invalidShape(rows: 0, cols: 64, tensor: nil)) {
                try WeightMatrix(type: .q8_0, data: raw.baseAddress!, rows: 0, cols: 64)
            }
        }
    }
}

@Suite("MatMul fused products")
struct FusedMatvecTests {
    @Test("several products of one input in one job equal separate products exactly", arguments: [1, 7])
    func fusedEqualsSeparate(batch: Int) throws {
        var rng = SeededRandom(seed: 99)
        let cols = 768
        let specs: [(GGMLType, Int)] = [(.q4_K, 100), (.q6_K, 40), (.q8_0, 33), (.q4_1, 64), (.f16, 17)]
        let storage = specs.map { spec -> UnsafeMutableRawBufferPointer in
            let bytes = randomWeightBytes(spec.0, rows: spec.1, cols: cols, rng: &rng)
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count, alignment: 64)
            buffer.copyBytes(from: bytes)
            return buffer
        }
        let fused = specs.map { UnsafeMutablePointer<Float>.allocate(capacity: $0.1 * batch) }
        defer {
            storage.forEach { $0.deallocate() }
            fused.forEach { $0.deallocate() }
        }
        let x = randomVector(cols * batch, rng: &rng)
        let pool = WorkerPool(threads: 3)
        let matrices = try specs.indices.map { i in
            try WeightMatrix(type: specs[i].0, data: UnsafeRawPointer(storage[i].baseAddress!), rows: specs[i].1, cols: cols)
        }
        let separate = matrices.map { w -> [Float] in
            var y = [Float](repeating: .nan, count: w.rows * batch)
            MatMul.matmul(w, x, rows: batch, &y, pool: pool)
            return y
        }
        let products = matrices.indices.map { (weights: matrices[$0], output: fused[$0]) }
        if batch == 1 { MatMul.matvec(products, x, pool: pool) } else { MatMul.matmul(products, x, rows: batch, pool: pool) }
        for i in specs.indices {
            #expect(Array(UnsafeBufferPointer(start: fused[i], count: specs[i].1 * batch)) == separate[i], "\(specs[i].0)")
        }
    }
}
