import BerthaCore
import Foundation

/// Turns the SLOs of `alerts:` into Prometheus recording and alerting rules, `promtool test rules`
/// cases for every alert, and the Alertmanager routing that feeds the retraining pipeline.
///
/// Every alert is computed from a recording rule per SLI, grouped by the `model` and `model_version`
/// labels bertha's series carry, and guarded by a minimum volume so that two requests can't page.
public struct AlertRuleGenerator: Sendable {
    /// One alert with what its runbook entry and tests need.
    public struct AlertSpec: Sendable {
        public var name: String
        public var severity: String
        /// `action: retrain` routes the alert to the retraining pipeline.
        public var action: String?
        public var expr: String
        public var summary: String
        public var description: String
        /// Input series (per-minute increments are computed by the generator) for each case.
        var cases: [TestScenario]
    }

    struct TestScenario: Sendable {
        var name: String
        var fires: Bool
        var series: [RuleTestFile.Series]
    }

    /// The labels every bertha series carries and every alert keeps.
    public static let modelLabels = ["model", "model_version"]
    public static let rulesGroup = "bertha-slis"
    public static let alertsGroup = "bertha-alerts"

    let alerts: AlertsSection
    let window: PrometheusDuration
    let forDuration: PrometheusDuration
    let evaluationInterval: PrometheusDuration
    let rateWindow = PrometheusDuration("5m")!

    public init(alerts: AlertsSection) throws(ManifestError) {
        self.alerts = alerts
        window = try PrometheusDuration.parse(alerts.feedbackWindow, key: "alerts.feedback_window")
        forDuration = try PrometheusDuration.parse(alerts.forDuration, key: "alerts.for")
        evaluationInterval = try PrometheusDuration.parse(alerts.evaluationInterval, key: "alerts.evaluation_interval")
        if window.seconds < 60 {
            throw .invalidValue(key: "alerts.feedback_window", value: alerts.feedbackWindow,
                                reason: "must be at least 1m so that increase() sees two samples")
        }
    }

    // MARK: recording rules

    private var by: String { "sum by (model, model_version)" }
    private var on: String { "on (model, model_version)" }
    var w: String { window.text }

    var feedbackVotes: String { "bertha:feedback_votes:increase\(w)" }
    var feedbackDownRatio: String { "bertha:feedback_down:ratio_increase\(w)" }
    let requestsRate = "bertha:requests:rate5m"
    let errorRatio = "bertha:requests_5xx:ratio_rate5m"
    let ttftP95 = "bertha:time_to_first_token_seconds:p95_rate5m"
    let tokensPerSecond = "bertha:generation_tokens_per_second:rate5m"
    let deferredMin = "bertha:requests_deferred:min5m"
    var ragRetrievals: String { "bertha:rag_retrievals:increase\(w)" }
    var ragEmptyRatio: String { "bertha:rag_empty:ratio_increase\(w)" }

    /// One recording rule per SLI.
    public var recordingRules: [Rule] {
        [
            .recording(feedbackVotes, "\(by) (increase(bertha_feedback_total[\(w)]))"),
            .recording(feedbackDownRatio,
                       "\(by) (increase(bertha_feedback_total{score=\"down\"}[\(w)])) / \(by) (increase(bertha_feedback_total[\(w)]))"),
            .recording(requestsRate, "\(by) (rate(bertha_requests_total[5m]))"),
            .recording(errorRatio,
                       "\(by) (rate(bertha_requests_total{status=~\"5..\"}[5m])) / \(by) (rate(bertha_requests_total[5m]))"),
            .recording(ttftP95,
                       "histogram_quantile(0.95, sum by (le, model, model_version) (rate(bertha_time_to_first_token_seconds_bucket[5m])))"),
            .recording(tokensPerSecond,
                       "\(by) (rate(llamacpp:tokens_predicted_total[5m])) / \(by) (rate(llamacpp:tokens_predicted_seconds_total[5m]))"),
            .recording(deferredMin, "min by (model, model_version) (min_over_time(llamacpp:requests_deferred[5m]))"),
            .recording(ragRetrievals, "\(by) (increase(bertha_rag_retrievals_total[\(w)]))"),
            .recording(ragEmptyRatio,
                       "\(by) (increase(bertha_rag_retrievals_total{result=\"empty\"}[\(w)])) / \(by) (increase(bertha_rag_retrievals_total[\(w)]))"),
        ]
    }

