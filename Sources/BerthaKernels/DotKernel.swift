import BerthaGGUF
import CBerthaKernels

/// How the activation vector is presented to a dot kernel.
enum ActivationFormat: Sendable, Equatable, CaseIterable {
    /// Plain floats (F32/F16/BF16 weights).
    case f32
    /// 32-value int8 blocks with a float scale and sum (`bertha_block_q8a`), for Q4_0 … Q8_0.
    case q8a
    /// 256-value int8 blocks with 16-value sums (`bertha_block_q8k`), for the K-quants.
    case q8k

    /// Bytes of one activation row of `cols` values, or nil when `cols` is not whole blocks.
    func bytes(cols: Int) -> Int? {
        switch self {
        case .f32: cols * MemoryLayout<Float>.stride
        case .q8a: cols % 32 == 0 ? cols / 32 * MemoryLayout<bertha_block_q8a>.stride : nil
        case .q8k: cols % 256 == 0 ? cols / 256 * MemoryLayout<bertha_block_q8k>.stride : nil
        }
    }

    /// Converts one row of `cols` floats into this format at `dst` (a no-op copy for `.f32`).
    func quantize(_ x: UnsafePointer<Float>, cols: Int, into dst: UnsafeMutableRawPointer) {
        switch self {
        case .f32:
            dst.copyMemory(from: x, byteCount: cols * MemoryLayout<Float>.stride)
        case .q8a:
            bertha_quantize_row_q8a(x, dst.assumingMemoryBound(to: bertha_block_q8a.self), Int32(cols))
        case .q8k:
            bertha_quantize_row_q8k(x, dst.assumingMemoryBound(to: bertha_block_q8k.self), Int32(cols))
        }
    }
}

/// One C dot kernel: computes `rows` consecutive weight rows against one activation row.
struct DotKernel: Sendable {
    let name: String
    let activation: ActivationFormat
    let function: bertha_dot_fn
    /// The same products for `rows` activation rows at once (each weight block unpacked once for
    /// all of them), bit-identical to `function` per row; nil where there is none (MatMul then
    /// runs `function` per row).
    var multiRow: (rows: Int, function: bertha_dotn_fn)? = nil

    /// The fastest kernel this CPU runs for `type`, or nil when the type is unsupported.
    static func best(for type: GGMLType) -> DotKernel? {
        let isa = KernelISA.current
        guard isa == .avx512vnni else {
            if isa == .avx2, let k = kernel(for: type, isa: .avx2) { return k }
            return kernel(for: type, isa: .scalar)
        }
        // The four-row VNNI kernels match, bit for bit, whichever one-row kernel runs here: the
        // VNNI one for Q8_0, Q4_0, Q4_1 and Q5_0 (the last three compute the AVX2 kernels' floats),
        // the AVX2 one for the rest.
        guard var k = kernel(for: type, isa: .avx512vnni) ?? kernel(for: type, isa: .avx2) else {
            return kernel(for: type, isa: .scalar)
        }
        if let four = fourRowVNNI(for: type) {
            k.multiRow = (4, four)
        }
        return k
    }

    private static func fourRowVNNI(for type: GGMLType) -> bertha_dotn_fn? {
        switch type {
        case .q8_0: bertha_dot4_q8_0_q8a_avx512
        case .q4_1: bertha_dot4_q4_1_q8a_avx512
        case .q5_0: bertha_dot4_q5_0_q8a_avx512
        case .q4_K: bertha_dot4_q4_k_q8k_avx512
        case .q6_K: bertha_dot4_q6_k_q8k_avx512
        default: nil
        }
    }

    /// The kernel of exactly `isa` for `type`; nil when there is none or this CPU cannot run it.
    static func kernel(for type: GGMLType, isa: KernelISA) -> DotKernel? {
        let current = KernelISA.current
        switch isa {
        case .scalar:
            return reference(for: type)
        case .avx2:
            guard current == .avx2 || current == .avx512vnni else { return nil }
            return avx2(for: type)
        case .avx512vnni:
            guard current == .avx512vnni else { return nil }
            switch type {
            case .q8_0: return DotKernel(name: "q8_0·q8a avx512-vnni", activation: .q8a, function: bertha_dot_q8_0_q8a_avx512)
            case .q4_0: return DotKernel(name: "q4_0·q8a avx512-vnni", activation: .q8a, function: bertha_dot_q4_0_q8a_avx512)
            case .q4_1: return DotKernel(name: "q4_1·q8a avx512-vnni", activation: .q8a, function: bertha_dot_q4_1_q8a_avx512)
            case .q5_0: return DotKernel(name: "q5_0·q8a avx512-vnni", activation: .q8a, function: bertha_dot_q5_0_q8a_avx512)
            default: return nil
            }
        case .neon:
            // No NEON kernels yet: the scalar C is auto-vectorized at -O3 on aarch64.
            return nil
        }
    }

