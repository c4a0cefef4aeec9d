import BerthaCore
import BerthaGGUF
import BerthaKernels
import BerthaTestSupport
import CBerthaKernels
import Foundation

/// A seeded generator (SplitMix64) so every failing case can be replayed.
struct SeededRandom: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// A standard normal sample (Box–Muller).
    mutating func normal() -> Float {
        let u1 = Double.random(in: Double.ulpOfOne..<1, using: &self)
        let u2 = Double.random(in: 0..<1, using: &self)
        return Float((-2 * log(u1)).squareRoot() * cos(2 * .pi * u2))
    }
}

/// Random weight bytes of `type`: every bit pattern of the quantized fields can occur, while
/// the f16 scales are set to finite values of a realistic size (random f16 bits would be NaNs
/// and infinities, which no quantizer writes).
func randomWeightBytes(_ type: GGMLType, rows: Int, cols: Int, rng: inout SeededRandom) -> [UInt8] {
    let rowBytes = type.rowBytes(cols)!
    var bytes = (0..<(rows * rowBytes)).map { _ in UInt8.random(in: 0...255, using: &rng) }
    func setHalf(_ offset: Int, _ value: Float) {
        let h = bertha_f32_to_f16(value)
        bytes[offset] = UInt8(h & 0xFF)
        bytes[offset + 1] = UInt8(h >> 8)
    }
    let blocks = rows * cols / type.blockSize
    for b in 0..<blocks {
        let o = b * type.typeSize
        switch type {
        case .f32:
            let v = rng.normal()
            withUnsafeBytes(of: v) { for i in 0..<4 { bytes[o + i] = $0[i] } }
        case .f16: setHalf(o, rng.normal())
        case .bf16:
            let h = bertha_f32_to_bf16(rng.normal())
            bytes[o] = UInt8(h & 0xFF)
            bytes[o + 1] = UInt8(h >> 8)
        case .q8_0, .q4_0, .q5_0: setHalf(o, rng.normal() * 0.01)
        case .q4_1, .q5_1:
            setHalf(o, abs(rng.normal()) * 0.01)
            setHalf(o + 2, -abs(rng.normal()) * 0.1)
        case .q4_K, .q5_K:
            setHalf(o, abs(rng.normal()) * 0.001)
            setHalf(o + 2, abs(rng.normal()) * 0.001)
        case .q6_K: setHalf(o + 208, rng.normal() * 0.0005)
        default: fatalError("no generator for \(type)")
        }
    }
    return bytes
}

func randomVector(_ count: Int, rng: inout SeededRandom, scale: Float = 1) -> [Float] {
    (0..<count).map { _ in rng.normal() * scale }
}

/// Dequantizes a whole matrix with the reference decoder.
func dequantizeMatrix(_ type: GGMLType, _ bytes: [UInt8], rows: Int, cols: Int) throws -> [Float] {
    var out = [Float](repeating: 0, count: rows * cols)
    let rowBytes = type.rowBytes(cols)!
    try bytes.withUnsafeBytes { src in
        try out.withUnsafeMutableBufferPointer { dst in
            for r in 0..<rows {
                try Dequantize.row(type, src.baseAddress! + r * rowBytes, dst.baseAddress! + r * cols, count: cols)
            }
        }
    }
    return out
}

/// `W x` in double over the dequantized weights, plus `Σ |w x|` per row (the scale errors are normalized by).
func referenceMatvec(_ w: [Float], rows: Int, cols: Int, _ x: [Float]) -> (y: [Double], magnitude: [Double]) {
    var y = [Double](repeating: 0, count: rows), mag = y
    for r in 0..<rows {
        var s = 0.0, m = 0.0
        for k in 0..<cols {
            let p = Double(w[r * cols + k]) * Double(x[k])
            s += p
            m += abs(p)
        }
        y[r] = s
        mag[r] = m
    }
    return (y, mag)
}

extension GGMLType {
    /// Row lengths used by the tests: whole blocks, several blocks, not a multiple of the 4-block unroll.
    var testCols: Int { blockSize == 256 ? 768 : (blockSize == 32 ? 32 * 23 : 72) }
}

/// The elements of a fixed-size C array, which Swift imports as a tuple (`bertha_block_q8a.d`, `.qs`, …).
func elements<Tuple, Element>(of tuple: Tuple, as _: Element.Type) -> [Element] {
    withUnsafeBytes(of: tuple) { Array($0.bindMemory(to: Element.self)) }
}
