import BerthaCore
@testable import BerthaMLflow
import BerthaObjectStore
import BerthaTestSupport
import Foundation
import Testing

/// The registry loop against the real MLflow server of `scripts/services.sh start mlflow s3`
/// (sqlite backend, `--serve-artifacts`).
@Suite("MLflow registry against the real server", .serialized)
struct MLflowIntegrationTests {
    @Test("SmolLM2 registered twice is one version; params and metrics via runs/get; models:/smollm2@champion resolves to a verified cached file; the mlflow Python client reads back the same")
    func smollm2EndToEnd() async throws {
        // A name of its own: other suites register the same file as "smollm2", and registering a
        // known sha256 returns their version, whose run carries their metrics, not these.
        let name = MLflowTestSupport.unique("smollm2")
        let model = try TestEnvironment.model("SmolLM2-135M-Instruct.Q4_1.gguf")
        let client = try MLflowTestSupport.client()
        let registrar = ModelRegistrar(client: client, defaultExperiment: "bertha-tests")
        let started = Date()
        let first = try await registrar.register(file: model, name: name, alias: "champion",
                                                 params: ["dataset": "feedback-2026-11"], metrics: ["eval_loss": 1.875, "win_rate": 0.625],
                                                 tags: ["stage": "test"])
        let firstSeconds = Date().timeIntervalSince(started)
        let again = try await registrar.register(file: model, name: name, alias: "champion")
        #expect(again.version == first.version)
        #expect(again.reused)
        #expect(again.uri == "models:/\(name)/\(first.version)")
        #expect(first.sha256 == (try SHA256Hex.ofFile(at: model.path)))
        print("register SmolLM2 (98 MB) first call \(String(format: "%.1f", firstSeconds)) s (reused=\(first.reused))")

        // What bertha logged is on the run.
        let run = try await client.run(id: first.runID)
        #expect(run.info.status == .finished)
        #expect(run.params["gguf.architecture"] == "llama")
        #expect(run.params["gguf.quantization"] == "Q4_1")
        #expect(run.params["gguf.size_label"] == "135M")
        #expect(run.params["gguf.context_length"] == "8192")
        #expect(run.params["gguf.tensor_count"] == "272")
        #expect(run.params["gguf.file_size"] == "98362432")
        #expect(run.params["gguf.sha256"] == first.sha256)
        #expect(run.params["dataset"] == "feedback-2026-11")
        #expect(run.metrics["eval_loss"] == 1.875)
        #expect(run.metrics["win_rate"] == 0.625)
        #expect(run.tags["stage"] == "test")
        let files = try await client.listArtifacts(first.source)
        #expect(Set(files.map(\.path)).isSuperset(of: ["MLmodel", model.lastPathComponent]))

        // Resolve through the alias into a fresh cache: downloaded and verified once, then reused.
        let cache = try TemporaryDirectory("bertha-cache")
        defer { cache.remove() }
        let resolver = ModelResolver(client: client, cacheDirectory: cache.url)
        let resolved = try await resolver.resolve("models:/\(name)@champion")
        #expect(resolved.version == first.version)
        #expect(resolved.alias == "champion")
        #expect(resolved.name == name)
        #expect(resolved.runID == first.runID)
        #expect(!resolved.cached)
        #expect(resolved.path == cache.path(first.sha256).path)
        #expect(try SHA256Hex.ofFile(at: resolved.path) == first.sha256)
        let reused = try await resolver.resolve("models:/\(name)/\(first.version)")
        #expect(reused.cached)
        #expect(reused.path == resolved.path)
        #expect(try await resolver.currentVersion(name: name, alias: "champion")?.version == first.version)

        // The reference client sees exactly what bertha wrote.
        let script = """
            import json, sys, mlflow
            from mlflow import MlflowClient
            mlflow.set_tracking_uri(sys.argv[1])
            c = MlflowClient()
            mv = c.get_model_version_by_alias(sys.argv[2], "champion")
            run = c.get_run(mv.run_id)
            rm = c.get_registered_model(sys.argv[2])
            print(json.dumps({"name": rm.name, "version": mv.version, "aliases": sorted(mv.aliases), "source": mv.source,
                              "status": mv.status, "tags": mv.tags, "params": run.data.params, "metrics": run.data.metrics,
                              "run_status": run.info.status}))
            """
        let output = try runPython(script, arguments: [TestServices.mlflowURL, name])
        struct Seen: Decodable {
            var name, version, source, status, run_status: String
            var aliases: [String]
            var tags, params: [String: String]
            var metrics: [String: Double]
        }
        let seen = try JSONDecoder().decode(Seen.self, from: Data(output.utf8))
        #expect(seen.name == name)
        #expect(seen.version == first.version)
        #expect(seen.aliases.contains("champion"))
        #expect(seen.source == first.source)
        #expect(seen.status == "READY")
        #expect(seen.run_status == "FINISHED")
        #expect(seen.tags["bertha.sha256"] == first.sha256)
        #expect(seen.tags["bertha.type"] == "model")
        #expect(seen.tags["bertha.file"] == model.lastPathComponent)
        #expect(seen.params == run.params)
        #expect(seen.params["gguf.quantization"] == "Q4_1")
        #expect(seen.metrics == run.metrics)
        #expect(seen.metrics["eval_loss"] == 1.875)
    }

