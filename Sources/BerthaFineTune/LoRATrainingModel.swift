import BerthaInference
import BerthaKernels
import Foundation

/// A decoder with frozen base weights and trainable LoRA branches: a forward pass that keeps the
/// activations the backward pass needs, the backward pass itself, and the masked cross-entropy.
///
/// Base projections run forward through the engine's quantized kernels straight from the mapped
/// file; the backward pass multiplies by F32 copies of the same matrices (dequantized once, since
/// the weights never change) with `Gemm`. Gradients reach only the LoRA A/B matrices, but flow
/// through every op: RMSNorm, RoPE, causal attention (within each packed example), SwiGLU, the
/// output matrix and the softmax; for Gemma 3 also the per-head Q/K norms, the post-attention and
/// post-FFN norms, GELU-tanh, the sliding window of five layers in six, the per-layer RoPE base and
/// the final logit softcap. The forward math mirrors `Transformer.forwardChunk` op for op, so the
/// training loss of the base model equals the engine's.
///
/// One sequence at a time (`run`); the trainer accumulates gradients over a batch. Buffers are
/// sized for `maxTokens` once, so a step allocates only per-call temporaries of the LoRA rank.
public final class LoRATrainingModel: @unchecked Sendable {
    public let weights: ModelWeights
    public let parameters: LoRAParameters
    public let pool: WorkerPool
    /// Most tokens one sequence may have.
    public let maxTokens: Int
    let c: ModelConfiguration

    /// F32 copies of the frozen projections, [layer][target], (rows × cols) row-major.
    private var dense: [[LoRATarget: UnsafeMutablePointer<Float>]] = []
    private let layers: [LayerActivations]
    // (maxTokens, dim) residual stream, its gradient, the final norm input rows
    private let x, dx, tmpD, tmpD2: UnsafeMutablePointer<Float>
    // gradient scratch for the attention and FFN internals
    private let dq, dk, dv, datt, dg, du, dh: UnsafeMutablePointer<Float>
    // (heads, maxTokens, headDim) per-head K/V gradients before the GQA sum; (heads, maxTokens) dP rows
    private let dkHead, dvHead, dpRows: UnsafeMutablePointer<Float>
    // (maxTokens, vocab) logits and then their gradient; (maxTokens, dim) normed final rows
    private let logits, finalRows, finalGrad: UnsafeMutablePointer<Float>
    private let finalRMS: UnsafeMutablePointer<Float>
    // (rowsPerBlock, dim) dequantized output rows, or the whole output matrix when it fits the budget
    private let outputBlock: UnsafeMutablePointer<Float>
    private let outputCached: Bool
    /// The output matrix is kept as F32 (instead of dequantized block by block on every backward
    /// pass) up to this size: SmolLM2's 49152 × 576 is 113 MB, Gemma 3's 262144 × 640 is 671 MB.
    public static let outputCacheBytes = 512 << 20
    private static let outputBlockRows = 1024
    // LoRA transposes refreshed before each pass: Aᵀ (in × r), Bᵀ (r × out) per slot
    private var aT: [UnsafeMutablePointer<Float>] = []
    private var bT: [UnsafeMutablePointer<Float>] = []
    private var ropeTables: [Float: (cos: [Float], sin: [Float])] = [:]
    private var allocations: [UnsafeMutablePointer<Float>] = []

    /// Activations of one block kept for the backward pass, each (maxTokens, width).
    final class LayerActivations {
        var xIn, xn1, r1, q, k, v, att, xMid, xn2, r2, g, u, h, probs: UnsafeMutablePointer<Float>
        /// Gemma 3: Q/K before their per-head norm, (maxTokens, q/k dim), and the norms' 1 / rms,
        /// (maxTokens, heads); empty for other architectures.
        var qPre, kPre, rq, rk: UnsafeMutablePointer<Float>
        /// Gemma 3: attention output and FFN output before their post-norms, (maxTokens, dim), and
        /// the norms' 1 / rms, (maxTokens); empty for other architectures.
        var oPre, downPre, rPostAttention, rPostFFN: UnsafeMutablePointer<Float>
        /// s · x Aᵀ per adapted target, (maxTokens, rank).
        var loraU: [LoRATarget: UnsafeMutablePointer<Float>] = [:]
        init(alloc: (Int) -> UnsafeMutablePointer<Float>, c: ModelConfiguration, t: Int, rank: Int, targets: [LoRATarget]) {
            let d = c.embeddingLength, f = c.feedForwardLength
            xIn = alloc(t * d); xn1 = alloc(t * d); r1 = alloc(t)
            q = alloc(t * c.queryDimension); k = alloc(t * c.keyDimension); v = alloc(t * c.valueDimension)
            att = alloc(t * c.headCount * c.valueHeadDimension)
            xMid = alloc(t * d); xn2 = alloc(t * d); r2 = alloc(t)
            g = alloc(t * f); u = alloc(t * f); h = alloc(t * f)
            probs = alloc(c.headCount * t * t)
            let qk = c.hasQKNorm ? t : 0, post = c.hasPostNorms ? t : 0
            qPre = alloc(qk * c.queryDimension); kPre = alloc(qk * c.keyDimension)
            rq = alloc(qk * c.headCount); rk = alloc(qk * c.headCountKV)
            oPre = alloc(post * d); downPre = alloc(post * d)
            rPostAttention = alloc(post); rPostFFN = alloc(post)
            for target in targets { loraU[target] = alloc(t * rank) }
        }
    }