    private static func reference(for type: GGMLType) -> DotKernel? {
        switch type {
        case .f32: DotKernel(name: "f32·f32 scalar", activation: .f32, function: bertha_dot_f32_f32_ref)
        case .f16: DotKernel(name: "f16·f32 scalar", activation: .f32, function: bertha_dot_f16_f32_ref)
        case .bf16: DotKernel(name: "bf16·f32 scalar", activation: .f32, function: bertha_dot_bf16_f32_ref)
        case .q8_0: DotKernel(name: "q8_0·q8a scalar", activation: .q8a, function: bertha_dot_q8_0_q8a_ref)
        case .q4_0: DotKernel(name: "q4_0·q8a scalar", activation: .q8a, function: bertha_dot_q4_0_q8a_ref)
        case .q4_1: DotKernel(name: "q4_1·q8a scalar", activation: .q8a, function: bertha_dot_q4_1_q8a_ref)
        case .q5_0: DotKernel(name: "q5_0·q8a scalar", activation: .q8a, function: bertha_dot_q5_0_q8a_ref)
        case .q5_1: DotKernel(name: "q5_1·q8a scalar", activation: .q8a, function: bertha_dot_q5_1_q8a_ref)
        case .q4_K: DotKernel(name: "q4_K·q8k scalar", activation: .q8k, function: bertha_dot_q4_k_q8k_ref)
        case .q5_K: DotKernel(name: "q5_K·q8k scalar", activation: .q8k, function: bertha_dot_q5_k_q8k_ref)
        case .q6_K: DotKernel(name: "q6_K·q8k scalar", activation: .q8k, function: bertha_dot_q6_k_q8k_ref)
        default: nil
        }
    }

    private static func avx2(for type: GGMLType) -> DotKernel? {
        switch type {
        case .f32: DotKernel(name: "f32·f32 avx2", activation: .f32, function: bertha_dot_f32_f32_avx2)
        case .f16: DotKernel(name: "f16·f32 avx2", activation: .f32, function: bertha_dot_f16_f32_avx2)
        case .bf16: DotKernel(name: "bf16·f32 avx2", activation: .f32, function: bertha_dot_bf16_f32_avx2)
        case .q8_0: DotKernel(name: "q8_0·q8a avx2", activation: .q8a, function: bertha_dot_q8_0_q8a_avx2,
                              multiRow: (2, bertha_dot2_q8_0_q8a_avx2))
        case .q4_0: DotKernel(name: "q4_0·q8a avx2", activation: .q8a, function: bertha_dot_q4_0_q8a_avx2)
        case .q4_1: DotKernel(name: "q4_1·q8a avx2", activation: .q8a, function: bertha_dot_q4_1_q8a_avx2,
                              multiRow: (2, bertha_dot2_q4_1_q8a_avx2))
        case .q5_0: DotKernel(name: "q5_0·q8a avx2", activation: .q8a, function: bertha_dot_q5_0_q8a_avx2,
                              multiRow: (2, bertha_dot2_q5_0_q8a_avx2))
        case .q5_1: DotKernel(name: "q5_1·q8a avx2", activation: .q8a, function: bertha_dot_q5_1_q8a_avx2)
        case .q4_K: DotKernel(name: "q4_K·q8k avx2", activation: .q8k, function: bertha_dot_q4_k_q8k_avx2)
        case .q5_K: DotKernel(name: "q5_K·q8k avx2", activation: .q8k, function: bertha_dot_q5_k_q8k_avx2)
        case .q6_K: DotKernel(name: "q6_K·q8k avx2", activation: .q8k, function: bertha_dot_q6_k_q8k_avx2)
        default: nil
        }
    }
}
