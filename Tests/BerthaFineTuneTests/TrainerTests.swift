import BerthaFineTune
import BerthaGGUF
import BerthaInference
import BerthaTestSupport
import Foundation
import Testing

@Suite("Trainer")
struct TrainerTests {
    /// Rows over the tiny vocabulary with a learnable pattern (each target = previous + 1).
    static func rows() -> [PackedSequence] {
        (0..<6).map { r in
            var s = PackedSequence()
            let start = Int32(r * 5 + 1)
            s.tokens = (0..<10).map { start + Int32($0) }
            s.positions = Array(0..<10)
            s.segments = Array(repeating: 0, count: 10)
            s.targets = (0..<10).map { $0 >= 3 }
            return s
        }
    }

    static func trainer(_ dir: TemporaryDirectory, steps: Int) throws -> Trainer {
        let path = dir.path("tiny.gguf").path
        if !FileManager.default.fileExists(atPath: path) { try TinyModel.write(to: path) }
        let weights = try ModelWeights(file: try GGUFFile(path: path))
        let params = LoRAParameters(configuration: LoRAConfiguration(rank: 4, alpha: 8, targets: LoRATarget.allCases),
                                    model: weights.configuration, seed: 5)
        let model = try LoRATrainingModel(weights: weights, parameters: params, maxTokens: 16, threads: 2)
        var options = TrainingOptions()
        options.steps = steps
        options.batch = 2
        options.learningRate = 1e-2
        options.seed = 9
        return try Trainer(model: model, rows: rows(), options: options, fingerprint: "test")
    }

    @Test("a few AdamW steps lower the training loss")
    func lossDrops() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let trainer = try Self.trainer(dir, steps: 30)
        let before = Evaluation.loss(trainer.model, rows: Self.rows(), useAdapter: true).loss
        for _ in 0..<30 { _ = trainer.runStep() }
        let after = Evaluation.loss(trainer.model, rows: Self.rows(), useAdapter: true).loss
        #expect(after < before * 0.8, "loss \(before) → \(after)")
    }

    @Test("resuming from a checkpoint reaches the same parameters as an uninterrupted run")
    func resumeEqualsUninterrupted() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let straight = try Self.trainer(dir, steps: 8)
        var last = 0.0
        for _ in 0..<8 { last = straight.runStep().loss }

        let first = try Self.trainer(dir, steps: 8)
        for _ in 0..<3 { _ = first.runStep() }
        let checkpoint = dir.path("checkpoint.gguf").path
        try first.saveCheckpoint(to: checkpoint)
        let resumed = try Self.trainer(dir, steps: 8)
        try resumed.loadCheckpoint(from: checkpoint)
        #expect(resumed.step == 3)
        var resumedLast = 0.0
        while resumed.step < 8 { resumedLast = resumed.runStep().loss }
        #expect(resumedLast == last)
        #expect(resumed.model.parameters.values == straight.model.parameters.values)
    }

    @Test("a checkpoint of another run is refused")
    func checkpointMismatch() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let t = try Self.trainer(dir, steps: 2)
        let path = dir.path("c.gguf").path
        try t.saveCheckpoint(to: path)
        let other = try Trainer(model: t.model, rows: Self.rows(), options: t.options, fingerprint: "other")
        #expect(throws: FineTuneError.self) { try other.loadCheckpoint(from: path) }
    }

    @Test("the written adapter loads in llama.cpp's layout and the engine applies it like the trainer")
    func adapterRoundTrip() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let trainer = try Self.trainer(dir, steps: 5)
        for _ in 0..<5 { _ = trainer.runStep() }
        let weights = trainer.model.weights
        let adapterPath = dir.path("adapter.gguf").path
        try AdapterWriter.write(trainer.model.parameters, architecture: "llama", to: adapterPath)
        let file = try GGUFFile(path: adapterPath)
        #expect(file.metadata.string("general.type") == "adapter")
        #expect(file.metadata.string("adapter.type") == "lora")
        #expect(file.metadata.float("adapter.lora.alpha") == 8)
        #expect(file.tensor("blk.0.attn_q.weight.lora_a")?.shape == [TinyModel.dim, 4])
        #expect(file.tensor("blk.1.ffn_down.weight.lora_b")?.shape == [4, TinyModel.dim])
        #expect(file.tensor("blk.1.ffn_down.weight.lora_a")?.shape == [TinyModel.ffn, 4])

        let adapter = try LoRAAdapter(path: adapterPath, configuration: weights.configuration)
        #expect(adapter.count == 2 * LoRATarget.allCases.count)
        let row = Self.rows()[0]
        let engine = Transformer(weights: weights, contextLength: 16, logitCapacity: 10, kvType: .f32, threads: 1, lora: adapter)
        try engine.evaluate(row.tokens, allLogits: true)
        var expected = 0.0
        for t in row.lossPositions {
            let l = engine.logits(t)
            let m = l.max()!
            expected += Double(m) + log(l.reduce(0.0) { $0 + Double(expf($1 - m)) }) - Double(l[Int(row.tokens[t + 1])])
        }
        let trained = trainer.model.run(row, gradientScale: nil)
        #expect(abs(trained.sum - expected) < 1e-3 * abs(expected))
        let plain = Transformer(weights: weights, contextLength: 16, logitCapacity: 10, kvType: .f32, threads: 1)
        try plain.evaluate(row.tokens, allLogits: true)
        #expect(plain.logits(3)[0] != engine.logits(3)[0])
    }
}

@Suite("Evaluation gate")
struct EvaluationGateTests {
    func loss(_ l: Double) -> EvalLoss { EvalLoss(loss: l, perplexity: exp(l), tokens: 10) }
    func canary(_ s: Double) -> CanaryResult { CanaryResult(score: s, answered: Int(s * 10), total: 10, answers: []) }

    @Test("passes an improvement above the threshold", arguments: [(2.0, 1.0, 0.3, true), (2.0, 1.5, 0.3, false), (2.0, 2.2, 0.0, false)])
    func threshold(base: Double, tuned: Double, min: Double, passes: Bool) {
        let d = EvaluationGate(minImprovement: min).decide(base: loss(base), tuned: loss(tuned), canaryBase: nil, canaryTuned: nil)
        #expect(d.passed == passes)
        #expect(d.verdict == (passes ? "passed" : "failed"))
    }

    @Test("fails a canary regression beyond the allowance even when loss improves")
    func canaryRegression() {
        let gate = EvaluationGate(minImprovement: 0.1, maxCanaryRegression: 0.1)
        #expect(gate.decide(base: loss(2), tuned: loss(1), canaryBase: canary(0.8), canaryTuned: canary(0.5)).passed == false)
        #expect(gate.decide(base: loss(2), tuned: loss(1), canaryBase: canary(0.8), canaryTuned: canary(0.7)).passed == true)
    }

    @Test("fails when there is nothing held out")
    func emptyEval() {
        let d = EvaluationGate().decide(base: EvalLoss(loss: 0, perplexity: 1, tokens: 0), tuned: EvalLoss(loss: 0, perplexity: 1, tokens: 0),
                                        canaryBase: nil, canaryTuned: nil)
        #expect(!d.passed)
    }
}