    /// Prepares training of `parameters` on `weights` (llama, qwen2 or gemma3 blocks).
    /// - Throws: `FineTuneError.unsupportedModel` when the Q/K norms are on but not one per head.
    public init(weights: ModelWeights, parameters: LoRAParameters, maxTokens: Int, threads: Int) throws(FineTuneError) {
        let c = weights.configuration
        // The per-head Q/K norm and the attention below assume K and V heads of one width.
        guard !c.hasQKNorm || c.headDimension == c.valueHeadDimension else {
            throw .unsupportedModel("\(c.architecture): Q/K norms with key width \(c.headDimension) ≠ value width \(c.valueHeadDimension)")
        }
        self.weights = weights
        self.parameters = parameters
        self.c = c
        self.maxTokens = maxTokens
        pool = WorkerPool(threads: threads)
        var all: [UnsafeMutablePointer<Float>] = []
        func alloc(_ n: Int) -> UnsafeMutablePointer<Float> {
            let p = UnsafeMutablePointer<Float>.allocate(capacity: max(n, 1))
            p.initialize(repeating: 0, count: max(n, 1))
            all.append(p)
            return p
        }
        let t = maxTokens, d = c.embeddingLength, f = c.feedForwardLength
        let r = parameters.configuration.rank
        layers = (0..<c.blockCount).map { _ in
            LayerActivations(alloc: alloc, c: c, t: t, rank: r, targets: parameters.configuration.targets)
        }
        x = alloc(t * d); dx = alloc(t * d); tmpD = alloc(t * d); tmpD2 = alloc(t * d)
        dq = alloc(t * c.queryDimension); dk = alloc(t * c.keyDimension); dv = alloc(t * c.valueDimension)
        datt = alloc(t * c.headCount * c.valueHeadDimension)
        dg = alloc(t * f); du = alloc(t * f); dh = alloc(t * f)
        dkHead = alloc(c.headCount * t * c.headDimension); dvHead = alloc(c.headCount * t * c.valueHeadDimension)
        dpRows = alloc(c.headCount * t)
        logits = alloc(t * c.vocabularySize)
        finalRows = alloc(t * d); finalGrad = alloc(t * d); finalRMS = alloc(t)
        outputCached = c.vocabularySize * d * 4 <= Self.outputCacheBytes
        outputBlock = alloc((outputCached ? c.vocabularySize : Self.outputBlockRows) * d)
        for slot in parameters.slots {
            aT.append(alloc(slot.cols * r))
            bT.append(alloc(r * slot.rows))
        }
        // Dense copies of every projection the backward pass multiplies by.
        var dense: [[LoRATarget: UnsafeMutablePointer<Float>]] = []
        for layer in 0..<c.blockCount {
            var m: [LoRATarget: UnsafeMutablePointer<Float>] = [:]
            for target in LoRATarget.allCases {
                let w = weights.projection(layer: layer, target)
                let out = alloc(w.rows * w.cols)
                Self.dequantize(w, rows: 0..<w.rows, into: out, pool: pool)
                m[target] = out
            }
            dense.append(m)
        }
        self.dense = dense
        if outputCached {
            Self.dequantize(weights.outputMatrix, rows: 0..<c.vocabularySize, into: outputBlock, pool: pool)
        }
        allocations = all
    }

    deinit { for p in allocations { p.deallocate() } }

    /// The dropout of the current `run`, if any.
    private var dropout: LoRADropout?

