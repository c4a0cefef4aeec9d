import BerthaCore
import BerthaObjectStore
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

/// The runner as a long-lived service: runs jobs until graceful shutdown, then stops its steps
/// (their runs are marked failed and can be retried).
public struct RunnerService: Service {
    public let runner: PipelineRunner

    public init(runner: PipelineRunner) { self.runner = runner }

    public func run() async throws {
        try await cancelWhenGracefulShutdown { try await runner.run() }
    }
}

/// Polls a bucket prefix every `interval` seconds (`events.poll_interval`).
public struct PollerService: Service {
    public let poller: BucketPoller
    public let runner: PipelineRunner
    public let interval: Double
    public let logger: Logger

    public init(poller: BucketPoller, runner: PipelineRunner, interval: Double, logger: Logger = Logger(label: "bertha.events")) {
        self.poller = poller
        self.runner = runner
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    let events = try await poller.poll(into: runner)
                    if !events.isEmpty { logger.info("bucket poll", metadata: ["changes": "\(events.count)"]) }
                } catch {
                    // A store that is down for a while must not stop the receiver; the next poll retries.
                    logger.warning("bucket poll failed", metadata: ["error": "\(describeError(error).line)"])
                }
                do { try await Task.sleep(nanoseconds: UInt64(interval * 1_000_000_000)) } catch { return }
            }
        }
    }
}

/// The HTTP receiver: router + address. Port 0 picks a free port, reported to `onRunning`.
public func buildEventsApplication(runner: PipelineRunner, filter: BucketFilter, host: String, port: Int,
                                   logger: Logger = Logger(label: "bertha.events"),
                                   onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
    Application(router: buildEventsRouter(runner: runner, filter: filter, logger: logger),
                configuration: .init(address: .hostname(host, port: port), serverName: "bertha-events"),
                onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? port) },
                logger: logger)
}

