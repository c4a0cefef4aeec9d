import BerthaKernels
import BerthaTestSupport
import CBerthaKernels
import Testing

/// The activation quantizers every quantized matmul starts with: the AVX2 path must produce the
/// scalar definition's bits, or a model's logits would depend on the CPU it runs on.
@Suite("Activation quantizers")
struct ActivationQuantizerTests {
    /// Gaussian values with the cases that need care: outliers, a zero group, exact halves (ties
    /// round to even), values at the clamp and subnormals.
    static func testVector(_ count: Int) -> [Float] {
        var rng = SeededRandom(seed: 0x0AC7)
        var x = randomVector(count, rng: &rng)
        x[3] = 25
        x[70] = -400
        for i in 8..<12 { x[i] = 0 }
        x[12] = 127; x[13] = 0.5; x[14] = -1.5; x[15] = 2.5  // group max 127: q = x exactly, ties at .5
        x[20] = Float.leastNormalMagnitude / 1024  // a subnormal
        return x
    }

    /// Σ d[g] Σ q over the groups, in group order: what s, sums16 and sums32 are defined as.
    static func scaledSum(_ q: [Int8], _ d: [Float], groups: Range<Int>) -> Float {
        groups.reduce(Float(0)) { sum, g in sum.addingProduct(d[g], Float(q[4 * g..<4 * g + 4].reduce(0) { $0 + Int($1) })) }
    }

    @Test("q8a: the AVX2 quantizer equals the scalar one bit for bit, and d, s describe qs")
    func q8a() throws {
        let reference = try quantizedBothWays(valuesPerBlock: 32, bertha_block_q8a(),
                                              bertha_quantize_row_q8a, bertha_quantize_row_q8a_ref)
        let q = elements(of: reference[0].qs, as: Int8.self), d = elements(of: reference[0].d, as: Float.self)
        // Group 3 of block 0 holds 127, 0.5, -1.5, 2.5: scale 1, ties to even.
        #expect(Array(q[12..<16]) == [127, 0, -2, 2])
        #expect(d[3] == 1)
        #expect(d[2] == 0 && q[8..<12].allSatisfy { $0 == 0 })
        #expect(reference[0].s == Self.scaledSum(q, d, groups: 0..<8))
    }

    @Test("q8k: the AVX2 quantizer equals the scalar one bit for bit, and the sums describe qs")
    func q8k() throws {
        let reference = try quantizedBothWays(valuesPerBlock: 256, bertha_block_q8k(),
                                              bertha_quantize_row_q8k, bertha_quantize_row_q8k_ref)
        let q = elements(of: reference[0].qs, as: Int8.self), d = elements(of: reference[0].d, as: Float.self)
        let sums16 = elements(of: reference[0].sums16, as: Float.self)
        let sums32 = elements(of: reference[0].sums32, as: Float.self)
        for j in 0..<16 { #expect(sums16[j] == Self.scaledSum(q, d, groups: 4 * j..<4 * j + 4)) }
        for j in 0..<8 { #expect(sums32[j] == sums16[2 * j] + sums16[2 * j + 1]) }
    }

    /// Quantizes the test vector with the dispatching quantizer (AVX2 here) and with the scalar
    /// reference, expects the same bytes, and returns the reference's blocks.
    private func quantizedBothWays<Block>(valuesPerBlock: Int, _ empty: Block,
                                          _ dispatching: (UnsafePointer<Float>?, UnsafeMutablePointer<Block>?, Int32) -> Void,
                                          _ scalar: (UnsafePointer<Float>?, UnsafeMutablePointer<Block>?, Int32) -> Void) throws -> [Block] {
        // On a CPU without AVX2 both calls would run the scalar code and compare it with itself.
        try #require(KernelISA.current != .scalar, "this CPU has no AVX2: nothing to compare")
        let x = Self.testVector(1024)
        var fast = [Block](repeating: empty, count: x.count / valuesPerBlock), reference = fast
        dispatching(x, &fast, Int32(x.count))
        scalar(x, &reference, Int32(x.count))
        #expect(differingBytes(fast, reference) == 0)
        return reference
    }

    private func differingBytes<T>(_ a: [T], _ b: [T]) -> Int {
        let x = a.withUnsafeBytes { Array($0) }, y = b.withUnsafeBytes { Array($0) }
        return zip(x, y).filter { $0 != $1 }.count
    }
}