    /// Result of one pass: summed loss over the target tokens and how many there were.
    public struct Loss: Sendable {
        public var sum: Double
        public var count: Int
    }

    /// Runs `sequence` forward, returns its summed cross-entropy over the target tokens and, when
    /// `gradientScale` is given, adds `gradientScale · ∂loss/∂θ` to `parameters.gradients`.
    /// - Parameters:
    ///   - sequence: at most `maxTokens` tokens.
    ///   - gradientScale: usually 1 / (target tokens in the whole batch); nil for evaluation.
    ///   - useAdapter: false evaluates the base model (the LoRA branches are skipped).
    ///   - dropout: drops inputs of the LoRA branches (training only; the same seed gives the
    ///     same masks, so a loss with dropout is a deterministic function of the parameters).
    public func run(_ sequence: PackedSequence, gradientScale: Float?, useAdapter: Bool = true,
                    dropout: LoRADropout? = nil) -> Loss {
        self.dropout = dropout.flatMap { $0.probability > 0 ? $0 : nil }
        defer { self.dropout = nil }
        let n = sequence.count
        precondition(n <= maxTokens, "sequence of \(n) tokens exceeds \(maxTokens)")
        let lossRows = sequence.lossPositions
        guard n > 0, !lossRows.isEmpty else { return Loss(sum: 0, count: 0) }
        refreshTransposes()
        let d = c.embeddingLength
        let embd = weights.embeddingMatrix
        for i in 0..<n {
            try? Dequantize.row(embd.type, embd.row(Int(sequence.tokens[i])), x + i * d, count: d)
            if c.embeddingScale != 1 { Ops.scale(x + i * d, by: c.embeddingScale, count: d) }
        }
        var segmentStart = [Int](repeating: 0, count: n)
        for i in 1..<max(n, 1) where i < n {
            segmentStart[i] = sequence.segments[i] == sequence.segments[i - 1] ? segmentStart[i - 1] : i
        }
        for layer in 0..<c.blockCount {
            forwardBlock(layer, n: n, positions: sequence.positions, segmentStart: segmentStart, lora: useAdapter)
        }
        // final norm of the loss rows, logits, cross-entropy
        let m = lossRows.count, vocab = c.vocabularySize
        for (k, t) in lossRows.enumerated() {
            finalRMS[k] = rmsNorm(x + t * d, weights.outputNormWeight, finalRows + k * d, d)
        }
        MatMul.matmul(weights.outputMatrix, finalRows, rows: m, logits, pool: pool)
        var sums = [Double](repeating: 0, count: m)
        let scale = gradientScale ?? 0
        let train = gradientScale != nil
        let cap = c.finalLogitSoftcap
        sums.withUnsafeMutableBufferPointer { sums in
            let sumsPtr = sums.baseAddress!
            pool.parallelFor(m) { k in
                let row = logits + k * vocab
                let target = Int(sequence.tokens[lossRows[k] + 1])
                if let cap { for i in 0..<vocab { row[i] = cap * tanhf(row[i] / cap) } }
                var maxValue = -Float.infinity
                for i in 0..<vocab { maxValue = max(maxValue, row[i]) }
                var total = 0.0
                for i in 0..<vocab { total += Double(expf(row[i] - maxValue)) }
                let lse = Double(maxValue) + log(total)
                sumsPtr[k] = lse - Double(row[target])
                if train {
                    let inv = Float(1 / total)
                    if let cap {
                        // through l = cap · tanh(z / cap): ∂l/∂z = 1 − (l / cap)²
                        for i in 0..<vocab {
                            let l = row[i], t = l / cap
                            var g = expf(l - maxValue) * inv * scale
                            if i == target { g -= scale }
                            row[i] = g * (1 - t * t)
                        }
                    } else {
                        for i in 0..<vocab { row[i] = expf(row[i] - maxValue) * inv * scale }
                        row[target] -= scale
                    }
                }
            }
        }
        let loss = Loss(sum: sums.reduce(0, +), count: m)
        guard train else { return loss }

        // ∂/∂(normed final rows) = dlogits · E, with E dequantized a block of rows at a time
        finalGrad.update(repeating: 0, count: m * d)
        let out = weights.outputMatrix
        var v0 = 0
        if outputCached {
            Gemm.multiply(.init(logits, rows: m, cols: vocab), .init(outputBlock, rows: vocab, cols: d), into: finalGrad, pool: pool)
        }
        while !outputCached && v0 < vocab {
            let rows = min(Self.outputBlockRows, vocab - v0)
            Self.dequantize(out, rows: v0..<v0 + rows, into: outputBlock, pool: pool)
            Gemm.multiply(.init(logits + v0, rows: m, cols: rows, stride: vocab), .init(outputBlock, rows: rows, cols: d),
                          into: finalGrad, accumulate: true, pool: pool)
            v0 += rows
        }
        dx.update(repeating: 0, count: n * d)
        for (k, t) in lossRows.enumerated() {
            rmsNormBackward(x + t * d, weights.outputNormWeight, finalRMS[k], finalGrad + k * d, dx + t * d, d, accumulate: false)
        }
        for layer in stride(from: c.blockCount - 1, through: 0, by: -1) {
            backwardBlock(layer, n: n, positions: sequence.positions, segmentStart: segmentStart)
        }
        return loss
    }

