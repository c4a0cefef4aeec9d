import BerthaGGUF
import CBerthaKernels

/// Converts rows of floats to GGUF weight blocks: the inverse of `Dequantize`, used to write a
/// merged model (`bertha retrain --merge`) in the base model's own tensor types.
///
/// The 32-weight types follow ggml's reference quantizers (`quantize_row_*_ref`) and equal
/// `gguf.quants.quantize` byte for byte. The K-quants follow ggml's reference algorithms too:
/// Q4_K/Q5_K fit each sub-block's scale and min by weighted least squares over a few candidate
/// grids (`make_qkx2_quants`), Q6_K searches the symmetric scale (`make_qx_quants`), then the
/// sub-block scales are themselves quantized to 6 or 8 bits under the block's f16 scale.
public enum Quantize {
    /// The types `row` can encode.
    public static let supportedTypes: [GGMLType] = [.f32, .f16, .bf16, .q8_0, .q4_0, .q4_1, .q5_0, .q5_1, .q4_K, .q5_K, .q6_K]

    /// Encodes `count` floats at `src` as `type` into `dst` (`type.rowBytes(count)` bytes).
    /// - Throws: `KernelError` for an unsupported type or a count that is not whole blocks.
    public static func row(_ type: GGMLType, _ src: UnsafePointer<Float>, _ dst: UnsafeMutableRawPointer, count: Int) throws(KernelError) {
        guard supportedTypes.contains(type) else { throw .unsupportedType(type, tensor: nil) }
        guard count >= 0, count % type.blockSize == 0 else { throw .rowNotWholeBlocks(cols: count, type: type, tensor: nil) }
        for b in 0..<count / type.blockSize {
            let x = src + b * type.blockSize
            let block = dst + b * type.typeSize
            switch type {
            case .f32: block.storeBytes(of: x.pointee, as: Float.self)
            case .f16: block.storeBytes(of: bertha_f32_to_f16(x.pointee), as: UInt16.self)
            case .bf16: block.storeBytes(of: bertha_f32_to_bf16(x.pointee), as: UInt16.self)
            case .q8_0: q8_0(x, block)
            case .q4_0: q4_0(x, block)
            case .q4_1: q4_1(x, block)
            case .q5_0: q5_0(x, block)
            case .q5_1: q5_1(x, block)
            case .q4_K: kQuant(x, block, bits: 4)
            case .q5_K: kQuant(x, block, bits: 5)
            case .q6_K: q6_K(x, block)
            default: break  // excluded by the guard above
            }
        }
    }

    // MARK: helpers

    /// ggml's `nearest_int`: round half to even.
    @inline(__always) private static func nearest(_ v: Float) -> Int { Int(v.rounded(.toNearestOrEven)) }

    @inline(__always) private static func half(_ v: Float) -> UInt16 { bertha_f32_to_f16(v) }

    @inline(__always) private static func unhalf(_ h: UInt16) -> Float { bertha_f16_to_f32(h) }

    @inline(__always) private static func store(_ p: UnsafeMutableRawPointer, _ offset: Int, _ v: UInt16) {
        p.storeBytes(of: v.littleEndian, toByteOffset: offset, as: UInt16.self)
    }

    @inline(__always) private static func store(_ p: UnsafeMutableRawPointer, _ offset: Int, _ v: UInt8) {
        p.storeBytes(of: v, toByteOffset: offset, as: UInt8.self)
    }

    /// The element of largest magnitude, with its sign (the first of equals, like numpy's argmax).
    private static func signedMax(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
        var best: Float = 0, amax: Float = -1
        for i in 0..<n where abs(x[i]) > amax { amax = abs(x[i]); best = x[i] }
        return best
    }

    /// The smallest and largest of `n` values (Q4_1/Q5_1: x ≈ d q + min).
    private static func range(_ x: UnsafePointer<Float>, _ n: Int) -> (lo: Float, hi: Float) {
        var lo = x[0], hi = x[0]
        for i in 1..<n { lo = min(lo, x[i]); hi = max(hi, x[i]) }
        return (lo, hi)
    }

    /// Packs 32 values 0…15 (low 4 bits) as ggml does: byte j = v[j] | v[j+16] << 4.
    private static func packNibbles(_ q: [UInt8], _ p: UnsafeMutableRawPointer, at offset: Int) {
        for j in 0..<16 { store(p, offset + j, (q[j] & 0xF) | (q[j + 16] << 4)) }
    }

