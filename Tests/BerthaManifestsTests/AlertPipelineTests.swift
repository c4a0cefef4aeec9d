import BerthaCore
import BerthaManifests
import BerthaTestSupport
import Foundation
import Testing

/// The generated rules and Alertmanager configuration in a real Prometheus and Alertmanager, scraping
/// a process that exposes bertha's metric names, until the webhook the retrain Sensor listens on
/// receives the alert.
@Suite("alert pipeline", .serialized)
struct AlertPipelineTests {
    final class Processes: @unchecked Sendable {
        var running: [Process] = []
        func start(_ executable: URL, _ arguments: [String], log: URL) throws {
            _ = FileManager.default.createFile(atPath: log.path, contents: nil)
            let process = Process()
            process.executableURL = executable
            process.arguments = arguments
            let handle = try FileHandle(forWritingTo: log)
            process.standardOutput = handle
            process.standardError = handle
            try process.run()
            running.append(process)
        }
        deinit {
            // SIGKILL: children inherit the test runner's signal mask, which can leave SIGTERM blocked.
            for process in running where process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
            }
        }
    }

    func freePorts(_ count: Int) throws -> [Int] {
        let text = try runPython("""
        import socket
        socks = [socket.socket() for _ in range(\(count))]
        for s in socks: s.bind(("127.0.0.1", 0))
        print(" ".join(str(s.getsockname()[1]) for s in socks))
        """)
        return text.split(separator: " ").compactMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    func waitFor(_ seconds: Double, _ condition: () throws -> Bool) throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try condition() { return true }
            Thread.sleep(forTimeInterval: 0.25)
        }
        return false
    }

    func metrics(up: Int, down: Int) -> String {
        let labels = "model=\"smollm2\",model_version=\"7\""
        return """
        # TYPE bertha_feedback_total counter
        bertha_feedback_total{\(labels),score="up"} \(up)
        bertha_feedback_total{\(labels),score="down"} \(down)
        # TYPE bertha_model_loaded gauge
        bertha_model_loaded{\(labels)} 1

        """
    }

    @Test("feedback degradation reaches the retrain webhook with the labels the Sensor maps")
    func feedbackDegradationReachesWebhook() throws {
        let dir = try TemporaryDirectory("alert-pipeline")
        defer { dir.remove() }
        let processes = Processes()
        let metricsFile = dir.path("metrics.txt"), webhookLog = dir.path("webhook.log"), portsFile = dir.path("ports")
        try AtomicFile.write(metrics(up: 20, down: 0), to: metricsFile)
        _ = FileManager.default.createFile(atPath: webhookLog.path, contents: nil)
        try processes.start(TestEnvironment.python(),
                            [try TestEnvironment.fixture("manifests/fake_bertha.py").path,
                             metricsFile.path, webhookLog.path, portsFile.path], log: dir.path("fake.log"))
        #expect(try waitFor(10) { FileManager.default.fileExists(atPath: portsFile.path) })
        let fakePorts = try String(contentsOf: portsFile, encoding: .utf8).split(separator: " ").compactMap { Int($0) }
        try #require(fakePorts.count == 2)
        let ports = try freePorts(3)
        let (promPort, amPort, amClusterPort) = (ports[0], ports[1], ports[2])

        let config = try loadConfig([
            "alerts.evaluation_interval=1s", "alerts.for=0s", "alerts.feedback_window=1m",
            "alerts.feedback_min_votes=10", "alerts.feedback_down_ratio=0.5",
            "alerts.group_wait=0s", "alerts.group_interval=1s",
            "alerts.webhook_url=http://127.0.0.1:\(fakePorts[1])/alertmanager",
        ])
        let generator = try AlertRuleGenerator(alerts: config.alerts)
        try AtomicFile.write(YAMLDocuments.encode(generator.ruleFile), to: dir.path("rules.yaml"))
        try AtomicFile.write(YAMLDocuments.encode(generator.alertmanagerConfiguration), to: dir.path("alertmanager.yml"))
        try AtomicFile.write(YAMLDocuments.encode(PrometheusConfiguration(
            targets: ["127.0.0.1:\(fakePorts[0])"], alertmanagers: ["127.0.0.1:\(amPort)"],
            ruleFiles: [dir.path("rules.yaml").path], scrapeInterval: "1s", evaluationInterval: "1s")),
            to: dir.path("prometheus.yml"))
        try Tools.run(Tools.system("promtool"), ["check", "config", dir.path("prometheus.yml").path])

        try processes.start(Tools.system("prometheus-alertmanager"), [
            "--config.file=\(dir.path("alertmanager.yml").path)", "--storage.path=\(dir.path("am").path)",
            "--web.listen-address=127.0.0.1:\(amPort)", "--cluster.listen-address=127.0.0.1:\(amClusterPort)",
        ], log: dir.path("alertmanager.log"))
        try processes.start(Tools.system("prometheus"), [
            "--config.file=\(dir.path("prometheus.yml").path)", "--storage.tsdb.path=\(dir.path("tsdb").path)",
            "--web.listen-address=127.0.0.1:\(promPort)",
        ], log: dir.path("prometheus.log"))

        // Healthy: votes come in, all thumbs-up; nothing may reach the webhook.
        for step in 1...6 {
            try AtomicFile.write(metrics(up: 20 + step * 5, down: 0), to: metricsFile)
            Thread.sleep(forTimeInterval: 1)
        }
        #expect(try String(contentsOf: webhookLog, encoding: .utf8).isEmpty)

        // Degradation: thumbs-down votes pour in.
        var down = 0
        let received = try waitFor(45) {
            down += 10
            try AtomicFile.write(metrics(up: 50, down: down), to: metricsFile)
            return !(try String(contentsOf: webhookLog, encoding: .utf8)).isEmpty
        }
        let log = try String(contentsOf: webhookLog, encoding: .utf8)
        #expect(received, "no webhook call; alertmanager log:\n\((try? String(contentsOf: dir.path("alertmanager.log"), encoding: .utf8)) ?? "")")
        let firstLine = try #require(log.split(separator: "\n").first)
        let payload = try #require(try JSONSerialization.jsonObject(with: Data(firstLine.utf8)) as? [String: Any])
        let alerts = try #require(payload["alerts"] as? [[String: Any]])
        let labels = try #require(alerts.first?["labels"] as? [String: String])
        // Exactly the keys the retrain Sensor reads: body.alerts.0.labels.{alertname,model,model_version}.
        #expect(labels["alertname"] == "BerthaFeedbackDegraded")
        #expect(labels["model"] == "smollm2")
        #expect(labels["model_version"] == "7")
        #expect(labels["action"] == "retrain")
        #expect(labels["severity"] == "warning")
        #expect(payload["status"] as? String == "firing")
        let annotations = try #require(alerts.first?["annotations"] as? [String: String])
        #expect(annotations["runbook_url"]?.hasSuffix("#berthafeedbackdegraded") == true)
    }
}
