import BerthaGGUF
import BerthaKernels
import CBerthaKernels
import Foundation
import Testing

/// The dense float kernels of encoder models against float64 formulas.
@Suite("Dense kernels (GEMM, GELU, LayerNorm, attention)")
struct DenseKernelTests {
    /// Random floats in -1...1 (seeded).
    static func random(_ count: Int, seed: UInt64) -> [Float] {
        var rng = SeededRandom(seed: seed)
        return (0..<count).map { _ in Float.random(in: -1...1, using: &rng) }
    }

    static func geluReference(_ x: Double) -> Double { 0.5 * x * (1 + erf(x / 2.squareRoot())) }

    @Test("GEMM equals the float64 product + bias (+ residual, + GELU) for ragged shapes, at 1 and 3 threads",
          arguments: [(1, 16, 8), (5, 37, 45), (13, 64, 384), (50, 100, 33), (97, 200, 64)], [1, 3])
    func gemm(shape: (Int, Int, Int), threads: Int) throws {
        let (m, n, k) = shape
        let x = Self.random(m * k, seed: 1), w = Self.random(n * k, seed: 2), bias = Self.random(n, seed: 3)
        let residual = Self.random(m * n, seed: 4)
        let packed = w.withUnsafeBytes { raw in
            try! PackedMatrix(type: .f32, data: raw.baseAddress!, rows: n, cols: k, name: "w")
        }
        let pool = WorkerPool(threads: threads)
        for epilogue: DenseEpilogue in [[], .accumulate, .gelu] {
            var y = residual
            x.withUnsafeBufferPointer { xb in
                bias.withUnsafeBufferPointer { bb in
                    y.withUnsafeMutableBufferPointer { yb in
                        DenseMatMul.matmul(packed, xb.baseAddress!, rows: m, yb.baseAddress!, bias: bb.baseAddress!,
                                           epilogue: epilogue, pool: pool)
                    }
                }
            }
            var worst = 0.0
            for i in 0..<m {
                for j in 0..<n {
                    var s = Double(bias[j])
                    for t in 0..<k { s += Double(x[i * k + t]) * Double(w[j * k + t]) }
                    if epilogue.contains(.accumulate) { s += Double(residual[i * n + j]) }
                    if epilogue.contains(.gelu) { s = Self.geluReference(s) }
                    worst = max(worst, abs(s - Double(y[i * n + j])) / (1 + abs(s)))
                }
            }
            #expect(worst < 2e-6 * Double(k).squareRoot(), "\(shape) \(epilogue.rawValue): \(worst)")
        }
    }

    @Test("a GEMM row does not depend on the rows around it (batch invariance, bit for bit)")
    func gemmRowInvariance() throws {
        let m = 23, n = 48, k = 96
        let x = Self.random(m * k, seed: 5), w = Self.random(n * k, seed: 6), bias = Self.random(n, seed: 7)
        let packed = w.withUnsafeBytes { try! PackedMatrix(type: .f32, data: $0.baseAddress!, rows: n, cols: k) }
        let pool = WorkerPool(threads: 2)
        var all = [Float](repeating: 0, count: m * n)
        all.withUnsafeMutableBufferPointer { DenseMatMul.matmul(packed, x, rows: m, $0.baseAddress!, bias: bias, epilogue: .gelu, pool: pool) }
        for i in [0, 5, 6, 11, 22] {
            var one = [Float](repeating: 0, count: n)
            Array(x[(i * k)..<((i + 1) * k)]).withUnsafeBufferPointer { xi in
                one.withUnsafeMutableBufferPointer {
                    DenseMatMul.matmul(packed, xi.baseAddress!, rows: 1, $0.baseAddress!, bias: bias, epilogue: .gelu, pool: pool)
                }
            }
            #expect(one == Array(all[(i * n)..<((i + 1) * n)]), "row \(i)")
        }
    }

