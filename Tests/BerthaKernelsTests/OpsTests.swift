import BerthaKernels
import BerthaTestSupport
import CBerthaKernels
import Foundation
import Testing

/// Each operation against the textbook formula in double precision.
@Suite("Ops")
struct OpsTests {
    static func maxRelativeError(_ got: [Float], _ want: [Double]) -> Double {
        let scale = max(want.map { abs($0) }.max() ?? 1, 1e-30)
        return zip(got, want).map { abs(Double($0) - $1) }.max().map { $0 / scale } ?? 0
    }

    @Test("rmsNorm scales by the reciprocal root mean square and the weight", arguments: [1e-6 as Float, 1e-5])
    func rmsNorm(eps: Float) {
        var rng = SeededRandom(seed: 1)
        let n = 576
        let x = randomVector(n, rng: &rng, scale: 30), w = randomVector(n, rng: &rng)
        var out = [Float](repeating: 0, count: n)
        Ops.rmsNorm(x, weight: w, &out, count: n, eps: eps)
        let ms = x.map { Double($0) * Double($0) }.reduce(0, +) / Double(n)
        let want = (0..<n).map { Double(x[$0]) / (ms + Double(eps)).squareRoot() * Double(w[$0]) }
        #expect(Self.maxRelativeError(out, want) < 1e-6)
        var inPlace = x
        Ops.rmsNorm(inPlace, weight: nil, &inPlace, count: n, eps: eps)
        #expect(Self.maxRelativeError(inPlace, x.map { Double($0) / (ms + Double(eps)).squareRoot() }) < 1e-6)
    }

    @Test("layerNorm centres, scales by the standard deviation, then applies weight and bias")
    func layerNorm() {
        var rng = SeededRandom(seed: 2)
        let n = 384
        let x = randomVector(n, rng: &rng, scale: 4).map { $0 + 7 }
        let w = randomVector(n, rng: &rng), b = randomVector(n, rng: &rng)
        var out = [Float](repeating: 0, count: n)
        Ops.layerNorm(x, weight: w, bias: b, &out, count: n, eps: 1e-12)
        let mean = x.map(Double.init).reduce(0, +) / Double(n)
        let variance = x.map { (Double($0) - mean) * (Double($0) - mean) }.reduce(0, +) / Double(n)
        let want = (0..<n).map { (Double(x[$0]) - mean) / (variance + 1e-12).squareRoot() * Double(w[$0]) + Double(b[$0]) }
        #expect(Self.maxRelativeError(out, want) < 1e-6)
    }

    @Test("softmax sums to one, matches exp(x - max) / Σ, survives huge logits and masks -infinity")
    func softmax() {
        var rng = SeededRandom(seed: 3)
        var x = randomVector(1000, rng: &rng, scale: 10)
        x[10] = 5000  // would overflow exp without the max subtraction
        x[11] = -.infinity
        let m = Double(x.max()!)
        let e = x.map { exp(Double($0) - m) }
        let s = e.reduce(0, +)
        Ops.softmax(&x, count: x.count)
        #expect(Self.maxRelativeError(x, e.map { $0 / s }) < 1e-6)
        #expect(x[11] == 0)
        #expect(abs(x.map(Double.init).reduce(0, +) - 1) < 1e-5)
        #expect(x.allSatisfy { $0.isFinite })
    }

