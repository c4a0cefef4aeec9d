import BerthaGGUF
import CBerthaKernels

/// Converts rows of GGUF weights to floats. This scalar code is the specification of each
/// block format (it equals `gguf.quants.dequantize` bit for bit); it is used for embedding
/// lookups (one row per token) and as the reference of the dot kernels' tests.
public enum Dequantize {
    /// The types `row` can decode.
    public static let supportedTypes: [GGMLType] = [.f32, .f16, .bf16, .q8_0, .q4_0, .q4_1, .q5_0, .q5_1, .q4_K, .q5_K, .q6_K]

    /// Decodes `count` weights of `type` at `src` into `dst`.
    /// - Parameters:
    ///   - type: the storage type; one of `supportedTypes`.
    ///   - src: `type.rowBytes(count)` bytes.
    ///   - dst: `count` floats.
    ///   - count: a multiple of `type.blockSize`.
    /// - Throws: `KernelError` for an unsupported type or a count that is not whole blocks.
    public static func row(_ type: GGMLType, _ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>, count: Int) throws(KernelError) {
        guard supportedTypes.contains(type) else { throw .unsupportedType(type, tensor: nil) }
        guard count >= 0, count % type.blockSize == 0 else { throw .rowNotWholeBlocks(cols: count, type: type, tensor: nil) }
        let blocks = count / type.blockSize
        for b in 0..<blocks {
            let block = src + b * type.typeSize
            let out = dst + b * type.blockSize
            switch type {
            case .f32: out.pointee = block.loadUnaligned(as: Float.self)
            case .f16: out.pointee = bertha_f16_to_f32(block.loadUnaligned(as: UInt16.self))
            case .bf16: out.pointee = bertha_bf16_to_f32(block.loadUnaligned(as: UInt16.self))
            case .q8_0: q8_0(block, out)
            case .q4_0: q4_0(block, out)
            case .q4_1: q4_1(block, out)
            case .q5_0: q5_0(block, out)
            case .q5_1: q5_1(block, out)
            case .q4_K: q4_K(block, out)
            case .q5_K: q5_K(block, out)
            case .q6_K: q6_K(block, out)
            default: break  // excluded by the guard above
            }
        }
    }

