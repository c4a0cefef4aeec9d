import BerthaInference

/// Dropout on the inputs of the LoRA branches (PEFT's `lora_dropout`): each input element of a
/// branch is zeroed with probability p and the rest scaled by 1 / (1 − p), in training only.
///
/// The mask is a pure function of (seed, layer, target, element index) — a counter-based hash
/// rather than a stream of random numbers — so the backward pass draws exactly the masks the
/// forward pass used without storing them (n × in floats per branch), and a resumed run or a
/// finite-difference check sees the same masks for the same seed.
public struct LoRADropout: Sendable, Equatable {
    public var probability: Float
    public var seed: UInt64

    public init(probability: Float, seed: UInt64) {
        self.probability = probability
        self.seed = seed
    }

    /// Whether element `index` of the input of (layer, target) is kept.
    @inline(__always)
    func keeps(_ index: Int, base: UInt64) -> Bool {
        var z = base &+ UInt64(truncatingIfNeeded: index) &* 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        // 24 bits of uniform in [0, 1), like a Float's mantissa.
        return Float(z >> 40) * 0x1p-24 >= probability
    }

    /// The per-branch stream: distinct for every (layer, target) under one seed.
    func base(layer: Int, target: LoRATarget) -> UInt64 {
        let t = UInt64(LoRATarget.allCases.firstIndex(of: target) ?? 0)
        return seed ^ (UInt64(layer) &* 0xD6E8_FEB8_6659_FD93) ^ ((t &+ 1) &* 0xA076_1D64_78BD_642F)
    }

    /// dst = src ⊙ mask / (1 − p).
    public func apply(_ src: UnsafePointer<Float>, into dst: UnsafeMutablePointer<Float>, count: Int, layer: Int, target: LoRATarget) {
        let b = base(layer: layer, target: target), scale = 1 / (1 - probability)
        for i in 0..<count { dst[i] = keeps(i, base: b) ? src[i] * scale : 0 }
    }

    /// dst += src ⊙ mask / (1 − p) (the backward of `apply`).
    public func accumulateMasked(_ src: UnsafePointer<Float>, into dst: UnsafeMutablePointer<Float>, count: Int, layer: Int,
                          target: LoRATarget) {
        let b = base(layer: layer, target: target), scale = 1 / (1 - probability)
        for i in 0..<count where keeps(i, base: b) { dst[i] += src[i] * scale }
    }
}
