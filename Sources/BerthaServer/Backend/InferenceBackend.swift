import BerthaInference

/// What the HTTP layer needs from a model: generate, tokenize, describe itself.
///
/// The server's controllers only decode, call this, and encode; the engine adapter implements it
/// (one scheduler owns the model and its KV caches), and tests can supply a deterministic one.
public protocol InferenceBackend: Sendable {
    /// The model currently served (changes on a live swap).
    var model: ServedModel { get async }
    /// Starts a generation. Events arrive in order; the stream ends after `.finished`.
    /// Cancelling the consuming task cancels the generation and frees its slot.
    /// - Throws: `ServerError` (prompt longer than the context, queue full, …) before any token.
    func generate(_ request: GenerationRequest) async throws -> AsyncThrowingStream<GenerationEvent, any Error>
    /// Renders chat messages with the model's chat template into a prompt.
    func renderChat(_ messages: [ChatTurn]) async throws -> String
    /// Token ids of `text` as the model's tokenizer produces them.
    func tokenize(_ text: String, addSpecial: Bool, parseSpecial: Bool) async throws -> [Int32]
    /// Text of `ids`.
    func detokenize(_ ids: [Int32]) async throws -> String
}

/// One message of a conversation, after the OpenAI request's content parts are flattened.
public struct ChatTurn: Sendable, Equatable, Codable {
    public var role: String
    public var content: String

    public init(role: String, content: String) {
        self.role = role
        self.content = content
    }
}

/// The model a backend serves, as `/v1/models` and `bertha_model_info` show it.
public struct ServedModel: Sendable, Equatable {
    /// The name clients pass as `model` (registered model name or file stem).
    public var id: String
    /// Registry version, or "local" for a plain file.
    public var version: String
    /// sha256 of the GGUF file.
    public var sha256: String
    /// Context length of one slot.
    public var contextLength: Int

    public init(id: String, version: String, sha256: String, contextLength: Int) {
        self.id = id
        self.version = version
        self.sha256 = sha256
        self.contextLength = contextLength
    }
}

/// One generation as the server asks for it: the prompt, the engine's own sampler settings
/// (already validated and seeded), and the stopping rules.
public struct GenerationRequest: Sendable, Equatable {
    public var prompt: String
    public var maxTokens: Int?
    public var stop: [String] = []
    public var sampling = SamplingParameters()

    public init(prompt: String) {
        self.prompt = prompt
    }
}

/// One event of a generation stream.
public enum GenerationEvent: Sendable, Equatable {
    /// New text (complete UTF-8 characters only) and the tokens that produced it.
    case text(String, tokens: Int)
    /// The generation ended: the engine's reason, llama.cpp-style timings (whose `promptN` counts
    /// only the tokens evaluated after prefix reuse), and the whole prompt's token count for `usage`.
    case finished(FinishReason, GenerationTimings, promptTokens: Int)
}

extension FinishReason {
    /// OpenAI's `finish_reason`: an end-of-generation token is a natural "stop".
    var openAI: String {
        switch self {
        case .endOfGeneration, .stop: "stop"
        case .length: "length"
        }
    }
}
