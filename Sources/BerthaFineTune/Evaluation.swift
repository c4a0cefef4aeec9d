import BerthaCore
import BerthaInference
import BerthaTokenizers
import Foundation

/// Held-out loss of a model with or without its adapter.
public struct EvalLoss: Sendable, Codable, Equatable {
    /// Mean cross-entropy per target token (nats).
    public var loss: Double
    /// exp(loss).
    public var perplexity: Double
    /// Target tokens scored.
    public var tokens: Int

    public init(loss: Double, perplexity: Double, tokens: Int) {
        self.loss = loss
        self.perplexity = perplexity
        self.tokens = tokens
    }
}

/// A prompt whose answer must contain keywords: a check that a fine-tune did not forget.
public struct CanaryPrompt: Sendable, Codable, Equatable {
    public var prompt: String
    /// Words the answer must contain (case-insensitive), all of them.
    public var expect: [String]

    public init(prompt: String, expect: [String]) {
        self.prompt = prompt
        self.expect = expect
    }

    /// Reads JSONL lines `{"prompt": …, "expect": [...]}`.
    /// - Throws: `FineTuneError.malformedLine` naming the file and line.
    public static func load(path: String) throws(FineTuneError) -> [CanaryPrompt] {
        var out: [CanaryPrompt] = []
        for (number, line) in try TrainingData.lines(path) {
            do {
                let c = try JSONDecoder().decode(CanaryPrompt.self, from: Data(line.utf8))
                guard !c.expect.isEmpty else {
                    throw FineTuneError.malformedLine(file: path, line: number, reason: "expect is empty")
                }
                out.append(c)
            } catch let error as FineTuneError {
                throw error
            } catch {
                throw .malformedLine(file: path, line: number,
                                     reason: "expected {\"prompt\":…,\"expect\":[…]}: \(TrainingData.describeDecoding(error))")
            }
        }
        return out
    }
}

/// Canary score: the share of prompts whose greedy answer contains every expected keyword.
public struct CanaryResult: Sendable, Codable, Equatable {
    public var score: Double
    public var answered: Int
    public var total: Int
    /// Each prompt's answer (reports).
    public var answers: [String]

    public init(score: Double, answered: Int, total: Int, answers: [String]) {
        self.score = score
        self.answered = answered
        self.total = total
        self.answers = answers
    }
}

public enum Evaluation {
    /// Mean target-token loss of `rows` through `model` (adapter on or off).
    public static func loss(_ model: LoRATrainingModel, rows: [PackedSequence], useAdapter: Bool) -> EvalLoss {
        var sum = 0.0, count = 0
        for row in rows {
            let l = model.run(row, gradientScale: nil, useAdapter: useAdapter)
            sum += l.sum
            count += l.count
        }
        let mean = count > 0 ? sum / Double(count) : 0
        return EvalLoss(loss: mean, perplexity: exp(mean), tokens: count)
    }

    /// Answers each canary prompt greedily (chat template, `maxTokens` new tokens) and scores it.
    public static func canaries(_ prompts: [CanaryPrompt], weights: ModelWeights, tokenizer: any Tokenizer, template: ChatTemplate,
                                adapter: LoRAAdapter?, threads: Int, maxTokens: Int = 48) throws -> CanaryResult {
        let transformer = Transformer(weights: weights, contextLength: 512, batchSize: 256, kvType: .f32, threads: threads, lora: adapter)
        let generator = Generator(transformer: transformer, tokenizer: tokenizer)
        var sampling = SamplingParameters()
        sampling.temperature = 0
        var answered = 0
        var answers: [String] = []
        for canary in prompts {
            transformer.cache.clear(0)
            let ids = tokenizer.encode(template.render([.user(canary.prompt)]))
            let result = try generator.generate(prompt: ids, sampling: sampling, maxTokens: maxTokens, stop: []) { _ in true }
            let text = result.text
            answers.append(text)
            let lower = text.lowercased()
            if canary.expect.allSatisfy({ lower.contains($0.lowercased()) }) { answered += 1 }
        }
        return CanaryResult(score: prompts.isEmpty ? 0 : Double(answered) / Double(prompts.count), answered: answered,
                            total: prompts.count, answers: answers)
    }
}

/// The promotion rule: the tuned adapter must lower held-out loss by at least `minImprovement`
/// (relative) and may lose at most `maxCanaryRegression` of the canary score.
public struct EvaluationGate: Sendable, Codable, Equatable {
    public var minImprovement: Double
    public var maxCanaryRegression: Double

    public init(minImprovement: Double = 0, maxCanaryRegression: Double = 0) {
        self.minImprovement = minImprovement
        self.maxCanaryRegression = maxCanaryRegression
    }

    /// The gate's verdict with its reasons.
    public struct Decision: Sendable, Codable, Equatable {
        public var passed: Bool
        /// (base − tuned) / base of the held-out loss.
        public var improvement: Double
        /// base − tuned canary score (positive: the tuned model answers fewer).
        public var canaryRegression: Double?
        public var reasons: [String]
        /// `passed` / `failed`: what the `gate` file holds (Argo's `evaluate` step compares it).
        public var verdict: String { passed ? "passed" : "failed" }
    }

    public func decide(base: EvalLoss, tuned: EvalLoss, canaryBase: CanaryResult?, canaryTuned: CanaryResult?) -> Decision {
        var reasons: [String] = []
        var passed = true
        let improvement = base.loss > 0 ? (base.loss - tuned.loss) / base.loss : 0
        if tuned.tokens == 0 {
            passed = false
            reasons.append("no held-out target tokens to evaluate")
        } else if !(improvement >= minImprovement) || !tuned.loss.isFinite {
            passed = false
            reasons.append(String(format: "held-out loss %.4f → %.4f (%+.1f%%) does not improve by %.1f%%",
                                  base.loss, tuned.loss, -improvement * 100, minImprovement * 100))
        } else {
            reasons.append(String(format: "held-out loss %.4f → %.4f (%+.1f%%)", base.loss, tuned.loss, -improvement * 100))
        }
        var regression: Double?
        if let canaryBase, let canaryTuned {
            let r = canaryBase.score - canaryTuned.score
            regression = r
            if r > maxCanaryRegression + 1e-12 {
                passed = false
                reasons.append(String(format: "canary score %.2f → %.2f regresses by more than %.2f", canaryBase.score, canaryTuned.score,
                                      maxCanaryRegression))
            } else {
                reasons.append(String(format: "canary score %.2f → %.2f", canaryBase.score, canaryTuned.score))
            }
        }
        return Decision(passed: passed, improvement: improvement, canaryRegression: regression, reasons: reasons)
    }
}
