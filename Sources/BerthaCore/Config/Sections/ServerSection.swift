/// `server:` — `bertha serve`.
public struct ServerSection: ConfigSection {
    public static let name = "server"
    public static let help = "The OpenAI-compatible HTTP server."

    public var host = "127.0.0.1"
    public var port = 8080
    public var parallel = 4
    public var queueSize = 64
    public var requestTimeout = 300.0
    public var gracePeriod = 10.0
    public var apiKey = ""
    public var metricsAuth = false
    public var feedbackLog = "data/feedback.jsonl"
    public var feedbackLogMaxBytes = 64 << 20
    public var watchInterval = 30.0
    public var rag = false

    public init() {}

    public static let fields: [ConfigField<Self>] = [
        .init("host", \.host, help: "address to listen on"),
        .init("port", \.port, help: "TCP port to listen on", validate: Check.range(0...65_535)),
        .init("parallel", \.parallel, help: "generation slots decoded together (continuous batching)",
              validate: Check.range(1...256)),
        .init("queue_size", \.queueSize, help: "requests waiting for a slot before 503 Retry-After",
              validate: Check.range(0...100_000)),
        .init("request_timeout", \.requestTimeout, help: "seconds a request may run before it is cancelled",
              validate: Check.range(0.1...86_400)),
        .init("grace_period", \.gracePeriod, help: "seconds in-flight requests get to finish on SIGTERM",
              validate: Check.range(0...3_600)),
        .init("api_key", \.apiKey, help: "Bearer key required on /v1 and /admin; empty disables auth", secret: true),
        .init("metrics_auth", \.metricsAuth, help: "require the API key on /metrics and /health too"),
        .init("feedback_log", \.feedbackLog, help: "JSONL file feedback and rated conversations are appended to"),
        .init("feedback_log_max_bytes", \.feedbackLogMaxBytes, help: "rotate the feedback log past this size",
              validate: Check.atLeast(4096)),
        .init("watch_interval", \.watchInterval, help: "seconds between registry polls for models:/NAME@ALIAS",
              validate: Check.range(1...86_400)),
        .init("rag", \.rag, help: "answer with retrieved chunks from the vector store"),
    ]
}