    @inline(__always) private static func half(_ p: UnsafeRawPointer, _ offset: Int) -> Float {
        bertha_f16_to_f32(p.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }

    @inline(__always) private static func byte(_ p: UnsafeRawPointer, _ offset: Int) -> UInt8 {
        p.load(fromByteOffset: offset, as: UInt8.self)
    }

    /// f16 d, int8 q[32]: x = d q.
    private static func q8_0(_ b: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = half(b, 0)
        for i in 0..<32 { y[i] = Float(Int8(bitPattern: byte(b, 2 + i))) * d }
    }

    /// f16 d, 16 bytes: x[j] = d (lo(q[j]) - 8), x[j+16] = d (hi(q[j]) - 8).
    private static func q4_0(_ b: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = half(b, 0)
        for j in 0..<16 {
            let q = byte(b, 2 + j)
            y[j] = d * Float(Int(q & 0xF) - 8)
            y[j + 16] = d * Float(Int(q >> 4) - 8)
        }
    }

    /// f16 d, f16 m, 16 bytes: x = d q + m.
    private static func q4_1(_ b: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = half(b, 0), m = half(b, 2)
        for j in 0..<16 {
            let q = byte(b, 4 + j)
            y[j] = d * Float(q & 0xF) + m
            y[j + 16] = d * Float(q >> 4) + m
        }
    }

    /// f16 d, u32 qh, 16 bytes: x[j] = d ((lo | bit j of qh << 4) - 16), x[j+16] with bit j+16.
    private static func q5_0(_ b: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = half(b, 0)
        let qh = UInt32(littleEndian: b.loadUnaligned(fromByteOffset: 2, as: UInt32.self))
        for j in 0..<16 {
            let q = byte(b, 6 + j)
            let h0 = UInt8((qh >> UInt32(j)) & 1) << 4, h1 = UInt8((qh >> UInt32(j + 16)) & 1) << 4
            y[j] = d * Float(Int((q & 0xF) | h0) - 16)
            y[j + 16] = d * Float(Int((q >> 4) | h1) - 16)
        }
    }

    /// f16 d, f16 m, u32 qh, 16 bytes: x = d q5 + m.
    private static func q5_1(_ b: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = half(b, 0), m = half(b, 2)
        let qh = UInt32(littleEndian: b.loadUnaligned(fromByteOffset: 4, as: UInt32.self))
        for j in 0..<16 {
            let q = byte(b, 8 + j)
            let h0 = UInt8((qh >> UInt32(j)) & 1) << 4, h1 = UInt8((qh >> UInt32(j + 16)) & 1) << 4
            y[j] = d * Float((q & 0xF) | h0) + m
            y[j + 16] = d * Float((q >> 4) | h1) + m
        }
    }

    /// The 6-bit scale and min of sub-block `j` from the 12 packed bytes at `s`.
    @inline(__always) static func scaleMinK4(_ j: Int, _ s: UnsafeRawPointer) -> (scale: UInt8, min: UInt8) {
        if j < 4 {
            return (byte(s, j) & 63, byte(s, j + 4) & 63)
        }
        return ((byte(s, j + 4) & 0xF) | ((byte(s, j - 4) >> 6) << 4),
                (byte(s, j + 4) >> 4) | ((byte(s, j) >> 6) << 4))
    }

    /// f16 d, f16 dmin, 12 bytes of scales/mins, 128 bytes: sub-block j (32 weights) is
    /// (d sc_j) q - (dmin m_j), low nibbles of bytes 32(j/2)… for even j, high nibbles for odd j.
    private static func q4_K(_ b: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = half(b, 0), dmin = half(b, 2)
        let scales = b + 4, qs = b + 16
        for j in 0..<8 {
            let (sc, m) = scaleMinK4(j, scales)
            let d1 = d * Float(sc), m1 = dmin * Float(m)
            let shift: UInt8 = j & 1 == 0 ? 0 : 4
            for l in 0..<32 {
                let q = (byte(qs, 32 * (j / 2) + l) >> shift) & 0xF
                y[32 * j + l] = d1 * Float(q) - m1
            }
        }
    }

    /// As Q4_K plus 32 bytes qh: bit j of qh[l] is the fifth bit of weight l of sub-block j.
    private static func q5_K(_ b: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = half(b, 0), dmin = half(b, 2)
        let scales = b + 4, qh = b + 16, qs = b + 48
        for j in 0..<8 {
            let (sc, m) = scaleMinK4(j, scales)
            let d1 = d * Float(sc), m1 = dmin * Float(m)
            let shift: UInt8 = j & 1 == 0 ? 0 : 4
            for l in 0..<32 {
                let lo = (byte(qs, 32 * (j / 2) + l) >> shift) & 0xF
                let hi = ((byte(qh, l) >> UInt8(j)) & 1) << 4
                y[32 * j + l] = d1 * Float(lo | hi) - m1
            }
        }
    }

    /// 128 bytes ql, 64 bytes qh, int8 scales[16], f16 d: per half of 128, weight 32g + l
    /// (g < 4) is d sc[2g + l/16] ((nibble | 2 bits of qh[l] << 4) - 32).
    private static func q6_K(_ b: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = half(b, 208)
        for h in 0..<2 {
            let ql = b + 64 * h, qh = b + 128 + 32 * h, sc = b + 192 + 8 * h
            for g in 0..<4 {
                for l in 0..<32 {
                    let lowByte = byte(ql, l + (g & 1 == 1 ? 32 : 0))
                    let nibble = g < 2 ? lowByte & 0xF : lowByte >> 4
                    let high = (byte(qh, l) >> UInt8(2 * g)) & 3
                    let q = Int(nibble | (high << 4)) - 32
                    let scale = Float(Int8(bitPattern: byte(sc, 2 * g + l / 16)))
                    y[128 * h + 32 * g + l] = (d * scale) * Float(q)
                }
            }
        }
    }
}
