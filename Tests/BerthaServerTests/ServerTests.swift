import BerthaEmbeddings
import BerthaServer
import BerthaTestSupport
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Hummingbird
import Logging
import ServiceLifecycle
import Synchronization
import Testing

/// Starts the real HTTP server on a free port around `body` and stops it afterwards.
func withServer(_ backend: ScriptedBackend = ScriptedBackend(), apiKey: String? = nil, slots: Int = 2, queue: Int = 4,
                timeout: Double = 30, loaded: Bool = true, reloader: ModelReloader? = nil,
                host: ModelHost? = nil, embedder: (any TextEmbedder)? = nil, retriever: RAGRetriever? = nil, _ body: @Sendable (URL, ServerState) async throws -> Void) async throws {
    let dir = try TemporaryDirectory("bertha-server")
    defer { dir.remove() }
    let metrics = host?.metrics ?? ServerMetrics()
    let models = host ?? ModelHost(metrics: metrics)
    if loaded { models.install(backend, as: backend.model) }
    let state = ServerState(models: models, metrics: metrics,
                            feedbackLog: FeedbackLog(url: dir.path("feedback.jsonl"), maxBytes: 1 << 20),
                            apiKey: apiKey, slots: slots, queueSize: queue, requestTimeout: timeout, reloader: reloader,
                            embedder: embedder, retriever: retriever)
    let port = Mutex<Int?>(nil)
    var logger = Logger(label: "test")
    logger.logLevel = .error
    let app = buildApplication(state, host: "127.0.0.1", port: 0, logger: logger) { bound in port.withLock { $0 = bound } }
    let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
    try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }
        var waited = 0
        while port.withLock({ $0 }) == nil {
            try await Task.sleep(for: .milliseconds(20))
            waited += 1
            if waited > 500 { throw CancellationError() }
        }
        let url = URL(string: "http://127.0.0.1:\(port.withLock { $0! })")!
        do {
            try await body(url, state)
        } catch {
            await group.triggerGracefulShutdown()
            throw error
        }
        await group.triggerGracefulShutdown()
        try await tasks.waitForAll()
    }
}

func post(_ url: URL, _ path: String, _ json: String, key: String? = nil) async throws -> (Int, Data, HTTPURLResponse) {
    var request = URLRequest(url: url.appendingPathComponent(path))
    request.httpMethod = "POST"
    request.httpBody = Data(json.utf8)
    request.setValue("application/json", forHTTPHeaderField: "Content-Type")
    if let key { request.setValue("Bearer \(key)", forHTTPHeaderField: "Authorization") }
    let session = freshSession()
    defer { session.finishTasksAndInvalidate() }
    let (data, response) = try await session.data(for: request)
    let http = response as! HTTPURLResponse
    return (http.statusCode, data, http)
}

func get(_ url: URL, _ path: String) async throws -> (Int, String) {
    let session = freshSession()
    defer { session.finishTasksAndInvalidate() }
    let (data, response) = try await session.data(from: url.appendingPathComponent(path))
    return ((response as! HTTPURLResponse).statusCode, String(decoding: data, as: UTF8.self))
}

/// A session per call, so no test inherits another's connections: every test server listens on a
/// port the kernel picked, so a later server can get the port of an earlier one that is gone.
/// (A request that hung until URLSession's 60 s timeout in ServeCommandTests had another cause,
/// reproduced and fixed by `ClosesConnectionMiddleware`: completion routes closed keep-alive
/// connections without saying so. Two such hangs in the Prometheus scrape test may have been the same.)
func freshSession() -> URLSession {
    let configuration = URLSessionConfiguration.ephemeral
    configuration.timeoutIntervalForRequest = 30
    return URLSession(configuration: configuration)
}

func json(_ data: Data) throws -> [String: Any] {
    try #require(JSONSerialization.jsonObject(with: data) as? [String: Any])
}

