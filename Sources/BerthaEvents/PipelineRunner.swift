import BerthaText
import Foundation
import Logging

/// What the runner did with an Alertmanager notification.
public struct AlertDecision: Codable, Sendable, Equatable {
    public enum Action: String, Codable, Sendable {
        /// A retraining run was created (it starts when no other retraining runs).
        case started
        /// A retraining is running: a follow-up run was queued to start after it.
        case queued
        /// A follow-up is already queued: the alerts were added to it, no new run.
        case coalesced
        /// A repeat notification of an alert episode the running retraining already answers.
        case duplicate
        /// Resolved, or no firing alert with `action: retrain`.
        case ignored
    }

    public var action: Action
    public var runID: String?
    public var reason: String?
}

/// The local pipeline runner: accepts jobs, keeps their history on disk and runs their steps.
///
/// Rules: one retraining at a time (a retrain alert during a retraining queues at most one
/// follow-up; later alerts coalesce into it; repeats of an episode already being answered are
/// recorded and dropped); runs for the same object never overlap, and a newer event supersedes a
/// still-queued older one; at most `maxParallelIngest` ingest runs at once. Runs that were running
/// when a previous process stopped are marked failed on start; queued ones start again.
public actor PipelineRunner {
    public let store: RunStore
    private let steps: any StepRunner
    private let maxParallelIngest: Int
    private let logger: Logger

    /// Queued and running runs by id; finished ones live only on disk.
    private var active: [String: Run] = [:]
    private var waiters: [String: [CheckedContinuation<Run, Never>]] = [:]
    private let starts: AsyncStream<String>
    private let startContinuation: AsyncStream<String>.Continuation
    private var recovered = false

    public init(store: RunStore, steps: any StepRunner, maxParallelIngest: Int = 2,
                logger: Logger = Logger(label: "bertha.events")) {
        self.store = store
        self.steps = steps
        self.maxParallelIngest = max(1, maxParallelIngest)
        self.logger = logger
        (starts, startContinuation) = AsyncStream.makeStream(of: String.self)
    }

    // MARK: lifecycle

    /// Recovers the state directory and runs jobs until the calling task is cancelled. Runs still
    /// in progress then get SIGTERM for their step and are marked failed (retryable).
    public func run() async throws(EventsError) {
        try recover()
        await withDiscardingTaskGroup { group in
            for await id in starts {
                group.addTask { await self.execute(id) }
            }
        }
    }

    /// Marks interrupted runs failed and re-admits queued ones. Idempotent.
    public func recover() throws(EventsError) {
        guard !recovered else { return }
        recovered = true
        for run in try store.recover(skipping: Set(active.keys)) {
            active[run.id] = run
            store.appendLog(run.id, "re-queued after a restart of bertha events")
        }
        schedule()
    }

    /// Stops accepting starts: the run loop ends once the running steps finish.
    public func finish() { startContinuation.finish() }

    // MARK: submitting

    /// Handles an Alertmanager notification: firing `action: retrain` alerts start (or join) a retraining.
    public func submit(_ payload: AlertmanagerPayload) throws(EventsError) -> AlertDecision {
        let decision = try decide(payload)
        store.recordNotification(payload, decision)
        return decision
    }

    private func decide(_ payload: AlertmanagerPayload) throws(EventsError) -> AlertDecision {
        let firing = payload.alerts.filter(\.requestsRetrain)
        guard !firing.isEmpty else {
            let reason = payload.status == "resolved" ? "resolved alerts do not retrain" : "no firing alert labelled action=retrain"
            logger.info("alert ignored", metadata: ["reason": "\(reason)"])
            return AlertDecision(action: .ignored, reason: reason)
        }
        let episodes = firing.map(\.episode)
        let retrains = active.values.filter { if case .retrain = $0.job { true } else { false } }
        if var queued = retrains.first(where: { $0.state == .queued }) {
            queued.alerts += episodes.filter { !queued.alerts.contains($0) }
            try update(queued)
            store.appendLog(queued.id, "coalesced alert(s) \(episodes.joined(separator: ", ")) into this queued retraining")
            return AlertDecision(action: .coalesced, runID: queued.id, reason: "a follow-up retraining is already queued")
        }
        if let running = retrains.first(where: { $0.state == .running }) {
            if Set(episodes).isSubset(of: Set(running.alerts)) {
                store.appendLog(running.id, "repeat notification of \(episodes.joined(separator: ", ")) ignored: this run answers it")
                return AlertDecision(action: .duplicate, runID: running.id, reason: "this alert episode is being answered")
            }
            let followUp = try create(.retrain(trigger: Self.trigger(payload, firing)), alerts: episodes)
            return AlertDecision(action: .queued, runID: followUp.id, reason: "retraining \(running.id) is running; this one follows it")
        }
        let run = try create(.retrain(trigger: Self.trigger(payload, firing)), alerts: episodes)
        return AlertDecision(action: .started, runID: run.id)
    }

    /// Handles object-store changes: one ingest (or delete) run per event.
    /// - Returns: the runs created, in order.
    public func submit(_ events: [IngestEvent]) throws(EventsError) -> [Run] {
        var created: [Run] = []
        for event in events {
            let key = "\(event.bucket)/\(event.key)"
            if var older = active.values.first(where: { $0.state == .queued && $0.objectKey == key }) {
                older.state = .superseded
                older.finishedAt = Date()
                store.appendLog(older.id, "superseded by a newer event for \(key) before it started")
                try finishRecord(older)
            }
            created.append(try create(.ingest(event)))
        }
        return created
    }

    /// Runs a failed run's job again as a new run that records `retryOf`.
    public func retry(_ id: String) throws(EventsError) -> Run {
        let old: Run
        if let live = active[id] { old = live } else { old = try store.load(id) }
        guard old.state == .failed else { throw .notRetryable(id: id, state: old.state.rawValue) }
        return try create(old.job, alerts: old.alerts, retryOf: id)
    }

    // MARK: observing

    /// Every run, oldest first: finished ones from disk, live ones as they are now.
    public func runs() throws(EventsError) -> [Run] {
        try store.loadAll().map { active[$0.id] ?? $0 }
    }

    /// Waits until a run has finished and returns its final record.
    public func waitUntilFinished(_ id: String) async throws(EventsError) -> Run {
        if active[id] == nil { return try store.load(id) }
        return await withCheckedContinuation { waiters[id, default: []].append($0) }
    }

    // MARK: internals

    private func create(_ job: Run.Job, alerts: [String] = [], retryOf: String? = nil) throws(EventsError) -> Run {
        let now = Date()
        var id = Run.makeID(kind: job.kind, at: now)
        while active[id] != nil || FileManager.default.fileExists(atPath: store.runDirectory(id).path) {
            id = Run.makeID(kind: job.kind, at: now)
        }
        let run = Run(id: id, job: job, createdAt: now, logPath: store.logURL(id).path, alerts: alerts, retryOf: retryOf)
        try update(run)
        store.appendLog(id, "created: \(Self.describe(job))\(retryOf.map { " (retry of \($0))" } ?? "")")
        logger.info("run created", metadata: ["run": "\(id)", "job": "\(Self.describe(job))"])
        schedule()
        return active[id] ?? run
    }

    private func update(_ run: Run) throws(EventsError) {
        try store.save(run)
        active[run.id] = run
    }

    private func finishRecord(_ run: Run) throws(EventsError) {
        try store.save(run)
        active[run.id] = nil
        for waiter in waiters.removeValue(forKey: run.id) ?? [] { waiter.resume(returning: run) }
    }

    /// Starts every queued run the rules allow, oldest first.
    private func schedule() {
        let running = active.values.filter { $0.state == .running }
        var retrainRunning = running.contains { if case .retrain = $0.job { true } else { false } }
        var busyKeys = Set(running.compactMap(\.objectKey))
        var ingests = busyKeys.count
        let queued = active.values.filter { $0.state == .queued }.sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
        for var run in queued {
            if let key = run.objectKey {
                guard !busyKeys.contains(key), ingests < maxParallelIngest else { continue }
                busyKeys.insert(key)
                ingests += 1
            } else {
                guard !retrainRunning else { continue }
                retrainRunning = true
            }
            run.state = .running
            run.startedAt = Date()
            do { try update(run) } catch {
                logger.error("cannot record run start", metadata: ["run": "\(run.id)", "error": "\(error)"])
                continue
            }
            startContinuation.yield(run.id)
        }
    }

    private func execute(_ id: String) async {
        guard var run = active[id] else { return }
        let context = StepContext(runID: id, directory: store.runDirectory(id), log: store.logURL(id))
        let pipeline: [PipelineStep]
        switch run.job {
        case .ingest(let event): pipeline = [event.kind == .created ? .ingest(event) : .delete(event)]
        case .retrain(let trigger): pipeline = [.retrain(trigger: trigger), .evaluate, .register(alias: "challenger"), .register(alias: "champion")]
        }
        store.appendLog(id, "started")
        for step in pipeline {
            if case .register(alias: "champion") = step, run.gate != "passed" {
                store.appendLog(id, "promote skipped: the gate verdict is \(run.gate ?? "missing")")
                continue
            }
            run.steps.append(Run.Step(name: step.name, command: [], startedAt: Date()))
            try? update(run)
            store.appendLog(id, "step \(step.name) started")
            let index = run.steps.count - 1
            do throws(EventsError) {
                let outcome = try await steps.run(step, context: context)
                run.steps[index].command = outcome.command
                run.steps[index].exitCode = outcome.exitCode
                run.steps[index].output = outcome.output
                run.steps[index].finishedAt = Date()
                if let gate = outcome.gate { run.gate = gate }
                if let version = outcome.modelVersion { run.modelVersion = version }
                store.appendLog(id, "step \(step.name) succeeded")
                try? update(run)
            } catch {
                run.steps[index].finishedAt = Date()
                if case .stepFailed(_, let code, _) = error { run.steps[index].exitCode = code }
                run.state = .failed
                run.error = Task.isCancelled ? "interrupted: bertha events stopped during step \(step.name)" : error.message
                break
            }
        }
        if run.state != .failed { run.state = .succeeded }
        run.finishedAt = Date()
        store.appendLog(id, run.state == .succeeded ? "succeeded" : "failed: \(run.error ?? "")")
        logger.info("run finished", metadata: ["run": "\(id)", "state": "\(run.state.rawValue)"])
        do { try finishRecord(run) } catch {
            logger.error("cannot record run end", metadata: ["run": "\(id)", "error": "\(error)"])
            active[id] = nil
        }
        if !Task.isCancelled { schedule() }
    }

    private static func describe(_ job: Run.Job) -> String {
        switch job {
        case .ingest(let event): "\(event.kind == .created ? "ingest" : "delete") s3://\(event.bucket)/\(event.key)"
        case .retrain: "retrain"
        }
    }

    /// The `--trigger` JSON: the notification reduced to the alerts that asked for retraining.
    private static func trigger(_ payload: AlertmanagerPayload, _ firing: [AlertmanagerPayload.Alert]) -> String {
        var reduced = AlertmanagerPayload(status: "firing", alerts: firing, groupLabels: payload.groupLabels,
                                          commonLabels: payload.commonLabels)
        reduced.receiver = payload.receiver
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(reduced)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}
