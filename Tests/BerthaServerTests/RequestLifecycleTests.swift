import BerthaServer
import BerthaTestSupport
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

/// Starts a request and drops its connection after `after`, as a client that gives up does.
func abandon(_ url: URL, _ path: String, _ body: String, after: Duration) async throws {
    var request = URLRequest(url: url.appendingPathComponent(path))
    request.httpMethod = "POST"
    request.httpBody = Data(body.utf8)
    let session = URLSession(configuration: .ephemeral)
    let task = session.dataTask(with: request)
    task.resume()
    try await Task.sleep(for: after)
    task.cancel()
    session.invalidateAndCancel()
}

/// Polls `condition` every 20 ms for up to `seconds`.
func eventually(_ seconds: Double = 5, _ condition: () async throws -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + .seconds(seconds)
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(20))
    }
    return try await condition()
}

@Suite("Request lifecycle: timeout, client disconnect, loading")
struct RequestLifecycleTests {
    @Test("a request over server.request_timeout gets 504 and its generation is cancelled")
    func timeout() async throws {
        let slow = ScriptedBackend(delay: .milliseconds(150))
        try await withServer(slow, timeout: 0.4) { url, _ in
            let (status, data, _) = try await post(url, "v1/chat/completions", #"{"messages":[{"role":"user","content":"q"}]}"#)
            #expect(status == 504)
            let error = try #require(try json(data)["error"] as? [String: Any])
            #expect(error["type"] as? String == "timeout_error")
            let ok106 = try await eventually { slow.log.cancelled == 1 }
            #expect(ok106)
            let metrics = try await get(url, "metrics").1
            #expect(metrics.contains(#"bertha_requests_total{model="scripted",model_version="7",status="504"} 1"#))
            #expect(metrics.contains("llamacpp:requests_processing 0"))
        }
    }

    @Test("a streamed request over the timeout ends with an error event in OpenAI's shape")
    func streamedTimeout() async throws {
        let slow = ScriptedBackend(delay: .milliseconds(150))
        try await withServer(slow, timeout: 0.4) { url, _ in
            let (status, data, _) = try await post(url, "v1/chat/completions",
                                                   #"{"messages":[{"role":"user","content":"q"}],"stream":true}"#)
            #expect(status == 200)
            let events = String(decoding: data, as: UTF8.self).components(separatedBy: "\n\n").filter { !$0.isEmpty }
            let last = try json(Data(try #require(events.last).dropFirst(6).utf8))
            #expect((last["error"] as? [String: Any])?["type"] as? String == "timeout_error")
            #expect(events.count >= 2 && events.count < 9, "role chunk, a few words, the error: \(events)")
            let ok107 = try await eventually { slow.log.cancelled == 1 }
            #expect(ok107)
        }
    }

    @Test("a client that disconnects cancels its generation and frees the slot", arguments: [false, true])
    func disconnect(stream: Bool) async throws {
        // A reply long enough (40 words, 8 s) that the generation cannot end on its own before
        // the disconnect reaches the server: on a loaded machine the client's cancel can take a
        // second to close the socket, and a 6-word reply used to finish first.
        let reply = (1...40).map { "w\($0)" }.joined(separator: " ")
        let slow = ScriptedBackend(reply: reply, delay: .milliseconds(200))
        try await withServer(slow, slots: 1, queue: 0) { url, _ in
            try await abandon(url, "v1/chat/completions", #"{"messages":[{"role":"user","content":"q"}],"max_tokens":40,"stream":\#(stream)}"#,
                              after: .seconds(1))
            // 1 s, not less: with both cores busy (the full suite runs in parallel) the request
            // took over 300 ms to start, and the client had left before it did.
            let started = try await eventually { slow.log.started == 1 }
            #expect(started)
            let ok108 = try await eventually { slow.log.cancelled == 1 }
            #expect(ok108, "the generation was not cancelled")
            let ok109 = try await eventually { try await get(url, "metrics").1.contains("llamacpp:requests_processing 0") }
            #expect(ok109)
            // The one slot is free again: a new request is admitted (not 503) and completes.
            let (status, _, _) = try await post(url, "v1/completions", #"{"prompt":"a","max_tokens":1}"#)
            #expect(status == 200)
            let metrics = try await get(url, "metrics").1
            #expect(metrics.contains(#"bertha_requests_total{model="scripted",model_version="7",status="499"} 1"#))
        }
    }

    @Test("a completion says Connection: close and closes; other routes keep the connection alive")
    func completionsCloseTheirConnection() async throws {
        try await withServer { url, _ in
            // Watching for a disconnect ends the connection after the response. Unannounced, a
            // keep-alive client's next request went out on the closing connection and, under load,
            // waited out its timeout (the CI failure of ServeCommandTests at 214e436).
            let connection = try RawHTTPConnection(port: url.port!)
            let (health, models, reply, closes) = try await connection.blocking { connection in
                (try connection.exchange("GET", "/health"), try connection.exchange("GET", "/v1/models"),
                 try connection.exchange("POST", "/v1/chat/completions", body: #"{"messages":[{"role":"user","content":"hi"}]}"#),
                 connection.serverCloses())
            }
            #expect(health.status == 200 && models.status == 200, "two requests on one connection")
            #expect(health.headers["connection"] == nil)
            #expect(reply.status == 200)
            #expect(reply.headers["connection"] == "close")
            #expect(closes)
            // Errors of those routes, too.
            let other = try RawHTTPConnection(port: url.port!)
            let (refused, closed) = try await other.blocking { connection in
                (try connection.exchange("POST", "/v1/completions", body: #"{"prompt":["a","b"]}"#), connection.serverCloses())
            }
            #expect(refused.status == 400)
            #expect(refused.headers["connection"] == "close")
            #expect(closed)
        }
    }

    @Test("while the model loads, /health and the API answer 503 Loading model; then 200")
    func loading() async throws {
        let backend = ScriptedBackend()
        let metrics = ServerMetrics()
        let host = ModelHost(metrics: metrics)
        try await withServer(backend, loaded: false, host: host) { url, _ in
            let (health, body) = try await get(url, "health")
            #expect(health == 503)
            let error = try #require(try json(Data(body.utf8))["error"] as? [String: Any])
            #expect(error["message"] as? String == "Loading model")
            let (chat, _, headers) = try await post(url, "v1/chat/completions", #"{"messages":[{"role":"user","content":"q"}]}"#)
            #expect(chat == 503)
            #expect(headers.value(forHTTPHeaderField: "Content-Type") == "application/json")
            let value16 = try await get(url, "").0
            #expect(value16 == 200, "the page is served while loading")
            host.install(backend, as: backend.model)
            let (ready, text) = try await get(url, "health")
            #expect(ready == 200)
            #expect(text == #"{"status":"ok"}"#)
        }
    }
}
