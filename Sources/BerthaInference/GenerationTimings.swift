/// Counts and wall times of one generation, named like llama.cpp server's `timings`.
public struct GenerationTimings: Sendable, Codable, Equatable {
    /// Prompt tokens evaluated (after prefix reuse).
    public var promptN = 0
    /// Milliseconds spent evaluating them.
    public var promptMS = 0.0
    /// Tokens generated.
    public var predictedN = 0
    /// Milliseconds spent generating them.
    public var predictedMS = 0.0

    public init() {}

    public init(promptN: Int, promptMS: Double, predictedN: Int, predictedMS: Double) {
        self.promptN = promptN
        self.promptMS = promptMS
        self.predictedN = predictedN
        self.predictedMS = predictedMS
    }

    /// Prompt tokens per second.
    public var promptPerSecond: Double { promptMS > 0 ? Double(promptN) / promptMS * 1000 : 0 }
    /// Generated tokens per second.
    public var predictedPerSecond: Double { predictedMS > 0 ? Double(predictedN) / predictedMS * 1000 : 0 }

    enum CodingKeys: String, CodingKey {
        case promptN = "prompt_n", promptMS = "prompt_ms", predictedN = "predicted_n", predictedMS = "predicted_ms"
    }
}
