import BerthaCore
import BerthaFineTune
import BerthaGGUF
import BerthaInference
import BerthaTestSupport
import Foundation
import Testing

@Suite("LoRA training model")
struct LoRATrainingModelTests {
    /// Loads the tiny model with an adapter on every projection, B random so every gradient is alive.
    static func makeModel(_ dir: TemporaryDirectory, targets: [LoRATarget] = LoRATarget.allCases) throws -> LoRATrainingModel {
        let path = dir.path("tiny.gguf").path
        try TinyModel.write(to: path)
        let weights = try ModelWeights(file: try GGUFFile(path: path))
        let params = LoRAParameters(configuration: LoRAConfiguration(rank: 4, alpha: 8, targets: targets),
                                    model: weights.configuration, seed: 3)
        var rng = SeededRandom(seed: 11)
        for slot in params.slots {
            for i in 0..<(slot.rows * 4) { params.values[slot.bOffset + i] = (rng.unit() * 2 - 1) * 0.2 }
        }
        return try LoRATrainingModel(weights: weights, parameters: params, maxTokens: 32, threads: 2)
    }

    @Test("analytic gradients of every LoRA matrix match central finite differences, with and without dropout",
          arguments: [nil, LoRADropout(probability: 0.3, seed: 7)])
    func gradientCheck(dropout: LoRADropout?) throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let model = try Self.makeModel(dir)
        let seq = TinyModel.sequence()
        let params = model.parameters
        params.gradients = [Float](repeating: 0, count: params.count)
        let base = model.run(seq, gradientScale: 1, dropout: dropout)
        #expect(base.count == 9)
        let analytic = params.gradients
        // Every slot, a spread of A and B entries.
        var indices: [Int] = []
        for slot in params.slots {
            for k in 0..<3 {
                indices.append(slot.aOffset + (k * 37) % (4 * slot.cols))
                indices.append(slot.bOffset + (k * 53) % (slot.rows * 4))
            }
        }
        let h: Float = 1e-2
        var worst = 0.0
        var checked = 0
        for i in indices {
            let saved = params.values[i]
            params.values[i] = saved + h
            let plus = model.run(seq, gradientScale: nil, dropout: dropout).sum
            params.values[i] = saved - h
            let minus = model.run(seq, gradientScale: nil, dropout: dropout).sum
            params.values[i] = saved
            let numeric = (plus - minus) / (2 * Double(h))
            let error = abs(numeric - Double(analytic[i])) / max(abs(numeric), 1e-2)
            worst = max(worst, error)
            checked += 1
            #expect(error < 0.02, "parameter \(i): analytic \(analytic[i]) numeric \(numeric)")
        }
        #expect(checked == params.slots.count * 6)
        #expect(worst < 0.02)
    }

    @Test("dropout changes the trained branch's loss, draws the same masks for the same seed, and drops about p of the inputs")
    func dropoutMasks() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let model = try Self.makeModel(dir)
        let seq = TinyModel.sequence()
        let plain = model.run(seq, gradientScale: nil).sum
        let dropped = model.run(seq, gradientScale: nil, dropout: LoRADropout(probability: 0.5, seed: 1)).sum
        let again = model.run(seq, gradientScale: nil, dropout: LoRADropout(probability: 0.5, seed: 1)).sum
        let other = model.run(seq, gradientScale: nil, dropout: LoRADropout(probability: 0.5, seed: 2)).sum
        #expect(dropped != plain)
        #expect(dropped == again)
        #expect(other != dropped)
        #expect(model.run(seq, gradientScale: nil).sum == plain, "no dropout after a run that had it")
        // The mask: ~30% zeros, the rest scaled by 1 / 0.7, and other streams per branch.
        let mask = LoRADropout(probability: 0.3, seed: 9)
        let ones = [Float](repeating: 1, count: 20_000)
        var q = [Float](repeating: -1, count: ones.count), v = q
        mask.apply(ones, into: &q, count: ones.count, layer: 0, target: .q)
        mask.apply(ones, into: &v, count: ones.count, layer: 0, target: .v)
        let zeros = q.filter { $0 == 0 }.count
        #expect(abs(Double(zeros) / Double(ones.count) - 0.3) < 0.02, "\(zeros) zeros")
        #expect(q.allSatisfy { $0 == 0 || abs($0 - 1 / 0.7) < 1e-6 })
        #expect(q != v)
    }

    @Test("examples packed into one row do not see each other")
    func packingIsolatesExamples() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let model = try Self.makeModel(dir, targets: [.q, .v])
        let packed = TinyModel.sequence()
        var first = PackedSequence(), second = PackedSequence()
        first.tokens = Array(packed.tokens[0..<7]); first.positions = Array(packed.positions[0..<7])
        first.segments = Array(repeating: 0, count: 7); first.targets = Array(packed.targets[0..<7])
        second.tokens = Array(packed.tokens[7...]); second.positions = Array(packed.positions[7...])
        second.segments = Array(repeating: 0, count: 7); second.targets = Array(packed.targets[7...])
        let together = model.run(packed, gradientScale: nil)
        let a = model.run(first, gradientScale: nil), b = model.run(second, gradientScale: nil)
        #expect(together.count == a.count + b.count)
        #expect(abs(together.sum - (a.sum + b.sum)) < 1e-4)
    }

    @Test("with the adapter untouched (B = 0) the training forward equals the engine's logits")
    func matchesEngine() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.path("tiny.gguf").path
        try TinyModel.write(to: path)
        let weights = try ModelWeights(file: try GGUFFile(path: path))
        let params = LoRAParameters(configuration: LoRAConfiguration(rank: 4, alpha: 8), model: weights.configuration, seed: 3)
        let model = try LoRATrainingModel(weights: weights, parameters: params, maxTokens: 32, threads: 1)
        var seq = PackedSequence()
        seq.tokens = [3, 7, 11, 19, 23, 29]
        seq.positions = Array(0..<6); seq.segments = Array(repeating: 0, count: 6)
        seq.targets = [false, true, true, true, true, true]
        let loss = model.run(seq, gradientScale: nil)
        // The engine's log-softmax of the same targets.
        let engine = Transformer(weights: weights, contextLength: 16, logitCapacity: 6, kvType: .f32, threads: 1)
        try engine.evaluate(seq.tokens, allLogits: true)
        var expected = 0.0
        for t in 0..<5 {
            let row = engine.logits(t)
            let m = row.max()!
            let lse = Double(m) + log(row.reduce(0.0) { $0 + Double(expf($1 - m)) })
            expected += lse - Double(row[Int(seq.tokens[t + 1])])
        }
        #expect(loss.count == 5)
        #expect(abs(loss.sum - expected) < 1e-3 * expected)
    }
}
