import BerthaCore
import BerthaFineTune
import BerthaGGUF
import BerthaInference
import BerthaTestSupport
import BerthaTokenizers
import Foundation
import Testing

@Suite("LoRA training model (gemma3)")
struct LoRATrainingModelGemma3Tests {
    /// The engine's summed cross-entropy of every target token `tokens[t + 1]` given the ones before.
    static func engineLoss(_ weights: ModelWeights, _ seq: PackedSequence) throws -> Double {
        let n = seq.tokens.count
        let engine = Transformer(weights: weights, contextLength: n, logitCapacity: n, kvType: .f32, threads: 2)
        try engine.evaluate(seq.tokens, allLogits: true)
        var total = 0.0
        for t in 0..<(n - 1) where seq.targets[t + 1] {
            let row = engine.logits(t)
            let m = row.max()!
            let lse = Double(m) + log(row.reduce(0.0) { $0 + Double(expf($1 - m)) })
            total += lse - Double(row[Int(seq.tokens[t + 1])])
        }
        return total
    }

    static func tinyWeights(_ dir: TemporaryDirectory) throws -> ModelWeights {
        let path = dir.path("tiny-gemma3.gguf").path
        try TinyModel.writeGemma3(to: path)
        return try ModelWeights(file: try GGUFFile(path: path))
    }