    @Test("an alias is set, moved to a newer version, read back, and deleted")
    func aliasesMove() async throws {
        let client = try MLflowTestSupport.client()
        let registrar = ModelRegistrar(client: client, defaultExperiment: "bertha-tests")
        let dir = try TemporaryDirectory("bertha-mlflow")
        defer { dir.remove() }
        let name = MLflowTestSupport.unique("tiny")
        try MLflowTestSupport.tinyGGUF(at: dir.path("a.gguf"))
        try MLflowTestSupport.tinyGGUF(at: dir.path("b.gguf"))
        let a = try await registrar.register(file: dir.path("a.gguf"), name: name, alias: "champion")
        #expect(!a.reused)
        #expect(a.version == "1")
        #expect(try await client.version(name: name, alias: "champion")?.version == "1")
        let b = try await registrar.register(file: dir.path("b.gguf"), name: name, alias: "champion")
        #expect(b.version == "2")
        #expect(b.runID != a.runID)
        let resolver = ModelResolver(client: client, cacheDirectory: dir.path("cache"))
        #expect(try await resolver.currentVersion(name: name, alias: "champion")?.version == "2")
        // Re-registering the first file moves the alias back to its existing version, adding none.
        let again = try await registrar.register(file: dir.path("a.gguf"), name: name, alias: "champion")
        #expect(again.reused && again.version == "1")
        #expect(try await resolver.currentVersion(name: name, alias: "champion")?.version == "1")
        #expect(try await client.searchModelVersions(filter: "name='\(name)'").count == 2)
        try await client.setAlias(name: name, alias: "challenger", version: "2")
        #expect(try await client.version(name: name, alias: "challenger")?.aliases?.contains("challenger") == true)
        try await client.deleteAlias(name: name, alias: "challenger")
        #expect(try await client.version(name: name, alias: "challenger") == nil)
        do throws(MLflowError) {
            _ = try await resolver.resolve("models:/\(name)@challenger")
            Issue.record("resolved a deleted alias")
        } catch {
            #expect(error.message.contains("alias 'challenger'"))
        }
    }

