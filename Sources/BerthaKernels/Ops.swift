import CBerthaKernels
import Foundation

/// How rotary position embedding pairs up the dimensions of a head.
public enum RopeStyle: Sendable {
    /// Adjacent pairs (x[2i], x[2i+1]): llama.cpp's `LLAMA_ROPE_TYPE_NORM` (Llama, SmolLM2).
    case normal
    /// Halves (x[i], x[i + d/2]): `LLAMA_ROPE_TYPE_NEOX` (GPT-NeoX, Qwen2, Gemma 3).
    case neox
}

/// The element-wise and row-wise operations of a transformer forward pass, on float rows.
/// All take raw pointers and a count, allocate nothing, and work in place where the name says so.
public enum Ops {
    /// RMS normalization: `out[i] = x[i] / sqrt(mean(x²) + eps) * weight[i]` (weight nil: 1).
    /// - Parameters:
    ///   - x: `count` floats; may equal `out`.
    ///   - weight: `count` floats or nil.
    ///   - out: `count` floats.
    ///   - count: row length.
    ///   - eps: added to the mean square (`*.attention.layer_norm_rms_epsilon`).
    public static func rmsNorm(_ x: UnsafePointer<Float>, weight: UnsafePointer<Float>?, _ out: UnsafeMutablePointer<Float>,
                               count: Int, eps: Float) {
        // Sum in double: rows of 2048 with large activations lose digits in float.
        var sum = 0.0
        for i in 0..<count { sum += Double(x[i]) * Double(x[i]) }
        let scale = Float(1.0 / (sum / Double(count) + Double(eps)).squareRoot())
        if let weight {
            for i in 0..<count { out[i] = x[i] * scale * weight[i] }
        } else {
            for i in 0..<count { out[i] = x[i] * scale }
        }
    }

    /// Layer normalization: `out[i] = (x[i] - mean) / sqrt(var + eps) * weight[i] + bias[i]`.
    /// - Parameters:
    ///   - x: `count` floats; may equal `out`.
    ///   - weight: `count` floats or nil (1).
    ///   - bias: `count` floats or nil (0).
    ///   - out: `count` floats.
    ///   - count: row length.
    ///   - eps: added to the variance.
    public static func layerNorm(_ x: UnsafePointer<Float>, weight: UnsafePointer<Float>?, bias: UnsafePointer<Float>?,
                                 _ out: UnsafeMutablePointer<Float>, count: Int, eps: Float) {
        var sum = 0.0
        for i in 0..<count { sum += Double(x[i]) }
        let mean = sum / Double(count)
        var sq = 0.0
        for i in 0..<count {
            let d = Double(x[i]) - mean
            sq += d * d
        }
        let inv = 1.0 / (sq / Double(count) + Double(eps)).squareRoot()
        for i in 0..<count {
            var v = Float((Double(x[i]) - mean) * inv)
            if let weight { v *= weight[i] }
            if let bias { v += bias[i] }
            out[i] = v
        }
    }

    /// In-place softmax with the maximum subtracted first, so large logits cannot overflow.
    /// Entries equal to -infinity (masked) become 0.
    /// - Parameters:
    ///   - x: `count` floats, replaced by probabilities.
    ///   - count: row length (> 0).
    public static func softmax(_ x: UnsafeMutablePointer<Float>, count: Int) {
        guard count > 0 else { return }
        var maxValue = -Float.infinity
        for i in 0..<count { maxValue = max(maxValue, x[i]) }
        guard maxValue > -.infinity else { return }
        var sum = 0.0
        for i in 0..<count {
            let e = expf(x[i] - maxValue)
            x[i] = e
            sum += Double(e)
        }
        let inv = Float(1.0 / sum)
        for i in 0..<count { x[i] *= inv }
    }

    /// Rotary position embedding, in place, for `tokens` tokens of `heads` heads of `headDim` each
    /// (`x` is tokens × heads × headDim, row-major). Dimension pair i (< ropeDim/2) of the token at
    /// position p rotates by θ = p · freqScale · freqBase^(-2i/ropeDim); dimensions past `ropeDim`
    /// are left alone (partial rotary).
    /// - Parameters:
    ///   - x: the query or key rows.
    ///   - tokens: number of tokens.
    ///   - heads: heads per token.
    ///   - headDim: floats per head.
    ///   - ropeDim: rotated dimensions per head (`*.rope.dimension_count`), even, ≤ headDim.
    ///   - positions: `tokens` positions.
    ///   - freqBase: `*.rope.freq_base` (10000 for Llama).
    ///   - freqScale: 1 / linear scaling factor (1 when unscaled).
    ///   - style: pairing of dimensions.
    ///   - factors: per-pair divisors of θ (Llama 3.1's `rope_freqs`, llama.cpp's freq_factors), or nil.
    public static func rope(_ x: UnsafeMutablePointer<Float>, tokens: Int, heads: Int, headDim: Int, ropeDim: Int,
                            positions: UnsafePointer<Int32>, freqBase: Float, freqScale: Float, style: RopeStyle,
                            factors: UnsafePointer<Float>? = nil) {
        // On the stack for the usual sizes: context shifting calls this once per moved key row.
        withUnsafeTemporaryAllocation(of: Float.self, capacity: 2 * max(tokens * (ropeDim / 2), 1)) { angles in
            let cos = angles.baseAddress!, sin = cos + tokens * (ropeDim / 2)
            ropeAngles(positions: positions, tokens: tokens, ropeDim: ropeDim, freqBase: freqBase, freqScale: freqScale,
                       factors: factors, cos: cos, sin: sin)
            rope(x, tokens: tokens, heads: heads, headDim: headDim, ropeDim: ropeDim, cos: cos, sin: sin, style: style)
        }
    }

