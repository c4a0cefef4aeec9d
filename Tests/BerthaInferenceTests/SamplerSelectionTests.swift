import BerthaCore
import BerthaInference
import Foundation
import Testing

/// The sampler selects its top-k candidates with a heap instead of sorting the vocabulary. These
/// tests pin the semantics to the straightforward definition (bias, penalties, full stable sort by
/// logit, top-k, top-p, min-p, temperature, draw in that order) on rows full of ties.
@Suite("Sampler selection matches the full-sort definition")
struct SamplerSelectionTests {
    /// The definition, written plainly: the order of equal logits is ascending token id.
    struct FullSortSampler {
        let p: SamplingParameters
        var random: SeededRandom

        init(_ p: SamplingParameters) {
            self.p = p
            random = SeededRandom(seed: p.seed)
        }

        mutating func sample(_ row: [Float], history: [Int32]) -> Int32 {
            var logits = row
            for (id, bias) in p.logitBias where Int(id) < logits.count { logits[Int(id)] += bias }
            if p.penaltyLastN > 0 && !history.isEmpty {
                var counts: [Int32: Int] = [:]
                for id in history.suffix(p.penaltyLastN) { counts[id, default: 0] += 1 }
                for (id, n) in counts {
                    var l = logits[Int(id)]
                    l = l > 0 ? l / p.repeatPenalty : l * p.repeatPenalty
                    logits[Int(id)] = l - Float(n) * p.frequencyPenalty - p.presencePenalty
                }
            }
            var order = Array(logits.indices)
            if p.temperature <= 0 {
                return Int32(order.max { logits[$0] < logits[$1] || (logits[$0] == logits[$1] && $0 > $1) }!)
            }
            order.sort { logits[$0] > logits[$1] || (logits[$0] == logits[$1] && $0 < $1) }
            if p.topK > 0 { order = Array(order.prefix(p.topK)) }
            let top = logits[order[0]]
            var probs = order.map { exp(Double(logits[$0] - top)) }
            if p.topP < 1 {
                let total = probs.reduce(0, +)
                var cumulative = 0.0
                var keep = probs.count
                for i in probs.indices {
                    cumulative += probs[i] / total
                    if cumulative >= Double(p.topP) { keep = i + 1; break }
                }
                order = Array(order.prefix(keep))
                probs = Array(probs.prefix(keep))
            }
            if p.minP > 0 {
                let keep = max(1, probs.firstIndex { $0 < Double(p.minP) * probs[0] } ?? probs.count)
                order = Array(order.prefix(keep))
            }
            let weights = order.map { exp(Double(logits[$0] - top) / Double(p.temperature)) }
            let r = Double(random.unit()) * weights.reduce(0, +)
            var acc = 0.0
            for (i, w) in weights.enumerated() {
                acc += w
                if r < acc { return Int32(order[i]) }
            }
            return Int32(order.last!)
        }
    }

    /// Rows of 3000 logits on a coarse grid, so many candidates tie.
    static func rows(_ count: Int, seed: UInt64) -> [[Float]] {
        var random = SeededRandom(seed: seed)
        return (0..<count).map { _ in (0..<3000).map { _ in Float(Int(random.next() % 40)) * 0.25 - 5 } }
    }

    static func settings() -> [SamplingParameters] {
        var out: [SamplingParameters] = []
        for (k, topP, minP) in [(40, Float(0.95), Float(0.05)), (1, 1, 0), (5, 1, 0), (0, 0.9, 0), (0, 1, 0.2),
                                (100, 0.5, 0), (3000, 1, 0), (5000, 0.99, 0.01)] {
            var p = SamplingParameters()
            p.topK = k
            p.topP = topP
            p.minP = minP
            p.temperature = 0.7
            p.seed = UInt64(k) &* 31 &+ 5
            out.append(p)
        }
        var penalised = SamplingParameters()
        penalised.repeatPenalty = 1.3
        penalised.frequencyPenalty = 0.2
        penalised.presencePenalty = 0.1
        penalised.logitBias = [7: 100, 8: -.infinity, 2999: 3]
        penalised.seed = 99
        out.append(penalised)
        var greedy = penalised
        greedy.temperature = 0
        out.append(greedy)
        return out
    }

    @Test("the same tokens as the full-sort definition for every setting and seed, ties included")
    func sameTokens() throws {
        let rows = Self.rows(40, seed: 3)
        for p in Self.settings() {
            var fast = try Sampler(p)
            var plain = FullSortSampler(p)
            var history: [Int32] = [7, 12, 12, 40]
            var got: [Int32] = [], want: [Int32] = []
            for row in rows {
                let a = row.withUnsafeBufferPointer { fast.sample($0, history: history) }
                let b = plain.sample(row, history: history)
                got.append(a)
                want.append(b)
                history.append(b)
            }
            #expect(got == want, "top-k \(p.topK) top-p \(p.topP) min-p \(p.minP) temp \(p.temperature)")
        }
    }

    @Test("a top-k of 1 picks the lowest id among tied best logits")
    func tieOrder() throws {
        var p = SamplingParameters()
        p.topK = 1
        p.temperature = 1
        var sampler = try Sampler(p)
        let row: [Float] = [0, 2, 1, 2, 2, -1]
        let picks = row.withUnsafeBufferPointer { b in (0..<8).map { _ in sampler.sample(b) } }
        #expect(picks == Array(repeating: 1, count: 8))
    }
}