    /// Bit j of the little-endian u32 is bit 4 of v[j].
    private static func packHighBits(_ q: [UInt8], _ p: UnsafeMutableRawPointer, at offset: Int) {
        var qh: UInt32 = 0
        for j in 0..<32 { qh |= UInt32((q[j] >> 4) & 1) << UInt32(j) }
        p.storeBytes(of: qh.littleEndian, toByteOffset: offset, as: UInt32.self)
    }

    // MARK: 32-weight blocks

    private static func q8_0(_ x: UnsafePointer<Float>, _ p: UnsafeMutableRawPointer) {
        var amax: Float = 0
        for i in 0..<32 { amax = max(amax, abs(x[i])) }
        let d = amax / 127, id: Float = d == 0 ? 0 : 1 / d
        store(p, 0, half(d))
        // roundf: half away from zero.
        for i in 0..<32 { store(p, 2 + i, UInt8(bitPattern: Int8((x[i] * id).rounded(.toNearestOrAwayFromZero)))) }
    }

    private static func q4_0(_ x: UnsafePointer<Float>, _ p: UnsafeMutableRawPointer) {
        let d = signedMax(x, 32) / -8, id: Float = d == 0 ? 0 : 1 / d
        store(p, 0, half(d))
        packNibbles((0..<32).map { UInt8(clamping: min(15, Int((x[$0] * id + 8.5).rounded(.towardZero)))) }, p, at: 2)
    }

    private static func q4_1(_ x: UnsafePointer<Float>, _ p: UnsafeMutableRawPointer) {
        let (lo, hi) = range(x, 32)
        let d = (hi - lo) / 15, id: Float = d == 0 ? 0 : 1 / d
        store(p, 0, half(d))
        store(p, 2, half(lo))
        packNibbles((0..<32).map { UInt8(clamping: min(15, Int(((x[$0] - lo) * id + 0.5).rounded(.towardZero)))) }, p, at: 4)
    }

    private static func q5_0(_ x: UnsafePointer<Float>, _ p: UnsafeMutableRawPointer) {
        let d = signedMax(x, 32) / -16, id: Float = d == 0 ? 0 : 1 / d
        store(p, 0, half(d))
        let q = (0..<32).map { UInt8(clamping: min(31, Int((x[$0] * id + 16.5).rounded(.towardZero)))) }
        packHighBits(q, p, at: 2)
        packNibbles(q, p, at: 6)
    }

    private static func q5_1(_ x: UnsafePointer<Float>, _ p: UnsafeMutableRawPointer) {
        let (lo, hi) = range(x, 32)
        let d = (hi - lo) / 31, id: Float = d == 0 ? 0 : 1 / d
        store(p, 0, half(d))
        store(p, 2, half(lo))
        let q = (0..<32).map { UInt8(clamping: min(31, Int(((x[$0] - lo) * id + 0.5).rounded(.towardZero)))) }
        packHighBits(q, p, at: 4)
        packNibbles(q, p, at: 8)
    }

    // MARK: K-quants (256-weight super-blocks)

    /// Scale and (positive) min of `n` values as `scale * L - min` with L in 0…nmax, minimising
    /// Σ w (scale L - min - x)²: a first grid from the range, then `steps` shifted grids each
    /// refitted by least squares, keeping the best (ggml's `make_qkx2_quants`).
    private static func fitScaleMin(_ x: UnsafePointer<Float>, _ w: [Float], n: Int, nmax: Int, levels: inout [UInt8],
                                    rmin: Float, rdelta: Float, steps: Int) -> (scale: Float, min: Float) {
        var lo = x[0], hi = x[0], sumW = w[0], sumX = w[0] * x[0]
        for i in 1..<n {
            lo = min(lo, x[i]); hi = max(hi, x[i])
            sumW += w[i]; sumX += w[i] * x[i]
        }
        if lo > 0 { lo = 0 }
        if hi == lo {
            for i in 0..<n { levels[i] = 0 }
            return (0, -lo)
        }
        let fmax = Float(nmax)
        var iscale = fmax / (hi - lo), scale = 1 / iscale, bestError: Float = 0
        for i in 0..<n {
            levels[i] = UInt8(clamping: max(0, min(nmax, nearest(iscale * (x[i] - lo)))))
            let diff = scale * Float(levels[i]) + lo - x[i]
            bestError += w[i] * diff * diff
        }
        var candidate = [UInt8](repeating: 0, count: n)
        for step in 0...steps {
            iscale = (rmin + rdelta * Float(step) + fmax) / (hi - lo)
            var sumL: Float = 0, sumL2: Float = 0, sumXL: Float = 0
            for i in 0..<n {
                let l = max(0, min(nmax, nearest(iscale * (x[i] - lo))))
                candidate[i] = UInt8(l)
                let fl = Float(l)
                sumL += w[i] * fl; sumL2 += w[i] * fl * fl; sumXL += w[i] * fl * x[i]
            }
            let det = sumW * sumL2 - sumL * sumL
            guard det > 0 else { continue }
            var thisScale = (sumW * sumXL - sumX * sumL) / det
            var thisMin = (sumL2 * sumX - sumL * sumXL) / det
            if thisMin > 0 {
                thisMin = 0
                thisScale = sumXL / sumL2
            }
            var error: Float = 0
            for i in 0..<n {
                let diff = thisScale * Float(candidate[i]) + thisMin - x[i]
                error += w[i] * diff * diff
            }
            if error < bestError {
                for i in 0..<n { levels[i] = candidate[i] }
                bestError = error
                scale = thisScale
                lo = thisMin
            }
        }
        return (scale, -lo)
    }