    @Test("a LoRA adapter registers as kind adapter; runs:/ and mlflow-artifacts:/ resolve to the same cached file")
    func adapterAndRunURIs() async throws {
        let client = try MLflowTestSupport.client()
        let registrar = ModelRegistrar(client: client, defaultExperiment: "bertha-tests")
        let dir = try TemporaryDirectory("bertha-mlflow")
        defer { dir.remove() }
        try MLflowTestSupport.tinyGGUF(at: dir.path("adapter.gguf"), adapter: true)
        let name = MLflowTestSupport.unique("adapter")
        let experiment = try await client.ensureExperiment(named: "bertha-tests")
        let ownRun = try await client.createRun(experimentID: experiment.experimentID, name: "retrain")
        let registered = try await registrar.register(file: dir.path("adapter.gguf"), name: name, runID: ownRun.info.runID,
                                                      metrics: ["loss": 0.5])
        #expect(registered.runID == ownRun.info.runID)
        #expect(registered.facts.kind == "adapter")
        let version = try await client.modelVersion(name: name, version: registered.version)
        #expect(version.tag("bertha.type") == "adapter")
        let run = try await client.run(id: ownRun.info.runID)
        #expect(run.params["gguf.type"] == "adapter")
        #expect(run.params["gguf.adapter_type"] == "lora")
        #expect(run.info.status == .running)  // a run the caller brought stays the caller's to end

        let resolver = ModelResolver(client: client, cacheDirectory: dir.path("cache"))
        let byRun = try await resolver.resolve("runs:/\(ownRun.info.runID)/model")
        #expect(byRun.sha256 == registered.sha256)
        #expect(!byRun.cached)
        let byArtifact = try await resolver.resolve(registered.artifactURI)
        #expect(byArtifact.path == byRun.path)
        let byRunAgain = try await resolver.resolve("runs:/\(ownRun.info.runID)/model")
        #expect(byRunAgain.cached)
        try await client.updateRun(id: ownRun.info.runID, status: .finished)
        #expect(try await client.run(id: ownRun.info.runID).info.status == .finished)
    }

    @Test("log-batch splits 2,500 metrics, 150 params and 150 tags and all arrive")
    func logBatchSplitsLive() async throws {
        let client = try MLflowTestSupport.client()
        let experiment = try await client.ensureExperiment(named: "bertha-tests")
        let run = try await client.createRun(experimentID: experiment.experimentID)
        try await client.logBatch(runID: run.info.runID,
                                  metrics: (0..<2500).map { Metric(key: "m\($0)", value: Double($0) / 4, step: 1) },
                                  params: (0..<150).map { KeyValue(key: "p\($0)", value: "v\($0)") },
                                  tags: (0..<150).map { KeyValue(key: "t\($0)", value: "w\($0)") })
        let back = try await client.run(id: run.info.runID)
        #expect(back.metrics.count == 2500)
        #expect(back.metrics["m2499"] == 624.75)
        #expect(back.params.count == 150)
        #expect(back.params["p149"] == "v149")
        #expect(back.tags["t149"] == "w149")
    }

    @Test("a version whose file does not match its recorded sha256 is refused, and nothing enters the cache")
    func checksumMismatch() async throws {
        let client = try MLflowTestSupport.client()
        let registrar = ModelRegistrar(client: client, defaultExperiment: "bertha-tests")
        let dir = try TemporaryDirectory("bertha-mlflow")
        defer { dir.remove() }
        try MLflowTestSupport.tinyGGUF(at: dir.path("m.gguf"))
        let name = MLflowTestSupport.unique("tampered")
        let good = try await registrar.register(file: dir.path("m.gguf"), name: name)
        let wrong = String(repeating: "0", count: 64)
        let forged = try await client.createModelVersion(name: name, source: good.source, runID: good.runID,
                                                          tags: ["bertha.sha256": wrong, "bertha.file": "m.gguf"])
        let cache = dir.path("cache")
        let resolver = ModelResolver(client: client, cacheDirectory: cache)
        do throws(MLflowError) {
            _ = try await resolver.resolve("models:/\(name)/\(forged.version)")
            Issue.record("a file with the wrong sha256 was accepted")
        } catch {
            guard case .checksumMismatch(_, let expected, let actual) = error else { Issue.record("\(error)"); return }
            #expect(expected == wrong)
            #expect(actual == good.sha256)
        }
        let left = (try? FileManager.default.contentsOfDirectory(atPath: cache.path)) ?? []
        #expect(left.filter { $0 != "refs" }.isEmpty, "\(left)")
    }

