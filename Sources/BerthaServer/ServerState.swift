import Foundation

/// What the controllers share: the backend, metrics, admission control, and the feedback path.
public struct ServerState: Sendable {
    public let backend: any InferenceBackend
    public let metrics: ServerMetrics
    public let feedbackLog: FeedbackLog
    public let apiKey: String?
    public let metricsAuth: Bool
    public let requestTimeout: Double
    let admission: Admission
    let completions: CompletionRegistry

    /// - Parameters:
    ///   - apiKey: required as a Bearer token on /v1 and /admin when non-empty.
    ///   - slots: generations admitted at once (`--parallel`).
    ///   - queueSize: requests that may wait for a slot before 503.
    public init(backend: any InferenceBackend, metrics: ServerMetrics = ServerMetrics(), feedbackLog: FeedbackLog,
                apiKey: String?, metricsAuth: Bool = false, slots: Int, queueSize: Int, requestTimeout: Double) {
        self.backend = backend
        self.metrics = metrics
        self.feedbackLog = feedbackLog
        self.apiKey = apiKey.flatMap { $0.isEmpty ? nil : $0 }
        self.metricsAuth = metricsAuth
        self.requestTimeout = requestTimeout
        self.admission = Admission(slots: slots, queueSize: queueSize, metrics: metrics)
        self.completions = CompletionRegistry()
    }
}
