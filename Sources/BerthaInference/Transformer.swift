import BerthaGGUF
import BerthaKernels
import Foundation

/// A decoder-only transformer ready to run: weights, KV cache, scratch and worker threads.
///
/// One forward pass evaluates any mix of tokens from any sequences (prompt chunks, one decode token
/// per sequence for continuous batching): each token attends to its own sequence's cached
/// positions up to and including its own. A `Transformer` is used from one thread at a time.
public final class Transformer: @unchecked Sendable {
    /// The weights.
    public let weights: ModelWeights
    /// The hyperparameters.
    public var configuration: ModelConfiguration { weights.configuration }
    /// Keys and values of every sequence.
    public let cache: KVCache
    /// Threads the matrix products and attention heads are spread over.
    public let pool: WorkerPool
    /// Tokens per internal forward chunk (prompt processing batch).
    public let batchSize: Int
    /// Most rows of logits one `forward` call can return.
    public let logitCapacity: Int
    /// A LoRA adapter added to the adapted projections, or nil (the untouched fast path).
    public let lora: LoRAAdapter?
    let state: RunState

    /// Prepares `weights` for inference.
    /// - Parameters:
    ///   - weights: the model.
    ///   - contextLength: positions per sequence in the KV cache.
    ///   - sequences: independent sequences (slots) in the cache.
    ///   - batchSize: tokens per forward chunk; longer inputs are split.
    ///   - logitCapacity: most logit rows one call returns (1 per sequence for decoding; more to
    ///     score every prompt position).
    ///   - kvType: KV cache element type.
    ///   - threads: compute threads, the caller included.
    ///   - lora: an adapter applied on top of the base projections.
    public init(weights: ModelWeights, contextLength: Int, sequences: Int = 1, batchSize: Int = 512,
                logitCapacity: Int? = nil, kvType: KVCacheType = .f16, threads: Int, lora: LoRAAdapter? = nil) {
        self.weights = weights
        self.lora = lora
        let c = weights.configuration
        cache = KVCache(configuration: c, contextLength: contextLength, sequences: sequences, type: kvType)
        pool = WorkerPool(threads: threads)
        self.batchSize = max(1, batchSize)
        self.logitCapacity = max(1, logitCapacity ?? sequences)
        state = RunState(configuration: c, batch: self.batchSize, contextLength: contextLength, logitRows: self.logitCapacity)
    }

    /// Logits of the `row`-th row asked for by the last `forward` call: `vocabularySize` floats,
    /// valid until the next call.
    public func logits(_ row: Int = 0) -> UnsafeBufferPointer<Float> {
        precondition(row >= 0 && row < state.logitRows, "logit row \(row) out of range")
        let vocab = configuration.vocabularySize
        return UnsafeBufferPointer(start: state.logits + row * vocab, count: vocab)
    }

