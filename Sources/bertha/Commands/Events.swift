import ArgumentParser
import BerthaCore
import BerthaEvents
import BerthaObjectStore
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

struct Events: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events",
        abstract: "Receive Alertmanager and object-store webhooks and run the ingest and retrain pipelines locally.",
        discussion: """
            `bertha events` (= `bertha events listen`) listens on events.host:events.port: POST /alertmanager \
            (firing alerts labelled action=retrain start retrain → evaluate → register → promote, one at a time), \
            POST /bucket, /minio, /seaweedfs (MinIO/S3 notifications, Argo Events wrappings, SeaweedFS filer \
            webhooks: ingest or delete the object), GET /runs, GET /runs/ID, POST /runs/ID/retry, GET /health. \
            With events.poll_interval > 0 it also polls s3.bucket under events.prefix. Each step runs \
            `bertha SUBCOMMAND … --json` as a child process; runs, logs and state live in events.state_dir.
            """,
        subcommands: [Listen.self, Runs.self, Retry.self],
        defaultSubcommand: Listen.self)

    struct Listen: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the receiver and the pipeline runner until SIGTERM/SIGINT (the default subcommand).")

        @OptionGroup var global: GlobalOptions

        @Option(help: "Address to listen on (events.host).")
        var host: String?

        @Option(help: "TCP port; 0 picks a free one (events.port).")
        var port: Int?

        @Option(name: .customLong("poll-interval"), help: "Seconds between bucket polls; 0 disables (events.poll_interval).")
        var pollInterval: Double?

        func run() async throws {
            var flags = FlagOverrides()
            flags.add("events.host", host, flag: "--host")
            flags.add("events.port", port, flag: "--port")
            flags.add("events.poll_interval", pollInterval, flag: "--poll-interval")
            let config = try global.loadConfig(flags).config
            let logger = Logger(label: "bertha.events")
            let runner = makeRunner(config, global: global, logger: logger)
            let filter = BucketFilter(bucket: config.s3.bucket, prefix: config.events.prefix)
            let app = buildEventsApplication(runner: runner, filter: filter, host: config.events.host,
                                             port: config.events.port, logger: logger) { bound in
                logger.notice("listening on http://\(config.events.host):\(bound)")
            }
            var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
                .init(service: RunnerService(runner: runner)), .init(service: app),
            ]
            if config.events.pollInterval > 0 {
                let store = try S3ObjectStore(section: config.s3)
                let poller = BucketPoller(store: store, bucket: config.s3.bucket, prefix: config.events.prefix,
                                          stateDir: config.events.stateDir)
                services.append(.init(service: PollerService(poller: poller, runner: runner,
                                                             interval: config.events.pollInterval, logger: logger)))
            }
            let group = ServiceGroup(configuration: .init(
                services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
            try await group.run()
        }
    }

    struct Runs: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the runs in events.state_dir, oldest first.")

        @OptionGroup var global: GlobalOptions

        @Option(help: "Only the last N runs.")
        var last: Int?

        func run() async throws {
            let config = try global.loadConfig().config
            var runs = try RunStore(stateDir: config.events.stateDir).loadAll()
            if let last { runs = Array(runs.suffix(max(0, last))) }
            if global.json {
                try printRunsJSON(runs)
                return
            }
            if runs.isEmpty {
                print("no runs in \(config.events.stateDir)")
                return
            }
            for run in runs { print(RunSummary.line(run)) }
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a failed run's job again as a new run.",
            discussion: """
                Goes through the running receiver (events.host:events.port) when one answers; otherwise runs \
                the job in the foreground and waits for it.
                """)

        @OptionGroup var global: GlobalOptions

        @Argument(help: "The id of the failed run (see bertha events runs).")
        var runID: String

        func run() async throws {
            let config = try global.loadConfig().config
            let retried: BerthaEvents.Run
            if let remote = try await EventsClient(host: config.events.host, port: config.events.port).retry(runID) {
                retried = remote
            } else {
                let logger = Logger(label: "bertha.events")
                let runner = makeRunner(config, global: global, logger: logger)
                retried = try await withThrowingTaskGroup(of: BerthaEvents.Run?.self) { group in
                    group.addTask { try await runner.run(); return nil }
                    try await runner.recover()
                    let created = try await runner.retry(runID)
                    let finished = try await runner.waitUntilFinished(created.id)
                    group.cancelAll()
                    return finished
                }
            }
            if global.json { try printRunsJSON([retried]) } else { print(RunSummary.line(retried)) }
            if retried.state == .failed {
                throw EventsError.runFailed(id: retried.id, reason: retried.error ?? "unknown", log: retried.logPath)
            }
        }
    }
}

/// The runner with `bertha` child processes as steps, carrying this command's configuration.
private func makeRunner(_ config: BerthaConfig, global: GlobalOptions, logger: Logger) -> PipelineRunner {
    let executable = config.events.command.isEmpty
        ? (Bundle.main.executablePath ?? CommandLine.arguments[0]) : config.events.command
    var configArguments: [String] = []
    if let file = global.configFile { configArguments += ["--config", file] }
    configArguments += global.assignments.flatMap { ["--set", $0] }
    let steps = CommandStepRunner(executable: executable, configArguments: configArguments,
                                  modelName: config.mlflow.modelName, data: config.retrain.data,
                                  feedbackLog: config.server.feedbackLog.isEmpty ? nil : config.server.feedbackLog)
    return PipelineRunner(store: RunStore(stateDir: config.events.stateDir), steps: steps,
                          maxParallelIngest: config.events.maxParallelIngest, logger: logger)
}

private func printRunsJSON(_ runs: [BerthaEvents.Run]) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    encoder.dateEncodingStrategy = .iso8601
    print(String(decoding: try encoder.encode(runs), as: UTF8.self))
}
