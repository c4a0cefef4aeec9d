import BerthaKernels
import Foundation

/// Scratch of one forward pass, sized for the most tokens seen so far and reused.
final class BertRunState {
    /// Tokens the buffers hold.
    private(set) var capacity = 0
    /// Hidden state (tokens × width): embeddings in, encoder output out.
    private(set) var hidden: UnsafeMutablePointer<Float>
    /// Fused Q|K|V projections (tokens × 3 · width).
    private(set) var qkv: UnsafeMutablePointer<Float>
    /// Attention output before its projection (tokens × width).
    private(set) var context: UnsafeMutablePointer<Float>
    /// Feed-forward hidden layer (tokens × ffn).
    private(set) var intermediate: UnsafeMutablePointer<Float>
    private let width: Int, feedForward: Int

    init(width: Int, feedForward: Int) {
        self.width = width
        self.feedForward = feedForward
        hidden = .allocate(capacity: 1)
        qkv = .allocate(capacity: 1)
        context = .allocate(capacity: 1)
        intermediate = .allocate(capacity: 1)
    }

    deinit { release() }

    private func release() {
        hidden.deallocate()
        qkv.deallocate()
        context.deallocate()
        intermediate.deallocate()
    }

    /// Grows the buffers to at least `tokens` tokens (by half again, so a slowly growing batch
    /// does not reallocate every call).
    func reserve(tokens: Int) {
        guard tokens > capacity else { return }
        release()
        capacity = max(tokens, capacity + capacity / 2)
        hidden = .allocate(capacity: capacity * width)
        qkv = .allocate(capacity: capacity * 3 * width)
        context = .allocate(capacity: capacity * width)
        intermediate = .allocate(capacity: capacity * feedForward)
    }
}

/// The BERT forward pass over a batch of inputs packed back to back (no padding: attention runs
/// per input over its own tokens, so nothing is masked and no compute is spent on pad tokens).
///
/// Per block, for all T tokens of the batch at once:
/// `QKV = X Wqkvᵀ + b` → attention per (input, head) → `X = LN(X + ctx Woᵀ + bo)` →
/// `H = GELU(X Wupᵀ + bup)` → `X = LN(X + H Wdownᵀ + bdown)`; then pooling (mean or `[CLS]`)
/// and L2 normalization per input.
///
/// Not thread-safe: one caller at a time (the pool and the scratch are shared by every call).
public final class BertEncoder: @unchecked Sendable {
    /// The model.
    public let weights: BertWeights
    /// The compute threads.
    public let pool: WorkerPool
    private let state: BertRunState

    /// An encoder over `weights` computing with `threads` threads (0: one per core).
    public init(weights: BertWeights, threads: Int) {
        self.weights = weights
        pool = WorkerPool(threads: threads > 0 ? threads : ProcessInfo.processInfo.activeProcessorCount)
        state = BertRunState(width: weights.configuration.width, feedForward: weights.configuration.feedForwardLength)
    }

    /// The configuration of the model.
    public var configuration: BertConfiguration { weights.configuration }

    /// One L2-normalized, pooled vector per input.
    /// - Parameter inputs: token ids per input, special tokens (`[CLS]` … `[SEP]`) included; each
    ///   1 to `maxPositions` tokens long.
    /// - Returns: `width` floats per input, in order.
    /// - Throws: `InferenceError.tokenOutOfRange` or `.contextOverflow` for an input the model cannot read.
    public func embed(_ inputs: [[Int32]]) throws(InferenceError) -> [[Float]] {
        let config = weights.configuration
        var sequences: [(start: Int, count: Int)] = []
        sequences.reserveCapacity(inputs.count)
        var total = 0
        for input in inputs {
            guard !input.isEmpty else { throw .invalidParameter(name: "input", value: "an input with no tokens") }
            guard input.count <= config.maxPositions else {
                throw .contextOverflow(tokens: input.count, context: config.maxPositions)
            }
            for id in input where id < 0 || Int(id) >= config.vocabularySize {
                throw .tokenOutOfRange(id, vocabularySize: config.vocabularySize)
            }
            sequences.append((total, input.count))
            total += input.count
        }
        guard total > 0 else { return [] }
        state.reserve(tokens: total)
        let tokens = inputs.flatMap { $0 }
        let positions = inputs.flatMap { 0..<$0.count }
        forward(tokens: tokens, positions: positions, sequences: sequences)
        return pooled(sequences)
    }

