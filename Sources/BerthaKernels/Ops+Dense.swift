import CBerthaKernels

/// The row operations of an encoder layer over a whole batch of tokens, vectorized in C
/// (`dense.c`) and spread over the pool.
extension Ops {
    /// In place, BERT's GELU: `x · Φ(x) = x/2 (1 + erf(x/√2))` (erf within 1.5e-7).
    public static func geluErf(_ x: UnsafeMutablePointer<Float>, count: Int) {
        bertha_gelu_erf_f32(x, Int32(count))
    }

    /// Layer normalization of one row in place, vectorized: `(x - mean) / sqrt(var + eps) * weight + bias`.
    public static func layerNorm(row x: UnsafeMutablePointer<Float>, count: Int, weight: UnsafePointer<Float>?,
                                 bias: UnsafePointer<Float>?, eps: Float) {
        bertha_layer_norm_f32(x, weight, bias, x, Int32(count), eps)
    }

    /// Layer normalization of `rows` rows of `count` floats each, in place, rows spread over the pool.
    /// - Parameters:
    ///   - x: `rows * count` floats.
    ///   - rows: number of rows (tokens).
    ///   - count: row length.
    ///   - weight: `count` floats or nil.
    ///   - bias: `count` floats or nil.
    ///   - eps: added to the variance.
    ///   - pool: the threads.
    public static func layerNorm(rows x: UnsafeMutablePointer<Float>, rows: Int, count: Int, weight: UnsafePointer<Float>?,
                                 bias: UnsafePointer<Float>?, eps: Float, pool: WorkerPool) {
        let chunk = 32
        pool.parallelFor((rows + chunk - 1) / chunk) { c in
            for r in (c * chunk)..<min(rows, (c + 1) * chunk) {
                let row = x + r * count
                bertha_layer_norm_f32(row, weight, bias, row, Int32(count), eps)
            }
        }
    }

    /// Bidirectional multi-head attention over packed sequences (no padding, no mask): for each
    /// sequence and head, `out_i = Σ_j softmax_j(scale · q_i·k_j) v_j` over the sequence's tokens.
    /// - Parameters:
    ///   - q: query of token 0, head 0; token t, head h at `q + t * ld + h * headDim`.
    ///   - k: key, same layout.
    ///   - v: value, same layout.
    ///   - ld: floats between consecutive tokens of q, k and v (e.g. 3 × width for a fused QKV row).
    ///   - sequences: (first token, token count) of each sequence.
    ///   - heads: number of heads.
    ///   - headDim: floats per head.
    ///   - scale: applied to q·k (1/√headDim).
    ///   - out: token t, head h at `out + t * ldo + h * headDim`.
    ///   - ldo: floats between consecutive output tokens.
    ///   - pool: the threads; one item per (sequence, head).
    public static func attention(q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>, ld: Int,
                                 sequences: [(start: Int, count: Int)], heads: Int, headDim: Int, scale: Float,
                                 out: UnsafeMutablePointer<Float>, ldo: Int, pool: WorkerPool) {
        pool.parallelFor(sequences.count * heads) { item in
            let (start, count) = sequences[item / heads]
            guard count > 0 else { return }
            let h = item % heads
            let offset = start * ld + h * headDim
            bertha_attention_f32(Int32(count), Int32(headDim), scale, q + offset, k + offset, v + offset, ld,
                                 out + start * ldo + h * headDim, ldo)
        }
    }
}