    // MARK: alerts

    private func percent(_ ratio: Double) -> String {
        let value = ratio * 100
        return value == value.rounded() ? "\(Int(value))%" : String(format: "%.1f%%", value)
    }

    private func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }

    private let who = "{{ $labels.model }} version {{ $labels.model_version }}"
    private var volumeGuard: String { "\(on) \(requestsRate) * \(rateWindow.seconds) >= \(alerts.minRequests)" }

    /// The alerts, in the order they appear in the rules and the runbook.
    public var alertSpecs: [AlertSpec] {
        let votes = alerts.feedbackMinVotes
        return [
            AlertSpec(
                name: "BerthaFeedbackDegraded", severity: "warning", action: "retrain",
                expr: "\(feedbackDownRatio) > \(number(alerts.feedbackDownRatio)) and \(on) \(feedbackVotes) >= \(votes)",
                summary: "Users dislike the answers of \(who)",
                description: "More than \(percent(alerts.feedbackDownRatio)) of the feedback votes on \(who) over the last \(w) were thumbs-down (with at least \(votes) votes). The retraining pipeline is triggered. Current share: \(feedbackDownRatio).",
                cases: feedbackCases()),
            AlertSpec(
                name: "BerthaTimeToFirstTokenHigh", severity: "warning", action: nil,
                expr: "\(ttftP95) > \(number(alerts.ttftP95Seconds)) and \(volumeGuard)",
                summary: "Slow first tokens from \(who)",
                description: "The 95th percentile time to first token of \(who) has been above \(number(alerts.ttftP95Seconds))s over 5m (with at least \(alerts.minRequests) requests). Current value: \(ttftP95).",
                cases: ttftCases()),
            AlertSpec(
                name: "BerthaTokensPerSecondLow", severity: "warning", action: nil,
                expr: "\(tokensPerSecond) < \(number(alerts.minTokensPerSecond)) and \(volumeGuard)",
                summary: "Slow generation by \(who)",
                description: "\(who) generates fewer than \(number(alerts.minTokensPerSecond)) tokens/s over 5m (with at least \(alerts.minRequests) requests). Current value: \(tokensPerSecond).",
                cases: tokensCases()),
            AlertSpec(
                name: "BerthaErrorRatioHigh", severity: "critical", action: nil,
                expr: "\(errorRatio) > \(number(alerts.errorRatio)) and \(volumeGuard)",
                summary: "\(who) answers with server errors",
                description: "More than \(percent(alerts.errorRatio)) of the requests to \(who) over 5m failed with a 5xx status (with at least \(alerts.minRequests) requests). Current share: \(errorRatio).",
                cases: errorCases()),
            AlertSpec(
                name: "BerthaQueueSaturated", severity: "warning", action: nil,
                expr: "\(deferredMin) > \(alerts.queueDeferred)",
                summary: "Requests to \(who) wait for a free slot",
                description: "More than \(alerts.queueDeferred) requests to \(who) have been waiting for a free slot the whole of the last 5m: the server's parallel slots are saturated. Current value: \(deferredMin).",
                cases: queueCases()),
            AlertSpec(
                name: "BerthaModelNotLoaded", severity: "critical", action: nil,
                expr: "max by (model, model_version) (bertha_model_loaded) == 0",
                summary: "\(who) is not loaded",
                description: "bertha serve reports that \(who) is not loaded: every chat request fails. Check the pod's log for the load error.",
                cases: modelLoadedCases()),
            AlertSpec(
                name: "BerthaRAGEmptyRetrievals", severity: "warning", action: nil,
                expr: "\(ragEmptyRatio) > \(number(alerts.ragEmptyRatio)) and \(on) \(ragRetrievals) >= \(alerts.minRequests)",
                summary: "Retrieval for \(who) finds nothing",
                description: "More than \(percent(alerts.ragEmptyRatio)) of the retrievals for \(who) over the last \(w) returned no document above the score threshold (with at least \(alerts.minRequests) retrievals). Current share: \(ragEmptyRatio).",
                cases: ragCases()),
        ]
    }

    /// The runbook link of an alert, from the configured pattern.
    public func runbookURL(_ alert: String) -> String {
        alerts.runbookURL.replacingOccurrences(of: "{{alert}}", with: alert.lowercased())
    }

    func labels(_ spec: AlertSpec) -> StringMap {
        var labels: StringMap = ["severity": spec.severity]
        if let action = spec.action { labels["action"] = action }
        return labels
    }

    func annotations(_ spec: AlertSpec, model: String? = nil, version: String? = nil) -> StringMap {
        func expand(_ text: String) -> String {
            guard let model, let version else { return text }
            return text.replacingOccurrences(of: "{{ $labels.model }}", with: model)
                .replacingOccurrences(of: "{{ $labels.model_version }}", with: version)
        }
        return ["summary": expand(spec.summary), "description": expand(spec.description),
                "runbook_url": runbookURL(spec.name)]
    }

    /// The two rule groups: SLIs first so alerts read fresh values in the same evaluation.
    public var groups: [RuleGroup] {
        [
            RuleGroup(name: Self.rulesGroup, interval: evaluationInterval.text, rules: recordingRules),
            RuleGroup(name: Self.alertsGroup, interval: evaluationInterval.text, rules: alertSpecs.map { spec in
                .alerting(spec.name, spec.expr, for: forDuration.text, labels: labels(spec), annotations: annotations(spec))
            }),
        ]
    }

    /// The plain rules file (`--format prometheus`).
    public var ruleFile: RuleFile { RuleFile(groups: groups) }

    /// The `PrometheusRule` object (`--format prometheus-operator`).
    public func prometheusRule(name: String, namespace: String, labels: StringMap) -> PrometheusRule {
        PrometheusRule(metadata: ObjectMeta(name: name, namespace: namespace, labels: labels), groups: groups)
    }

    /// A plain Alertmanager configuration posting every alert to `alerts.webhook_url`, with the
    /// retraining alerts on their own route whose repeat interval keeps a firing alert from
    /// resubmitting a retraining while one runs.
    public var alertmanagerConfiguration: AlertmanagerConfiguration {
        let grouping = ["alertname"] + Self.modelLabels
        return AlertmanagerConfiguration(
            route: .init(receiver: "bertha-webhook", groupBy: grouping, groupWait: alerts.groupWait,
                         groupInterval: alerts.groupInterval, repeatInterval: "4h",
                         routes: [.init(receiver: "bertha-webhook", groupBy: grouping, groupWait: alerts.groupWait,
                                        groupInterval: alerts.groupInterval, repeatInterval: alerts.retrainRepeatInterval,
                                        matchers: ["action=\"retrain\""])]),
            receivers: [.init(name: "bertha-webhook",
                              webhookConfigs: [.init(url: alerts.webhookURL, sendResolved: false)])])
    }

    // MARK: promtool tests

    static let testModel = "smollm2"
    static let testVersion = "3"
    private var seriesLabels: String { "model=\"\(Self.testModel)\", model_version=\"\(Self.testVersion)\"" }

    /// Minutes after which every window and `for:` has filled.
    var evalMinutes: Int {
        (max(window.seconds, rateWindow.seconds) + forDuration.seconds + evaluationInterval.seconds + 59) / 60 + 3
    }

    private func counter(_ name: String, _ extra: String, perMinute: Double) -> RuleTestFile.Series {
        let labels = extra.isEmpty ? seriesLabels : "\(extra), \(seriesLabels)"
        return .init(series: "\(name){\(labels)}", values: "0+\(number(perMinute))x\(evalMinutes + 2)")
    }

    private func gauge(_ name: String, _ value: Double) -> RuleTestFile.Series {
        .init(series: "\(name){\(seriesLabels)}", values: "\(number(value))+0x\(evalMinutes + 2)")
    }

    private var windowMinutes: Double { Double(window.seconds) / 60 }

    /// Enough requests per minute for the volume guard, and a trickle below it.
    private var busyRequests: Double { max(1, Double(alerts.minRequests)) }
    private var trickleRequests: Double { Double(alerts.minRequests) / 20 }

    /// A share strictly above a threshold (nil when the threshold is 1: nothing exceeds it).
    private func above(_ threshold: Double) -> Double? { threshold < 1 ? (1 + threshold) / 2 : nil }

    private func requests(_ perMinute: Double) -> RuleTestFile.Series {
        counter("bertha_requests_total", "status=\"200\"", perMinute: perMinute)
    }

    private func twoCounters(_ name: String, label: String, bad: String, good: String,
                             share: Double, perMinute: Double) -> [RuleTestFile.Series] {
        [counter(name, "\(label)=\"\(bad)\"", perMinute: perMinute * share),
         counter(name, "\(label)=\"\(good)\"", perMinute: perMinute * (1 - share))]
    }

    func feedbackCases() -> [TestScenario] {
        let votes = 10 * (Double(alerts.feedbackMinVotes) / windowMinutes).rounded(.up)
        let few = Double(alerts.feedbackMinVotes) * 0.4 / windowMinutes
        var cases: [TestScenario] = []
        if let share = above(alerts.feedbackDownRatio) {
            cases.append(.init(name: "fires when most votes are thumbs-down", fires: true, series: twoCounters(
                "bertha_feedback_total", label: "score", bad: "down", good: "up", share: share, perMinute: votes)))
        }
        cases.append(.init(name: "quiet when the thumbs-down share is below the threshold", fires: false, series: twoCounters(
            "bertha_feedback_total", label: "score", bad: "down", good: "up", share: alerts.feedbackDownRatio / 2, perMinute: votes)))
        cases.append(.init(name: "quiet with fewer votes than the minimum", fires: false, series: twoCounters(
            "bertha_feedback_total", label: "score", bad: "down", good: "up", share: 1, perMinute: few)))
        return cases
    }

    func ttftCases() -> [TestScenario] {
        let threshold = alerts.ttftP95Seconds
        let bounds = [threshold / 2, threshold, threshold * 4].map(number) + ["+Inf"]
        func histogram(slow: Bool, perMinute: Double) -> [RuleTestFile.Series] {
            bounds.enumerated().map { index, bound in
                let counted = slow ? index >= 2 : true
                return counter("bertha_time_to_first_token_seconds_bucket", "le=\"\(bound)\"",
                               perMinute: counted ? perMinute : 0)
            } + [requests(perMinute)]
        }
        return [
            .init(name: "fires when first tokens are slow", fires: true, series: histogram(slow: true, perMinute: busyRequests)),
            .init(name: "quiet when first tokens are fast", fires: false, series: histogram(slow: false, perMinute: busyRequests)),
            .init(name: "quiet with fewer requests than the minimum", fires: false,
                  series: histogram(slow: true, perMinute: trickleRequests)),
        ]
    }

    func tokensCases() -> [TestScenario] {
        let target = alerts.minTokensPerSecond
        func speed(_ tokensPerSecond: Double, requestsPerMinute: Double) -> [RuleTestFile.Series] {
            [counter("llamacpp:tokens_predicted_total", "", perMinute: 60 * tokensPerSecond),
             counter("llamacpp:tokens_predicted_seconds_total", "", perMinute: 60),
             requests(requestsPerMinute)]
        }
        var cases: [TestScenario] = []
        if target > 0 {
            cases.append(.init(name: "fires when generation is slow", fires: true,
                               series: speed(target / 2, requestsPerMinute: busyRequests)))
            cases.append(.init(name: "quiet with fewer requests than the minimum", fires: false,
                               series: speed(target / 2, requestsPerMinute: trickleRequests)))
        }
        cases.append(.init(name: "quiet when generation is fast", fires: false,
                           series: speed(max(target, 1) * 2, requestsPerMinute: busyRequests)))
        return cases
    }

    func errorCases() -> [TestScenario] {
        func traffic(_ share: Double, _ perMinute: Double) -> [RuleTestFile.Series] {
            twoCounters("bertha_requests_total", label: "status", bad: "500", good: "200", share: share, perMinute: perMinute)
        }
        var cases: [TestScenario] = []
        if let share = above(alerts.errorRatio) {
            cases.append(.init(name: "fires when many requests fail", fires: true, series: traffic(share, busyRequests)))
            cases.append(.init(name: "quiet with fewer requests than the minimum", fires: false,
                               series: traffic(share, trickleRequests)))
        }
        cases.append(.init(name: "quiet when few requests fail", fires: false, series: traffic(alerts.errorRatio / 2, busyRequests)))
        return cases
    }

    func queueCases() -> [TestScenario] {
        [.init(name: "fires when requests keep waiting", fires: true,
               series: [gauge("llamacpp:requests_deferred", Double(alerts.queueDeferred + 2))]),
         .init(name: "quiet when no request waits", fires: false, series: [gauge("llamacpp:requests_deferred", 0)])]
    }

    func modelLoadedCases() -> [TestScenario] {
        [.init(name: "fires when the model is not loaded", fires: true, series: [gauge("bertha_model_loaded", 0)]),
         .init(name: "quiet when the model is loaded", fires: false, series: [gauge("bertha_model_loaded", 1)])]
    }

    func ragCases() -> [TestScenario] {
        let busy = 10 * (Double(alerts.minRequests) / windowMinutes).rounded(.up)
        let few = Double(alerts.minRequests) * 0.4 / windowMinutes
        func retrievals(_ share: Double, _ perMinute: Double) -> [RuleTestFile.Series] {
            twoCounters("bertha_rag_retrievals_total", label: "result", bad: "empty", good: "hit", share: share, perMinute: perMinute)
        }
        var cases: [TestScenario] = []
        if let share = above(alerts.ragEmptyRatio) {
            cases.append(.init(name: "fires when most retrievals are empty", fires: true, series: retrievals(share, busy)))
        }
        cases.append(.init(name: "quiet when most retrievals hit", fires: false, series: retrievals(alerts.ragEmptyRatio / 2, busy)))
        cases.append(.init(name: "quiet with fewer retrievals than the minimum", fires: false, series: retrievals(1, few)))
        return cases
    }

    /// A `promtool test rules` file for `ruleFile` (written next to it as `ruleFileName`): for
    /// every alert a firing case (unless its threshold makes firing impossible) and not-firing
    /// cases (healthy values; too little volume).
    public func tests(ruleFileName: String) -> RuleTestFile {
        var cases: [RuleTestFile.TestCase] = []
        for spec in alertSpecs {
            for scenario in spec.cases {
                let expected: [RuleTestFile.ExpectedAlert] = scenario.fires
                    ? [.init(expLabels: labels(spec).merging(["model": Self.testModel, "model_version": Self.testVersion]),
                             expAnnotations: annotations(spec, model: Self.testModel, version: Self.testVersion))]
                    : []
                cases.append(.init(name: "\(spec.name) \(scenario.name)", interval: "1m", inputSeries: scenario.series,
                                   alertRuleTest: [.init(evalTime: "\(evalMinutes)m", alertname: spec.name, expAlerts: expected)]))
            }
        }
        return RuleTestFile(ruleFiles: [ruleFileName], evaluationInterval: "1m", tests: cases)
    }
}
