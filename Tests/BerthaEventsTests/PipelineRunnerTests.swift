import BerthaEvents
import BerthaTestSupport
import BerthaText
import Foundation
import Testing

@Suite("PipelineRunner rules, with a fake bertha as the step command")
struct PipelineRunnerTests {
    @Test("an ingest run records its step, its output and a log, and lists in the history")
    func ingestRun() async throws {
        let fake = try FakePipeline()
        defer { fake.dir.remove() }
        let finished = try await withRunner(fake.runner) {
            let runs = try await fake.runner.submit([created("notes/a b.md")])
            #expect(runs.count == 1)
            return try await fake.runner.waitUntilFinished(runs[0].id)
        }
        #expect(finished.state == .succeeded)
        #expect(finished.steps.map(\.name) == ["ingest"])
        #expect(finished.steps[0].exitCode == 0)
        #expect(finished.steps[0].output?.contains("\"chunks\":3") == true)
        #expect(finished.steps[0].command.contains("--event"))
        #expect(fake.lines("ingests") == ["begin s3:ObjectCreated:Put notes/a b.md", "end s3:ObjectCreated:Put notes/a b.md"])
        let log = try String(contentsOfFile: finished.logPath, encoding: .utf8)
        #expect(log.contains("step ingest succeeded"))
        let history = try fake.store.loadAll()
        #expect(history.map(\.id) == [finished.id])
        #expect(history[0].state == .succeeded)
        #expect(history[0].steps.map(\.exitCode) == [0])
    }

    @Test("a removed object runs the delete step with an ObjectRemoved record")
    func deleteRun() async throws {
        let fake = try FakePipeline()
        defer { fake.dir.remove() }
        let finished = try await withRunner(fake.runner) {
            let event = IngestEvent(kind: .removed, bucket: "docs", key: "gone.md", eventName: "delete")
            let runs = try await fake.runner.submit([event])
            return try await fake.runner.waitUntilFinished(runs[0].id)
        }
        #expect(finished.state == .succeeded)
        #expect(finished.job.kind == "delete")
        #expect(fake.lines("ingests").first == "begin s3:ObjectRemoved:Delete gone.md")
    }

