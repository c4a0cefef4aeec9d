import BerthaCore
import BerthaGGUF
import BerthaInference
import Foundation

/// Optimizer and schedule settings of a training run.
public struct TrainingOptions: Sendable, Equatable, Codable {
    /// Optimizer steps.
    public var steps: Int = 200
    /// Packed rows per step (gradients are accumulated over them).
    public var batch: Int = 4
    /// Tokens per packed row.
    public var ctx: Int = 256
    /// Peak AdamW learning rate.
    public var learningRate: Float = 2e-4
    /// Linear warm-up steps before the cosine decay (default: 10% of `steps`).
    public var warmupSteps: Int? = nil
    /// The learning rate decays to `minLearningRateRatio · learningRate`.
    public var minLearningRateRatio: Float = 0.1
    /// Decoupled weight decay.
    public var weightDecay: Float = 0
    public var beta1: Float = 0.9
    public var beta2: Float = 0.999
    public var epsilon: Float = 1e-8
    /// Global gradient-norm clip (0 disables).
    public var clipNorm: Float = 1
    /// Seed of the initialisation and the row order.
    public var seed: UInt64 = 42
    /// Steps between checkpoints (0: only at the end).
    public var checkpointEvery: Int = 50
    /// Probability of dropping each input of a LoRA branch while training (PEFT's lora_dropout);
    /// evaluation never drops. Optional so checkpoints written before it existed still decode.
    public var dropout: Float? = nil

    public init() {}

    /// The learning rate at (0-based) step `step`: linear warm-up, then cosine to the floor.
    public func learningRate(at step: Int) -> Float {
        let warmup = warmupSteps ?? max(1, steps / 10)
        if step < warmup { return learningRate * Float(step + 1) / Float(warmup) }
        let progress = Float(step - warmup) / Float(max(1, steps - warmup))
        let cosine = 0.5 * (1 + cos(Float.pi * min(progress, 1)))
        return learningRate * (minLearningRateRatio + (1 - minLearningRateRatio) * cosine)
    }
}

/// What one optimizer step did.
public struct StepReport: Sendable, Codable {
    public var step: Int
    public var loss: Double
    public var learningRate: Float
    public var gradientNorm: Float
    public var tokens: Int
    public var tokensPerSecond: Double
}

/// AdamW over the flat LoRA parameter vector, driving `LoRATrainingModel` over packed rows with
/// gradient accumulation, clipping and atomic checkpoints.
public final class Trainer: @unchecked Sendable {
    public let model: LoRATrainingModel
    public let rows: [PackedSequence]
    public let options: TrainingOptions
    /// Identifies the run a checkpoint belongs to (model, data, LoRA and optimizer settings).
    public let fingerprint: String
    /// Steps completed.
    public private(set) var step = 0
    private var m: [Float]
    private var v: [Float]

    /// - Parameters:
    ///   - model: the model with fresh (or loaded) parameters.
    ///   - rows: the packed training rows.
    ///   - options: optimizer settings.
    ///   - fingerprint: what a checkpoint must match to be resumed.
    public init(model: LoRATrainingModel, rows: [PackedSequence], options: TrainingOptions, fingerprint: String) throws(FineTuneError) {
        guard !rows.isEmpty else { throw .noExamples("no packed rows with a target token") }
        self.model = model
        self.rows = rows
        self.options = options
        self.fingerprint = fingerprint
        m = [Float](repeating: 0, count: model.parameters.count)
        v = m
    }

    /// The rows of step `step`: every epoch visits all rows once, in an order shuffled by the seed
    /// and the epoch, so a resumed run sees exactly the rows an uninterrupted one would.
    public func batch(at step: Int) -> [PackedSequence] {
        (0..<options.batch).map { b in
            let g = step * options.batch + b
            let epoch = g / rows.count
            var rng = SeededRandom(seed: options.seed &+ UInt64(epoch) &* 0x9E37_79B9)
            let order = Array(rows.indices).shuffled(using: &rng)
            return rows[order[g % rows.count]]
        }
    }