    @Test("rope rotates dimension pairs by position · base^(-2i/d)", arguments: [RopeStyle.normal, .neox])
    func rope(style: RopeStyle) {
        var rng = SeededRandom(seed: 4)
        let heads = 3, headDim = 64, ropeDim = 48, tokens = 4
        let positions: [Int32] = [0, 1, 37, 1999]
        let base: Float = 10000, freqScale: Float = 0.5
        let original = randomVector(tokens * heads * headDim, rng: &rng)
        var x = original
        Ops.rope(&x, tokens: tokens, heads: heads, headDim: headDim, ropeDim: ropeDim, positions: positions,
                 freqBase: base, freqScale: freqScale, style: style)
        var want = original.map(Double.init)
        for t in 0..<tokens {
            for h in 0..<heads {
                let o = (t * heads + h) * headDim
                for i in 0..<(ropeDim / 2) {
                    let theta = Double(positions[t]) * Double(freqScale) * pow(Double(base), -2 * Double(i) / Double(ropeDim))
                    let (a, b) = style == .normal ? (o + 2 * i, o + 2 * i + 1) : (o + i, o + i + ropeDim / 2)
                    let x0 = Double(original[a]), x1 = Double(original[b])
                    want[a] = x0 * cos(theta) - x1 * sin(theta)
                    want[b] = x0 * sin(theta) + x1 * cos(theta)
                }
            }
        }
        #expect(Self.maxRelativeError(x, want) < 1e-6)
        // position 0 is the identity; dimensions past ropeDim are untouched
        #expect(Array(x[0..<(heads * headDim)]) == Array(original[0..<(heads * headDim)]))
        #expect(x[headDim * heads + headDim - 1] == original[headDim * heads + headDim - 1])
    }

    @Test("silu, swiglu, geluTanh and geglu follow their formulas")
    func activations() {
        var rng = SeededRandom(seed: 5)
        let n = 2000
        let x = randomVector(n, rng: &rng, scale: 4), up = randomVector(n, rng: &rng)
        let silu = x.map { Double($0) / (1 + exp(-Double($0))) }
        let gelu = x.map { v -> Double in
            let d = Double(v)
            return 0.5 * d * (1 + tanh((2 / Double.pi).squareRoot() * (d + 0.044715 * d * d * d)))
        }
        var a = x
        Ops.silu(&a, count: n)
        #expect(Self.maxRelativeError(a, silu) < 1e-6)
        var b = x
        Ops.swiglu(&b, up, count: n)
        #expect(Self.maxRelativeError(b, (0..<n).map { silu[$0] * Double(up[$0]) }) < 1e-6)
        var c = x
        Ops.geluTanh(&c, count: n)
        #expect(Self.maxRelativeError(c, gelu) < 1e-6)
        var d = x
        Ops.geglu(&d, up, count: n)
        #expect(Self.maxRelativeError(d, (0..<n).map { gelu[$0] * Double(up[$0]) }) < 1e-6)
    }

    @Test("the vector GeGLU kernel agrees with its libm reference on tails and extremes",
          arguments: [1, 7, 8, 13, 2051])
    func gatedKernels(n: Int) {
        var rng = SeededRandom(seed: UInt64(n))
        var x = randomVector(n, rng: &rng, scale: 12)
        let extremes: [Float] = [0, -0.0, -100, 100, -12, 12, 1e-20, -3.4e38]
        for (i, v) in extremes.enumerated() where i < n { x[n - 1 - i] = v }
        let up = randomVector(n, rng: &rng)
        var fast = x, slow = x
        bertha_geglu_tanh_f32(&fast, up, Int32(n))
        bertha_geglu_tanh_f32_ref(&slow, up, Int32(n))
        for i in 0..<n {
            // A few ulp of the result, or of the gate's scale |x·up| where the result is far smaller
            // than its inputs: there libm's 1 + tanhf(z) cancels (the vector form x / (1 + e^{-2z})
            // does not), so the two differ by rounding noise of size ulp(|x·up|).
            let tolerance = max(abs(slow[i]), abs(fast[i])) * 2e-6 + abs(x[i] * up[i]) * 1e-7 + 1e-30
            #expect(abs(fast[i] - slow[i]) <= tolerance, "n \(n) x \(x[i]): \(fast[i]) vs \(slow[i])")
        }
    }

    @Test("add, mul and scale are element-wise")
    func elementwise() {
        let a: [Float] = [1, 2, 3, -4], b: [Float] = [0.5, -1, 2, 8]
        var out = [Float](repeating: 0, count: 4)
        Ops.add(a, b, &out, count: 4)
        #expect(out == [1.5, 1, 5, 4])
        Ops.mul(a, b, &out, count: 4)
        #expect(out == [0.5, -2, 6, -32])
        Ops.scale(&out, by: 0.5, count: 4)
        #expect(out == [0.25, -1, 3, -16])
    }

