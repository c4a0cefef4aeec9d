import BerthaInference
import BerthaServer
import BerthaTestSupport
import Foundation
import Logging
import Synchronization
import Testing

/// A model source a test moves by hand; `resolve()` fails while `broken`.
final class MovableSource: ModelSource {
    private let state = Mutex<(version: Int, broken: Bool)>((1, false))
    func move(to version: Int, broken: Bool = false) { state.withLock { $0 = (version, broken) } }
    func currentVersion() async throws -> String { "v\(state.withLock { $0.version })" }
    func resolve() async throws -> ModelRef {
        let (version, broken) = state.withLock { $0 }
        if broken { throw ServerError.internalError(message: "artifact of version \(version) is not a GGUF file") }
        return ModelRef(path: "/models/v\(version).gguf", name: "scripted", version: String(version),
                        sha256: String(repeating: String(version), count: 64))
    }
}

func reloadRequest(_ url: URL, key: String?) async throws -> (Int, [String: Any]) {
    let (status, data, _) = try await post(url, "admin/reload", "{}", key: key)
    return (status, try json(data))
}

@Suite("Live model updates (ModelHost, ModelReloader, /admin/reload)")
struct ModelReloadTests {
    static func scriptedLoader(log: GenerationLog) -> ModelReloader.Loader {
        { ref in
            var backend = ScriptedBackend()
            backend.reply = "answer from version \(ref.version)"
            backend.delay = .milliseconds(100)
            backend.log = log
            backend.model = ServedModel(id: ref.name, version: ref.version, sha256: ref.sha256, contextLength: 64)
            return (backend, backend.model)
        }
    }