    /// Evaluates `tokens` and computes logits for the tokens at `logitIndices`.
    ///
    /// Tokens of one sequence must come in position order and continue where its cache ends
    /// (`cache.count(of:)`); tokens of different sequences may interleave.
    /// - Parameters:
    ///   - tokens: token ids.
    ///   - positions: the position of each token in its sequence.
    ///   - sequenceIDs: the sequence (cache slot) of each token.
    ///   - logitIndices: indices into `tokens` whose logits `logits(_:)` returns afterwards, in this order.
    /// - Throws: `InferenceError.contextOverflow`, `.tokenOutOfRange`, `.sequenceOutOfRange`, `.positionMismatch`,
    ///   `.invalidParameter` for more logit rows than `logitCapacity`.
    public func forward(tokens: [Int32], positions: [Int], sequenceIDs: [Int], logitIndices: [Int]) throws(InferenceError) {
        guard tokens.count == positions.count, tokens.count == sequenceIDs.count else {
            throw .invalidParameter(name: "forward batch", value: "\(tokens.count) tokens, \(positions.count) positions, \(sequenceIDs.count) sequence ids")
        }
        guard logitIndices.count <= logitCapacity else {
            throw .invalidParameter(name: "logit rows", value: "\(logitIndices.count) > capacity \(logitCapacity)")
        }
        // Validate everything before touching the cache so a bad request leaves it unchanged.
        var next = (0..<cache.sequences).map { cache.count(of: $0) }
        for i in tokens.indices {
            let s = sequenceIDs[i]
            guard s >= 0 && s < cache.sequences else { throw .sequenceOutOfRange(s, sequences: cache.sequences) }
            guard tokens[i] >= 0 && Int(tokens[i]) < configuration.vocabularySize else {
                throw .tokenOutOfRange(tokens[i], vocabularySize: configuration.vocabularySize)
            }
            guard positions[i] < cache.contextLength else {
                throw .contextOverflow(tokens: positions[i] + 1, context: cache.contextLength)
            }
            guard positions[i] == next[s] else { throw .positionMismatch(sequence: s, expected: next[s], got: positions[i]) }
            next[s] += 1
        }
        for index in logitIndices where index < 0 || index >= tokens.count {
            throw .invalidParameter(name: "logit index", value: String(index))
        }
        var start = 0
        var produced = 0
        while start < tokens.count {
            let end = min(start + batchSize, tokens.count)
            tokens.withUnsafeBufferPointer { t in
                positions.withUnsafeBufferPointer { p in
                    sequenceIDs.withUnsafeBufferPointer { s in
                        forwardChunk(tokens: t.baseAddress! + start, positions: p.baseAddress! + start,
                                     sequences: s.baseAddress! + start, count: end - start)
                    }
                }
            }
            // Rows of this chunk that were asked for, in the caller's order.
            var rows: [(row: Int, local: Int)] = []
            for (row, index) in logitIndices.enumerated() where index >= start && index < end {
                rows.append((row, index - start))
            }
            if !rows.isEmpty { computeLogits(rows) }
            produced += rows.count
            for i in start..<end { cache.setCount(sequenceIDs[i], max(cache.count(of: sequenceIDs[i]), positions[i] + 1)) }
            start = end
        }
        precondition(produced == logitIndices.count)
    }

    /// Convenience for one sequence: evaluates `tokens` at the end of `sequence`'s cache and
    /// leaves the logits of the last token in `logits(0)` (or of every token when `allLogits`).
    public func evaluate(_ tokens: [Int32], sequence: Int = 0, allLogits: Bool = false) throws(InferenceError) {
        guard !tokens.isEmpty else { return }
        guard sequence >= 0 && sequence < cache.sequences else { throw .sequenceOutOfRange(sequence, sequences: cache.sequences) }
        let start = cache.count(of: sequence)
        guard start + tokens.count <= cache.contextLength else {
            throw .contextOverflow(tokens: start + tokens.count, context: cache.contextLength)
        }
        try forward(tokens: tokens, positions: Array(start..<start + tokens.count),
                    sequenceIDs: Array(repeating: sequence, count: tokens.count),
                    logitIndices: allLogits ? Array(tokens.indices) : [tokens.count - 1])
    }

    // MARK: forward chunk

    private var ropeStyle: RopeStyle { configuration.ropeStyle == .neox ? .neox : .normal }

