import BerthaCore
import BerthaInference

/// The hyperparameters of a LoRA adapter.
public struct LoRAConfiguration: Sendable, Equatable, Codable {
    /// Rank r of A (r × in) and B (out × r).
    public var rank: Int
    /// Alpha; the branch is scaled by alpha / rank.
    public var alpha: Float
    /// The adapted projections.
    public var targets: [LoRATarget]

    public init(rank: Int = 8, alpha: Float = 16, targets: [LoRATarget] = [.q, .k, .v, .o]) {
        self.rank = rank
        self.alpha = alpha
        self.targets = LoRATarget.allCases.filter { targets.contains($0) }
    }

    /// alpha / rank.
    public var scale: Float { alpha / Float(rank) }
}

/// The trainable parameters of every adapted projection in one flat F32 buffer (with gradients
/// beside them), so the optimizer, clipping and checkpoints see one vector.
///
/// Per (layer, target): A (rank × in, row-major, llama.cpp's `lora_a`) then B (out × rank,
/// `lora_b`). A starts Kaiming-uniform (bound 1/√in, PEFT's default), B at zero, so an untrained
/// adapter leaves the model unchanged.
public final class LoRAParameters: @unchecked Sendable {
    /// Where one projection's A and B live in `values`.
    public struct Slot: Sendable {
        public let layer: Int
        public let target: LoRATarget
        public let rows: Int
        public let cols: Int
        public let aOffset: Int
        public let bOffset: Int
    }

    public let configuration: LoRAConfiguration
    public let slots: [Slot]
    /// Index into `slots` by [layer][target], nil when not adapted.
    let index: [[LoRATarget: Int]]
    /// All parameters.
    public var values: [Float]
    /// Gradient accumulators, same layout.
    public var gradients: [Float]

    /// Fresh parameters for a model of `model`, initialised from `seed`.
    public init(configuration: LoRAConfiguration, model: ModelConfiguration, seed: UInt64) {
        self.configuration = configuration
        var slots: [Slot] = []
        var index = Array(repeating: [LoRATarget: Int](), count: model.blockCount)
        var offset = 0
        let r = configuration.rank
        for layer in 0..<model.blockCount {
            for target in configuration.targets {
                let (rows, cols) = target.shape(model)
                index[layer][target] = slots.count
                slots.append(Slot(layer: layer, target: target, rows: rows, cols: cols, aOffset: offset, bOffset: offset + r * cols))
                offset += r * cols + rows * r
            }
        }
        self.slots = slots
        self.index = index
        values = [Float](repeating: 0, count: offset)
        gradients = [Float](repeating: 0, count: offset)
        var rng = SeededRandom(seed: seed)
        for slot in slots {
            let bound = 1 / Float(slot.cols).squareRoot()
            for i in 0..<(r * slot.cols) { values[slot.aOffset + i] = (rng.unit() * 2 - 1) * bound }
        }
    }

    /// The number of trainable parameters.
    public var count: Int { values.count }

    func slot(layer: Int, _ target: LoRATarget) -> Slot? {
        index[layer][target].map { slots[$0] }
    }

    /// The adapter for inference (`Transformer(lora:)`).
    public func adapter(model: ModelConfiguration) -> LoRAAdapter {
        let r = configuration.rank
        let matrices = slots.map { s in
            (layer: s.layer, target: s.target, a: Array(values[s.aOffset..<s.aOffset + r * s.cols]),
             b: Array(values[s.bOffset..<s.bOffset + s.rows * r]), rank: r)
        }
        return LoRAAdapter(alpha: configuration.alpha, configuration: model, matrices: matrices, source: "<training>")
    }
}
