/// How the next token is chosen from the logits. Defaults follow llama.cpp's `common_params_sampling`.
public struct SamplingParameters: Sendable, Codable, Equatable {
    /// Softmax temperature; 0 or less means greedy (argmax).
    public var temperature: Float = 0.8
    /// Keep the `topK` most likely tokens; 0 disables.
    public var topK: Int = 40
    /// Keep the smallest set whose probability reaches `topP`; 1 disables.
    public var topP: Float = 0.95
    /// Drop tokens less likely than `minP` times the most likely one; 0 disables.
    public var minP: Float = 0.05
    /// Divide positive (multiply negative) logits of recently seen tokens by this; 1 disables.
    public var repeatPenalty: Float = 1
    /// Subtract from the logit of every recently seen token; 0 disables.
    public var presencePenalty: Float = 0
    /// Subtract this times the count of each recently seen token; 0 disables.
    public var frequencyPenalty: Float = 0
    /// How many of the last tokens the penalties look at.
    public var penaltyLastN: Int = 64
    /// Added to the logits of specific tokens before anything else (-infinity bans a token).
    public var logitBias: [Int32: Float] = [:]
    /// Seed of the random generator: the same seed, prompt and settings give the same output.
    public var seed: UInt64 = 0

    public init() {}

    /// Greedy decoding: always the most likely token.
    public static var greedy: SamplingParameters {
        var p = SamplingParameters()
        p.temperature = 0
        return p
    }

    /// Rejects values that make no sense.
    /// - Throws: `InferenceError.invalidParameter` naming the field.
    public func validate() throws(InferenceError) {
        guard topK >= 0 else { throw .invalidParameter(name: "top-k", value: String(topK)) }
        guard topP > 0 && topP <= 1 else { throw .invalidParameter(name: "top-p", value: String(topP)) }
        guard minP >= 0 && minP <= 1 else { throw .invalidParameter(name: "min-p", value: String(minP)) }
        guard repeatPenalty > 0 else { throw .invalidParameter(name: "repeat penalty", value: String(repeatPenalty)) }
        guard penaltyLastN >= 0 else { throw .invalidParameter(name: "penalty last n", value: String(penaltyLastN)) }
        guard temperature.isFinite else { throw .invalidParameter(name: "temperature", value: String(temperature)) }
    }
}