    /// Runs one optimizer step and returns what it did.
    public func runStep() -> StepReport {
        let start = Date()
        let params = model.parameters
        params.gradients.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        let batch = batch(at: step)
        let targets = batch.reduce(0) { $0 + $1.lossPositions.count }
        var lossSum = 0.0
        var tokens = 0
        for (index, row) in batch.enumerated() {
            // A mask per (step, row) that a resumed run draws again identically.
            let dropout = options.dropout.flatMap { p in
                p > 0 ? LoRADropout(probability: p, seed: options.seed &+ UInt64(step) &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(index)) : nil
            }
            let loss = model.run(row, gradientScale: 1 / Float(max(targets, 1)), dropout: dropout)
            lossSum += loss.sum
            tokens += row.count
        }
        var norm = 0.0
        for g in params.gradients { norm += Double(g) * Double(g) }
        let gradNorm = Float(norm.squareRoot())
        let clip: Float = options.clipNorm > 0 && gradNorm > options.clipNorm ? options.clipNorm / gradNorm : 1
        let lr = options.learningRate(at: step)
        let t = Float(step + 1)
        let b1 = options.beta1, b2 = options.beta2
        let c1 = 1 - pow(b1, t), c2 = 1 - pow(b2, t)
        let eps = options.epsilon, wd = options.weightDecay
        params.values.withUnsafeMutableBufferPointer { values in
            params.gradients.withUnsafeBufferPointer { grads in
                m.withUnsafeMutableBufferPointer { m in
                    v.withUnsafeMutableBufferPointer { v in
                        for i in 0..<values.count {
                            let g = grads[i] * clip
                            m[i] = b1 * m[i] + (1 - b1) * g
                            v[i] = b2 * v[i] + (1 - b2) * g * g
                            let update = (m[i] / c1) / ((v[i] / c2).squareRoot() + eps)
                            values[i] -= lr * (update + wd * values[i])
                        }
                    }
                }
            }
        }
        step += 1
        let seconds = Date().timeIntervalSince(start)
        return StepReport(step: step, loss: lossSum / Double(max(targets, 1)), learningRate: lr, gradientNorm: gradNorm,
                          tokens: tokens, tokensPerSecond: Double(tokens) / max(seconds, 1e-9))
    }

    // MARK: checkpoints

    /// Writes parameters, optimizer moments and the step to `path` atomically (a GGUF file).
    /// - Throws: `FineTuneError.cannotWrite`.
    public func saveCheckpoint(to path: String) throws(FineTuneError) {
        var writer = GGUFWriter()
        writer.metadata["general.type"] = .string("bertha.checkpoint")
        writer.metadata["bertha.checkpoint.step"] = .uint64(UInt64(step))
        writer.metadata["bertha.checkpoint.fingerprint"] = .string(fingerprint)
        do {
            try writer.addTensor(name: "lora.values", shape: [model.parameters.count], values: model.parameters.values)
            try writer.addTensor(name: "adam.m", shape: [m.count], values: m)
            try writer.addTensor(name: "adam.v", shape: [v.count], values: v)
            try writer.write(to: path)
        } catch {
            throw .cannotWrite(path: path, reason: error.description)
        }
    }

    /// Restores the state saved by `saveCheckpoint`.
    /// - Throws: `FineTuneError.checkpointMismatch` when it belongs to another run, `.unreadable`.
    public func loadCheckpoint(from path: String) throws(FineTuneError) {
        let file: GGUFFile
        do { file = try GGUFFile(path: path) } catch { throw .unreadable(path: path, reason: error.description) }
        guard file.metadata.string("bertha.checkpoint.fingerprint") == fingerprint else {
            throw .checkpointMismatch(path: path, reason: "written by a run with other data, model or settings")
        }
        guard let saved = file.metadata.int("bertha.checkpoint.step") else {
            throw .checkpointMismatch(path: path, reason: "no step recorded")
        }
        func floats(_ name: String) throws(FineTuneError) -> [Float] {
            guard let info = file.tensor(name), info.type == .f32, info.elementCount == model.parameters.count else {
                throw .checkpointMismatch(path: path, reason: "tensor \(name) missing or of the wrong size")
            }
            let raw = file.data(info)
            return Array(raw.bindMemory(to: Float.self))
        }
        model.parameters.values = try floats("lora.values")
        m = try floats("adam.m")
        v = try floats("adam.v")
        step = saved
    }
}