    @Test("F16 weights pack exactly (F16 → F32 is exact) and strided inputs and outputs work")
    func packingAndStrides() throws {
        let n = 20, k = 32, m = 7
        let w = Self.random(n * k, seed: 8)
        let halves = w.map { bertha_f32_to_f16($0) }
        let rounded = halves.map { bertha_f16_to_f32($0) }
        let fromF16 = halves.withUnsafeBytes { try! PackedMatrix(type: .f16, data: $0.baseAddress!, rows: n, cols: k) }
        let fromF32 = rounded.withUnsafeBytes { try! PackedMatrix(type: .f32, data: $0.baseAddress!, rows: n, cols: k) }
        let ldx = k + 5, ldy = n + 3
        let x = Self.random(m * ldx, seed: 9)
        let pool = WorkerPool(threads: 2)
        var a = [Float](repeating: -7, count: m * ldy), b = a
        a.withUnsafeMutableBufferPointer { DenseMatMul.matmul(fromF16, x, rows: m, ldx: ldx, $0.baseAddress!, ldy: ldy, bias: nil, pool: pool) }
        b.withUnsafeMutableBufferPointer { DenseMatMul.matmul(fromF32, x, rows: m, ldx: ldx, $0.baseAddress!, ldy: ldy, bias: nil, pool: pool) }
        #expect(a == b)
        for i in 0..<m {
            #expect(a[(i * ldy + n)..<((i + 1) * ldy)].allSatisfy { $0 == -7 }, "row \(i): padding untouched")
            var s = 0.0
            for t in 0..<k { s += Double(x[i * ldx + t]) * Double(rounded[t]) }
            #expect(abs(Double(a[i * ldy]) - s) < 1e-5)
        }
        #expect(throws: KernelError.self) { try [UInt8](repeating: 0, count: 64).withUnsafeBytes {
            _ = try PackedMatrix(type: .iq2_xxs, data: $0.baseAddress!, rows: 1, cols: 256, name: "bad")
        } }
    }

    @Test("GELU (erf form) is within 5e-7 of x·Φ(x) from -10 to 10, vector and scalar paths")
    func gelu() {
        let xs = (0...4000).map { Float($0 - 2000) / 200 }
        for path in ["vector", "scalar"] {
            var y = xs
            y.withUnsafeMutableBufferPointer {
                if path == "vector" { Ops.geluErf($0.baseAddress!, count: $0.count) } else { bertha_gelu_erf_f32_ref($0.baseAddress!, Int32($0.count)) }
            }
            let worst = zip(xs, y).map { abs(Self.geluReference(Double($0)) - Double($1)) }.max() ?? 1
            #expect(worst < 5e-7, "\(path): \(worst)")
        }
    }

    @Test("LayerNorm rows equal the float64 formula", arguments: [1, 7, 384, 1000])
    func layerNorm(count: Int) {
        let rows = 5
        var x = Self.random(rows * count, seed: 10).map { $0 * 3 + 0.5 }
        let original = x
        let w = Self.random(count, seed: 11), b = Self.random(count, seed: 12)
        let pool = WorkerPool(threads: 2)
        x.withUnsafeMutableBufferPointer {
            Ops.layerNorm(rows: $0.baseAddress!, rows: rows, count: count, weight: w, bias: b, eps: 1e-12, pool: pool)
        }
        for r in 0..<rows {
            let row = original[(r * count)..<((r + 1) * count)].map(Double.init)
            let mean = row.reduce(0, +) / Double(count)
            let variance = row.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(count)
            for i in 0..<count {
                let expected = (row[i] - mean) / (variance + 1e-12).squareRoot() * Double(w[i]) + Double(b[i])
                #expect(abs(expected - Double(x[r * count + i])) < 2e-5, "row \(r) [\(i)]")
            }
        }
    }

    @Test("attention over packed sequences equals softmax(QKᵀ·scale)V per sequence and head",
          arguments: [[1, 4, 9], [17, 2], [40]])
    func attention(lengths: [Int]) {
        let heads = 3, headDim = 8, width = heads * headDim, ld = 3 * width
        let total = lengths.reduce(0, +)
        let qkv = Self.random(total * ld, seed: 13).map { $0 * 2 }
        var sequences: [(start: Int, count: Int)] = []
        var start = 0
        for length in lengths {
            sequences.append((start, length))
            start += length
        }
        var out = [Float](repeating: 0, count: total * width)
        let scale = 1 / Float(headDim).squareRoot()
        qkv.withUnsafeBufferPointer { p in
            out.withUnsafeMutableBufferPointer { o in
                Ops.attention(q: p.baseAddress!, k: p.baseAddress! + width, v: p.baseAddress! + 2 * width, ld: ld,
                              sequences: sequences, heads: heads, headDim: headDim, scale: scale,
                              out: o.baseAddress!, ldo: width, pool: WorkerPool(threads: 2))
            }
        }
        for (s0, count) in sequences {
            for h in 0..<heads {
                for i in 0..<count {
                    var scores = (0..<count).map { j -> Double in
                        var dot = 0.0
                        for t in 0..<headDim {
                            dot += Double(qkv[(s0 + i) * ld + h * headDim + t]) * Double(qkv[(s0 + j) * ld + width + h * headDim + t])
                        }
                        return dot * Double(scale)
                    }
                    let top = scores.max()!
                    scores = scores.map { exp($0 - top) }
                    let total = scores.reduce(0, +)
                    for t in 0..<headDim {
                        var expected = 0.0
                        for j in 0..<count { expected += scores[j] / total * Double(qkv[(s0 + j) * ld + 2 * width + h * headDim + t]) }
                        #expect(abs(expected - Double(out[(s0 + i) * width + h * headDim + t])) < 2e-6)
                    }
                }
            }
        }
    }
}
