import BerthaEvents
import BerthaObjectStore
import BerthaTestSupport
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

/// The acceptance test of issue #9, every service real: upload → ingest → RAG answer cites it;
/// delete → gone; 👎 burst → Prometheus rule → Alertmanager → `bertha events` → retrain → register →
/// promote → `serve` swaps → `bertha_model_info` in Prometheus. Prints the time of each stage.
///
/// It needs `bertha ingest --event`, `bertha retrain`, `bertha register` and `bertha serve --model
/// models:/…  --rag` (issues #5, #6, #8, and the serve work): until all are built it FAILS in its
/// preflight, naming each missing piece. It never skips.
@Suite("closed loop (issue #9 acceptance)", .serialized)
struct ClosedLoopTests {
    @Test("upload → cited answer; delete → not cited; 👎 storm → one retraining → new champion served")
    func closedLoop() async throws {
        try await runLoop()
    }

    func runLoop() async throws {
        let bertha = try TestEnvironment.berthaExecutable()
        let missing = try Self.missingPieces(bertha)
        try #require(missing.isEmpty, "the closed loop cannot run yet; missing: \(missing.joined(separator: "; "))")

        let dir = try TemporaryDirectory("bertha-loop")
        defer { dir.remove() }
        var clock = StageClock()
        let model = try TestEnvironment.model("SmolLM2-135M-Instruct.Q4_1.gguf")
        let name = "loop-\(UInt32.random(in: 0...UInt32.max))"
        let bucket = "bertha-loop-\(UInt32.random(in: 0...UInt32.max))"
        let servePort = freePort(), eventsPort = freePort(), promPort = freePort(), amPort = freePort()
        // Curated facts the base model cannot know, evaluated on paraphrases of them: the gate passes
        // only if the adapter really learned something from them.
        let curated = dir.path("curated.jsonl"), heldOut = dir.path("held-out.jsonl")
        for (fixture, file) in [("facts.jsonl", curated), ("paraphrases-chat.jsonl", heldOut)] {
            let text = try String(contentsOf: try TestEnvironment.fixture("retrain/\(fixture)"), encoding: .utf8)
            try (text.split(separator: "\n").prefix(6).joined(separator: "\n") + "\n").write(to: file, atomically: true, encoding: .utf8)
        }
        // One configuration for every bertha process; short windows so the loop fits in minutes.
        let config = dir.path("bertha.yaml")
        try """
        server: {host: 127.0.0.1, port: \(servePort), feedback_log: \(dir.path("feedback.jsonl").path), watch_interval: 1, rag: true}
        vector_store: {url: "embedded:\(dir.path("store").path)"}
        embeddings: {model: \(TestEnvironment.repoRoot.appendingPathComponent("models/all-MiniLM-L6-v2").path)}
        s3: {bucket: \(bucket)}
        mlflow: {tracking_uri: "\(TestServices.mlflowURL)", model_name: \(name)}
        retrain: {data: ["\(curated.path)"], eval_data: "\(heldOut.path)", steps: 6, batch: 2, ctx: 96, learning_rate: 0.005,
                  rank: 4, alpha: 8, output_dir: \(dir.path("retrain").path)}
        alerts: {feedback_window: 1m, feedback_min_votes: 6, feedback_down_ratio: 0.5, for: 0s, evaluation_interval: 1s,
                 group_wait: 0s, group_interval: 1s, retrain_repeat_interval: 1h,
                 webhook_url: "http://127.0.0.1:\(eventsPort)/alertmanager"}
        events: {host: 127.0.0.1, port: \(eventsPort), state_dir: \(dir.path("events").path)}
        """.write(to: config, atomically: true, encoding: .utf8)

        // SeaweedFS of the test's own, its filer webhook pointed at bertha events.
        let weed = try startSeaweedFS(in: dir, webhook: URL(string: "http://127.0.0.1:\(eventsPort)/seaweedfs")!)
        var env = ProcessInfo.processInfo.environment
        env["BERTHA_CONFIG"] = config.path
        env["BERTHA_S3_ENDPOINT"] = weed.endpoint.absoluteString
        env["BERTHA_S3_ACCESS_KEY"] = "events-test"
        env["BERTHA_S3_SECRET_KEY"] = "events-test-secret"
        let store = S3ObjectStore(endpoint: weed.endpoint, bucket: bucket,
                                  credentials: S3Credentials(accessKey: "events-test", secretKey: "events-test-secret"))
        #expect(try await eventually(60) { (try? await store.ensureBucket()) != nil }, "SeaweedFS did not start")

        let registered = try runProcess(bertha, ["register", model.path, "--name", name, "--alias", "champion", "--json"], environment: env)
        try #require(registered.status == 0, "register failed: \(registered.stderr)")
        let events = try BackgroundProcess(bertha, ["events"], environment: env)
        _ = try await events.waitFor("listening on", timeout: 60)
        let serve = try BackgroundProcess(bertha, ["serve", "--model", "models:/\(name)@champion"], environment: env)
        _ = try await serve.waitFor("listening on", timeout: 180)
        let serveURL = URL(string: "http://127.0.0.1:\(servePort)")!

        // Prometheus with bertha's rules scraping serve; Alertmanager posting to bertha events.
        let rules = dir.path("rules.yaml"), amConfig = dir.path("alertmanager.yml"), promConfig = dir.path("prometheus.yml")
        #expect(try runProcess(bertha, ["alert-rules", "-o", rules.path], environment: env).status == 0)
        #expect(try runProcess(bertha, ["alert-rules", "--format", "alertmanager", "-o", amConfig.path], environment: env).status == 0)
        try """
        global: {scrape_interval: 1s, evaluation_interval: 1s}
        rule_files: ["\(rules.path)"]
        alerting: {alertmanagers: [{static_configs: [{targets: ["127.0.0.1:\(amPort)"]}]}]}
        scrape_configs: [{job_name: bertha, static_configs: [{targets: ["127.0.0.1:\(servePort)"]}]}]
        """.write(to: promConfig, atomically: true, encoding: .utf8)
        let alertmanager = try BackgroundProcess(URL(fileURLWithPath: "/usr/bin/prometheus-alertmanager"), [
            "--config.file=\(amConfig.path)", "--storage.path=\(dir.path("am").path)",
            "--web.listen-address=127.0.0.1:\(amPort)", "--cluster.listen-address="])
        let prometheus = try BackgroundProcess(URL(fileURLWithPath: "/usr/bin/prometheus"), [
            "--config.file=\(promConfig.path)", "--storage.tsdb.path=\(dir.path("prom").path)",
            "--web.listen-address=127.0.0.1:\(promPort)"])
        defer { _ = (alertmanager, prometheus, events, serve, weed) }
        // The alert is an increase() of a counter: Prometheus must hold a sample of it from before the
        // burst, or the burst's first sample is the series' start and nothing increased. And Alertmanager
        // must be up before the alert fires, or Prometheus resends only after a minute, when the 1m
        // window has already let the alert resolve. Both raced the burst on a loaded CI machine.
        let promQuery = URL(string: "http://127.0.0.1:\(promPort)/api/v1/query?query=bertha_feedback_total%7Bscore%3D%22down%22%7D")!
        #expect(try await eventually(60) {
            let (status, body) = (try? await send("GET", promQuery)) ?? (0, Data())
            return status == 200 && String(decoding: body, as: UTF8.self).contains("\"score\":\"down\"")
        }, "Prometheus never scraped bertha_feedback_total from serve; prometheus log: \(prometheus.output.suffix(2000))")
        #expect(try await eventually(60) {
            (try? await send("GET", URL(string: "http://127.0.0.1:\(amPort)/-/ready")!))?.0 == 200
        }, "Alertmanager did not become ready; log: \(alertmanager.output.suffix(2000))")
        clock.lap("services, register, events, serve")

        // 1. Upload a fact the model cannot know → its chunks are retrievable and cited.
        let key = "docs/ferry-\(name).md"
        try await store.put(data: Data("The ferry Bertha on Lake Quillon is captained by Ines Marrow, who rings the bell three times.".utf8), key: key)
        let question = "Who captains the ferry Bertha on Lake Quillon?"
        #expect(try await eventually(180) { try await Self.chat(serveURL, question).sources.contains(key) },
                "no answer cites \(key); events log: \(events.output.suffix(2000))")
        clock.lap("upload → cited answer")

        // 2. Delete it → no longer cited.
        try await store.delete(key: key)
        #expect(try await eventually(120) { !(try await Self.chat(serveURL, question).sources.contains(key)) })
        clock.lap("delete → not cited")

        // 3. 👎 burst (and a few 👍) → alert → one retraining → register → promote → swap.
        let before = try await Self.servedVersion(serveURL)
        #expect(before == "1", "bertha_model_info should name version 1 of \(name) before the retraining")
        for index in 0..<10 {
            let answer = try await Self.chat(serveURL, "Say something about boats, number \(index).")
            _ = try await send("POST", serveURL.appendingPathComponent("v1/feedback"),
                               #"{"id":"\#(answer.id)","score":"\#(index < 8 ? "down" : "up")"}"#)
        }
        let runsURL = URL(string: "http://127.0.0.1:\(eventsPort)/runs")!
        func retrains() async throws -> [[String: Any]] {
            let (_, body) = try await send("GET", runsURL)
            return ((try JSONSerialization.jsonObject(with: body) as? [[String: Any]]) ?? [])
                .filter { (($0["job"] as? [String: Any])?["retrain"]) != nil }
        }
        let retrainStarted = try await eventually(180) { try await !retrains().isEmpty }
        let alerts = retrainStarted ? "" : String(decoding: (try? await send("GET", URL(string: "http://127.0.0.1:\(promPort)/api/v1/query?query=ALERTS")!))?.1 ?? Data(), as: UTF8.self)
        #expect(retrainStarted, "no retraining started; Prometheus ALERTS: \(alerts); events log: \(events.output.suffix(1500))")
        clock.lap("👎 burst → alert → retraining started")
        // 4. While it runs, a second notification must not start a second one.
        let second = #"{"version":"4","status":"firing","alerts":[{"status":"firing","labels":{"alertname":"BerthaFeedbackDegraded","action":"retrain"},"startsAt":"2026-01-01T00:00:00Z","fingerprint":"second"}]}"#
        let (_, secondBody) = try await send("POST", URL(string: "http://127.0.0.1:\(eventsPort)/alertmanager")!, second)
        #expect(String(decoding: secondBody, as: UTF8.self).contains("\"action\":\"queued\"")
                || String(decoding: secondBody, as: UTF8.self).contains("\"action\":\"coalesced\""))
        #expect(try await retrains().filter { $0["state"] as? String == "running" }.count <= 1)
        #expect(try await eventually(420) {
            try await retrains().first.map { ["succeeded", "failed"].contains($0["state"] as? String ?? "") } ?? false
        })
        let first = try #require(try await retrains().first)
        #expect(first["state"] as? String == "succeeded", "retraining failed: \(first["error"] ?? "")")
        clock.lap("retrain → evaluate → register → promote")
        #expect(try await eventually(120) { try await Self.servedVersion(serveURL) != before },
                "serve did not swap; run: \(first); serve log: \(serve.output.split(separator: "\n").filter { !$0.contains("GET /metrics") }.suffix(30).joined(separator: "\n"))")
        let after = try await Self.servedVersion(serveURL)
        #expect(try await eventually(60) {
            let (_, body) = try await send("GET", URL(string: "http://127.0.0.1:\(promPort)/api/v1/query?query=bertha_model_info")!)
            return String(decoding: body, as: UTF8.self).contains("\"version\":\"\(after)\"")
        })
        clock.lap("swap visible in Prometheus")
        print(clock.report)
        #expect(clock.total < 600, "the loop took \(Int(clock.total)) s; the budget is 10 minutes")
    }

    /// The commands the loop needs that still say "not built yet".
    static func missingPieces(_ bertha: URL) throws -> [String] {
        var missing: [String] = []
        for (command, issue) in [("ingest", "#5 ingest"), ("register", "#6 register"), ("retrain", "#8 retrain")] {
            let help = try runProcess(bertha, [command, "--help"])
            // Help text wraps: compare with the whitespace folded.
            let text = help.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
            if text.contains("not built yet") { missing.append("bertha \(command) (issue \(issue))") }
        }
        let serve = try runProcess(bertha, ["serve", "--help"])
        if !serve.stdout.contains("models:/") { missing.append("bertha serve --model models:/NAME@ALIAS (registry resolver)") }
        for tool in ["/usr/bin/prometheus", "/usr/bin/prometheus-alertmanager"] where !FileManager.default.isExecutableFile(atPath: tool) {
            missing.append("\(tool) (scripts/setup.sh)")
        }
        return missing
    }

    struct Answer { var id: String; var sources: String }

    static func chat(_ url: URL, _ question: String) async throws -> Answer {
        let body = #"{"messages":[{"role":"user","content":"\#(question)"}],"max_tokens":24,"temperature":0}"#
        let (status, data) = try await send("POST", url.appendingPathComponent("v1/chat/completions"), body)
        guard status == 200, let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            return Answer(id: "", sources: "")
        }
        // Unescaped slashes: Foundation writes "/" as "\/" by default, and keys are paths.
        let sources = object["sources"].flatMap { try? JSONSerialization.data(withJSONObject: $0, options: [.withoutEscapingSlashes]) }
        return Answer(id: object["id"] as? String ?? "", sources: sources.map { String(decoding: $0, as: UTF8.self) } ?? "")
    }

    static func servedVersion(_ url: URL) async throws -> String {
        let (_, data) = try await send("GET", url.appendingPathComponent("metrics"))
        let text = String(decoding: data, as: UTF8.self)
        // swift-prometheus writes gauge values as doubles ("1.0"); the served model's info is 1.
        let line = text.split(separator: "\n").first {
            $0.hasPrefix("bertha_model_info{") && Double($0.split(separator: " ").last ?? "") == 1
        }
        guard let line, let range = line.range(of: #"version=""#) else { return "" }
        return String(line[range.upperBound...].prefix { $0 != "\"" })
    }
}

/// Stage timings for the report.
struct StageClock {
    private let start = Date()
    private var last = Date()
    private var laps: [(String, Double)] = []

    mutating func lap(_ name: String) {
        let now = Date()
        laps.append((name, now.timeIntervalSince(last)))
        last = now
    }

    var total: Double { last.timeIntervalSince(start) }
    var report: String {
        (laps + [("total", total)]).map { name, seconds in
            "  " + name.padding(toLength: 45, withPad: " ", startingAt: 0) + String(format: " %6.1f s", seconds)
        }.joined(separator: "\n")
    }
}
