import BerthaGGUF
import BerthaInference
import BerthaTestSupport
import Testing

@Suite("Transformer against llama.cpp and transformers reference logits")
struct ReferenceLogitsTests {
    /// Measured distance of the default engine (8-bit activations with one scale per 4 values, F16
    /// KV cache) from the fp32 reference at its top-10 ids: SmolLM2 max 0.24, rms 0.073; Gemma 3
    /// max 0.19, rms 0.059. llama.cpp's, from the same fixtures: max 1.44 and 1.07, rms 0.28 and
    /// 0.27 (its activations take one scale per 32 or 256 values). With one scale per 32/256,
    /// bertha's was 1.32/0.88 max, 0.27/0.25 rms, and it failed the argmax criterion at one
    /// SmolLM2 position whose reference margin is 0.53.
    static let topLogitMax = 0.4
    static let topLogitRMS = 0.1

    @Test("argmax agrees with the fp32 reference wherever its top-2 margin exceeds 0.5, and top logits are within 0.4 (rms 0.1)",
          arguments: [ReferenceModels.smollm, ReferenceModels.gemma])
    func promptLogits(model: String) throws {
        let fixture = try ReferenceModels.load(LogitsFixture.self, "logits-\(ReferenceModels.stem(model)).json")
        let weights = try ReferenceModels.weights(model)
        var checked = 0
        var error = ErrorStats()
        for testCase in fixture.cases {
            let engine = Transformer(weights: weights, contextLength: 512, batchSize: 512,
                                     logitCapacity: testCase.ids.count, threads: 2)
            try engine.evaluate(testCase.ids, allLogits: true)
            for position in testCase.positions {
                let logits = engine.logits(position.pos)
                let hf = position.hf_top10
                for entry in hf { error.add(Double(logits[Int(entry[0])]) - entry[1]) }
                if hf[0][1] - hf[1][1] > 0.5 {
                    #expect(argmax(logits) == Int32(hf[0][0]),
                            "\(model) '\(testCase.prompt)' pos \(position.pos): argmax \(argmax(logits)) vs \(Int(hf[0][0]))")
                    checked += 1
                }
            }
        }
        #expect(checked > 20)
        #expect(error.max < Self.topLogitMax, "largest difference at the reference's top-10 ids: \(error.max)")
        #expect(error.rms < Self.topLogitRMS, "rms difference at the reference's top-10 ids: \(error.rms)")
    }

    @Test("without rounding (weights dequantized to F32, F32 KV cache) the logits equal the fp32 reference to 1e-3",
          arguments: [ReferenceModels.smollm, ReferenceModels.gemma])
    func exactLogits(model: String) throws {
        // Measured: 9.6e-5 (SmolLM2) and 6.3e-5 (Gemma 3). Every part of the forward pass but the
        // quantized products' activation rounding is checked here to float precision.
        let fixture = try ReferenceModels.load(LogitsFixture.self, "logits-\(ReferenceModels.stem(model)).json")
        let file = try ExactWeights.dequantizedCopy(of: GGUFFile(path: TestEnvironment.model(model).path))
        let weights = try ModelWeights(file: file)
        var error = ErrorStats()
        for testCase in fixture.cases {
            let engine = Transformer(weights: weights, contextLength: 512, batchSize: 512,
                                     logitCapacity: testCase.ids.count, kvType: .f32, threads: 2)
            try engine.evaluate(testCase.ids, allLogits: true)
            for position in testCase.positions {
                let logits = engine.logits(position.pos)
                let hf = position.hf_top10
                for entry in hf { error.add(Double(logits[Int(entry[0])]) - entry[1]) }
                if hf[0][1] - hf[1][1] > 1e-3 { #expect(argmax(logits) == Int32(hf[0][0])) }
            }
        }
        #expect(error.max < 1e-3, "\(model): largest difference at the reference's top-10 ids: \(error.max)")
    }

    @Test("greedy continuation matches llama.cpp token for token up to the first near-tie (margin < 0.5)",
          arguments: [ReferenceModels.smollm, ReferenceModels.gemma])
    func greedyContinuation(model: String) throws {
        let fixture = try ReferenceModels.load(GenerationFixture.self, "generation-\(ReferenceModels.stem(model)).json")
        let weights = try ReferenceModels.weights(model)
        let engine = Transformer(weights: weights, contextLength: 512, threads: 2)
        var compared = 0
        for testCase in fixture.cases {
            engine.cache.clear(0)
            try engine.evaluate(testCase.prompt_ids)
            for (step, expected) in testCase.completion_ids.enumerated() {
                if testCase.top2_margin[step] < 0.5 { break }
                let next = argmax(engine.logits(0))
                #expect(next == expected, "\(model) \(testCase.id) step \(step): \(next) vs \(expected)")
                if next != expected { break }
                compared += 1
                try engine.evaluate([next])
            }
        }
        #expect(compared > 10)
    }
}