    @Test("reload swaps atomically: in-flight requests finish on the old model, new ones get the new; model info follows")
    func swap() async throws {
        let log = GenerationLog()
        let source = MovableSource()
        let metrics = ServerMetrics()
        let host = ModelHost(metrics: metrics)
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let reloader = ModelReloader(source: source, host: host, logger: logger, loader: Self.scriptedLoader(log: log))
        let first = try await reloader.reload()
        let installed = try #require(host.model)
        #expect(first == .swapped(model: installed, previous: nil))
        try await withServer(apiKey: "sk-admin", loaded: false, reloader: reloader, host: host) { url, _ in
            async let inFlight = post(url, "v1/chat/completions", #"{"messages":[{"role":"user","content":"q"}],"stream":true}"#,
                                      key: "sk-admin")
            let ok101 = try await eventually { log.started == 1 }
            #expect(ok101)
            source.move(to: 2)
            let (status, reply) = try await reloadRequest(url, key: "sk-admin")
            #expect(status == 200)
            #expect(reply["status"] as? String == "swapped")
            #expect((reply["model"] as? [String: Any])?["version"] as? String == "2")
            #expect((reply["previous"] as? [String: Any])?["version"] as? String == "1")

            let (_, fresh, _) = try await post(url, "v1/completions", #"{"prompt":"q"}"#, key: "sk-admin")
            #expect((try json(fresh)["choices"] as? [[String: Any]])?.first?["text"] as? String == "answer from version 2")

            let (_, streamed, _) = try await inFlight
            let text = String(decoding: streamed, as: UTF8.self)
            #expect(text.hasSuffix("data: [DONE]\n\n"))
            let words = text.components(separatedBy: "\n\n").filter { $0.hasPrefix("data: {") }
                .compactMap { try? json(Data($0.dropFirst(6).utf8)) }
                .compactMap { (($0["choices"] as? [[String: Any]])?.first?["delta"] as? [String: Any])?["content"] as? String }
            #expect(words.joined() == "answer from version 1", "the in-flight request finished on the old model")
            #expect(log.cancelled == 0)

            let exposition = try await get(url, "metrics").1
            #expect(exposition.contains(#"bertha_model_info{model="scripted",version="2",sha256="\#(String(repeating: "2", count: 64))"} 1"#))
            #expect(!exposition.contains(#"version="1",sha256"#), "the old model's info series is gone")

            // Unchanged source: nothing is loaded.
            let value2 = try await reloadRequest(url, key: "sk-admin").1["status"] as? String
            #expect(value2 == "unchanged")
            let ok102 = await reloader.poll() == nil
            #expect(ok102)
        }
    }

    @Test("a failed load keeps the old model serving and says why; polling picks up the next good version")
    func failedLoad() async throws {
        let source = MovableSource()
        let host = ModelHost(metrics: ServerMetrics())
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let reloader = ModelReloader(source: source, host: host, logger: logger, loader: Self.scriptedLoader(log: GenerationLog()))
        try await reloader.reload()
        try await withServer(apiKey: "sk-admin", loaded: false, reloader: reloader, host: host) { url, _ in
            source.move(to: 2, broken: true)
            let (status, reply) = try await reloadRequest(url, key: "sk-admin")
            #expect(status == 500)
            let message = try #require((reply["error"] as? [String: Any])?["message"] as? String)
            #expect(message.contains("still serving scripted@1"))
            #expect(message.contains("not a GGUF file"))
            let ok103 = await reloader.poll() == nil
            #expect(ok103)
            #expect(host.model?.version == "1")
            let (models, _) = try await get(url, "health")
            #expect(models == 200)

            source.move(to: 3)
            let outcome = await reloader.poll()
            let current = try #require(host.model)
            #expect(outcome == .swapped(model: current, previous: ServedModel(
                id: "scripted", version: "1", sha256: String(repeating: "1", count: 64), contextLength: 64)))
            #expect(host.model?.version == "3")
            let ok104 = await reloader.poll() == nil
            #expect(ok104, "no change since the last poll")
        }
    }

    @Test("/admin/reload needs the API key, and is off when the server has none")
    func adminNeedsKey() async throws {
        let host = ModelHost(metrics: ServerMetrics())
        let reloader = ModelReloader(source: MovableSource(), host: host, logger: Logger(label: "test"),
                                     loader: Self.scriptedLoader(log: GenerationLog()))
        try await reloader.reload()
        try await withServer(apiKey: "sk-admin", loaded: false, reloader: reloader, host: host) { url, _ in
            let value3 = try await reloadRequest(url, key: nil).0
            #expect(value3 == 401)
            let value4 = try await reloadRequest(url, key: "sk-admin").0
            #expect(value4 == 200)
        }
        try await withServer(loaded: false, reloader: reloader, host: host) { url, _ in
            let value5 = try await reloadRequest(url, key: nil).0
            #expect(value5 == 403)
        }
    }

    @Test("two real GGUF files: a local symlink moved from SmolLM2 to Gemma 3 swaps mid-generation without dropping it")
    func realModels() async throws {
        let smol = try TestEnvironment.model("SmolLM2-135M-Instruct.Q4_1.gguf")
        let gemma = try TestEnvironment.model("gemma-3-270m-q4_k_m.gguf")
        let dir = try TemporaryDirectory("bertha-reload")
        defer { dir.remove() }
        let link = dir.path("current.gguf")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: smol)
        let host = ModelHost(metrics: ServerMetrics())
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let loader = EngineModelLoader(contextLength: 256, threads: 2, batchSize: 64, kvType: .f16, slots: 1)
        let reloader = ModelReloader(source: LocalFileModelSource(path: link.path), host: host, logger: logger, loader: loader.load)
        try await reloader.reload()
        #expect(host.model?.id == "SmolLM2-135M-Instruct.Q4_1")
        try await withServer(apiKey: "sk-admin", loaded: false, reloader: reloader, host: host) { url, _ in
            // 0 and 2 are SmolLM2's end tokens: banned, the generation runs its full length.
            async let inFlight = post(url, "v1/completions",
                                      #"{"prompt":"Once upon a time","max_tokens":200,"temperature":0,"logit_bias":{"0":-100,"2":-100}}"#,
                                      key: "sk-admin")
            let ok105 = try await eventually(30) { try await get(url, "metrics").1.contains("llamacpp:requests_processing 1") }
            #expect(ok105)
            try FileManager.default.removeItem(at: link)
            try FileManager.default.createSymbolicLink(at: link, withDestinationURL: gemma)
            let (status, reply) = try await reloadRequest(url, key: "sk-admin")
            #expect(status == 200, "\(reply)")
            let during = try await get(url, "metrics").1
            #expect(during.contains("llamacpp:requests_processing 1"), "the old model's request is still generating after the swap")
            #expect((reply["model"] as? [String: Any])?["id"] as? String == "gemma-3-270m-q4_k_m")

            let (oldStatus, old, _) = try await inFlight
            #expect(oldStatus == 200)
            let body = try json(old)
            #expect(body["model"] as? String == "SmolLM2-135M-Instruct.Q4_1")
            #expect((body["usage"] as? [String: Any])?["completion_tokens"] as? Int == 200)

            let (_, fresh, _) = try await post(url, "v1/chat/completions",
                                               #"{"messages":[{"role":"user","content":"Hi"}],"max_tokens":4}"#, key: "sk-admin")
            #expect(try json(fresh)["model"] as? String == "gemma-3-270m-q4_k_m")
            let exposition = try await get(url, "metrics").1
            #expect(exposition.contains(#"bertha_model_info{model="gemma-3-270m-q4_k_m",version="local""#))
            #expect(!exposition.contains(#"bertha_model_info{model="SmolLM2"#))
        }
    }
}
