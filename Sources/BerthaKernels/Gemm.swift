import CBerthaKernels

/// F32 matrix products for training: `C = [C +] A · B` with row-major operands.
///
/// LoRA training multiplies activations by dequantized frozen weights (backward pass) and by the
/// small adapter matrices; both are plain F32. The work is split into column panels handed out
/// by the pool, so every thread streams the same rows of `A` against its own slice of `B`.
public enum Gemm {
    /// A row-major F32 matrix view: `rows × cols` floats, `stride` floats from one row to the next.
    public struct Matrix {
        public let pointer: UnsafePointer<Float>
        public let rows: Int
        public let cols: Int
        public let stride: Int
        public init(_ pointer: UnsafePointer<Float>, rows: Int, cols: Int, stride: Int? = nil) {
            self.pointer = pointer
            self.rows = rows
            self.cols = cols
            self.stride = stride ?? cols
        }
    }

    /// `C (m×n) = [C +] A (m×k) · B (k×n)`.
    /// - Parameters:
    ///   - a: m × k.
    ///   - b: k × n.
    ///   - c: m × n floats with row stride `ldc` (default n).
    ///   - accumulate: add to `c` instead of overwriting it.
    ///   - pool: threads; nil runs on the caller only.
    public static func multiply(_ a: Matrix, _ b: Matrix, into c: UnsafeMutablePointer<Float>, ldc: Int? = nil,
                                accumulate: Bool = false, pool: WorkerPool?) {
        precondition(a.cols == b.rows, "Gemm: inner dimensions \(a.cols) and \(b.rows) differ")
        let m = a.rows, n = b.cols, k = a.cols
        let ldc = ldc ?? n
        guard m > 0, n > 0 else { return }
        let acc: Int32 = accumulate ? 1 : 0
        guard k > 0 else {
            if !accumulate { for i in 0..<m { (c + i * ldc).update(repeating: 0, count: n) } }
            return
        }
        let threads = pool?.threads ?? 1
        // Panels are multiples of 32 columns (the widest register block) unless n is small.
        let flops = m * n * k
        let items = flops < 1 << 18 ? 1 : threads * 4
        var panel = (n + items - 1) / items
        panel = n < 64 ? n : max(32, (panel + 31) & ~31)
        let panels = (n + panel - 1) / panel
        if panels == 1 || pool == nil {
            bertha_sgemm(Int32(m), Int32(n), Int32(k), a.pointer, Int32(a.stride), b.pointer, Int32(b.stride), c, Int32(ldc), acc)
            return
        }
        pool!.parallelFor(panels) { p in
            let j = p * panel
            let w = min(panel, n - j)
            bertha_sgemm(Int32(m), Int32(w), Int32(k), a.pointer, Int32(a.stride), b.pointer + j, Int32(b.stride),
                         c + j, Int32(ldc), acc)
        }
    }

    /// The scalar reference of `multiply` (tests).
    public static func reference(_ a: Matrix, _ b: Matrix, into c: UnsafeMutablePointer<Float>, accumulate: Bool = false) {
        bertha_sgemm_ref(Int32(a.rows), Int32(b.cols), Int32(a.cols), a.pointer, Int32(a.stride), b.pointer, Int32(b.stride),
                         c, Int32(b.cols), accumulate ? 1 : 0)
    }

    /// `dst (cols × rows) = srcᵀ` for a row-major `src (rows × cols)`.
    public static func transpose(_ src: UnsafePointer<Float>, rows: Int, cols: Int, into dst: UnsafeMutablePointer<Float>) {
        // 8×8 tiles keep both sides in cache lines.
        var i0 = 0
        while i0 < rows {
            let i1 = min(i0 + 8, rows)
            var j0 = 0
            while j0 < cols {
                let j1 = min(j0 + 8, cols)
                for i in i0..<i1 { for j in j0..<j1 { dst[j * rows + i] = src[i * cols + j] } }
                j0 = j1
            }
            i0 = i1
        }
    }
}
