import BerthaGGUF
import CBerthaKernels

/// Matrix products against quantized weights: `y = W x` for one vector (decode) and
/// `Y = X Wᵀ` for a batch (prompt processing).
///
/// The activation is quantized once per call (to 8-bit blocks for the quantized types, like
/// llama.cpp's `vec_dot_*_q8_*`), into the pool's scratch, and then every weight row is dotted
/// against it by the C kernel `DotKernel` picked for this CPU. Only the outer rows are
/// parallelized: the pool hands out chunks of rows.
///
/// Kernel throughput (1 thread, AVX2 VM shared with other builds, so lower bounds) is noted at
/// each kernel in `dot_avx2.c` and tabulated in `docs/kernels.md`.
public enum MatMul {
    /// `y = W x`: `W` (rows × cols) @ `x` (cols) → `y` (rows). The decode hot spot.
    ///
    /// One call quantizes `x` (a few µs for 576 values), then runs one pool job over chunks of rows.
    /// - Parameters:
    ///   - w: the weights.
    ///   - x: `w.cols` floats.
    ///   - y: `w.rows` floats, overwritten.
    ///   - pool: threads and scratch; used by one caller at a time.
    public static func matvec(_ w: WeightMatrix, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>,
                              pool: WorkerPool) {
        let kernel = w.kernel
        let activationBytes = kernel.activation.bytes(cols: w.cols).unsafelyUnwrapped  // checked in WeightMatrix.init
        let xq = pool.scratch(bytes: activationBytes)
        kernel.activation.quantize(x, cols: w.cols, into: xq)
        let chunk = rowsPerChunk(w, threads: pool.threads)
        let chunks = (w.rows + chunk - 1) / chunk
        let cols = Int32(w.cols)
        let data = w.data, stride = w.rowBytes, rows = w.rows, fn = kernel.function
        let xqc = UnsafeRawPointer(xq)
        pool.parallelFor(chunks) { c in
            let r0 = c * chunk
            let n = min(chunk, rows - r0)
            fn(cols, data + r0 * stride, stride, Int32(n), xqc, y + r0)
        }
    }

    /// Several products of one input, `outputᵢ = Wᵢ x`, as a single pool job: the attention
    /// projections Q, K, V or the feed-forward gate and up share their input, and one job instead of
    /// three saves the hand-off and the wait for the slowest thread of each.
    /// - Parameters:
    ///   - products: the matrices (all with `cols` equal to the input length) and their outputs.
    ///   - x: the input, `cols` floats.
    ///   - pool: threads and scratch; used by one caller at a time.
    public static func matvec(_ products: [(weights: WeightMatrix, output: UnsafeMutablePointer<Float>)],
                              _ x: UnsafePointer<Float>, pool: WorkerPool) {
        guard let cols = products.first?.weights.cols else { return }
        precondition(products.allSatisfy { $0.weights.cols == cols }, "matvec: products must share the input length")
        if products.count == 1 { return matvec(products[0].weights, x, products[0].output, pool: pool) }
        let plan = FusedProducts(products, x, cols: cols, rows: 1, pool: pool) { rowsPerChunk($0, threads: pool.threads) }
        pool.parallelFor(plan.chunks) { c in
            let (job, r0, m) = plan.locate(c)
            job.w.kernel.function(Int32(cols), job.w.data + r0 * job.w.rowBytes, job.w.rowBytes, Int32(m), job.xq, job.y + r0)
        }
    }

    /// `Y = X Wᵀ`: `X` (n × cols, row-major) against `W` (rows × cols) → `Y` (n × rows, row-major).
    ///
    /// Each chunk of weight rows is loaded once and dotted against all `n` activation rows while it
    /// is in cache, so a batch reads the weights once instead of `n` times.
    /// - Parameters:
    ///   - w: the weights.
    ///   - x: `n * w.cols` floats.
    ///   - n: number of activation rows (tokens).
    ///   - y: `n * w.rows` floats, overwritten.
    ///   - pool: threads and scratch; used by one caller at a time.
    public static func matmul(_ w: WeightMatrix, _ x: UnsafePointer<Float>, rows n: Int, _ y: UnsafeMutablePointer<Float>,
                              pool: WorkerPool) {
        matmul([(w, y)], x, rows: n, pool: pool)
    }