    /// Q4_K (`bits` 4) and Q5_K (`bits` 5): 8 sub-blocks of 32, each `d·sc·q − dmin·m` with 6-bit
    /// sc and m under the block's f16 d and dmin.
    private static func kQuant(_ x: UnsafePointer<Float>, _ p: UnsafeMutableRawPointer, bits: Int) {
        let nmax = (1 << bits) - 1
        var levels = [UInt8](repeating: 0, count: 256), sub = [UInt8](repeating: 0, count: 32)
        var scales = [Float](repeating: 0, count: 8), mins = [Float](repeating: 0, count: 8)
        var maxScale: Float = 0, maxMin: Float = 0
        for j in 0..<8 {
            let xs = x + 32 * j
            var sumX2: Float = 0
            for l in 0..<32 { sumX2 += xs[l] * xs[l] }
            let average = (sumX2 / 32).squareRoot()
            let weights = (0..<32).map { average + abs(xs[$0]) }
            let fit = bits == 4
                ? fitScaleMin(xs, weights, n: 32, nmax: nmax, levels: &sub, rmin: -1, rdelta: 0.1, steps: 20)
                : fitScaleMin(xs, weights, n: 32, nmax: nmax, levels: &sub, rmin: -0.5, rdelta: 0.1, steps: 15)
            scales[j] = fit.scale; mins[j] = fit.min
            for l in 0..<32 { levels[32 * j + l] = sub[l] }
            maxScale = max(maxScale, fit.scale)
            maxMin = max(maxMin, fit.min)
        }
        let invScale: Float = maxScale > 0 ? 63 / maxScale : 0, invMin: Float = maxMin > 0 ? 63 / maxMin : 0
        var packed = [UInt8](repeating: 0, count: 12)
        for j in 0..<8 {
            let ls = UInt8(min(63, nearest(invScale * scales[j]))), lm = UInt8(min(63, nearest(invMin * mins[j])))
            if j < 4 {
                packed[j] = ls
                packed[j + 4] = lm
            } else {
                packed[j + 4] = (ls & 0xF) | ((lm & 0xF) << 4)
                packed[j - 4] |= (ls >> 4) << 6
                packed[j] |= (lm >> 4) << 6
            }
        }
        let d = half(maxScale / 63), dmin = half(maxMin / 63)
        store(p, 0, d)
        store(p, 2, dmin)
        for i in 0..<12 { store(p, 4 + i, packed[i]) }
        // Requantize with the scales as stored, so the levels fit what dequantization will use.
        packed.withUnsafeBytes { s in
            for j in 0..<8 {
                let (sc, m) = Dequantize.scaleMinK4(j, s.baseAddress!)
                let dj = unhalf(d) * Float(sc)
                guard dj != 0 else { continue }
                let dm = unhalf(dmin) * Float(m)
                for l in 0..<32 { levels[32 * j + l] = UInt8(max(0, min(nmax, nearest((x[32 * j + l] + dm) / dj)))) }
            }
        }
        let qs = bits == 4 ? 16 : 48
        if bits == 5 { for i in 0..<32 { store(p, 16 + i, UInt8(0)) } }
        for chunk in 0..<4 {  // sub-blocks 2·chunk (low nibbles) and 2·chunk + 1 (high nibbles)
            for l in 0..<32 {
                var a = levels[64 * chunk + l], b = levels[64 * chunk + 32 + l]
                if bits == 5 {
                    var qh = p.load(fromByteOffset: 16 + l, as: UInt8.self)
                    if a > 15 { a -= 16; qh |= 1 << UInt8(2 * chunk) }
                    if b > 15 { b -= 16; qh |= 2 << UInt8(2 * chunk) }
                    store(p, 16 + l, qh)
                }
                store(p, qs + 32 * chunk + l, a | (b << 4))
            }
        }
    }