    // MARK: forward

    private func forwardBlock(_ layer: Int, n: Int, positions: [Int], segmentStart: [Int], lora: Bool) {
        let a = layers[layer]
        let d = c.embeddingLength
        a.xIn.update(from: x, count: n * d)
        let attnNorm = weights.norm(.attention, layer: layer)!
        for i in 0..<n { a.r1[i] = rmsNorm(x + i * d, attnNorm, a.xn1 + i * d, d) }
        project(layer, .q, a.xn1, n, a.q, lora)
        project(layer, .k, a.xn1, n, a.k, lora)
        project(layer, .v, a.xn1, n, a.v, lora)
        if let qn = weights.norm(.query, layer: layer), let kn = weights.norm(.key, layer: layer) {
            let hd = c.headDimension
            a.qPre.update(from: a.q, count: n * c.queryDimension)
            a.kPre.update(from: a.k, count: n * c.keyDimension)
            for r in 0..<(n * c.headCount) { a.rq[r] = rmsNorm(a.qPre + r * hd, qn, a.q + r * hd, hd) }
            for r in 0..<(n * c.headCountKV) { a.rk[r] = rmsNorm(a.kPre + r * hd, kn, a.k + r * hd, hd) }
        }
        rope(a.q, n: n, heads: c.headCount, layer: layer, positions: positions, inverse: false)
        rope(a.k, n: n, heads: c.headCountKV, layer: layer, positions: positions, inverse: false)
        attentionForward(a, layer: layer, n: n, segmentStart: segmentStart)
        if let pn = weights.norm(.postAttention, layer: layer) {
            project(layer, .o, a.att, n, a.oPre, lora)
            for i in 0..<n { a.rPostAttention[i] = rmsNorm(a.oPre + i * d, pn, tmpD + i * d, d) }
        } else {
            project(layer, .o, a.att, n, tmpD, lora)
        }
        Ops.add(x, tmpD, x, count: n * d)
        a.xMid.update(from: x, count: n * d)
        let ffnNorm = weights.norm(.feedForward, layer: layer)!
        for i in 0..<n { a.r2[i] = rmsNorm(x + i * d, ffnNorm, a.xn2 + i * d, d) }
        project(layer, .gate, a.xn2, n, a.g, lora)
        project(layer, .up, a.xn2, n, a.u, lora)
        let count = n * c.feedForwardLength
        // The engine's own activation kernels, so the training loss stays the engine's cross-entropy
        // to the last bit (the engine quantizes h to 8 bits next, where one ulp can flip a rounding).
        a.h.update(from: a.g, count: count)
        switch c.activation {
        case .silu: Ops.swiglu(a.h, a.u, count: count)
        case .geluTanh: Ops.geglu(a.h, a.u, count: count)
        }
        if let pn = weights.norm(.postFeedForward, layer: layer) {
            project(layer, .down, a.h, n, a.downPre, lora)
            for i in 0..<n { a.rPostFFN[i] = rmsNorm(a.downPre + i * d, pn, tmpD + i * d, d) }
        } else {
            project(layer, .down, a.h, n, tmpD, lora)
        }
        Ops.add(x, tmpD, x, count: n * d)
    }

