import Foundation

/// Picks the next token from a row of logits: logit bias, repetition penalties over the last
/// `penaltyLastN` tokens, then greedy or temperature sampling restricted by top-k, top-p and min-p
/// (in llama.cpp's order: penalties → top-k → top-p → min-p → temperature → draw).
///
/// Owns its scratch (one candidate list the size of the vocabulary) and its random state; one
/// sampler per sequence.
public struct Sampler: Sendable {
    /// The settings.
    public let parameters: SamplingParameters
    private var random: SeededRandom
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
        let p = parameters
        candidates.removeAll(keepingCapacity: true)
        candidates.reserveCapacity(logits.count)
        for i in logits.indices { candidates.append((Int32(i), logits[i])) }
        for (id, bias) in p.logitBias where id >= 0 && Int(id) < candidates.count { candidates[Int(id)].logit += bias }
        applyPenalties(history)

        if p.temperature <= 0 {
            var best = 0
            for i in candidates.indices where candidates[i].logit > candidates[best].logit { best = i }
            return candidates[best].id
        }
        // top-k: partial order is enough, but a full sort of the survivors keeps top-p simple.
        if p.topK > 0 && p.topK < candidates.count {
            candidates.sort { $0.logit > $1.logit }
            candidates.removeSubrange(p.topK...)
        } else {
            candidates.sort { $0.logit > $1.logit }
        }
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
        var weights = candidates.map { exp(Double($0.logit - top) / t) }
        total = weights.reduce(0, +)
        let r = Double(random.unit()) * total
        var acc = 0.0
        for i in weights.indices {
            acc += weights[i]
            if r < acc { return candidates[i].id }
        }
        weights.removeAll()
        return candidates[candidates.count - 1].id
    }

    private mutating func applyPenalties(_ history: [Int32]) {
        let p = parameters
        guard p.penaltyLastN > 0, !history.isEmpty,
              p.repeatPenalty != 1 || p.presencePenalty != 0 || p.frequencyPenalty != 0 else { return }
        var counts: [Int32: Int] = [:]
        for id in history.suffix(p.penaltyLastN) { counts[id, default: 0] += 1 }
        for (id, count) in counts where id >= 0 && Int(id) < candidates.count {
            var logit = candidates[Int(id)].logit
            logit = logit > 0 ? logit / p.repeatPenalty : logit * p.repeatPenalty
            logit -= Float(count) * p.frequencyPenalty + p.presencePenalty
            candidates[Int(id)].logit = logit
        }
    }
}
