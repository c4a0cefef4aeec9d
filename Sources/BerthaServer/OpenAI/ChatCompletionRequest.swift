/// `POST /v1/chat/completions` body, with OpenAI's field names. Unknown fields are ignored (as
/// OpenAI does); known fields with the wrong type are a 400 that names the field.
public struct ChatCompletionRequest: Decodable, Sendable {
    public struct Message: Decodable, Sendable {
        public var role: String
        public var content: MessageContent?
    }

    public var model: String?
    public var messages: [Message]
    public var sampling: SamplingFields
    public var stream: Bool?
    public var streamOptions: StreamOptions?

    enum CodingKeys: String, CodingKey {
        case model, messages, stream
        case streamOptions = "stream_options"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        model = try container.decodeIfPresent(String.self, forKey: .model)
        messages = try container.decode([Message].self, forKey: .messages)
        stream = try container.decodeIfPresent(Bool.self, forKey: .stream)
        streamOptions = try container.decodeIfPresent(StreamOptions.self, forKey: .streamOptions)
        sampling = try SamplingFields(from: decoder)
    }
}

/// `POST /v1/completions` body.
public struct CompletionRequest: Decodable, Sendable {
    public var model: String?
    public var prompt: StringOrList
    public var sampling: SamplingFields
    public var stream: Bool?
    public var streamOptions: StreamOptions?

    enum CodingKeys: String, CodingKey {
        case model, prompt, stream
        case streamOptions = "stream_options"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        model = try container.decodeIfPresent(String.self, forKey: .model)
        prompt = try container.decode(StringOrList.self, forKey: .prompt)
        stream = try container.decodeIfPresent(Bool.self, forKey: .stream)
        streamOptions = try container.decodeIfPresent(StreamOptions.self, forKey: .streamOptions)
        sampling = try SamplingFields(from: decoder)
    }
}

public struct StreamOptions: Decodable, Sendable {
    public var includeUsage: Bool?
    enum CodingKeys: String, CodingKey { case includeUsage = "include_usage" }
}

/// The sampling fields both endpoints share (OpenAI's plus llama.cpp's top_k, min_p, repeat_penalty).
public struct SamplingFields: Decodable, Sendable {
    public var temperature: Double?
    public var topP: Double?
    public var topK: Int?
    public var minP: Double?
    public var maxTokens: Int?
    public var maxCompletionTokens: Int?
    public var stop: StringOrList?
    public var seed: Int64?
    public var presencePenalty: Double?
    public var frequencyPenalty: Double?
    public var repeatPenalty: Double?
    public var logitBias: [String: Double]?
    public var n: Int?

    enum CodingKeys: String, CodingKey {
        case temperature, seed, stop, n
        case topP = "top_p", topK = "top_k", minP = "min_p"
        case maxTokens = "max_tokens", maxCompletionTokens = "max_completion_tokens"
        case presencePenalty = "presence_penalty", frequencyPenalty = "frequency_penalty"
        case repeatPenalty = "repeat_penalty", logitBias = "logit_bias"
    }
}

/// A field OpenAI accepts as a string or a list of strings (`stop`, `prompt`).
public enum StringOrList: Decodable, Sendable, Equatable {
    case one(String)
    case many([String])

    public var values: [String] {
        switch self {
        case .one(let value): [value]
        case .many(let values): values
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let value = try? container.decode(String.self) {
            self = .one(value)
        } else {
            self = .many(try container.decode([String].self))
        }
    }
}

/// Message content: a string, or a list of parts of which the text parts are used.
public enum MessageContent: Decodable, Sendable, Equatable {
    case text(String)
    case parts([String])

    public var text: String {
        switch self {
        case .text(let text): text
        case .parts(let parts): parts.joined(separator: "\n")
        }
    }

    struct Part: Decodable {
        var type: String
        var text: String?
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let value = try? container.decode(String.self) {
            self = .text(value)
            return
        }
        let parts = try container.decode([Part].self)
        self = .parts(parts.compactMap { $0.type == "text" ? $0.text : nil })
    }
}