    /// y = W x (+ bias) (+ s · (x Aᵀ) Bᵀ, keeping s · x Aᵀ for the backward pass).
    private func project(_ layer: Int, _ target: LoRATarget, _ input: UnsafeMutablePointer<Float>, _ n: Int,
                         _ y: UnsafeMutablePointer<Float>, _ lora: Bool) {
        let w = weights.projection(layer: layer, target)
        MatMul.matmul(w, input, rows: n, y, pool: pool)
        if let bias = weights.bias(layer: layer, target) {
            for i in 0..<n { Ops.add(y + i * w.rows, bias, y + i * w.rows, count: w.rows) }
        }
        guard lora, let si = parameters.index[layer][target] else { return }
        let slot = parameters.slots[si]
        let r = parameters.configuration.rank
        let u = layers[layer].loraU[target]!
        if let dropout {
            let dropped = UnsafeMutablePointer<Float>.allocate(capacity: n * slot.cols)
            defer { dropped.deallocate() }
            dropout.apply(input, into: dropped, count: n * slot.cols, layer: layer, target: target)
            Gemm.multiply(.init(dropped, rows: n, cols: slot.cols), .init(aT[si], rows: slot.cols, cols: r), into: u, pool: nil)
        } else {
            Gemm.multiply(.init(input, rows: n, cols: slot.cols), .init(aT[si], rows: slot.cols, cols: r), into: u, pool: nil)
        }
        Ops.scale(u, by: parameters.configuration.scale, count: n * r)
        Gemm.multiply(.init(u, rows: n, cols: r), .init(bT[si], rows: r, cols: slot.rows), into: y, accumulate: true, pool: pool)
    }

    private func attentionForward(_ a: LayerActivations, layer: Int, n: Int, segmentStart: [Int]) {
        let window = attentionWindow(layer)
        let hd = c.headDimension, vd = c.valueHeadDimension
        let group = c.headCount / c.headCountKV
        let qDim = c.queryDimension, kDim = c.keyDimension, vDim = c.valueDimension, oDim = c.headCount * vd
        let scale = c.attentionScale
        let q = a.q, k = a.k, v = a.v, att = a.att, probs = a.probs
        segmentStart.withUnsafeBufferPointer { starts in
            pool.parallelFor(c.headCount) { h in
                let kvh = h / group
                for t in 0..<n {
                    let p = probs + (h * n + t) * n
                    let qt = q + t * qDim + h * hd
                    let first = max(starts[t], t - window + 1)
                    var maxValue = -Float.infinity
                    for j in first...t {
                        let s = Ops.dot(qt, k + j * kDim + kvh * hd, count: hd) * scale
                        p[j] = s
                        maxValue = max(maxValue, s)
                    }
                    // Summed in double like `Ops.softmax`: the engine quantizes activations to 8
                    // bits before each matmul, so a last-bit difference here can flip a rounding
                    // there, and Gemma's large residuals carry it to the logits.
                    var total = 0.0
                    for j in first...t {
                        let e = expf(p[j] - maxValue)
                        p[j] = e
                        total += Double(e)
                    }
                    let inv = Float(1 / total)
                    let o = att + t * oDim + h * vd
                    o.update(repeating: 0, count: vd)
                    for j in first...t {
                        p[j] *= inv
                        Ops.axpy(p[j], v + j * vDim + kvh * vd, o, count: vd)
                    }
                }
            }
        }
    }

    // MARK: backward

