import BerthaCore
import BerthaManifests
import BerthaTestSupport
import Foundation
import Testing

@Suite("alert rules")
struct AlertRulesTests {
    /// The defaults and a configuration with other thresholds and windows: the generated tests must
    /// follow the thresholds, not a hard-coded scenario.
    static let configurations: [[String]] = [
        [],
        ["alerts.feedback_down_ratio=0.2", "alerts.feedback_min_votes=50", "alerts.feedback_window=1h",
         "alerts.ttft_p95_seconds=0.25", "alerts.min_tokens_per_second=80", "alerts.error_ratio=0.01",
         "alerts.rag_empty_ratio=0.9", "alerts.for=10m", "alerts.min_requests=3", "alerts.queue_deferred=4"],
        ["alerts.feedback_down_ratio=1", "alerts.error_ratio=1", "alerts.min_tokens_per_second=0"],
    ]

    @Test("promtool accepts the rules and every generated firing and not-firing case passes", arguments: configurations)
    func promtoolPasses(assignments: [String]) throws {
        let dir = try TemporaryDirectory("alert-rules")
        defer { dir.remove() }
        let generator = try AlertRuleGenerator(alerts: loadConfig(assignments).alerts)
        try AtomicFile.write(YAMLDocuments.encode(generator.ruleFile), to: dir.path("rules.yaml"))
        let tests = generator.tests(ruleFileName: "rules.yaml")
        try AtomicFile.write(YAMLDocuments.encode(tests), to: dir.path("rules.test.yaml"))
        let promtool = try Tools.system("promtool")
        try Tools.run(promtool, ["check", "rules", dir.path("rules.yaml").path])
        let output = try Tools.run(promtool, ["test", "rules", dir.path("rules.test.yaml").path])
        #expect(output.contains("SUCCESS"))
        // Every alert has a not-firing case, and a firing case unless its threshold makes firing impossible.
        for spec in generator.alertSpecs {
            let cases = tests.tests.filter { $0.alertRuleTest.first?.alertname == spec.name }
            #expect(cases.contains { $0.alertRuleTest[0].expAlerts.isEmpty }, "\(spec.name) has no not-firing case")
            let canFire = !(spec.name == "BerthaFeedbackDegraded" && assignments.contains("alerts.feedback_down_ratio=1"))
                && !(spec.name == "BerthaErrorRatioHigh" && assignments.contains("alerts.error_ratio=1"))
                && !(spec.name == "BerthaTokensPerSecondLow" && assignments.contains("alerts.min_tokens_per_second=0"))
            #expect(cases.contains { !$0.alertRuleTest[0].expAlerts.isEmpty } == canFire, "\(spec.name) firing case")
        }
    }

    @Test("the generated tests would catch a broken threshold")
    func testsCatchWrongRules() throws {
        let dir = try TemporaryDirectory("alert-rules-mutant")
        defer { dir.remove() }
        let generator = try AlertRuleGenerator(alerts: loadConfig().alerts)
        // Rules rendered for a lax threshold must fail the tests generated for the configured one.
        let lax = try AlertRuleGenerator(alerts: loadConfig(["alerts.feedback_down_ratio=0.99", "alerts.error_ratio=0.99"]).alerts)
        try AtomicFile.write(YAMLDocuments.encode(lax.ruleFile), to: dir.path("rules.yaml"))
        try AtomicFile.write(YAMLDocuments.encode(generator.tests(ruleFileName: "rules.yaml")), to: dir.path("t.yaml"))
        let result = try runProcess(Tools.system("promtool"), ["test", "rules", dir.path("t.yaml").path])
        #expect(result.status != 0)
        #expect((result.stdout + result.stderr).contains("BerthaFeedbackDegraded"))
    }

    @Test("every alert has severity, summary, description, a runbook link and a runbook entry")
    func alertsAreDocumented() throws {
        let generator = try AlertRuleGenerator(alerts: loadConfig().alerts)
        let runbook = try String(contentsOf: TestEnvironment.repoRoot.appendingPathComponent("docs/runbook.md"), encoding: .utf8)
        let alerts = generator.groups[1].rules
        #expect(alerts.count == 7)
        for rule in alerts {
            let name = try #require(rule.alert)
            #expect(["warning", "critical"].contains(rule.labels?["severity"] ?? ""))
            #expect(rule.annotations?["summary"]?.isEmpty == false)
            #expect(rule.annotations?["description"]?.isEmpty == false)
            #expect(rule.annotations?["runbook_url"] == "https://github.com/bertha-llmops/bertha/blob/main/docs/runbook.md#\(name.lowercased())")
            #expect(runbook.contains("## \(name)"), "docs/runbook.md has no entry for \(name)")
            #expect(rule.forDuration == "5m")
        }
        // Only feedback degradation retrains; the rest page people.
        #expect(alerts.filter { $0.labels?["action"] == "retrain" }.map(\.alert) == ["BerthaFeedbackDegraded"])
        #expect(generator.groups[0].rules.allSatisfy { $0.record != nil })
    }

    @Test("amtool accepts the plain Alertmanager configuration")
    func alertmanagerConfigChecks() throws {
        let dir = try TemporaryDirectory("alertmanager")
        defer { dir.remove() }
        let generator = try AlertRuleGenerator(alerts: loadConfig(["alerts.webhook_url=http://events.example:9400/alertmanager"]).alerts)
        let text = try YAMLDocuments.encode(generator.alertmanagerConfiguration)
        try AtomicFile.write(text, to: dir.path("alertmanager.yml"))
        try Tools.run(Tools.system("amtool"), ["check-config", dir.path("alertmanager.yml").path])
        #expect(text.contains("url: http://events.example:9400/alertmanager"))
        #expect(text.contains("repeat_interval: 12h"))
        #expect(text.contains("send_resolved: false"))
    }

    @Test("durations that Prometheus would reject are reported with their key",
          arguments: ["alerts.feedback_window=15 minutes", "alerts.for=5", "alerts.evaluation_interval=m"])
    func badDurations(assignment: String) throws {
        let error = #expect(throws: ConfigError.self) { try loadConfig([assignment]) }
        let key = String(assignment.prefix { $0 != "=" })
        #expect(error?.description.contains(key) == true)
        #expect(error?.description.contains("Prometheus duration") == true)
    }

    @Test("durations parse to seconds", arguments: [("30s", 30), ("5m", 300), ("1h30m", 5400), ("2d", 172_800), ("500ms", 0)])
    func durations(text: String, seconds: Int) throws {
        #expect(PrometheusDuration(text)?.seconds == seconds)
    }
}
