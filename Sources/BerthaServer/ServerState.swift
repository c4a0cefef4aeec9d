import BerthaEmbeddings
import Foundation

/// What the controllers share: the serving model, metrics, admission control, and the feedback path.
public struct ServerState: Sendable {
    /// The backend serving now; empty while the first model loads, swapped on reload.
    public let models: ModelHost
    public let metrics: ServerMetrics
    public let feedbackLog: FeedbackLog
    public let apiKey: String?
    public let metricsAuth: Bool
    public let requestTimeout: Double
    /// Answers `POST /admin/reload`; nil when the server has no model source to reload from.
    public let reloader: ModelReloader?
    /// Answers `/v1/embeddings`; nil when no embedding model is configured.
    public let embedder: (any TextEmbedder)?
    /// Retrieval for RAG (`--rag`); nil when RAG is off.
    public let retriever: RAGRetriever?
    let admission: Admission
    let completions: CompletionRegistry

    /// - Parameters:
    ///   - models: the model host; install a backend into it now or later (the server answers
    ///     503 "Loading model" until then).
    ///   - apiKey: required as a Bearer token on /v1 and /admin when non-empty.
    ///   - slots: generations admitted at once (`--parallel`).
    ///   - queueSize: requests that may wait for a slot before 503.
    ///   - requestTimeout: seconds a completion may run before it is cancelled.
    public init(models: ModelHost, metrics: ServerMetrics, feedbackLog: FeedbackLog,
                apiKey: String?, metricsAuth: Bool = false, slots: Int, queueSize: Int, requestTimeout: Double,
                reloader: ModelReloader? = nil, embedder: (any TextEmbedder)? = nil, retriever: RAGRetriever? = nil) {
        self.models = models
        self.metrics = metrics
        self.feedbackLog = feedbackLog
        self.apiKey = apiKey.flatMap { $0.isEmpty ? nil : $0 }
        self.metricsAuth = metricsAuth
        self.requestTimeout = requestTimeout
        self.reloader = reloader
        self.embedder = embedder
        self.retriever = retriever
        self.admission = Admission(slots: slots, queueSize: queueSize, metrics: metrics)
        self.completions = CompletionRegistry()
    }

    /// The backend new requests use. - Throws: `ServerError.modelLoading` while the first model loads.
    public func backend() throws(ServerError) -> any InferenceBackend {
        try models.backend()
    }
}
