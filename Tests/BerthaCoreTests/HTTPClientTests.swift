import BerthaCore
import BerthaTestSupport
import Foundation
import Testing

/// The HTTP client against a local server that fails on purpose (Tests/Fixtures/http/fault_server.py).
@Suite("HTTPClient retries, timeouts and errors")
struct HTTPClientTests {
    /// A fast retry policy so the tests take milliseconds, not seconds.
    static let quick = RetryPolicy(maxAttempts: 3, baseDelay: 0.01, maxDelay: 0.05)

    private func withFaultServer(_ body: (URL) async throws -> Void) async throws {
        let script = try TestEnvironment.fixture("http/fault_server.py")
        let server = try BackgroundProcess(TestEnvironment.python(), [script.path])
        let port = try await server.waitFor(#"^(\d+)$"#)
        defer { kill(server.pid, SIGKILL); _ = server.hasExited }
        try await body(URL(string: "http://127.0.0.1:\(port)")!)
    }

    private func count(_ base: URL, _ key: String) async throws -> Int {
        let response = try await HTTPClient(retry: .none).send(HTTPRequest(url: base.appendingPathComponent("count/\(key)")))
        return Int(response.text) ?? -1
    }

    @Test("an idempotent GET is retried on 503 until it succeeds")
    func retriesTransientStatus() async throws {
        try await withFaultServer { base in
            let client = HTTPClient(timeout: 5, retry: Self.quick)
            let response = try await client.send(HTTPRequest(url: base.appendingPathComponent("flaky/2/503/a")))
            #expect(response.status == 200)
            #expect(response.text == "ok")
            let attemptsA = try await count(base, "a")
            #expect(attemptsA == 3)
        }
    }

    @Test("retries stop after maxAttempts and the last status is reported with the URL")
    func givesUp() async throws {
        try await withFaultServer { base in
            let client = HTTPClient(timeout: 5, retry: Self.quick)
            let url = base.appendingPathComponent("flaky/10/502/b")
            let error = await #expect(throws: HTTPError.self) { try await client.send(HTTPRequest(url: url)) }
            #expect(error?.statusCode == 502)
            #expect(error?.location == url.absoluteString)
            #expect(error?.exitCode == .failure)
            let attemptsB = try await count(base, "b")
            #expect(attemptsB == 3)
        }
    }

    @Test("a POST is not retried unless marked retryable")
    func postIsNotRetried() async throws {
        try await withFaultServer { base in
            let client = HTTPClient(timeout: 5, retry: Self.quick)
            let once = HTTPRequest(method: "POST", url: base.appendingPathComponent("flaky/1/503/c"), body: .data(Data("{}".utf8)))
            await #expect(throws: HTTPError.self) { try await client.send(once) }
            let attemptsC = try await count(base, "c")
            #expect(attemptsC == 1)
            var marked = HTTPRequest(method: "POST", url: base.appendingPathComponent("flaky/1/503/d"), body: .data(Data("{}".utf8)))
            marked.retryable = true
            let markedStatus = try await client.send(marked).status
            #expect(markedStatus == 200)
            let attemptsD = try await count(base, "d")
            #expect(attemptsD == 2)
        }
    }

    @Test("a 4xx is the caller's mistake: never retried")
    func clientErrorsAreFinal() async throws {
        try await withFaultServer { base in
            let client = HTTPClient(timeout: 5, retry: Self.quick)
            let error = await #expect(throws: HTTPError.self) {
                try await client.send(HTTPRequest(url: base.appendingPathComponent("flaky/5/404/e")))
            }
            #expect(error?.statusCode == 404)
            #expect(error?.message.contains("injected failure") == true)
            let attemptsE = try await count(base, "e")
            #expect(attemptsE == 1)
        }
    }

    @Test("a peer that does not answer in time is a timeout with exit code 3")
    func timeout() async throws {
        try await withFaultServer { base in
            let client = HTTPClient(timeout: 0.5, retry: .none)
            let error = await #expect(throws: HTTPError.self) {
                try await client.send(HTTPRequest(url: base.appendingPathComponent("slow/3")))
            }
            guard case .timeout = error else {
                Issue.record("expected a timeout, got \(String(describing: error))")
                return
            }
            #expect(error?.exitCode == .unreachable)
        }
    }

    @Test("nothing listening is unreachable (exit code 3), after the retries, with credentials masked")
    func unreachable() async throws {
        let client = HTTPClient(timeout: 2, retry: Self.quick)
        let url = URL(string: "http://user:s3cret-pass@127.0.0.1:9/x")!
        let error = await #expect(throws: HTTPError.self) { try await client.send(HTTPRequest(url: url)) }
        guard case .unreachable = error else {
            Issue.record("expected unreachable, got \(String(describing: error))")
            return
        }
        #expect(error?.exitCode == .unreachable)
        #expect(error?.description.contains("s3cret-pass") == false)
    }

    @Test("a download lands whole at its destination; a failed one leaves nothing")
    func atomicDownload() async throws {
        try await withFaultServer { base in
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            let client = HTTPClient(timeout: 5, retry: Self.quick)
            let target = dir.path("blob.bin")
            _ = try await client.download(HTTPRequest(url: base.appendingPathComponent("bytes/1048576")), to: target)
            #expect(try Data(contentsOf: target).count == 1_048_576)
            let failed = dir.path("failed.bin")
            await #expect(throws: HTTPError.self) {
                try await client.download(HTTPRequest(url: base.appendingPathComponent("flaky/9/500/f")), to: failed)
            }
            #expect(!FileManager.default.fileExists(atPath: failed.path))
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir.url.path) == ["blob.bin"])
        }
    }

    @Test("backoff doubles per retry within [d/2, d] and is capped")
    func backoff() {
        let policy = RetryPolicy(maxAttempts: 6, baseDelay: 0.25, maxDelay: 1)
        #expect(policy.delay(beforeRetry: 1, random: 0) == 0.125)
        #expect(policy.delay(beforeRetry: 1, random: 1) == 0.25)
        #expect(policy.delay(beforeRetry: 2, random: 1) == 0.5)
        #expect(policy.delay(beforeRetry: 5, random: 1) == 1)
        #expect(policy.delay(beforeRetry: 5, random: 0) == 0.5)
    }
}
