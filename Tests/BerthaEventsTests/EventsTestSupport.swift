import BerthaEvents
import BerthaTestSupport
import BerthaText
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A runner whose steps run `Tests/Fixtures/events/fake-bertha.sh` (same arguments as `bertha`),
/// with its state and the fake's records in one temporary directory.
struct FakePipeline: Sendable {
    let dir: TemporaryDirectory
    let runner: PipelineRunner
    let store: RunStore

    init(environment: [String: String] = [:], maxParallelIngest: Int = 2, reuse: TemporaryDirectory? = nil) throws {
        dir = try reuse ?? TemporaryDirectory("bertha-events")
        let script = try TestEnvironment.fixture("events/fake-bertha.sh")
        var env = ProcessInfo.processInfo.environment
        env["FAKE_DIR"] = dir.url.path
        env.merge(environment) { $1 }
        store = RunStore(stateDir: dir.path("state").path)
        runner = PipelineRunner(store: store,
                                steps: CommandStepRunner(executable: script.path, modelName: "smollm2", environment: env),
                                maxParallelIngest: maxParallelIngest)
    }

    func lines(_ name: String) -> [String] {
        ((try? String(contentsOf: dir.path(name), encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    func touch(_ name: String) { _ = FileManager.default.createFile(atPath: dir.path(name).path, contents: Data()) }
}

/// Runs `body` while `runner.run()` runs in the background; cancels the runner afterwards.
func withRunner<T: Sendable>(_ runner: PipelineRunner, _ body: () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await runner.run() }
        defer { group.cancelAll() }
        return try await body()
    }
}

func alert(_ status: String = "firing", name: String = "BerthaFeedbackDegraded", action: String? = "retrain",
           startsAt: String = "2026-11-29T06:00:00Z", version: String = "1") -> AlertmanagerPayload {
    var labels = ["alertname": name, "model": "smollm2", "model_version": version, "severity": "warning"]
    if let action { labels["action"] = action }
    return AlertmanagerPayload(status: status, alerts: [.init(status: status, labels: labels, startsAt: startsAt,
                                                              fingerprint: "fp-\(name)-\(version)")])
}

func created(_ key: String, bucket: String = "docs") -> IngestEvent {
    IngestEvent(kind: .created, bucket: bucket, key: key, eventName: "s3:ObjectCreated:Put")
}

/// Polls `condition` every 100 ms until it holds or `timeout` seconds pass.
func eventually(_ timeout: Double = 30, _ condition: () async throws -> Bool) async throws -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if try await condition() { return true }
        try await Task.sleep(nanoseconds: 100_000_000)
    }
    return try await condition()
}

/// A TCP port nobody listens on right now (bound to port 0, then released).
func freePort() -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
    }
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    return Int(UInt16(bigEndian: address.sin_port))
}