    /// On entry `dx` holds ∂L/∂(block output); on exit ∂L/∂(block input).
    private func backwardBlock(_ layer: Int, n: Int, positions: [Int], segmentStart: [Int]) {
        let a = layers[layer]
        let d = c.embeddingLength, f = c.feedForwardLength
        // FFN: x_out = x_mid + [postNorm](down(h)); h = act(g) ⊙ u
        var dDown = dx
        if let pn = weights.norm(.postFeedForward, layer: layer) {
            for i in 0..<n { rmsNormBackward(a.downPre + i * d, pn, a.rPostFFN[i], dx + i * d, tmpD2 + i * d, d, accumulate: false) }
            dDown = tmpD2
        }
        projectBackward(layer, .down, input: a.h, n: n, dy: dDown, dInput: dh, accumulate: false)
        let g = a.g, u = a.u, dhp = dh, dgp = dg, dup = du
        switch c.activation {
        case .silu:
            for i in 0..<(n * f) {
                let z = g[i]
                let sig = 1 / (1 + expf(-z))
                let silu = z * sig
                dup[i] = dhp[i] * silu
                dgp[i] = dhp[i] * u[i] * sig * (1 + z * (1 - sig))
            }
        case .geluTanh:
            for i in 0..<(n * f) {
                let (value, slope) = Self.gelu(g[i])
                dup[i] = dhp[i] * value
                dgp[i] = dhp[i] * u[i] * slope
            }
        }
        projectBackward(layer, .gate, input: a.xn2, n: n, dy: dg, dInput: tmpD, accumulate: false)
        projectBackward(layer, .up, input: a.xn2, n: n, dy: du, dInput: tmpD, accumulate: true)
        let ffnNorm = weights.norm(.feedForward, layer: layer)!
        for i in 0..<n { rmsNormBackward(a.xMid + i * d, ffnNorm, a.r2[i], tmpD + i * d, dx + i * d, d, accumulate: true) }
        // attention: x_mid = x_in + [postNorm](o(att))
        var dO = dx
        if let pn = weights.norm(.postAttention, layer: layer) {
            for i in 0..<n { rmsNormBackward(a.oPre + i * d, pn, a.rPostAttention[i], dx + i * d, tmpD2 + i * d, d, accumulate: false) }
            dO = tmpD2
        }
        projectBackward(layer, .o, input: a.att, n: n, dy: dO, dInput: datt, accumulate: false)
        attentionBackward(a, layer: layer, n: n, segmentStart: segmentStart)
        rope(dq, n: n, heads: c.headCount, layer: layer, positions: positions, inverse: true)
        rope(dk, n: n, heads: c.headCountKV, layer: layer, positions: positions, inverse: true)
        if let qn = weights.norm(.query, layer: layer), let kn = weights.norm(.key, layer: layer) {
            // in place: each row's gradient is read before it is overwritten
            let hd = c.headDimension
            for r in 0..<(n * c.headCount) { rmsNormBackward(a.qPre + r * hd, qn, a.rq[r], dq + r * hd, dq + r * hd, hd, accumulate: false) }
            for r in 0..<(n * c.headCountKV) { rmsNormBackward(a.kPre + r * hd, kn, a.rk[r], dk + r * hd, dk + r * hd, hd, accumulate: false) }
        }
        projectBackward(layer, .q, input: a.xn1, n: n, dy: dq, dInput: tmpD, accumulate: false)
        projectBackward(layer, .k, input: a.xn1, n: n, dy: dk, dInput: tmpD, accumulate: true)
        projectBackward(layer, .v, input: a.xn1, n: n, dy: dv, dInput: tmpD, accumulate: true)
        let attnNorm = weights.norm(.attention, layer: layer)!
        for i in 0..<n { rmsNormBackward(a.xIn + i * d, attnNorm, a.r1[i], tmpD + i * d, dx + i * d, d, accumulate: true) }
    }

    /// Given dy = ∂L/∂y of `y = W x + B (s · A x)`, writes (or adds) ∂L/∂x into `dInput` and adds
    /// the A/B gradients.
    private func projectBackward(_ layer: Int, _ target: LoRATarget, input: UnsafeMutablePointer<Float>, n: Int,
                                 dy: UnsafeMutablePointer<Float>, dInput: UnsafeMutablePointer<Float>, accumulate: Bool) {
        let w = dense[layer][target]!
        let (rows, cols) = target.shape(c)
        Gemm.multiply(.init(dy, rows: n, cols: rows), .init(w, rows: rows, cols: cols), into: dInput, accumulate: accumulate, pool: pool)
        guard let si = parameters.index[layer][target] else { return }
        let slot = parameters.slots[si]
        let r = parameters.configuration.rank
        let us = layers[layer].loraU[target]!  // s · x Aᵀ, (n, r)
        parameters.values.withUnsafeBufferPointer { values in
            parameters.gradients.withUnsafeMutableBufferPointer { grads in
                let aPtr = values.baseAddress! + slot.aOffset, bPtr = values.baseAddress! + slot.bOffset
                let gA = grads.baseAddress! + slot.aOffset, gB = grads.baseAddress! + slot.bOffset
                let scratch = UnsafeMutablePointer<Float>.allocate(capacity: n * r * 2 + r * rows)
                defer { scratch.deallocate() }
                let usT = scratch, dU = scratch + n * r, dBT = scratch + 2 * n * r
                // ∂B (rows × r) += dyᵀ us: computed as (usᵀ dy)ᵀ
                Gemm.transpose(us, rows: n, cols: r, into: usT)
                Gemm.multiply(.init(usT, rows: r, cols: n), .init(dy, rows: n, cols: rows), into: dBT, pool: pool)
                for o in 0..<rows { for j in 0..<r { gB[o * r + j] += dBT[j * rows + o] } }
                // ∂(x Aᵀ) = s · dy B, (n × r)
                Gemm.multiply(.init(dy, rows: n, cols: rows), .init(bPtr, rows: rows, cols: r), into: dU, pool: nil)
                Ops.scale(dU, by: parameters.configuration.scale, count: n * r)
                // ∂A (r × cols) += dUᵀ x
                let dUT = usT
                Gemm.transpose(dU, rows: n, cols: r, into: dUT)
                guard let dropout else {
                    Gemm.multiply(.init(dUT, rows: r, cols: n), .init(input, rows: n, cols: cols), into: gA, accumulate: true, pool: pool)
                    // ∂x += dU A
                    Gemm.multiply(.init(dU, rows: n, cols: r), .init(aPtr, rows: r, cols: cols), into: dInput, accumulate: true, pool: pool)
                    return
                }
                // With dropout the branch saw x ⊙ mask / (1 − p): the same masks, drawn again.
                let dropped = UnsafeMutablePointer<Float>.allocate(capacity: n * cols)
                defer { dropped.deallocate() }
                dropout.apply(input, into: dropped, count: n * cols, layer: layer, target: target)
                Gemm.multiply(.init(dUT, rows: r, cols: n), .init(dropped, rows: n, cols: cols), into: gA, accumulate: true, pool: pool)
                // ∂x += (dU A) ⊙ mask / (1 − p)
                Gemm.multiply(.init(dU, rows: n, cols: r), .init(aPtr, rows: r, cols: cols), into: dropped, pool: pool)
                dropout.accumulateMasked(dropped, into: dInput, count: n * cols, layer: layer, target: target)
            }
        }
    }

