/// `alerts:` — the SLOs `bertha alert-rules` turns into Prometheus rules.
public struct AlertsSection: ConfigSection {
    public static let name = "alerts"
    public static let help = "Service-level objectives and alert thresholds."

    public var feedbackDownRatio = 0.5
    public var feedbackMinVotes = 10
    public var feedbackWindow = "15m"
    public var ttftP95Seconds = 2.0
    public var minTokensPerSecond = 20.0
    public var errorRatio = 0.05
    public var ragEmptyRatio = 0.5
    public var forDuration = "5m"
    public var evaluationInterval = "30s"
    public var runbookURL = "https://github.com/bertha-llmops/bertha/blob/main/docs/runbook.md#{{alert}}"
    public var webhookURL = "http://127.0.0.1:9400/alertmanager"

    public init() {}

    public static let fields: [ConfigField<Self>] = [
        .init("feedback_down_ratio", \.feedbackDownRatio, help: "share of thumbs-down votes that fires FeedbackDegraded",
              validate: Check.range(0.0...1.0)),
        .init("feedback_min_votes", \.feedbackMinVotes, help: "votes in the window before feedback can alert",
              validate: Check.atLeast(1)),
        .init("feedback_window", \.feedbackWindow, help: "window over which feedback is counted (Prometheus duration)"),
        .init("ttft_p95_seconds", \.ttftP95Seconds, help: "p95 time to first token above which TTFTHigh fires",
              validate: Check.range(0.0...3600.0)),
        .init("min_tokens_per_second", \.minTokensPerSecond, help: "generation speed below which TokensPerSecondLow fires",
              validate: Check.atLeast(0.0)),
        .init("error_ratio", \.errorRatio, help: "share of 5xx responses that fires ErrorRatioHigh",
              validate: Check.range(0.0...1.0)),
        .init("rag_empty_ratio", \.ragEmptyRatio, help: "share of empty retrievals that fires RAGEmptyRetrievals",
              validate: Check.range(0.0...1.0)),
        .init("for", \.forDuration, help: "how long a condition must hold before an alert fires"),
        .init("evaluation_interval", \.evaluationInterval, help: "rule evaluation interval of the rule groups"),
        .init("runbook_url", \.runbookURL, help: "runbook link pattern; {{alert}} becomes the alert name in lowercase"),
        .init("webhook_url", \.webhookURL, help: "where Alertmanager posts alerts when run without Kubernetes (bertha events)"),
    ]
}