    @Test("events for the same object never overlap; a newer event supersedes a queued older one")
    func sameKeySerialised() async throws {
        let fake = try FakePipeline(environment: ["FAKE_INGEST_SECONDS": "0.6"])
        defer { fake.dir.remove() }
        let (first, second, third, other) = try await withRunner(fake.runner) {
            let first = try await fake.runner.submit([created("a.md")])[0]
            let other = try await fake.runner.submit([created("b.md")])[0]
            let second = try await fake.runner.submit([created("a.md")])[0]
            let third = try await fake.runner.submit([created("a.md")])[0]
            return (try await fake.runner.waitUntilFinished(first.id), try await fake.runner.waitUntilFinished(second.id),
                    try await fake.runner.waitUntilFinished(third.id), try await fake.runner.waitUntilFinished(other.id))
        }
        #expect(first.state == .succeeded)
        #expect(second.state == .superseded)
        #expect(third.state == .succeeded)
        #expect(other.state == .succeeded)
        #expect(fake.lines("overlaps").isEmpty)
        let aRuns = fake.lines("ingests").filter { $0.hasSuffix(" a.md") }
        #expect(aRuns == ["begin s3:ObjectCreated:Put a.md", "end s3:ObjectCreated:Put a.md",
                          "begin s3:ObjectCreated:Put a.md", "end s3:ObjectCreated:Put a.md"])
        // Different objects do run side by side (max_parallel_ingest 2).
        let all = fake.lines("ingests")
        #expect(all.firstIndex(of: "begin s3:ObjectCreated:Put b.md")! < all.firstIndex(of: "end s3:ObjectCreated:Put a.md")!)
    }

    @Test("retraining runs retrain → evaluate → register → promote and records gate and version")
    func retrainPipeline() async throws {
        let fake = try FakePipeline(environment: ["FAKE_RETRAIN_SECONDS": "0.2"])
        defer { fake.dir.remove() }
        let finished = try await withRunner(fake.runner) {
            let decision = try await fake.runner.submit(alert())
            #expect(decision.action == .started)
            return try await fake.runner.waitUntilFinished(try #require(decision.runID))
        }
        #expect(finished.state == .succeeded)
        #expect(finished.steps.map(\.name) == ["retrain", "evaluate", "register", "promote"])
        #expect(finished.gate == "passed")
        #expect(finished.modelVersion == "3")
        let calls = fake.lines("calls")
        #expect(calls.count == 4)
        #expect(calls[0].hasPrefix("retrain --base models:/smollm2@champion --trigger {"))
        #expect(calls[0].contains("\"action\":\"retrain\""))
        #expect(calls[2].hasSuffix("out/model.gguf --name smollm2 --alias challenger --json"))
        #expect(calls[3].hasSuffix("out/model.gguf --name smollm2 --alias champion --json"))
    }

    @Test("a failed gate registers the challenger but does not promote")
    func gateFailed() async throws {
        let fake = try FakePipeline(environment: ["FAKE_RETRAIN_SECONDS": "0.1", "FAKE_GATE": "failed"])
        defer { fake.dir.remove() }
        let finished = try await withRunner(fake.runner) {
            let decision = try await fake.runner.submit(alert())
            return try await fake.runner.waitUntilFinished(try #require(decision.runID))
        }
        #expect(finished.state == .succeeded)
        #expect(finished.gate == "failed")
        #expect(finished.steps.map(\.name) == ["retrain", "evaluate", "register"])
        #expect(try String(contentsOfFile: finished.logPath, encoding: .utf8).contains("promote skipped"))
    }

    @Test("resolved alerts and alerts without action=retrain do nothing")
    func ignoredAlerts() async throws {
        let fake = try FakePipeline()
        defer { fake.dir.remove() }
        let resolved = try await fake.runner.submit(alert("resolved"))
        let other = try await fake.runner.submit(alert(name: "BerthaTimeToFirstTokenHigh", action: nil))
        #expect(resolved.action == .ignored)
        #expect(other.action == .ignored)
        #expect(try fake.store.loadAll().isEmpty)
    }

    @Test("one retraining at a time: repeats are dropped, a new alert queues one follow-up, more coalesce into it")
    func oneRetrainAtATime() async throws {
        let fake = try FakePipeline(environment: ["FAKE_RETRAIN_SECONDS": "1.5"])
        defer { fake.dir.remove() }
        let (first, followUp, decisions) = try await withRunner(fake.runner) {
            let first = try await fake.runner.submit(alert())
            let began = try await eventually { fake.lines("retrains").contains("begin") }
            #expect(began)
            let repeated = try await fake.runner.submit(alert())
            let second = try await fake.runner.submit(alert(startsAt: "2026-11-29T06:05:00Z"))
            let third = try await fake.runner.submit(alert(version: "2"))
            let fourth = try await fake.runner.submit(alert(startsAt: "2026-11-29T06:06:00Z"))
            let a = try await fake.runner.waitUntilFinished(try #require(first.runID))
            let b = try await fake.runner.waitUntilFinished(try #require(second.runID))
            return (a, b, [first, repeated, second, third, fourth])
        }
        #expect(decisions.map(\.action) == [.started, .duplicate, .queued, .coalesced, .coalesced])
        #expect(decisions[1].runID == first.id)
        #expect(Set(decisions[2...].map(\.runID)) == [followUp.id])
        #expect(first.state == .succeeded)
        #expect(followUp.state == .succeeded)
        #expect(followUp.alerts.count == 3)
        #expect(followUp.startedAt! >= first.finishedAt!)
        #expect(fake.lines("retrains") == ["begin", "end", "begin", "end"])
        #expect(fake.lines("overlaps").isEmpty)
        #expect(try fake.store.loadAll().filter { $0.job.kind == "retrain" }.count == 2)
    }

    @Test("a failing step fails the run with its exit code; retry runs the job again as a new run")
    func failAndRetry() async throws {
        let fake = try FakePipeline(environment: ["FAKE_RETRAIN_SECONDS": "0.1"])
        defer { fake.dir.remove() }
        fake.touch("fail-evaluate")
        let (failed, retried) = try await withRunner(fake.runner) {
            let decision = try await fake.runner.submit(alert())
            let failed = try await fake.runner.waitUntilFinished(try #require(decision.runID))
            try FileManager.default.removeItem(at: fake.dir.path("fail-evaluate"))
            let retry = try await fake.runner.retry(failed.id)
            return (failed, try await fake.runner.waitUntilFinished(retry.id))
        }
        #expect(failed.state == .failed)
        #expect(failed.error == "step evaluate failed with exit code 1")
        #expect(failed.steps.last?.exitCode == 1)
        #expect(try String(contentsOfFile: failed.logPath, encoding: .utf8).contains("inspect: not a GGUF file"))
        #expect(retried.state == .succeeded)
        #expect(retried.retryOf == failed.id)
        await #expect(throws: EventsError.notRetryable(id: retried.id, state: "succeeded")) {
            _ = try await fake.runner.retry(retried.id)
        }
    }

    @Test("runs survive a restart: a run cut off mid-step is failed and retryable, queued runs start again")
    func restart() async throws {
        let fake = try FakePipeline(environment: ["FAKE_RETRAIN_SECONDS": "30", "FAKE_INGEST_SECONDS": "0.1"])
        defer { fake.dir.remove() }
        // First process: a retraining starts, then the process stops.
        let interrupted = try await withRunner(fake.runner) {
            let decision = try await fake.runner.submit(alert())
            let began = try await eventually { fake.lines("retrains").contains("begin") }
            #expect(began)
            return try #require(decision.runID)
        }
        // A queued run a crashed process left behind, and a run it left "running".
        var queued = Run(id: "20261129-000000-ingest-0001", job: .ingest(created("left.md")), createdAt: Date(),
                         logPath: fake.store.logURL("20261129-000000-ingest-0001").path)
        try fake.store.save(queued)
        queued.id = "20261129-000000-ingest-0002"
        queued.state = .running
        try fake.store.save(queued)

        let restarted = try FakePipeline(environment: ["FAKE_RETRAIN_SECONDS": "0.1", "FAKE_INGEST_SECONDS": "0.1"], reuse: fake.dir)
        let (afterCancel, requeued, crashed, retried) = try await withRunner(restarted.runner) {
            let requeuedRan = try await eventually { try restarted.store.load("20261129-000000-ingest-0001").state == .succeeded }
            #expect(requeuedRan)
            let retry = try await restarted.runner.retry(interrupted)
            return (try restarted.store.load(interrupted), try restarted.store.load("20261129-000000-ingest-0001"),
                    try restarted.store.load("20261129-000000-ingest-0002"), try await restarted.runner.waitUntilFinished(retry.id))
        }
        #expect(afterCancel.state == .failed)
        #expect(afterCancel.error?.hasPrefix("interrupted") == true)
        #expect(requeued.state == .succeeded)
        #expect(crashed.state == .failed)
        #expect(crashed.error?.contains("bertha events retry 20261129-000000-ingest-0002") == true)
        #expect(retried.state == .succeeded)
        #expect(retried.retryOf == interrupted)
    }
}