    /// From `datt` (∂L/∂ attention output) to `dq`, `dk`, `dv` (after RoPE).
    private func attentionBackward(_ a: LayerActivations, layer: Int, n: Int, segmentStart: [Int]) {
        let window = attentionWindow(layer)
        let hd = c.headDimension, vd = c.valueHeadDimension
        let group = c.headCount / c.headCountKV
        let qDim = c.queryDimension, kDim = c.keyDimension, vDim = c.valueDimension, oDim = c.headCount * vd
        let scale = c.attentionScale
        let q = a.q, k = a.k, v = a.v, probs = a.probs
        let datt = datt, dq = dq, dkHead = dkHead, dvHead = dvHead, dpRows = dpRows
        segmentStart.withUnsafeBufferPointer { starts in
            pool.parallelFor(c.headCount) { h in
                let kvh = h / group
                let dkh = dkHead + h * n * hd, dvh = dvHead + h * n * vd
                dkh.update(repeating: 0, count: n * hd)
                dvh.update(repeating: 0, count: n * vd)
                let dp = dpRows + h * n
                for t in 0..<n {
                    let p = probs + (h * n + t) * n
                    let dO = datt + t * oDim + h * vd
                    let qt = q + t * qDim + h * hd
                    let first = max(starts[t], t - window + 1)
                    var weighted: Float = 0
                    for j in first...t {
                        dp[j] = Ops.dot(dO, v + j * vDim + kvh * vd, count: vd)
                        weighted += p[j] * dp[j]
                    }
                    let dqt = dq + t * qDim + h * hd
                    dqt.update(repeating: 0, count: hd)
                    for j in first...t {
                        let ds = p[j] * (dp[j] - weighted) * scale
                        Ops.axpy(ds, k + j * kDim + kvh * hd, dqt, count: hd)
                        Ops.axpy(ds, qt, dkh + j * hd, count: hd)
                        Ops.axpy(p[j], dO, dvh + j * vd, count: vd)
                    }
                }
            }
        }
        // Sum the query heads of each KV group.
        dk.update(repeating: 0, count: n * kDim)
        dv.update(repeating: 0, count: n * vDim)
        for h in 0..<c.headCount {
            let kvh = h / group
            for t in 0..<n {
                Ops.add(dk + t * kDim + kvh * hd, dkHead + (h * n + t) * hd, dk + t * kDim + kvh * hd, count: hd)
                Ops.add(dv + t * vDim + kvh * vd, dvHead + (h * n + t) * vd, dv + t * vDim + kvh * vd, count: vd)
            }
        }
    }

    // MARK: pieces

    /// Keys a query sees on `layer`: itself and the `window - 1` before it on sliding layers
    /// (Gemma 3's local attention), all earlier ones of its example otherwise.
    private func attentionWindow(_ layer: Int) -> Int {
        c.isSliding(layer: layer) ? (c.slidingWindow ?? maxTokens) : maxTokens + 1
    }