    @Test("the tiny model exercises every Gemma 3 feature")
    func tinyModelShape() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let c = try Self.tinyWeights(dir).configuration
        #expect(c.architecture == "gemma3" && c.hasQKNorm && c.hasPostNorms && c.activation == .geluTanh)
        #expect(c.slidingWindow == 3 && c.finalLogitSoftcap == 3 && c.embeddingScale != 1)
        #expect((0..<6).map { c.isSliding(layer: $0) } == [true, true, true, true, true, false])
        #expect(c.ropeBase(layer: 0) != c.ropeBase(layer: 5))
    }

    @Test("gemma3: analytic gradients of every LoRA matrix match central finite differences")
    func gradientCheck() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let weights = try Self.tinyWeights(dir)
        let params = LoRAParameters(configuration: LoRAConfiguration(rank: 4, alpha: 8, targets: LoRATarget.allCases),
                                    model: weights.configuration, seed: 3)
        var rng = SeededRandom(seed: 11)
        for slot in params.slots {
            for i in 0..<(slot.rows * 4) { params.values[slot.bOffset + i] = (rng.unit() * 2 - 1) * 0.2 }
        }
        let model = try LoRATrainingModel(weights: weights, parameters: params, maxTokens: 32, threads: 2)
        let seq = TinyModel.sequence()
        params.gradients = [Float](repeating: 0, count: params.count)
        let base = model.run(seq, gradientScale: 1)
        #expect(base.count == 9)
        let analytic = params.gradients
        var indices: [Int] = []
        for slot in params.slots {
            for k in 0..<3 {
                indices.append(slot.aOffset + (k * 37) % (4 * slot.cols))
                indices.append(slot.bOffset + (k * 53) % (slot.rows * 4))
            }
        }
        let h: Float = 1e-2
        var worst = 0.0
        for i in indices {
            let saved = params.values[i]
            params.values[i] = saved + h
            let plus = model.run(seq, gradientScale: nil).sum
            params.values[i] = saved - h
            let minus = model.run(seq, gradientScale: nil).sum
            params.values[i] = saved
            let numeric = (plus - minus) / (2 * Double(h))
            let error = abs(numeric - Double(analytic[i])) / max(abs(numeric), 1e-2)
            worst = max(worst, error)
            #expect(error < 0.02, "parameter \(i): analytic \(analytic[i]) numeric \(numeric)")
        }
        #expect(indices.count == 6 * 7 * 6)
        print("gemma3 gradient check: \(indices.count) entries, max relative error \(worst)")
    }

    @Test("gemma3: with B = 0 the training forward equals the engine's logits (sliding window, softcap)")
    func tinyMatchesEngine() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let weights = try Self.tinyWeights(dir)
        let params = LoRAParameters(configuration: LoRAConfiguration(rank: 4, alpha: 8), model: weights.configuration, seed: 3)
        let model = try LoRATrainingModel(weights: weights, parameters: params, maxTokens: 32, threads: 1)
        var seq = PackedSequence()
        seq.tokens = [3, 7, 11, 19, 23, 29, 31, 37, 41, 43]
        seq.positions = Array(0..<10); seq.segments = Array(repeating: 0, count: 10)
        seq.targets = [false] + Array(repeating: true, count: 9)
        let loss = model.run(seq, gradientScale: nil)
        let expected = try Self.engineLoss(weights, seq)
        #expect(loss.count == 9)
        #expect(abs(loss.sum - expected) < 1e-4 * expected, "training \(loss.sum) engine \(expected)")
    }

    @Test("gemma3: the engine applies a written adapter like the trainer (LoRA on o and down sits before the post-norms)")
    func tinyAdapterMatchesEngine() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let weights = try Self.tinyWeights(dir)
        let params = LoRAParameters(configuration: LoRAConfiguration(rank: 4, alpha: 8, targets: LoRATarget.allCases),
                                    model: weights.configuration, seed: 3)
        var rng = SeededRandom(seed: 17)
        for slot in params.slots {
            for i in 0..<(slot.rows * 4) { params.values[slot.bOffset + i] = (rng.unit() * 2 - 1) * 0.2 }
        }
        let model = try LoRATrainingModel(weights: weights, parameters: params, maxTokens: 32, threads: 1)
        let adapterPath = dir.path("adapter.gguf").path
        try AdapterWriter.write(params, architecture: "gemma3", to: adapterPath)
        let adapter = try LoRAAdapter(path: adapterPath, configuration: weights.configuration)
        var seq = PackedSequence()
        seq.tokens = [5, 9, 2, 33, 17, 60, 8, 12]
        seq.positions = Array(0..<8); seq.segments = Array(repeating: 0, count: 8)
        seq.targets = [false] + Array(repeating: true, count: 7)
        let engine = Transformer(weights: weights, contextLength: 8, logitCapacity: 8, kvType: .f32, threads: 1, lora: adapter)
        try engine.evaluate(seq.tokens, allLogits: true)
        var expected = 0.0
        for t in seq.lossPositions {
            let l = engine.logits(t)
            let m = l.max()!
            expected += Double(m) + log(l.reduce(0.0) { $0 + Double(expf($1 - m)) }) - Double(l[Int(seq.tokens[t + 1])])
        }
        let tuned = model.run(seq, gradientScale: nil)
        let base = model.run(seq, gradientScale: nil, useAdapter: false)
        #expect(abs(tuned.sum - expected) < 1e-4 * expected, "training \(tuned.sum) engine \(expected)")
        #expect(abs(tuned.sum - base.sum) > 0.1, "the adapter changes the loss")
    }

    @Test("Gemma 3 270M: training loss equals the engine's cross-entropy, and a few steps lower it on facts")
    func realModel() throws {
        let path = try TestEnvironment.model("gemma-3-270m-q4_k_m.gguf").path
        let file = try GGUFFile(path: path)
        let weights = try ModelWeights(file: file)
        let vocabulary = try TokenizerVocabulary(gguf: file)
        let encoder = ExampleEncoder(tokenizer: try makeTokenizer(vocabulary, source: path), template: ChatTemplate(for: vocabulary))
        let facts = try TrainingData.loadChatJSONL(path: try TestEnvironment.fixture("retrain/facts.jsonl").path).prefix(2)
        let ctx = 48
        let rows = facts.map { SequencePacker.pack([encoder.encode($0, maxTokens: ctx)], ctx: ctx)[0] }
        let params = LoRAParameters(configuration: LoRAConfiguration(rank: 8, alpha: 16), model: weights.configuration, seed: 5)
        var clock = ContinuousClock.now
        func lap(_ what: String) {
            print("gemma3 270M \(what): \(ContinuousClock.now - clock)")
            clock = .now
        }
        let model = try LoRATrainingModel(weights: weights, parameters: params, maxTokens: ctx, threads: 2)
        lap("setup")

        // Parity on the first example with every position after the first scored.
        var all = rows[0]
        all.targets = [false] + Array(repeating: true, count: all.count - 1)
        let training = model.run(all, gradientScale: nil)
        lap("training forward")
        let engine = try Self.engineLoss(weights, all)
        lap("engine forward")
        let relative = abs(training.sum - engine) / engine
        print("gemma3 270M parity: \(training.count) tokens, training \(training.sum), engine \(engine), relative \(relative)")
        #expect(training.count == all.count - 1)
        #expect(relative < 1e-4)

        var options = TrainingOptions()
        options.steps = 3
        options.batch = 1
        options.ctx = ctx
        options.learningRate = 1e-2
        options.warmupSteps = 0
        options.seed = 9
        let trainer = try Trainer(model: model, rows: rows, options: options, fingerprint: "gemma3-test")
        let before = Evaluation.loss(model, rows: rows, useAdapter: true).loss
        lap("eval before")
        for _ in 0..<options.steps { _ = trainer.runStep() }
        lap("\(options.steps) steps")
        let after = Evaluation.loss(model, rows: rows, useAdapter: true).loss
        print("gemma3 270M facts: loss \(before) → \(after)")
        #expect(after < before * 0.7, "loss \(before) → \(after)")
    }
}
