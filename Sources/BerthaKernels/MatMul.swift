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
        // One quantized copy of x per activation format in use, side by side in the scratch.
        let formats: [ActivationFormat] = [.f32, .q8a, .q8k]
        var offsets = [Int](repeating: -1, count: 3), total = 0
        for (i, format) in formats.enumerated() where products.contains(where: { $0.weights.kernel.activation == format }) {
            offsets[i] = total
            total += (format.bytes(cols: cols).unsafelyUnwrapped + 63) & ~63
        }
        let scratch = pool.scratch(bytes: total)
        for (i, format) in formats.enumerated() where offsets[i] >= 0 {
            format.quantize(x, cols: cols, into: scratch + offsets[i])
        }
        var jobs: [(w: WeightMatrix, y: UnsafeMutablePointer<Float>, xq: UnsafeRawPointer, chunk: Int, firstChunk: Int)] = []
        var chunks = 0
        for (w, y) in products {
            let chunk = rowsPerChunk(w, threads: pool.threads)
            let offset = offsets[formats.firstIndex(of: w.kernel.activation).unsafelyUnwrapped]
            jobs.append((w, y, UnsafeRawPointer(scratch + offset), chunk, chunks))
            chunks += (w.rows + chunk - 1) / chunk
        }
        pool.parallelFor(chunks) { c in
            var j = jobs.count - 1
            while jobs[j].firstChunk > c { j -= 1 }
            let job = jobs[j]
            let r0 = (c - job.firstChunk) * job.chunk
            let n = min(job.chunk, job.w.rows - r0)
            job.w.kernel.function(Int32(cols), job.w.data + r0 * job.w.rowBytes, job.w.rowBytes, Int32(n), job.xq, job.y + r0)
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
        // The batch quantized once per activation format in use, side by side in the scratch.
        let formats = ActivationFormat.allCases.filter { format in products.contains { $0.weights.kernel.activation == format } }
        var offsets: [Int] = [], total = 0
        for format in formats {
            offsets.append(total)
            total += (format.bytes(cols: cols).unsafelyUnwrapped * n + 63) & ~63
        }
        let scratch = UnsafeMutableRawPointer(pool.scratch(bytes: total))
        pool.parallelFor(n * formats.count) { item in
            let (f, i) = item.quotientAndRemainder(dividingBy: n)
            let format = formats[f]
            format.quantize(x + i * cols, cols: cols, into: scratch + offsets[f] + i * format.bytes(cols: cols).unsafelyUnwrapped)
        }
        // ~16 KB of weights per chunk stays in L1/L2 across the n activation rows.
        var jobs: [(w: WeightMatrix, y: UnsafeMutablePointer<Float>, xq: UnsafeRawPointer, chunk: Int, firstChunk: Int)] = []
        var chunks = 0
        for (w, y) in products {
            let chunk = max(4, min(64, 16384 / max(w.rowBytes, 1)))
            let xq = UnsafeRawPointer(scratch + offsets[formats.firstIndex(of: w.kernel.activation).unsafelyUnwrapped])
            jobs.append((w, y, xq, chunk, chunks))
            chunks += (w.rows + chunk - 1) / chunk
        }
        pool.parallelFor(chunks) { c in
            var j = jobs.count - 1
            while jobs[j].firstChunk > c { j -= 1 }
            let job = jobs[j], w = job.w, rows = w.rows, stride = w.rowBytes
            let activationBytes = w.kernel.activation.bytes(cols: cols).unsafelyUnwrapped
            let r0 = (c - job.firstChunk) * job.chunk
            let m = Int32(min(job.chunk, rows - r0))
            let wc = w.data + r0 * stride
            var i = 0
            // Several activation rows per pass over the chunk: each weight block is unpacked once
            // for 2 or 4 tokens (numbers in docs/kernels.md).
            if let (group, fnN) = w.kernel.multiRow {
                while i + group <= n {
                    fnN(Int32(cols), wc, stride, m, job.xq + i * activationBytes, activationBytes, job.y + i * rows + r0, rows)
                    i += group
                }
            }
            while i < n {
                w.kernel.function(Int32(cols), wc, stride, m, job.xq + i * activationBytes, job.y + i * rows + r0)
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