@Suite("HTTP server (OpenAI protocol, metrics, feedback)")
struct ServerTests {
    @Test("a chat completion returns the message, usage and llama.cpp timings")
    func chat() async throws {
        try await withServer { url, _ in
            let (status, data, headers) = try await post(url, "v1/chat/completions",
                                                         #"{"messages":[{"role":"user","content":"capital of France?"}]}"#)
            #expect(status == 200)
            #expect(headers.value(forHTTPHeaderField: "X-Request-Id")?.isEmpty == false)
            let body = try json(data)
            #expect(body["object"] as? String == "chat.completion")
            #expect((body["id"] as? String)?.hasPrefix("chatcmpl-") == true)
            let choice = try #require((body["choices"] as? [[String: Any]])?.first)
            #expect((choice["message"] as? [String: Any])?["content"] as? String == "Paris is the capital of France .")
            #expect(choice["finish_reason"] as? String == "stop")
            let usage = try #require(body["usage"] as? [String: Int])
            // ScriptedBackend counts words: "<user> capital of France? <assistant>" is 5, the reply 7.
            #expect(usage["prompt_tokens"] == 5)
            #expect(usage["completion_tokens"] == 7)
            #expect(usage["total_tokens"] == 12)
            let timings = try #require(body["timings"] as? [String: Any])
            #expect(timings["predicted_n"] as? Int == 7)
            #expect(timings["predicted_per_second"] as? Double == 3500)
        }
    }

    @Test("streaming sends a role chunk, content deltas, a finish chunk, usage when asked, then [DONE]")
    func streaming() async throws {
        try await withServer { url, _ in
            let (status, data, headers) = try await post(url, "v1/chat/completions",
                #"{"messages":[{"role":"user","content":"hi"}],"stream":true,"stream_options":{"include_usage":true},"max_tokens":3}"#)
            #expect(status == 200)
            #expect(headers.value(forHTTPHeaderField: "Content-Type") == "text/event-stream")
            let events = String(decoding: data, as: UTF8.self).components(separatedBy: "\n\n").filter { !$0.isEmpty }
            #expect(events.allSatisfy { $0.hasPrefix("data: ") })
            #expect(events.last == "data: [DONE]")
            let chunks = try events.dropLast().map { try json(Data($0.dropFirst(6).utf8)) }
            // role chunk, 3 deltas, finish chunk, usage chunk
            #expect(chunks.count == 6)
            let deltas = chunks.compactMap { (($0["choices"] as? [[String: Any]])?.first?["delta"] as? [String: Any]) }
            #expect(deltas.first?["role"] as? String == "assistant")
            #expect(deltas.compactMap { $0["content"] as? String }.joined() == "Paris is the")
            let finish = (chunks[4]["choices"] as? [[String: Any]])?.first?["finish_reason"] as? String
            #expect(finish == "length")
            #expect((chunks[5]["usage"] as? [String: Int])?["completion_tokens"] == 3)
            #expect((chunks[5]["choices"] as? [Any])?.isEmpty == true)
        }
    }

    @Test("stop strings end the completion with finish_reason stop")
    func stopStrings() async throws {
        try await withServer { url, _ in
            let (_, data, _) = try await post(url, "v1/completions", #"{"prompt":"Q:","stop":["capital"]}"#)
            let choice = try #require((try json(data)["choices"] as? [[String: Any]])?.first)
            #expect(choice["text"] as? String == "Paris is the")
            #expect(choice["finish_reason"] as? String == "stop")
        }
    }

    @Test("bad requests get a 400 in OpenAI's error shape naming the field", arguments: [
        ("{not json", nil as String?),
        (#"{"messages":"hi"}"#, "messages"),
        (#"{"messages":[{"role":"user","content":"x"}],"temperature":"hot"}"#, "temperature"),
        (#"{"messages":[{"role":"user","content":"x"}],"max_tokens":0}"#, "max_tokens"),
        (#"{"messages":[{"role":"user","content":"x"}],"n":2}"#, "n"),
        (#"{"messages":[{"role":"user","content":"x"}],"max_tokens":100}"#, "messages"),
    ])
    func badRequests(body: String, param: String?) async throws {
        try await withServer { url, _ in
            let (status, data, _) = try await post(url, "v1/chat/completions", body)
            #expect(status == 400)
            let error = try #require(try json(data)["error"] as? [String: Any])
            #expect((error["message"] as? String)?.isEmpty == false)
            #expect(error["type"] as? String == "invalid_request_error")
            #expect(error["param"] as? String == param)
        }
    }

    @Test("with an API key, /v1 needs the Bearer key while /health and /metrics stay open")
    func apiKey() async throws {
        try await withServer(apiKey: "sk-test-123456") { url, _ in
            let (denied, data, _) = try await post(url, "v1/completions", #"{"prompt":"x"}"#)
            #expect(denied == 401)
            #expect((try json(data)["error"] as? [String: Any])?["code"] as? String == "invalid_api_key")
            let (wrong, _, _) = try await post(url, "v1/completions", #"{"prompt":"x"}"#, key: "sk-test-12345")
            #expect(wrong == 401)
            let (allowed, _, _) = try await post(url, "v1/completions", #"{"prompt":"x"}"#, key: "sk-test-123456")
            #expect(allowed == 200)
            #expect(try await get(url, "health").0 == 200)
            #expect(try await get(url, "metrics").0 == 200)
        }
    }

    @Test("feedback: unknown id is 404; a vote is logged with its conversation and counted; a second vote replaces it")
    func feedback() async throws {
        try await withServer { url, state in
            let (missing, _, _) = try await post(url, "v1/feedback", #"{"id":"chatcmpl-nope","score":"down"}"#)
            #expect(missing == 404)
            let (_, data, _) = try await post(url, "v1/chat/completions", #"{"messages":[{"role":"user","content":"q"}]}"#)
            let id = try #require(try json(data)["id"] as? String)
            let (voted, _, _) = try await post(url, "v1/feedback", #"{"id":"\#(id)","score":"down","comment":"wrong"}"#)
            #expect(voted == 200)
            let (revoted, again, _) = try await post(url, "v1/feedback", #"{"id":"\#(id)","score":"up"}"#)
            #expect(revoted == 200)
            #expect(try json(again)["replaced"] as? String == "down")
            let lines = try String(contentsOf: state.feedbackLog.url, encoding: .utf8).split(separator: "\n")
            #expect(lines.count == 2)
            let first = try json(Data(lines[0].utf8))
            #expect(first["completion_id"] as? String == id)
            #expect(first["score"] as? String == "down")
            #expect(first["comment"] as? String == "wrong")
            #expect(first["completion"] as? String == "Paris is the capital of France .")
            #expect((first["messages"] as? [[String: String]])?.first?["content"] == "q")
            let metrics = try await get(url, "metrics").1
            #expect(metrics.contains(#"bertha_feedback_total{model="scripted",model_version="7",score="down"} 1"#))
            #expect(metrics.contains(#"bertha_feedback_total{model="scripted",model_version="7",score="up"} 1"#))
        }
    }

    @Test("the counters alerts take increase() of are exposed at 0 before the first event, so a first burst is counted")
    func seriesStartAtZero() async throws {
        try await withServer { url, _ in
            let metrics = try await get(url, "metrics").1
            let labels = #"model="scripted",model_version="7""#
            for series in [#"bertha_feedback_total{\#(labels),score="down"} 0"#, #"bertha_feedback_total{\#(labels),score="up"} 0"#,
                           #"bertha_rag_retrievals_total{\#(labels),result="hit"} 0"#,
                           #"bertha_rag_retrievals_total{\#(labels),result="empty"} 0"#,
                           #"bertha_requests_total{\#(labels),status="200"} 0"#, #"bertha_requests_total{\#(labels),status="500"} 0"#] {
                #expect(metrics.contains(series), "missing \(series)")
            }
        }
    }

    @Test("a full queue answers 503 with Retry-After")
    func queueFull() async throws {
        let slow = ScriptedBackend(delay: .milliseconds(300))
        try await withServer(slow, slots: 1, queue: 0) { url, _ in
            async let first = post(url, "v1/completions", #"{"prompt":"a"}"#)
            // The first request holds the only slot (7 words × 300 ms) once it is admitted.
            let admitted = try await eventually { try await get(url, "metrics").1.contains("llamacpp:requests_processing 1") }
            #expect(admitted)
            let (status, data, headers) = try await post(url, "v1/completions", #"{"prompt":"b"}"#)
            #expect(status == 503)
            #expect(headers.value(forHTTPHeaderField: "Retry-After") == "1")
            #expect((try json(data)["error"] as? [String: Any])?["code"] as? String == "queue_full")
            let firstStatus = try await first.0
            #expect(firstStatus == 200)
        }
    }

    @Test("/metrics exposes llama.cpp's and bertha's series after traffic, and promtool accepts them")
    func metrics() async throws {
        try await withServer { url, _ in
            for _ in 0..<3 {
                _ = try await post(url, "v1/chat/completions", #"{"messages":[{"role":"user","content":"q"}]}"#)
            }
            let text = try await get(url, "metrics").1
            #expect(text.contains("llamacpp:tokens_predicted_total 21"))
            #expect(text.contains("llamacpp:prompt_tokens_total 9"))
            #expect(text.contains(#"bertha_requests_total{model="scripted",model_version="7",status="200"} 3"#))
            #expect(text.contains(#"bertha_time_to_first_token_seconds_count{model="scripted",model_version="7"} 3"#))
            #expect(text.contains(#"bertha_inter_token_latency_seconds_count{model="scripted",model_version="7"} 18"#))
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            try text.write(to: dir.path("metrics.txt"), atomically: true, encoding: .utf8)
            let lint = try runProcess(URL(fileURLWithPath: "/bin/sh"), ["-c", "promtool check metrics < \(dir.path("metrics.txt").path)"])
            // llama.cpp's own names contain ':' (reserved for recording rules), which promtool's
            // linter flags; they keep llama.cpp's spelling so its dashboards work. Nothing else may be flagged.
            let problems = (lint.stdout + lint.stderr).split(separator: "\n").filter { !$0.isEmpty }
            #expect(problems.count == 6, "promtool: \(problems)")
            #expect(problems.allSatisfy { $0.hasPrefix("llamacpp:") && $0.hasSuffix("metric names should not contain ':'") },
                    "promtool: \(problems)")
        }
    }

    @Test("/v1/models names the served model and version")
    func models() async throws {
        try await withServer { url, _ in
            let (status, text) = try await get(url, "v1/models")
            #expect(status == 200)
            let entry = try #require((try json(Data(text.utf8))["data"] as? [[String: Any]])?.first)
            #expect(entry["id"] as? String == "scripted")
            #expect(entry["version"] as? String == "7")
        }
    }
}