    @Test("s3:// references resolve through the object store into the cache")
    func s3Reference() async throws {
        var section = S3Section()
        section.endpoint = TestServices.s3Endpoint
        section.accessKey = TestServices.s3AccessKey
        section.secretKey = TestServices.s3SecretKey
        let bucket = MLflowTestSupport.unique("bertha-models")
        let store = try S3ObjectStore(section: section, bucket: bucket)
        try await store.ensureBucket()
        let dir = try TemporaryDirectory("bertha-mlflow")
        defer { dir.remove() }
        try MLflowTestSupport.tinyGGUF(at: dir.path("m.gguf"))
        try await store.put(file: dir.path("m.gguf"), key: "smol/m.gguf")
        let resolver = ModelResolver(client: try MLflowTestSupport.client(), cacheDirectory: dir.path("cache"), s3Section: section)
        let first = try await resolver.resolve("s3://\(bucket)/smol/m.gguf")
        #expect(first.sha256 == (try SHA256Hex.ofFile(at: dir.path("m.gguf").path)))
        #expect(!first.cached)
        let second = try await resolver.resolve("s3://\(bucket)/smol/m.gguf")
        #expect(second.cached)
        await #expect(throws: MLflowError.self) { try await resolver.resolve("s3://\(bucket)/smol/missing.gguf") }
    }

    @Test("a 500 from the artifact proxy is retried; a persistent one is reported with MLflow's error")
    func artifactProxy500() async throws {
        let dir = try TemporaryDirectory("bertha-mlflow")
        defer { dir.remove() }
        try MLflowTestSupport.tinyGGUF(at: dir.path("m.gguf"))
        let retry = RetryPolicy(maxAttempts: 3, baseDelay: 0.05)

        let (once, onceURL) = try await MLflowTestSupport.faultProxy(
            ["--fail-status", "500", "--fail-count", "1", "--fail-match", "/mlflow-artifacts/artifacts/", "--fail-method", "PUT"])
        let registered = try await ModelRegistrar(client: try MLflowTestSupport.client(url: onceURL, retry: retry),
                                                  defaultExperiment: "bertha-tests")
            .register(file: dir.path("m.gguf"), name: MLflowTestSupport.unique("flaky"))
        #expect(once.output.contains("failed 1"))
        #expect(registered.version == "1")
        try await once.stop()

        let (always, alwaysURL) = try await MLflowTestSupport.faultProxy(
            ["--fail-status", "500", "--fail-count", "1000", "--fail-match", "/mlflow-artifacts/artifacts/", "--fail-method", "PUT"])
        let client = try MLflowTestSupport.client(url: alwaysURL, retry: retry)
        let name = MLflowTestSupport.unique("broken")
        do throws(MLflowError) {
            _ = try await ModelRegistrar(client: client, defaultExperiment: "bertha-tests").register(file: dir.path("m.gguf"), name: name)
            Issue.record("registered through an artifact store that always fails")
        } catch {
            #expect(error == .api(code: "INTERNAL_ERROR", message: "injected failure", status: 500, endpoint: error.location ?? ""))
            #expect(error.location?.contains("/api/2.0/mlflow-artifacts/artifacts/") == true)
        }
        #expect(always.output.contains("failed 3"))
        #expect(!always.output.contains("failed 4"))
        // Nothing was registered.
        #expect(try await client.registeredModel(named: name) == nil)
        try await always.stop()
    }

    @Test("MLflow down: unreachable error naming the tracking URI, exit code 3")
    func unreachable() async throws {
        let client = try MLflowTestSupport.client(url: "http://127.0.0.1:1", retry: RetryPolicy(maxAttempts: 2, baseDelay: 0.01))
        do throws(MLflowError) {
            _ = try await client.experiment(named: "bertha")
            Issue.record("a closed port answered")
        } catch {
            #expect(error.exitCode == .unreachable)
            #expect(error.description.contains("http://127.0.0.1:1"))
            #expect(error.message.contains("connection refused"))
        }
    }
}
