@testable import BerthaInference
import BerthaTestSupport
import Testing

@Suite("Context shift")
struct ContextShiftTests {
    /// Layer 0's keys depend only on their own token, so after dropping positions the moved keys,
    /// rotated back by RoPE, must equal the keys a fresh pass computes at the new positions.
    @Test("moved keys of layer 0 equal a fresh evaluation at their new positions")
    func movedKeysAreRerotated() throws {
        let path = try TestEnvironment.model(ReferenceModels.smollm).path
        let weights = try LoadedModel(path: path, contextLength: 64, threads: 2).transformer.weights
        let shifted = Transformer(weights: weights, contextLength: 64, kvType: .f32, threads: 2)
        let fresh = Transformer(weights: weights, contextLength: 64, kvType: .f32, threads: 2)
        let tokens: [Int32] = (0..<30).map { Int32(100 + 37 * $0) }
        let keep = 3, discard = 11
        try shifted.evaluate(tokens)
        shifted.shiftContext(sequence: 0, keep: keep, discard: discard)
        #expect(shifted.cache.count(of: 0) == tokens.count - discard)
        try fresh.evaluate(Array(tokens[..<keep] + tokens[(keep + discard)...]))
        let c = weights.configuration
        var a = [Float](repeating: 0, count: c.headDimension), b = a
        var worst: Float = 0, moved = 0
        for head in 0..<c.headCountKV {
            for position in keep..<shifted.cache.count(of: 0) {
                shifted.cache.read(shifted.cache.keyRow(0, 0, head, position), into: &a, count: c.headDimension)
                fresh.cache.read(fresh.cache.keyRow(0, 0, head, position), into: &b, count: c.headDimension)
                let scale = b.map(abs).max() ?? 1
                worst = max(worst, zip(a, b).map { abs($0 - $1) }.max()! / scale)
                moved += 1
            }
        }
        #expect(moved == c.headCountKV * (tokens.count - keep - discard))
        #expect(worst < 1e-4, "largest relative difference of a moved key: \(worst)")
    }
}
