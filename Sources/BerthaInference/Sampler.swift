import BerthaCore
import Foundation

/// Picks the next token from a row of logits: logit bias, repetition penalties over the last
/// `penaltyLastN` tokens, then greedy or temperature sampling restricted by top-k, top-p and min-p
/// (in llama.cpp's order: penalties → top-k → top-p → min-p → temperature → draw).
///
/// Candidates are ordered by logit, highest first, equal logits by ascending token id; the draw
/// walks them in that order, so a seed fixes the output. Only the top-k survivors are ever sorted:
/// they are selected with a k-element heap in one pass over the vocabulary (a full sort of 49k-262k
/// logits per token cost more than the forward pass). Bias and penalties touch only the ids they
/// name, on a copy of the row made only when there are any.
///
/// Owns its scratch and its random state; one sampler per sequence.
public struct Sampler: Sendable {
    /// The settings.
    public let parameters: SamplingParameters
    private var random: SeededRandom
    private var adjusted: [Float] = []
    private var candidates: [(id: Int32, logit: Float)] = []

    /// A sampler seeded with `parameters.seed`.
    /// - Throws: `InferenceError.invalidParameter` for invalid settings.
    public init(_ parameters: SamplingParameters) throws(InferenceError) {
        try parameters.validate()
        self.parameters = parameters
        random = SeededRandom(seed: parameters.seed)
    }

    /// The next token.
    /// - Parameters:
    ///   - logits: one row of raw logits (vocabulary size).
    ///   - history: the tokens so far (prompt and generated); the penalties look at its tail.
    /// - Returns: the chosen token id.
    public mutating func sample(_ logits: UnsafeBufferPointer<Float>, history: [Int32] = []) -> Int32 {
        guard !logits.isEmpty else { return 0 }
        if needsAdjustment(history) {
            adjusted.removeAll(keepingCapacity: true)
            adjusted.append(contentsOf: logits)
            applyBiasAndPenalties(history)
            return adjusted.withUnsafeBufferPointer { choose($0) }
        }
        return choose(logits)
    }

    private mutating func choose(_ row: UnsafeBufferPointer<Float>) -> Int32 {
        let p = parameters
        if p.temperature <= 0 {
            var best = 0
            var bestLogit = row[0]
            for i in 1..<row.count where row[i] > bestLogit {
                best = i
                bestLogit = row[i]
            }
            return Int32(best)
        }
        let k = p.topK > 0 ? min(p.topK, row.count) : row.count
        if k < row.count {
            selectTop(k, of: row)
        } else {
            candidates.removeAll(keepingCapacity: true)
            candidates.reserveCapacity(row.count)
            for i in 0..<row.count { candidates.append((Int32(i), row[i])) }
        }
        candidates.sort(by: Self.before)
        return draw()
    }

    /// Whether `a` comes before `b` in candidate order: higher logit, then lower id.
    @inline(__always)
    static func before(_ a: (id: Int32, logit: Float), _ b: (id: Int32, logit: Float)) -> Bool {
        a.logit > b.logit || (a.logit == b.logit && a.id < b.id)
    }

    /// The `k` first candidates of `row` in candidate order (unsorted) into `candidates`: a heap
    /// whose root is the last of the kept ones, replaced whenever a later id beats it. Ids arrive in
    /// ascending order, so an equal logit never displaces an earlier id, as a stable sort keeps it.
    private mutating func selectTop(_ k: Int, of row: UnsafeBufferPointer<Float>) {
        candidates.removeAll(keepingCapacity: true)
        candidates.reserveCapacity(k)
        for i in 0..<k {
            candidates.append((Int32(i), row[i]))
            siftUp(i)
        }
        var worst = candidates[0].logit
        for i in k..<row.count {
            let v = row[i]
            // Same logit with a higher id than the root never beats it.
            guard v > worst else { continue }
            candidates[0] = (Int32(i), v)
            siftDown(0)
            worst = candidates[0].logit
        }
    }

    // Heap order: the parent comes after its children in candidate order (root = last kept).
    private mutating func siftUp(_ index: Int) {
        var child = index
        while child > 0 {
            let parent = (child - 1) / 2
            guard Self.before(candidates[parent], candidates[child]) else { return }
            candidates.swapAt(parent, child)
            child = parent
        }
    }

    private mutating func siftDown(_ index: Int) {
        var parent = index
        let n = candidates.count
        while true {
            let left = 2 * parent + 1
            guard left < n else { return }
            var latest = left
            let right = left + 1
            if right < n && Self.before(candidates[left], candidates[right]) { latest = right }
            guard Self.before(candidates[parent], candidates[latest]) else { return }
            candidates.swapAt(parent, latest)
            parent = latest
        }
    }

    /// top-p, min-p, temperature and the draw over the sorted `candidates`.
    private mutating func draw() -> Int32 {
        let p = parameters
        guard let top = candidates.first?.logit, top.isFinite else { return candidates.first?.id ?? 0 }
        // probabilities at temperature 1 for top-p/min-p (llama.cpp applies temperature last)
        var probs = candidates.map { exp(Double($0.logit - top)) }
        var total = probs.reduce(0, +)
        if p.topP < 1 {
            var cumulative = 0.0
            var keep = probs.count
            for i in probs.indices {
                cumulative += probs[i] / total
                if cumulative >= Double(p.topP) { keep = i + 1; break }
            }
            candidates.removeSubrange(keep...)
            probs.removeSubrange(keep...)
            total = probs.reduce(0, +)
        }
        if p.minP > 0 {
            let threshold = Double(p.minP) * probs[0]
            let keep = max(1, probs.firstIndex { $0 < threshold } ?? probs.count)
            candidates.removeSubrange(keep...)
            probs.removeSubrange(keep...)
        }
        // temperature and draw
        let t = Double(p.temperature)
        let weights = candidates.map { exp(Double($0.logit - top) / t) }
        total = weights.reduce(0, +)
        let r = Double(random.unit()) * total
        var acc = 0.0
        for i in weights.indices {
            acc += weights[i]
            if r < acc { return candidates[i].id }
        }
        return candidates[candidates.count - 1].id
    }

    private func needsAdjustment(_ history: [Int32]) -> Bool {
        let p = parameters
        if !p.logitBias.isEmpty { return true }
        return p.penaltyLastN > 0 && !history.isEmpty
            && (p.repeatPenalty != 1 || p.presencePenalty != 0 || p.frequencyPenalty != 0)
    }

    /// Bias first, then the penalties on the biased logits, only at the ids concerned.
    private mutating func applyBiasAndPenalties(_ history: [Int32]) {
        let p = parameters
        for (id, bias) in p.logitBias where id >= 0 && Int(id) < adjusted.count { adjusted[Int(id)] += bias }
        guard p.penaltyLastN > 0, !history.isEmpty,
              p.repeatPenalty != 1 || p.presencePenalty != 0 || p.frequencyPenalty != 0 else { return }
        var counts: [Int32: Int] = [:]
        for id in history.suffix(p.penaltyLastN) { counts[id, default: 0] += 1 }
        for (id, count) in counts where id >= 0 && Int(id) < adjusted.count {
            var logit = adjusted[Int(id)]
            logit = logit > 0 ? logit / p.repeatPenalty : logit * p.repeatPenalty
            logit -= Float(count) * p.frequencyPenalty + p.presencePenalty
            adjusted[Int(id)] = logit
        }
    }
}