    /// One pass over at most `batchSize` tokens; K/V of the chunk are written before attention
    /// so tokens of one sequence within the chunk see each other causally.
    private func forwardChunk(tokens: UnsafePointer<Int32>, positions: UnsafePointer<Int>,
                              sequences: UnsafePointer<Int>, count n: Int) {
        let c = configuration
        let s = state
        let dim = c.embeddingLength
        let eps = c.normEpsilon
        for i in 0..<n { s.positions[i] = Int32(positions[i]) }
        s.invalidateRopeAngles()

        // token embeddings (dequantized rows), scaled for Gemma
        let embd = weights.tokenEmbedding
        for i in 0..<n {
            // The type was accepted by WeightMatrix, whose types Dequantize also decodes.
            try? Dequantize.row(embd.type, embd.row(Int(tokens[i])), s.x + i * dim, count: dim)
            if c.embeddingScale != 1 { Ops.scale(s.x + i * dim, by: c.embeddingScale, count: dim) }
        }

        for layer in 0..<c.blockCount {
            let w = weights.blocks[layer]
            // attention: norm, Q/K/V projections
            for i in 0..<n { Ops.rmsNorm(s.x + i * dim, weight: w.attentionNorm.pointer, s.xb + i * dim, count: dim, eps: eps) }
            MatMul.matmul([(w.query, s.q), (w.key, s.k), (w.value, s.v)], s.xb, rows: n, pool: pool)
            if let lora {
                lora.apply(layer: layer, .q, s.xb, rows: n, s.q, pool: pool)
                lora.apply(layer: layer, .k, s.xb, rows: n, s.k, pool: pool)
                lora.apply(layer: layer, .v, s.xb, rows: n, s.v, pool: pool)
            }
            if let b = w.queryBias { for i in 0..<n { Ops.add(s.q + i * b.count, b.pointer, s.q + i * b.count, count: b.count) } }
            if let b = w.keyBias { for i in 0..<n { Ops.add(s.k + i * b.count, b.pointer, s.k + i * b.count, count: b.count) } }
            if let b = w.valueBias { for i in 0..<n { Ops.add(s.v + i * b.count, b.pointer, s.v + i * b.count, count: b.count) } }
            let hd = c.headDimension
            if let qn = w.queryNorm, let kn = w.keyNorm {
                for r in 0..<(n * c.headCount) { Ops.rmsNorm(s.q + r * hd, weight: qn.pointer, s.q + r * hd, count: hd, eps: eps) }
                for r in 0..<(n * c.headCountKV) { Ops.rmsNorm(s.k + r * hd, weight: kn.pointer, s.k + r * hd, count: hd, eps: eps) }
            }
            rope(s.q, tokens: n, heads: c.headCount, layer: layer)
            rope(s.k, tokens: n, heads: c.headCountKV, layer: layer)

            // store K/V of the chunk
            for i in 0..<n {
                for h in 0..<c.headCountKV {
                    cache.write(s.k + i * c.keyDimension + h * hd, to: cache.keyRow(sequences[i], layer, h, positions[i]), count: hd)
                    cache.write(s.v + i * c.valueDimension + h * c.valueHeadDimension,
                                to: cache.valueRow(sequences[i], layer, h, positions[i]), count: c.valueHeadDimension)
                }
            }
            attention(layer: layer, positions: positions, sequences: sequences, count: n)

            // output projection, optional post-norm, residual
            MatMul.matmul(w.attentionOutput, s.attention, rows: n, s.xb2, pool: pool)
            lora?.apply(layer: layer, .o, s.attention, rows: n, s.xb2, pool: pool)
            if let pn = w.postAttentionNorm {
                for i in 0..<n { Ops.rmsNorm(s.xb2 + i * dim, weight: pn.pointer, s.xb2 + i * dim, count: dim, eps: eps) }
            }
            Ops.add(s.x, s.xb2, s.x, count: n * dim)

            // feed-forward: norm, gate/up, activation, down, optional post-norm, residual
            for i in 0..<n { Ops.rmsNorm(s.x + i * dim, weight: w.feedForwardNorm.pointer, s.xb + i * dim, count: dim, eps: eps) }
            MatMul.matmul([(w.gate, s.gate), (w.up, s.up)], s.xb, rows: n, pool: pool)
            if let lora {
                lora.apply(layer: layer, .gate, s.xb, rows: n, s.gate, pool: pool)
                lora.apply(layer: layer, .up, s.xb, rows: n, s.up, pool: pool)
            }
            let ffn = n * c.feedForwardLength
            switch c.activation {
            case .silu: Ops.swiglu(s.gate, s.up, count: ffn)
            case .geluTanh: Ops.geglu(s.gate, s.up, count: ffn)
            }
            MatMul.matmul(w.down, s.gate, rows: n, s.xb2, pool: pool)
            lora?.apply(layer: layer, .down, s.gate, rows: n, s.xb2, pool: pool)
            if let pn = w.postFeedForwardNorm {
                for i in 0..<n { Ops.rmsNorm(s.xb2 + i * dim, weight: pn.pointer, s.xb2 + i * dim, count: dim, eps: eps) }
            }
            Ops.add(s.x, s.xb2, s.x, count: n * dim)
        }
    }

