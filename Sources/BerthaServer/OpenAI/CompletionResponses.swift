import BerthaInference

/// Token counts of a completion, OpenAI's `usage`.
public struct Usage: Codable, Sendable, Equatable {
    public var promptTokens: Int
    public var completionTokens: Int
    public var totalTokens: Int

    enum CodingKeys: String, CodingKey {
        case promptTokens = "prompt_tokens", completionTokens = "completion_tokens", totalTokens = "total_tokens"
    }

    public init(prompt: Int, completion: Int) {
        promptTokens = prompt
        completionTokens = completion
        totalTokens = prompt + completion
    }
}

/// llama.cpp server's `timings` object.
public struct Timings: Codable, Sendable, Equatable {
    public var promptN: Int
    public var promptMS: Double
    public var promptPerTokenMS: Double
    public var promptPerSecond: Double
    public var predictedN: Int
    public var predictedMS: Double
    public var predictedPerTokenMS: Double
    public var predictedPerSecond: Double

    enum CodingKeys: String, CodingKey {
        case promptN = "prompt_n", promptMS = "prompt_ms", promptPerTokenMS = "prompt_per_token_ms"
        case promptPerSecond = "prompt_per_second", predictedN = "predicted_n", predictedMS = "predicted_ms"
        case predictedPerTokenMS = "predicted_per_token_ms", predictedPerSecond = "predicted_per_second"
    }

    public init(_ t: GenerationTimings) {
        promptN = t.promptN
        promptMS = t.promptMS
        promptPerTokenMS = t.promptN > 0 ? t.promptMS / Double(t.promptN) : 0
        promptPerSecond = t.promptMS > 0 ? Double(t.promptN) * 1000 / t.promptMS : 0
        predictedN = t.predictedN
        predictedMS = t.predictedMS
        predictedPerTokenMS = t.predictedN > 0 ? t.predictedMS / Double(t.predictedN) : 0
        predictedPerSecond = t.predictedMS > 0 ? Double(t.predictedN) * 1000 / t.predictedMS : 0
    }
}

/// A retrieved chunk cited by a RAG answer.
public struct Source: Codable, Sendable, Equatable {
    public var index: Int
    public var documentID: String
    public var uri: String
    public var score: Double
    public var text: String

    enum CodingKeys: String, CodingKey {
        case index, uri, score, text
        case documentID = "document_id"
    }

    public init(index: Int, documentID: String, uri: String, score: Double, text: String) {
        self.index = index
        self.documentID = documentID
        self.uri = uri
        self.score = score
        self.text = text
    }
}

/// `chat.completion`.
public struct ChatCompletion: Encodable, Sendable {
    public struct Choice: Encodable, Sendable {
        public var index = 0
        public var message: ChatTurn
        public var finishReason: String
        public var logprobs: String? = nil

        enum CodingKeys: String, CodingKey {
            case index, message, logprobs
            case finishReason = "finish_reason"
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(index, forKey: .index)
            try c.encode(message, forKey: .message)
            try c.encode(finishReason, forKey: .finishReason)
            try c.encodeNil(forKey: .logprobs)
        }
    }

    public var id: String
    public var object = "chat.completion"
    public var created: Int
    public var model: String
    public var choices: [Choice]
    public var usage: Usage
    public var timings: Timings
    public var sources: [Source]?
}

/// `text_completion`.
public struct TextCompletion: Encodable, Sendable {
    public struct Choice: Encodable, Sendable {
        public var index = 0
        public var text: String
        public var finishReason: String

        enum CodingKeys: String, CodingKey {
            case index, text
            case finishReason = "finish_reason"
        }
    }

    public var id: String
    public var object = "text_completion"
    public var created: Int
    public var model: String
    public var choices: [Choice]
    public var usage: Usage
    public var timings: Timings
}

/// One SSE chunk of a streamed chat or text completion.
public struct CompletionChunk: Encodable, Sendable {
    public struct Delta: Encodable, Sendable {
        public var role: String?
        public var content: String?
    }

    public struct Choice: Encodable, Sendable {
        public var index = 0
        /// Chat chunks carry a delta, text chunks carry text.
        public var delta: Delta?
        public var text: String?
        public var finishReason: String?

        enum CodingKeys: String, CodingKey {
            case index, delta, text
            case finishReason = "finish_reason"
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(index, forKey: .index)
            try c.encodeIfPresent(delta, forKey: .delta)
            try c.encodeIfPresent(text, forKey: .text)
            // OpenAI sends an explicit null until the last chunk.
            if let finishReason { try c.encode(finishReason, forKey: .finishReason) } else { try c.encodeNil(forKey: .finishReason) }
        }
    }

    public var id: String
    public var object: String
    public var created: Int
    public var model: String
    public var choices: [Choice]
    public var usage: Usage?
    public var timings: Timings?
    public var sources: [Source]?
}