    @Test("F16 conversion round-trips all 65536 halves and rounds floats like numpy's astype(float16)")
    func f16Conversion() throws {
        let all = (0...UInt16.max).map { $0 }
        var floats = [Float](repeating: 0, count: all.count)
        Ops.fromF16(all, &floats, count: all.count)
        var back = [UInt16](repeating: 0, count: all.count)
        Ops.toF16(floats, &back, count: all.count)
        let nonNaN = (0..<all.count).filter { !floats[$0].isNaN }
        #expect(nonNaN.allSatisfy { back[$0] == all[$0] })
        #expect(nonNaN.allSatisfy { bertha_f32_to_f16(bertha_f16_to_f32(all[$0])) == all[$0] })
        // Bit-identical except NaN payloads (F16C quiets signalling NaNs); NaN stays NaN.
        #expect((0..<all.count).allSatisfy {
            floats[$0].isNaN ? bertha_f16_to_f32(all[$0]).isNaN : floats[$0].bitPattern == bertha_f16_to_f32(all[$0]).bitPattern
        })

        // Rounding of arbitrary floats (normal, subnormal, overflow, ties) against numpy.
        var rng = SeededRandom(seed: 6)
        var values: [Float] = [65504, 65519.99, 65520, 1e-8, 2.98e-8, 5.96e-8, 6.1e-5, -0.0, .infinity, -.infinity]
        for _ in 0..<20000 {
            values.append(rng.normal() * Float(pow(2.0, Double(Int.random(in: -26...17, using: &rng)))))
        }
        let dir = try TemporaryDirectory("bertha-f16")
        defer { dir.remove() }
        let input = dir.path("in.bin")
        try values.withUnsafeBytes { try Data($0).write(to: input) }
        try runPython("""
        import sys, numpy as np
        x = np.fromfile(sys.argv[1], dtype=np.float32)
        x.astype(np.float16).tofile(sys.argv[2])
        """, arguments: [input.path, dir.path("out.bin").path])
        let numpy: [UInt16] = try Data(contentsOf: dir.path("out.bin")).withUnsafeBytes { Array($0.bindMemory(to: UInt16.self)) }
        var simd = [UInt16](repeating: 0, count: values.count)
        Ops.toF16(values, &simd, count: values.count)
        let scalar = values.map { bertha_f32_to_f16($0) }
        #expect(simd == numpy)
        #expect(scalar == numpy)
    }

    @Test("attention dot and axpy over F32 and F16 rows match double precision")
    func attentionRows() {
        var rng = SeededRandom(seed: 7)
        let n = 67  // not a multiple of the vector width
        let q = randomVector(n, rng: &rng), k = randomVector(n, rng: &rng)
        var kHalf = [UInt16](repeating: 0, count: n)
        Ops.toF16(k, &kHalf, count: n)
        let kRounded = kHalf.map { Double(bertha_f16_to_f32($0)) }
        let dot32 = zip(q, k).map { Double($0) * Double($1) }.reduce(0, +)
        let dot16 = zip(q, kRounded).map { Double($0) * $1 }.reduce(0, +)
        let scale = zip(q, k).map { abs(Double($0) * Double($1)) }.reduce(0, +)
        #expect(abs(Double(Ops.dot(q, k, count: n)) - dot32) / scale < 1e-6)
        #expect(abs(Double(Ops.dot(q, f16: kHalf, count: n)) - dot16) / scale < 1e-6)
        var y = q
        Ops.axpy(0.25, k, &y, count: n)
        #expect(Self.maxRelativeError(y, (0..<n).map { Double(q[$0]) + 0.25 * Double(k[$0]) }) < 1e-6)
        var y16 = q
        Ops.axpy(-2, f16: kHalf, &y16, count: n)
        #expect(Self.maxRelativeError(y16, (0..<n).map { Double(q[$0]) - 2 * kRounded[$0] }) < 1e-6)
    }
}