    /// Symmetric levels −nmax…nmax−1 for `n` values weighted by x², searching 19 scales around
    /// −nmax / max (ggml's `make_qx_quants` with rmse_type 1); `levels` get the +nmax offset.
    private static func fitSymmetric(_ x: UnsafePointer<Float>, n: Int, nmax: Int, levels: inout [UInt8], at offset: Int) -> Float {
        var signed: Float = 0, amax: Float = 0
        for i in 0..<n where abs(x[i]) > amax { amax = abs(x[i]); signed = x[i] }
        if amax < 1e-15 {
            for i in 0..<n { levels[offset + i] = 0 }
            return 0
        }
        func sums(_ iscale: Float) -> (lx: Float, l2: Float) {
            var lx: Float = 0, l2: Float = 0
            for i in 0..<n {
                let l = Float(max(-nmax, min(nmax - 1, nearest(iscale * x[i]))))
                let w = x[i] * x[i]
                lx += w * x[i] * l; l2 += w * l * l
            }
            return (lx, l2)
        }
        func assign(_ iscale: Float) {
            for i in 0..<n { levels[offset + i] = UInt8(nmax + max(-nmax, min(nmax - 1, nearest(iscale * x[i])))) }
        }
        let fmax = Float(nmax)
        var iscale = -fmax / signed
        var (lx, l2) = sums(iscale)
        assign(iscale)
        var scale: Float = l2 != 0 ? lx / l2 : 0
        var best = scale * lx
        for step in -9...9 where step != 0 {
            iscale = -(fmax + 0.1 * Float(step)) / signed
            (lx, l2) = sums(iscale)
            if l2 > 0 && lx * lx > best * l2 {
                assign(iscale)
                scale = lx / l2
                best = scale * lx
            }
        }
        return scale
    }

    /// Q6_K: 16 sub-blocks of 16, each `d·sc·(q − 32)` with int8 sc under the block's f16 d.
    private static func q6_K(_ x: UnsafePointer<Float>, _ p: UnsafeMutableRawPointer) {
        var levels = [UInt8](repeating: 0, count: 256)
        var scales = [Float](repeating: 0, count: 16)
        var maxScale: Float = 0, maxAbs: Float = 0
        for ib in 0..<16 {
            scales[ib] = fitSymmetric(x + 16 * ib, n: 16, nmax: 32, levels: &levels, at: 16 * ib)
            if abs(scales[ib]) > maxAbs { maxAbs = abs(scales[ib]); maxScale = scales[ib] }
        }
        guard maxAbs >= 1e-15 else {
            for i in 0..<210 { store(p, i, UInt8(0)) }
            return
        }
        let iscale = -128 / maxScale
        let d = half(1 / iscale)
        store(p, 208, d)
        for ib in 0..<16 {
            let sc = Int8(clamping: min(127, nearest(iscale * scales[ib])))
            store(p, 192 + ib, UInt8(bitPattern: sc))
            let dj = unhalf(d) * Float(sc)
            guard dj != 0 else { continue }
            for i in 0..<16 {
                levels[16 * ib + i] = UInt8(32 + max(-32, min(31, nearest(x[16 * ib + i] / dj))))
            }
        }
        for h in 0..<2 {
            let l0 = 128 * h
            for l in 0..<32 {
                let q1 = levels[l0 + l], q2 = levels[l0 + l + 32], q3 = levels[l0 + l + 64], q4 = levels[l0 + l + 96]
                store(p, 64 * h + l, (q1 & 0xF) | ((q3 & 0xF) << 4))
                store(p, 64 * h + l + 32, (q2 & 0xF) | ((q4 & 0xF) << 4))
                store(p, 128 + 32 * h + l, (q1 >> 4) | ((q2 >> 4) << 2) | ((q3 >> 4) << 4) | ((q4 >> 4) << 6))
            }
        }
    }
}
