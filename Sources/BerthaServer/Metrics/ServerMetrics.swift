import Prometheus

/// Every series `/metrics` exposes (README, "Metrics"). llama.cpp's names come first so existing
/// llama.cpp dashboards work unchanged; bertha's own carry `model` and `model_version` labels.
public final class ServerMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry

    // llama.cpp server compatible
    let promptTokens: Counter
    let predictedTokens: Counter
    let promptSeconds: Counter
    let predictedSeconds: Counter
    let requestsProcessing: Gauge
    let requestsDeferred: Gauge

    // Bucket boundaries are vLLM's, so latency SLOs read the same across servers.
    static let ttftBuckets: [Double] = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0,
                                        2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0, 160.0, 640.0, 2560.0]
    static let interTokenBuckets: [Double] = [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0,
                                              2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0]
    static let requestBuckets: [Double] = [0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0,
                                           50.0, 60.0, 120.0, 240.0, 480.0, 960.0, 1920.0, 7680.0]

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        promptTokens = registry.makeCounter(descriptor: .init(
            metricName: "llamacpp:prompt_tokens", unitName: "total", helpText: "Number of prompt tokens processed."))
        predictedTokens = registry.makeCounter(descriptor: .init(
            metricName: "llamacpp:tokens_predicted", unitName: "total", helpText: "Number of generation tokens processed."))
        promptSeconds = registry.makeCounter(descriptor: .init(
            metricName: "llamacpp:prompt_seconds", unitName: "total", helpText: "Prompt process time."))
        predictedSeconds = registry.makeCounter(descriptor: .init(
            metricName: "llamacpp:tokens_predicted_seconds", unitName: "total", helpText: "Predict process time."))
        requestsProcessing = registry.makeGauge(descriptor: .init(
            metricName: "llamacpp:requests_processing", unitName: "", helpText: "Number of requests processing."))
        requestsDeferred = registry.makeGauge(descriptor: .init(
            metricName: "llamacpp:requests_deferred", unitName: "", helpText: "Number of requests deferred."))
    }

    private func labels(_ model: ServedModel) -> [(String, String)] {
        [("model", model.id), ("model_version", model.version)]
    }

    func timeToFirstToken(_ model: ServedModel) -> ValueHistogram {
        registry.makeValueHistogram(descriptor: .init(metricName: "bertha_time_to_first_token", unitName: "seconds",
                                                      helpText: "Time from request arrival to the first generated token."),
                                    labels: labels(model), buckets: Self.ttftBuckets)
    }

    func interTokenLatency(_ model: ServedModel) -> ValueHistogram {
        registry.makeValueHistogram(descriptor: .init(metricName: "bertha_inter_token_latency", unitName: "seconds",
                                                      helpText: "Time between consecutive generated tokens."),
                                    labels: labels(model), buckets: Self.interTokenBuckets)
    }

    func requestDuration(_ model: ServedModel) -> ValueHistogram {
        registry.makeValueHistogram(descriptor: .init(metricName: "bertha_request_duration", unitName: "seconds",
                                                      helpText: "End-to-end duration of completion requests."),
                                    labels: labels(model), buckets: Self.requestBuckets)
    }

    func requests(_ model: ServedModel, status: Int) -> Counter {
        registry.makeCounter(descriptor: .init(metricName: "bertha_requests", unitName: "total",
                                               helpText: "Completion requests by HTTP status."),
                             labels: labels(model) + [("status", String(status))])
    }

    func feedback(_ model: ServedModel, score: FeedbackScore) -> Counter {
        registry.makeCounter(descriptor: .init(metricName: "bertha_feedback", unitName: "total",
                                               helpText: "User feedback votes on completions."),
                             labels: labels(model) + [("score", score.rawValue)])
    }

    func ragRetrievals(_ model: ServedModel, hit: Bool) -> Counter {
        registry.makeCounter(descriptor: .init(metricName: "bertha_rag_retrievals", unitName: "total",
                                               helpText: "RAG retrievals by whether any chunk passed the threshold."),
                             labels: labels(model) + [("result", hit ? "hit" : "empty")])
    }

    func kvCacheUsage(_ model: ServedModel) -> Gauge {
        registry.makeGauge(descriptor: .init(metricName: "bertha_kv_cache_usage", unitName: "ratio",
                                             helpText: "Share of KV cache cells in use."), labels: labels(model))
    }

    func modelLoaded(_ model: ServedModel) -> Gauge {
        registry.makeGauge(descriptor: .init(metricName: "bertha_model_loaded", unitName: "",
                                             helpText: "1 while a model is loaded and serving."), labels: labels(model))
    }

    /// `bertha_model_info{model,version,sha256} 1` for the served model; the previous model's
    /// series is removed so a swap shows exactly one version.
    public func setModelInfo(_ model: ServedModel, previous: ServedModel?) {
        if let previous, previous != model {
            registry.unregisterGauge(infoGauge(previous))
            registry.unregisterGauge(modelLoaded(previous))
        }
        infoGauge(model).set(to: 1.0)
        modelLoaded(model).set(to: 1.0)
        initializeSeries(model)
    }

    /// Exposes the counters the alert rules take `increase()`/`rate()` of at 0 from the moment a
    /// model serves. A series born at its first event is first scraped at its current value, so
    /// every vote before that scrape is invisible to `increase()`: a burst of 👎 within one scrape
    /// interval never fired BerthaFeedbackDegraded (seen in the closed-loop test).
    private func initializeSeries(_ model: ServedModel) {
        for score in FeedbackScore.allCases { _ = feedback(model, score: score) }
        for hit in [true, false] { _ = ragRetrievals(model, hit: hit) }
        for status in [200, 500] { _ = requests(model, status: status) }
    }

    private func infoGauge(_ model: ServedModel) -> Gauge {
        registry.makeGauge(descriptor: .init(metricName: "bertha_model_info", unitName: "",
                                             helpText: "The served model; the value is always 1."),
                           labels: [("model", model.id), ("version", model.version), ("sha256", model.sha256)])
    }

    /// The text exposition.
    public func render() -> String {
        registry.emitToString()
    }
}
