/// Scratch buffers of the forward pass, allocated once for up to `batch` tokens so that
/// `Transformer.forward` allocates nothing. Shapes are in floats.
final class RunState: @unchecked Sendable {
    /// Tokens per forward pass the buffers hold.
    let batch: Int
    /// (batch, dim) residual stream
    let x: UnsafeMutablePointer<Float>
    /// (batch, dim) normalized input of a sub-block
    let xb: UnsafeMutablePointer<Float>
    /// (batch, dim) output of a sub-block before the residual add
    let xb2: UnsafeMutablePointer<Float>
    /// (batch, qDim) queries
    let q: UnsafeMutablePointer<Float>
    /// (batch, kDim) keys
    let k: UnsafeMutablePointer<Float>
    /// (batch, vDim) values
    let v: UnsafeMutablePointer<Float>
    /// (batch, heads * valueHeadDim) attention output
    let attention: UnsafeMutablePointer<Float>
    /// (heads, contextLength) attention scores, one row per head (rows reused across tokens)
    let scores: UnsafeMutablePointer<Float>
    /// (batch, ffn) gate
    let gate: UnsafeMutablePointer<Float>
    /// (batch, ffn) up
    let up: UnsafeMutablePointer<Float>
    /// (rowsOut, vocab) logits of the rows asked for
    let logits: UnsafeMutablePointer<Float>
    /// (batch) positions as Int32 for RoPE
    let positions: UnsafeMutablePointer<Int32>
    /// (rowsOut, dim) normalized rows gathered for the output matrix
    let outputRows: UnsafeMutablePointer<Float>
    let logitRows: Int
    private var all: [UnsafeMutablePointer<Float>] = []
    /// RoPE cos/sin tables (batch × ropeDim/2 each) of the current chunk, one per base in use:
    /// Gemma 3 has two (sliding and global layers), the others one. `ropeValid` of them hold the
    /// current chunk's positions.
    private var ropeTables: [(base: Float, cos: UnsafeMutablePointer<Float>, sin: UnsafeMutablePointer<Float>)] = []
    private var ropeValid = 0
    private let ropeHalf: Int

    init(configuration c: ModelConfiguration, batch: Int, contextLength: Int, logitRows: Int) {
        self.batch = batch
        self.logitRows = logitRows
        self.ropeHalf = c.ropeDimension / 2
        var all: [UnsafeMutablePointer<Float>] = []
        // Not zero-filled: the forward pass writes every buffer before reading it, and untouched
        // pages stay out of the resident set. Sized for 512 tokens these are 13 MB (SmolLM2) and
        // 18 MB (Gemma 3); zero-filled they were all resident from load, which put bench's peak RSS
        // for SmolLM2 at 1.14× llama.cpp's (a pp128 run touches a quarter of them, decoding less).
        // Debug builds (the tests) fill them with NaN instead, so a read before a write shows up
        // as NaN logits.
        func buffer(_ count: Int) -> UnsafeMutablePointer<Float> {
            let p = UnsafeMutablePointer<Float>.allocate(capacity: max(count, 1))
            #if DEBUG
            p.initialize(repeating: .nan, count: max(count, 1))
            #endif
            all.append(p)
            return p
        }
        let dim = c.embeddingLength
        x = buffer(batch * dim)
        xb = buffer(batch * dim)
        xb2 = buffer(batch * dim)
        q = buffer(batch * c.queryDimension)
        k = buffer(batch * c.keyDimension)
        v = buffer(batch * c.valueDimension)
        attention = buffer(batch * c.headCount * c.valueHeadDimension)
        scores = buffer(c.headCount * contextLength)
        gate = buffer(batch * c.feedForwardLength)
        up = buffer(batch * c.feedForwardLength)
        logits = buffer(logitRows * c.vocabularySize)
        outputRows = buffer(logitRows * dim)
        positions = UnsafeMutablePointer<Int32>.allocate(capacity: batch)
        positions.initialize(repeating: 0, count: batch)
        self.all = all
    }

    /// Forgets the RoPE tables: the positions changed.
    func invalidateRopeAngles() { ropeValid = 0 }

    /// The RoPE table of `base` for the current chunk's positions, filled by `compute` (base, cos,
    /// sin) the first time a layer asks for it.
    func ropeAngles(base: Float,
                    compute: (Float, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>) -> Void)
        -> (cos: UnsafePointer<Float>, sin: UnsafePointer<Float>) {
        if let table = ropeTables.prefix(ropeValid).first(where: { $0.base == base }) {
            return (UnsafePointer(table.cos), UnsafePointer(table.sin))
        }
        if ropeValid == ropeTables.count {
            let count = max(batch * ropeHalf, 1)
            let cos = UnsafeMutablePointer<Float>.allocate(capacity: count), sin = UnsafeMutablePointer<Float>.allocate(capacity: count)
            all += [cos, sin]
            ropeTables.append((base, cos, sin))
        }
        ropeTables[ropeValid].base = base
        let table = ropeTables[ropeValid]
        ropeValid += 1
        compute(base, table.cos, table.sin)
        return (UnsafePointer(table.cos), UnsafePointer(table.sin))
    }

    deinit {
        for p in all { p.deallocate() }
        positions.deallocate()
    }
}