    /// GELU with the tanh approximation (as `Ops.geglu`) and its derivative.
    @inline(__always) static func gelu(_ v: Float) -> (value: Float, slope: Float) {
        let k: Float = 0.7978845608028654, a: Float = 0.044715
        let t = tanhf(k * (v + a * v * v * v))
        return (0.5 * v * (1 + t), 0.5 * (1 + t) + 0.5 * v * (1 - t * t) * k * (1 + 3 * a * v * v))
    }

    /// out = x / rms(x) ⊙ w; returns 1 / rms(x).
    private func rmsNorm(_ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ d: Int) -> Float {
        var sum = 0.0
        for i in 0..<d { sum += Double(x[i]) * Double(x[i]) }
        let r = Float(1 / (sum / Double(d) + Double(c.normEpsilon)).squareRoot())
        for i in 0..<d { out[i] = x[i] * r * w[i] }
        return r
    }

    /// dx (+)= r (w ⊙ dy) − x r³ Σ(w ⊙ dy ⊙ x) / d.
    private func rmsNormBackward(_ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>, _ r: Float,
                                 _ dy: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, _ d: Int, accumulate: Bool) {
        var dot = 0.0
        for i in 0..<d { dot += Double(w[i] * dy[i]) * Double(x[i]) }
        let k = Float(dot / Double(d)) * r * r * r
        if accumulate {
            for i in 0..<d { dx[i] += r * w[i] * dy[i] - x[i] * k }
        } else {
            for i in 0..<d { dx[i] = r * w[i] * dy[i] - x[i] * k }
        }
    }

    /// Rotates pairs of every head by θ(position) (or by −θ for the backward pass: the rotation is
    /// orthogonal, so its gradient is the inverse rotation).
    private func rope(_ x: UnsafeMutablePointer<Float>, n: Int, heads: Int, layer: Int, positions: [Int], inverse: Bool) {
        let half = c.ropeDimension / 2, hd = c.headDimension
        let table = ropeTable(base: c.ropeBase(layer: layer))
        let neox = c.ropeStyle == .neox
        for t in 0..<n {
            let row = positions[t] * half
            for i in 0..<half {
                let cs = table.cos[row + i], sn = inverse ? -table.sin[row + i] : table.sin[row + i]
                let (ia, ib) = neox ? (i, i + half) : (2 * i, 2 * i + 1)
                for h in 0..<heads {
                    let v = x + (t * heads + h) * hd
                    let x0 = v[ia], x1 = v[ib]
                    v[ia] = x0 * cs - x1 * sn
                    v[ib] = x0 * sn + x1 * cs
                }
            }
        }
    }

    private func ropeTable(base: Float) -> (cos: [Float], sin: [Float]) {
        if let table = ropeTables[base] { return table }
        let half = c.ropeDimension / 2
        var cosT = [Float](repeating: 0, count: maxTokens * half), sinT = cosT
        let factors = weights.ropeFactors
        for p in 0..<maxTokens {
            let pos = Double(p) / Double(c.ropeScale)
            for i in 0..<half {
                var theta = pos * pow(Double(base), -2.0 * Double(i) / Double(c.ropeDimension))
                if let factors { theta /= Double(factors[i]) }
                cosT[p * half + i] = Float(cos(theta))
                sinT[p * half + i] = Float(sin(theta))
            }
        }
        ropeTables[base] = (cosT, sinT)
        return (cosT, sinT)
    }

    private func refreshTransposes() {
        let r = parameters.configuration.rank
        parameters.values.withUnsafeBufferPointer { values in
            for (i, slot) in parameters.slots.enumerated() {
                Gemm.transpose(values.baseAddress! + slot.aOffset, rows: r, cols: slot.cols, into: aT[i])
                Gemm.transpose(values.baseAddress! + slot.bOffset, rows: slot.rows, cols: r, into: bT[i])
            }
        }
    }

    /// Rows `rows` of `w` as F32 into `out` (row-major, starting at row `rows.lowerBound`).
    static func dequantize(_ w: WeightMatrix, rows: Range<Int>, into out: UnsafeMutablePointer<Float>, pool: WorkerPool) {
        let chunk = 64
        let count = (rows.count + chunk - 1) / chunk
        pool.parallelFor(count) { c in
            let r0 = rows.lowerBound + c * chunk
            for r in r0..<min(r0 + chunk, rows.upperBound) {
                try? Dequantize.row(w.type, w.row(r), out + (r - rows.lowerBound) * w.cols, count: w.cols)
            }
        }
    }
}