    // MARK: forward pass

    private func forward(tokens: [Int32], positions: [Int], sequences: [(start: Int, count: Int)]) {
        let config = weights.configuration, w = weights, pool = pool
        let width = config.width, eps = config.layerNormEpsilon, count = tokens.count
        let x = state.hidden, qkv = state.qkv, context = state.context, ffn = state.intermediate

        // Embeddings: word + position + segment 0, then LayerNorm.
        let chunk = 32
        tokens.withUnsafeBufferPointer { ids in
            positions.withUnsafeBufferPointer { pos in
                pool.parallelFor((count + chunk - 1) / chunk) { c in
                    for t in (c * chunk)..<min(count, (c + 1) * chunk) {
                        let row = x + t * width
                        w.wordRow(ids[t], into: row)
                        Ops.add(row, w.positionEmbedding.pointer + pos[t] * width, row, count: width)
                        Ops.add(row, w.typeEmbedding.pointer, row, count: width)
                        Ops.layerNorm(row: row, count: width, weight: w.embeddingNormWeight.readOnly,
                                      bias: w.embeddingNormBias.readOnly, eps: eps)
                    }
                }
            }
        }

        let heads = config.headCount, headDim = config.headDimension
        let scale = 1 / Float(headDim).squareRoot()
        for block in w.blocks {
            DenseMatMul.matmul(block.qkv, x, rows: count, qkv, bias: block.qkvBias.readOnly, pool: pool)
            Ops.attention(q: qkv, k: qkv + width, v: qkv + 2 * width, ld: 3 * width, sequences: sequences,
                          heads: heads, headDim: headDim, scale: scale, out: context, ldo: width, pool: pool)
            DenseMatMul.matmul(block.attentionOutput, context, rows: count, x, bias: block.attentionOutputBias.readOnly,
                               epilogue: .accumulate, pool: pool)
            Ops.layerNorm(rows: x, rows: count, count: width, weight: block.attentionNormWeight.readOnly,
                          bias: block.attentionNormBias.readOnly, eps: eps, pool: pool)
            DenseMatMul.matmul(block.up, x, rows: count, ffn, bias: block.upBias.readOnly, epilogue: .gelu, pool: pool)
            DenseMatMul.matmul(block.down, ffn, rows: count, x, bias: block.downBias.readOnly, epilogue: .accumulate,
                               pool: pool)
            Ops.layerNorm(rows: x, rows: count, count: width, weight: block.outputNormWeight.readOnly,
                          bias: block.outputNormBias.readOnly, eps: eps, pool: pool)
        }
    }

    /// Pools each input's token vectors and L2-normalizes the result (sentence-transformers'
    /// `Pooling` then `Normalize`, whose eps of 1e-12 guards an all-zero vector).
    private func pooled(_ sequences: [(start: Int, count: Int)]) -> [[Float]] {
        let width = weights.configuration.width, x = state.hidden
        return sequences.map { sequence in
            var sum = [Double](repeating: 0, count: width)
            switch weights.configuration.pooling {
            case .mean:
                for t in sequence.start..<(sequence.start + sequence.count) {
                    let row = x + t * width
                    for i in 0..<width { sum[i] += Double(row[i]) }
                }
                for i in 0..<width { sum[i] /= Double(sequence.count) }
            case .cls:
                let row = x + sequence.start * width
                for i in 0..<width { sum[i] = Double(row[i]) }
            }
            var norm = 0.0
            for v in sum { norm += v * v }
            let inv = 1 / max(norm.squareRoot(), 1e-12)
            return sum.map { Float($0 * inv) }
        }
    }
}