    /// RoPE of `tokens` rows of `heads` heads at the chunk's positions, with layer `layer`'s base.
    /// The angles are computed once per base per forward pass (`RunState.ropeAngles`).
    private func rope(_ x: UnsafeMutablePointer<Float>, tokens: Int, heads: Int, layer: Int) {
        let c = configuration
        let angles = state.ropeAngles(base: c.ropeBase(layer: layer)) { base, cos, sin in
            Ops.ropeAngles(positions: state.positions, tokens: tokens, ropeDim: c.ropeDimension, freqBase: base,
                           freqScale: 1 / c.ropeScale, factors: weights.ropeFrequencyFactors?.pointer, cos: cos, sin: sin)
        }
        Ops.rope(x, tokens: tokens, heads: heads, headDim: c.headDimension, ropeDim: c.ropeDimension,
                 cos: angles.cos, sin: angles.sin, style: ropeStyle)
    }

    /// Scaled dot-product attention of every (token, head) of the chunk against its sequence's
    /// cache: `attention[t, h] = Σ_j softmax_j(q·k_j · scale) v_j` over the visible positions j.
    /// Parallel over heads; each head owns one row of `scores`.
    private func attention(layer: Int, positions: UnsafePointer<Int>, sequences: UnsafePointer<Int>, count n: Int) {
        let c = configuration
        let s = state
        let cache = cache
        let hd = c.headDimension, vd = c.valueHeadDimension
        let group = c.headCount / c.headCountKV
        let window = c.isSliding(layer: layer) ? c.slidingWindow : nil
        let scale = c.attentionScale
        let ctx = cache.contextLength
        let f16 = cache.type == .f16
        let qDim = c.queryDimension, outDim = c.headCount * vd
        pool.parallelFor(c.headCount) { h in
            let kvh = h / group
            let scores = s.scores + h * ctx
            for t in 0..<n {
                let p = positions[t], seq = sequences[t]
                let first = window.map { max(0, p - $0 + 1) } ?? 0
                let q = UnsafePointer(s.q + t * qDim + h * hd)
                let visible = p - first + 1
                for j in first...p {
                    let row = UnsafeRawPointer(cache.keyRow(seq, layer, kvh, j))
                    let dot = f16 ? Ops.dot(q, f16: row.assumingMemoryBound(to: UInt16.self), count: hd)
                                  : Ops.dot(q, row.assumingMemoryBound(to: Float.self), count: hd)
                    scores[j - first] = dot * scale
                }
                Ops.softmax(scores, count: visible)
                let out = s.attention + t * outDim + h * vd
                out.update(repeating: 0, count: vd)
                for j in first...p {
                    let row = UnsafeRawPointer(cache.valueRow(seq, layer, kvh, j))
                    if f16 {
                        Ops.axpy(scores[j - first], f16: row.assumingMemoryBound(to: UInt16.self), out, count: vd)
                    } else {
                        Ops.axpy(scores[j - first], row.assumingMemoryBound(to: Float.self), out, count: vd)
                    }
                }
            }
        }
    }

    /// Final norm and output matrix for the chunk-local rows, into logit rows `row`.
    private func computeLogits(_ rows: [(row: Int, local: Int)]) {
        let c = configuration
        let s = state
        let dim = c.embeddingLength, vocab = c.vocabularySize
        // Rows asked for in one chunk are contiguous in the caller's order when they come from one
        // chunk; gather them so the output matrix is read once for all of them.
        for (k, r) in rows.enumerated() {
            Ops.rmsNorm(s.x + r.local * dim, weight: weights.outputNorm.pointer, s.outputRows + k * dim, count: dim, eps: c.normEpsilon)
        }
        let first = rows[0].row
        let contiguous = rows.enumerated().allSatisfy { $0.element.row == first + $0.offset }
        if contiguous {
            MatMul.matmul(weights.output, s.outputRows, rows: rows.count, s.logits + first * vocab, pool: pool)
        } else {
            for (k, r) in rows.enumerated() {
                MatMul.matvec(weights.output, s.outputRows + k * dim, s.logits + r.row * vocab, pool: pool)
            }
        }
        if let cap = c.finalLogitSoftcap {
            for r in rows {
                let l = s.logits + r.row * vocab
                for i in 0..<vocab { l[i] = cap * tanhf(l[i] / cap) }
            }
        }
    }
}
