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
    public var minRequests = 20
    public var queueDeferred = 0
    public var groupWait = "30s"
    public var groupInterval = "5m"
    public var retrainRepeatInterval = "12h"

    public init() {}

    public static let fields: [ConfigField<Self>] = [
        .init("feedback_down_ratio", \.feedbackDownRatio, help: "share of thumbs-down votes that fires FeedbackDegraded",
              validate: Check.range(0.0...1.0)),
        .init("feedback_min_votes", \.feedbackMinVotes, help: "votes in the window before feedback can alert",
              validate: Check.atLeast(1)),
        .init("feedback_window", \.feedbackWindow, help: "window over which feedback and retrievals are counted (Prometheus duration)",
              validate: Check.prometheusDuration),
        .init("ttft_p95_seconds", \.ttftP95Seconds, help: "p95 time to first token above which TTFTHigh fires",
              validate: Check.range(0.0...3600.0)),
        .init("min_tokens_per_second", \.minTokensPerSecond, help: "generation speed below which TokensPerSecondLow fires",
              validate: Check.atLeast(0.0)),
        .init("error_ratio", \.errorRatio, help: "share of 5xx responses that fires ErrorRatioHigh",
              validate: Check.range(0.0...1.0)),
        .init("rag_empty_ratio", \.ragEmptyRatio, help: "share of empty retrievals that fires RAGEmptyRetrievals",
              validate: Check.range(0.0...1.0)),
        .init("for", \.forDuration, help: "how long a condition must hold before an alert fires",
              validate: Check.prometheusDuration),
        .init("evaluation_interval", \.evaluationInterval, help: "rule evaluation interval of the rule groups",
              validate: Check.prometheusDuration),
        .init("runbook_url", \.runbookURL, help: "runbook link pattern; {{alert}} becomes the alert name in lowercase"),
        .init("webhook_url", \.webhookURL, help: "where Alertmanager posts alerts when run without Kubernetes (bertha events)",
              validate: Check.httpURL),
        .init("min_requests", \.minRequests, help: "requests (or retrievals) in the window before latency, speed, error and RAG alerts can fire",
              validate: Check.atLeast(1)),
        .init("queue_deferred", \.queueDeferred, help: "deferred requests that, held for 5m, fire QueueSaturated",
              validate: Check.atLeast(0)),
        .init("group_wait", \.groupWait, help: "Alertmanager group_wait before the first notification of a group",
              validate: Check.prometheusDuration),
        .init("group_interval", \.groupInterval, help: "Alertmanager group_interval between notifications about new alerts of a group",
              validate: Check.prometheusDuration),
        .init("retrain_repeat_interval", \.retrainRepeatInterval,
              help: "how often a still-firing retraining alert is sent again (each send submits a retraining); longer than a retraining takes",
              validate: Check.prometheusDuration),
    ]
}

extension Check {
    /// A Prometheus duration such as `30s`, `5m` or `1h30m`.
    public static let prometheusDuration: @Sendable (String) -> String? = { text in
        let units = ["ms", "y", "w", "d", "h", "m", "s"]
        var rest = Substring(text)
        var valid = !rest.isEmpty
        while valid && !rest.isEmpty {
            let digits = rest.prefix { $0.isASCII && $0.isNumber }
            rest = rest.dropFirst(digits.count)
            if digits.isEmpty { valid = false; break }
            guard let unit = units.first(where: { rest.hasPrefix($0) }) else { valid = false; break }
            rest = rest.dropFirst(unit.count)
        }
        return valid ? nil : "must be a Prometheus duration like 30s, 5m or 1h30m, got '\(text)'"
    }
}
