import BerthaTestSupport
import Foundation
import Testing

/// The test services script itself: the running set answers its readiness probes, and an isolated
/// second set (other ports, other directory) starts, becomes ready, and stops cleanly.
@Suite("scripts/services.sh", .serialized)
struct TestServicesTests {
    private var script: URL { TestEnvironment.repoRoot.appendingPathComponent("scripts/services.sh") }

    private func services(_ arguments: [String], environment: [String: String] = [:]) throws -> ProcessResult {
        var env = ProcessInfo.processInfo.environment
        env.merge(environment) { $1 }
        return try runProcess(URL(fileURLWithPath: "/bin/bash"), [script.path] + arguments, environment: env)
    }

    @Test("every service of `make test` is ready: MLflow /health, signed S3 ListBuckets, Milvus collections, Prometheus and Alertmanager /-/ready")
    func runningSetIsReady() throws {
        let result = try services(["status"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        for name in ["mlflow", "s3", "milvus", "prometheus", "alertmanager"] {
            #expect(result.stdout.contains("\(name): ready"))
        }
    }

    @Test("an isolated set starts on other ports, answers its probes, and stops",
          arguments: [["s3"], ["prometheus", "alertmanager"], ["mlflow"]])
    func isolatedStartStop(names: [String]) throws {
        let dir = try TemporaryDirectory("bertha-services")
        defer { dir.remove() }
        let env = [
            "BERTHA_SERVICES_DIR": dir.url.path,
            "BERTHA_MLFLOW_PORT": "15000", "BERTHA_S3_PORT": "18433", "BERTHA_WEED_PORT_BASE": "17100",
            "BERTHA_PROMETHEUS_PORT": "19090", "BERTHA_ALERTMANAGER_PORT": "19093",
        ]
        let start = try services(["start"] + names, environment: env)
        defer { _ = try? services(["stop"] + names, environment: env) }
        #expect(start.status == 0, "\(start.stderr)")
        let status = try services(["status"] + names, environment: env)
        #expect(status.status == 0, "\(status.stdout)")
        let stop = try services(["stop"] + names, environment: env)
        #expect(stop.status == 0)
        let after = try services(["status"] + names, environment: env)
        #expect(after.status != 0, "still answering after stop: \(after.stdout)")
    }

    @Test("the S3 probe really checks the signature: a wrong secret is not ready")
    func s3ProbeChecksSecret() throws {
        let result = try services(["status", "s3"], environment: ["BERTHA_TEST_S3_SECRET_KEY": "wrong-secret"])
        #expect(result.status != 0)
    }
}
