import BerthaServer
import BerthaTestSupport
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
#if canImport(Glibc)
import Glibc
#endif
import Testing

/// A TCP port nothing listens on right now (bind to 0, read it back, close).
func freeTCPPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
            bind(fd, raw, length) == 0 && getsockname(fd, raw, &length) == 0
        }
    }
    guard bound else { throw CancellationError() }
    return Int(UInt16(bigEndian: address.sin_port))
}

@Suite("A real Prometheus scrapes the server", .serialized)
struct PrometheusScrapeTests {
    /// Runs `body` with a Prometheus of its own (scripts/services.sh, own port and directory)
    /// scraping `target` every second.
    func withPrometheus(scraping target: URL, _ body: (URL) async throws -> Void) async throws {
        let dir = try TemporaryDirectory("bertha-prom")
        defer { dir.remove() }
        let port = try freeTCPPort()
        let config = dir.path("prometheus.yml")
        try """
        global: {scrape_interval: 1s, evaluation_interval: 1s}
        scrape_configs:
          - job_name: bertha
            static_configs: [{targets: ["\(target.host!):\(target.port!)"]}]
        """.write(to: config, atomically: true, encoding: .utf8)
        var env = ProcessInfo.processInfo.environment
        env["BERTHA_SERVICES_DIR"] = dir.path("services").path
        env["BERTHA_PROMETHEUS_PORT"] = String(port)
        env["BERTHA_PROMETHEUS_CONFIG"] = config.path
        let script = TestEnvironment.repoRoot.appendingPathComponent("scripts/services.sh")
        let bash = URL(fileURLWithPath: "/bin/bash")
        let started = try await runOffPool(bash, [script.path, "start", "prometheus"], environment: env)
        #expect(started.status == 0, "\(started.stderr)")
        do {
            try await body(URL(string: "http://127.0.0.1:\(port)")!)
        } catch {
            _ = try? await runOffPool(bash, [script.path, "stop", "prometheus"], environment: env)
            throw error
        }
        _ = try await runOffPool(bash, [script.path, "stop", "prometheus"], environment: env)
    }

    /// The value of the single series `query` returns, polling until it equals `expected` (scrapes
    /// are a second apart) or 20 s pass.
    func value(_ prometheus: URL, _ query: String, becomes expected: Double) async throws -> Double? {
        var components = URLComponents(url: prometheus.appendingPathComponent("api/v1/query"), resolvingAgainstBaseURL: false)!
        components.queryItems = [URLQueryItem(name: "query", value: query)]
        let session = freshSession()
        defer { session.finishTasksAndInvalidate() }
        var last: Double?
        for _ in 0..<100 {
            let (data, _) = try await session.data(from: components.url!)
            let result = ((try json(data)["data"] as? [String: Any])?["result"] as? [[String: Any]]) ?? []
            if result.count == 1, let sample = result[0]["value"] as? [Any], let text = sample.last as? String {
                last = Double(text)
                if last == expected { return last }
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        return last
    }

    @Test("after 3 chats and one 👎, Prometheus' query API shows the counters, histograms and model info")
    func scrape() async throws {
        try await withServer { url, _ in
            for _ in 0..<3 {
                _ = try await post(url, "v1/chat/completions", #"{"messages":[{"role":"user","content":"q"}]}"#)
            }
            let (_, data, _) = try await post(url, "v1/chat/completions", #"{"messages":[{"role":"user","content":"q"}],"max_tokens":2}"#)
            let id = try #require(try json(data)["id"] as? String)
            _ = try await post(url, "v1/feedback", #"{"id":"\#(id)","score":"down"}"#)
            try await withPrometheus(scraping: url) { prometheus in
                let labels = #"job="bertha",model="scripted",model_version="7""#
                let value6 = try await value(prometheus, #"up{job="bertha"}"#, becomes: 1)
                #expect(value6 == 1)
                let value7 = try await value(prometheus, #"bertha_requests_total{\#(labels),status="200"}"#, becomes: 4)
                #expect(value7 == 4)
                let value8 = try await value(prometheus, #"llamacpp:tokens_predicted_total{job="bertha"}"#, becomes: 23)
                #expect(value8 == 23)
                let value9 = try await value(prometheus, #"bertha_feedback_total{\#(labels),score="down"}"#, becomes: 1)
                #expect(value9 == 1)
                let value10 = try await value(prometheus, #"bertha_time_to_first_token_seconds_count{\#(labels)}"#, becomes: 4)
                #expect(value10 == 4)
                let value11 = try await value(prometheus, #"bertha_inter_token_latency_seconds_count{\#(labels)}"#, becomes: 19)
                #expect(value11 == 19)
                let value12 = try await value(prometheus, #"bertha_model_info{job="bertha",model="scripted",version="7"}"#, becomes: 1)
                #expect(value12 == 1)
                let value13 = try await value(prometheus, #"bertha_model_loaded{\#(labels)}"#, becomes: 1)
                #expect(value13 == 1)
            }
        }
    }
}
