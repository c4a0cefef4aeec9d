import BerthaTestSupport
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

/// `bertha register` run as a process, against the test MLflow server and against a closed port.
@Suite("bertha register")
struct RegisterCommandTests {
    private func bertha(_ arguments: [String]) throws -> ProcessResult {
        let env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("BERTHA_") && !$0.key.hasPrefix("MLFLOW_") }
        return try runProcess(TestEnvironment.berthaExecutable(), arguments, environment: env,
                              currentDirectory: FileManager.default.temporaryDirectory)
    }

    @Test("MLflow down: exit code 3 and one error line naming the tracking URL")
    func mlflowDown() throws {
        let model = try TestEnvironment.model("SmolLM2-135M-Instruct.Q4_1.gguf")
        let result = try bertha(["register", model.path, "--name", "smollm2", "--tracking-uri", "http://127.0.0.1:1"])
        #expect(result.status == 3, "\(result.stderr)")
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1, "expected one line, got: \(result.stderr)")
        #expect(result.stderr.hasPrefix("bertha: error: cannot reach the MLflow tracking server at http://127.0.0.1:1"))
        #expect(result.stdout.isEmpty)
    }

    @Test("registering SmolLM2 prints models:/smollm2/N; --json carries version, sha256 and the GGUF facts")
    func registerPrintsURI() throws {
        let model = try TestEnvironment.model("SmolLM2-135M-Instruct.Q4_1.gguf")
        let plain = try bertha(["register", model.path, "--name", "smollm2", "--alias", "champion", "--experiment", "bertha-tests",
                                "--tracking-uri", TestServices.mlflowURL, "--metric", "eval_loss=1.875", "--param", "dataset=feedback-2026-11",
                                "--quiet"])
        #expect(plain.status == 0, "\(plain.stderr)")
        #expect(plain.stdout.range(of: #"^models:/smollm2/\d+\n$"#, options: .regularExpression) != nil, "\(plain.stdout)")
        let json = try bertha(["register", model.path, "--name", "smollm2", "--tracking-uri", TestServices.mlflowURL, "--json", "--quiet"])
        #expect(json.status == 0, "\(json.stderr)")
        struct Registered: Decodable {
            struct Facts: Decodable { var quantization, architecture, kind: String }
            var uri, sha256, version: String
            var reused: Bool
            var facts: Facts
        }
        let registered = try JSONDecoder().decode(Registered.self, from: Data(json.stdout.utf8))
        #expect(registered.uri == plain.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(registered.reused)
        #expect(registered.sha256 == (try sha256sum(model)))
        #expect(registered.facts.quantization == "Q4_1")
        #expect(registered.facts.architecture == "llama")
        #expect(registered.facts.kind == "model")
    }

    @Test("serve --model models:/smollm2@champion downloads the version into model.cache_dir and serves it under its registry name and version")
    func serveFromRegistry() async throws {
        let model = try TestEnvironment.model("SmolLM2-135M-Instruct.Q4_1.gguf")
        let registered = try bertha(["register", model.path, "--name", "smollm2", "--alias", "champion",
                                     "--tracking-uri", TestServices.mlflowURL, "--quiet"])
        #expect(registered.status == 0, "\(registered.stderr)")
        let version = registered.stdout.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "/").last.map(String.init)
        let dir = try TemporaryDirectory("bertha-serve-registry")
        defer { dir.remove() }
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("BERTHA_") && !$0.key.hasPrefix("MLFLOW_") }
        env["MLFLOW_TRACKING_URI"] = TestServices.mlflowURL
        env["BERTHA_MODEL_CACHE_DIR"] = dir.path("cache").path
        let server = try BackgroundProcess(TestEnvironment.berthaExecutable(),
            ["serve", "--model", "models:/smollm2@champion", "--port", "0", "--ctx", "256", "--threads", "2",
             "--set", "server.feedback_log=\(dir.path("feedback.jsonl").path)"], environment: env)
        let port = try await server.waitFor(#"listening on http://127\.0\.0\.1:(\d+)"#)
        // The listener comes up before the model: wait for /health before asking what is served.
        let base = try #require(URL(string: "http://127.0.0.1:\(port)"))
        _ = try await waitUntilHealthy(base)
        let (data, _) = try await URLSession.shared.data(from: base.appendingPathComponent("v1/models"))
        struct Models: Decodable {
            struct Entry: Decodable { var id, version, sha256: String }
            var data: [Entry]
        }
        let served = try #require(try JSONDecoder().decode(Models.self, from: data).data.first)
        let sha = try sha256sum(model)
        #expect(served.id == "smollm2")
        #expect(served.version == version)
        #expect(served.sha256 == sha)
        #expect(FileManager.default.fileExists(atPath: dir.path("cache/\(sha)").path))
        #expect(try await server.stop() == 0)
    }

    @Test("malformed --metric and --param are usage errors (exit 2) before anything is sent", arguments: [
        ["--metric", "loss=abc"], ["--param", "novalue"], ["--alias", "a/b"],
    ])
    func badPairs(extra: [String]) throws {
        let result = try bertha(["register", "x.gguf", "--tracking-uri", "http://127.0.0.1:1"] + extra)
        #expect(result.status == 2, "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1)
    }

    /// The sha256 of a file, by the system's sha256sum (independent of bertha's own hashing).
    private func sha256sum(_ url: URL) throws -> String {
        let result = try runProcess(URL(fileURLWithPath: "/usr/bin/sha256sum"), [url.path])
        return String(result.stdout.prefix(64))
    }
}