    /// cos θ and sin θ of every (token, pair) for `rope(_:tokens:heads:headDim:ropeDim:cos:sin:style:)`,
    /// `tokens × ropeDim/2` each. A forward pass computes them once per RoPE base and reuses them for
    /// the queries and keys of every layer (per-call pow/sin/cos was 3% of Gemma 3's prompt time).
    /// - Parameter factors: per-pair divisors of θ (Llama 3.1's `rope_freqs`), or nil.
    public static func ropeAngles(positions: UnsafePointer<Int32>, tokens: Int, ropeDim: Int, freqBase: Float, freqScale: Float,
                                  factors: UnsafePointer<Float>?, cos: UnsafeMutablePointer<Float>, sin: UnsafeMutablePointer<Float>) {
        let half = ropeDim / 2
        for t in 0..<tokens {
            let p = Double(positions[t]) * Double(freqScale)
            for i in 0..<half {
                // θ in double: at position 8000 a float θ is already off by ~1e-3 rad.
                var theta = p * pow(Double(freqBase), -2.0 * Double(i) / Double(ropeDim))
                if let factors { theta /= Double(factors[i]) }
                cos[t * half + i] = Float(Foundation.cos(theta))
                sin[t * half + i] = Float(Foundation.sin(theta))
            }
        }
    }

    /// Rotary position embedding with angles from `ropeAngles`.
    public static func rope(_ x: UnsafeMutablePointer<Float>, tokens: Int, heads: Int, headDim: Int, ropeDim: Int,
                            cos: UnsafePointer<Float>, sin: UnsafePointer<Float>, style: RopeStyle) {
        let half = ropeDim / 2
        for t in 0..<tokens {
            let row = x + t * heads * headDim
            for i in 0..<half {
                let c = cos[t * half + i], s = sin[t * half + i]
                let (a, b) = style == .normal ? (2 * i, 2 * i + 1) : (i, i + half)
                for h in 0..<heads {
                    let v = row + h * headDim
                    let x0 = v[a], x1 = v[b]
                    v[a] = x0 * c - x1 * s
                    v[b] = x0 * s + x1 * c
                }
            }
        }
    }

    /// In place: `x = x · sigmoid(x)`.
    public static func silu(_ x: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { x[i] = x[i] / (1 + expf(-x[i])) }
    }

    /// `gate[i] = silu(gate[i]) * up[i]`: the SwiGLU feed-forward gate (Llama, Qwen2).
    public static func swiglu(_ gate: UnsafeMutablePointer<Float>, _ up: UnsafePointer<Float>, count: Int) {
        for i in 0..<count { gate[i] = gate[i] / (1 + expf(-gate[i])) * up[i] }
    }

    /// In place, the tanh approximation of GELU (PyTorch's `gelu(approximate="tanh")`, ggml's `gelu`):
    /// `0.5 x (1 + tanh(√(2/π) (x + 0.044715 x³)))`.
    public static func geluTanh(_ x: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { x[i] = gelu(x[i]) }
    }

    /// `gate[i] = geluTanh(gate[i]) * up[i]`: the GeGLU feed-forward gate (Gemma).
    /// Eight lanes at a time in C (`gated.c`), within a few ulp of libm's `tanhf`.
    public static func geglu(_ gate: UnsafeMutablePointer<Float>, _ up: UnsafePointer<Float>, count: Int) {
        bertha_geglu_tanh_f32(gate, up, Int32(count))
    }

    @inline(__always) private static func gelu(_ v: Float) -> Float {
        let sqrt2OverPi: Float = 0.7978845608028654
        return 0.5 * v * (1 + tanhf(sqrt2OverPi * (v + 0.044715 * v * v * v)))
    }

    /// `out[i] = a[i] + b[i]` (out may alias a or b).
    public static func add(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { out[i] = a[i] + b[i] }
    }

    /// `out[i] = a[i] * b[i]` (out may alias a or b).
    public static func mul(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { out[i] = a[i] * b[i] }
    }

    /// In place: `x[i] *= s`.
    public static func scale(_ x: UnsafeMutablePointer<Float>, by s: Float, count: Int) {
        for i in 0..<count { x[i] *= s }
    }

    /// `Σ a[i] b[i]`: attention scores against an F32 K-cache row.
    public static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        bertha_dot_f32(a, b, Int32(count))
    }

    /// `Σ a[i] f16(b[i])`: attention scores against an F16 K-cache row (raw IEEE half bits).
    public static func dot(_ a: UnsafePointer<Float>, f16 b: UnsafePointer<UInt16>, count: Int) -> Float {
        bertha_dot_f32_f16(a, b, Int32(count))
    }

    /// `y[i] += alpha x[i]`: accumulating an F32 V-cache row weighted by its attention probability.
    public static func axpy(_ alpha: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        bertha_axpy_f32(alpha, x, y, Int32(count))
    }

    /// `y[i] += alpha f16(x[i])`: accumulating an F16 V-cache row.
    public static func axpy(_ alpha: Float, f16 x: UnsafePointer<UInt16>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        bertha_axpy_f16(alpha, x, y, Int32(count))
    }

    /// F32 → F16 (round to nearest even, IEEE half bits), e.g. to store K/V rows in an F16 cache.
    public static func toF16(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<UInt16>, count: Int) {
        bertha_f32_to_f16_row(src, dst, Int32(count))
    }

    /// F16 (IEEE half bits) → F32, exact.
    public static func fromF16(_ src: UnsafePointer<UInt16>, _ dst: UnsafeMutablePointer<Float>, count: Int) {
        bertha_f16_to_f32_row(src, dst, Int32(count))
    }
}