    /// Several batched products of one input, `Yᵢ = X Wᵢᵀ`, as one quantization of `X` per activation
    /// format and one pool job: Q, K and V (or gate and up) share their input, and fusing them saves
    /// two quantizations of the batch and four barriers per layer. Each output equals `matmul` of
    /// its matrix alone, bit for bit.
    /// - Parameters:
    ///   - products: the matrices (all with `cols` equal to the row length of `x`) and their
    ///     outputs (`n * rows` floats each, overwritten).
    ///   - x: `n * cols` floats.
    ///   - n: number of activation rows (tokens).
    ///   - pool: threads and scratch; used by one caller at a time.
    public static func matmul(_ products: [(weights: WeightMatrix, output: UnsafeMutablePointer<Float>)],
                              _ x: UnsafePointer<Float>, rows n: Int, pool: WorkerPool) {
        guard n > 0, let cols = products.first?.weights.cols else { return }
        precondition(products.allSatisfy { $0.weights.cols == cols }, "matmul: products must share the input length")
        if n == 1 { return matvec(products, x, pool: pool) }
        // ~16 KB of weights per chunk stays in L1/L2 across the n activation rows.
        let plan = FusedProducts(products, x, cols: cols, rows: n, pool: pool) { max(4, min(64, 16384 / max($0.rowBytes, 1))) }
        pool.parallelFor(plan.chunks) { c in
            let (job, r0, m) = plan.locate(c)
            let w = job.w, rows = w.rows, stride = w.rowBytes, xBytes = job.xBytes
            let wc = w.data + r0 * stride
            var i = 0
            // Several activation rows per pass over the chunk: each weight block is unpacked once
            // for 2 or 4 tokens (numbers in docs/kernels.md).
            if let (group, fnN) = w.kernel.multiRow {
                while i + group <= n {
                    fnN(Int32(cols), wc, stride, Int32(m), job.xq + i * xBytes, xBytes, job.y + i * rows + r0, rows)
                    i += group
                }
            }
            while i < n {
                w.kernel.function(Int32(cols), wc, stride, Int32(m), job.xq + i * xBytes, job.y + i * rows + r0)
                i += 1
            }
        }
    }

    /// Rows per parallel item for a matvec: enough items that a preempted thread (the machine is
    /// shared) does not stall the job, few enough that hand-out costs nothing.
    static func rowsPerChunk(_ w: WeightMatrix, threads: Int) -> Int {
        if threads == 1 { return w.rows }
        let target = max(w.rows / (threads * 8), 1)
        return max(16, (target + 3) & ~3)
    }
}

/// The common setup of a fused product job (`MatMul.matvec(_:_:pool:)`, `MatMul.matmul(_:_:rows:pool:)`):
/// the input's `n` rows quantized once per activation format in use, side by side in the pool's
/// scratch, and the weight-row chunks of all products numbered consecutively for one pool job.
private struct FusedProducts {
    struct Job {
        let w: WeightMatrix
        let y: UnsafeMutablePointer<Float>
        /// The input in this matrix's activation format, `xBytes` per row.
        let xq: UnsafeRawPointer
        let xBytes: Int
        let chunk: Int
        let firstChunk: Int
    }

    private(set) var jobs: [Job] = []
    private(set) var chunks = 0

    init(_ products: [(weights: WeightMatrix, output: UnsafeMutablePointer<Float>)], _ x: UnsafePointer<Float>,
         cols: Int, rows n: Int, pool: WorkerPool, chunk: (WeightMatrix) -> Int) {
        let formats = ActivationFormat.allCases.filter { format in products.contains { $0.weights.kernel.activation == format } }
        let rowBytes = formats.map { $0.bytes(cols: cols).unsafelyUnwrapped }  // checked in WeightMatrix.init
        var offsets: [Int] = [], total = 0
        for bytes in rowBytes {
            offsets.append(total)
            total += (bytes * n + 63) & ~63
        }
        let scratch = pool.scratch(bytes: total)
        if n == 1 {
            // One vector: a few µs per format, not worth a pool job and its barrier.
            for (f, format) in formats.enumerated() { format.quantize(x, cols: cols, into: scratch + offsets[f]) }
        } else {
            pool.parallelFor(n * formats.count) { item in
                let (f, i) = item.quotientAndRemainder(dividingBy: n)
                formats[f].quantize(x + i * cols, cols: cols, into: scratch + offsets[f] + i * rowBytes[f])
            }
        }
        for (w, y) in products {
            let f = formats.firstIndex(of: w.kernel.activation).unsafelyUnwrapped
            let size = chunk(w)
            jobs.append(Job(w: w, y: y, xq: UnsafeRawPointer(scratch + offsets[f]), xBytes: rowBytes[f], chunk: size, firstChunk: chunks))
            chunks += (w.rows + size - 1) / size
        }
    }

    /// Chunk `c`: its product, first weight row and row count.
    func locate(_ c: Int) -> (job: Job, firstRow: Int, rows: Int) {
        var j = jobs.count - 1
        while jobs[j].firstChunk > c { j -= 1 }
        let job = jobs[j]
        let r0 = (c - job.firstChunk) * job.chunk
        return (job, r0, min(job.chunk, job.w.rows - r0))
    }
}
