import BerthaTestSupport
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

/// `bertha retrain` against the registry: a models:/ base, one MLflow run with params, metric
/// history and artifacts, the adapter registered (challenger, champion when the gate passes), and
/// `bertha serve` loading the registered adapter on top of the base it names.
@Suite("bertha retrain with MLflow", .serialized)
struct RetrainCommandTests {
    private func environment(_ dir: TemporaryDirectory) -> [String: String] {
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("BERTHA_") && !$0.key.hasPrefix("MLFLOW_") }
        env["MLFLOW_TRACKING_URI"] = TestServices.mlflowURL
        env["MLFLOW_EXPERIMENT_NAME"] = "bertha-tests"
        env["BERTHA_MODEL_CACHE_DIR"] = dir.path("cache").path
        return env
    }

    private func lines(_ fixture: String, _ range: Range<Int>, into path: URL) throws {
        let text = try String(contentsOf: try TestEnvironment.fixture("retrain/\(fixture)"), encoding: .utf8)
        let picked = text.split(separator: "\n")[range]
        try (picked.joined(separator: "\n") + "\n").write(to: path, atomically: true, encoding: .utf8)
    }

    @Test("models:/ base → MLflow run (params, per-step metrics, adapter, report, loss.png) → adapter version with its base → served")
    func retrainRegistersAndServes() async throws {
        let bertha = try TestEnvironment.berthaExecutable()
        let model = try TestEnvironment.model("SmolLM2-135M-Instruct.Q4_1.gguf")
        let dir = try TemporaryDirectory("bertha-retrain-cli")
        defer { dir.remove() }
        let env = environment(dir)
        let name = "retrain-\(UUID().uuidString.prefix(8).lowercased())"

        let registered = try runProcess(bertha, ["register", model.path, "--name", name, "--alias", "champion", "--quiet"], environment: env)
        try #require(registered.status == 0, "\(registered.stderr)")
        #expect(registered.stdout == "models:/\(name)/1\n")

        try lines("facts.jsonl", 0..<4, into: dir.path("train.jsonl"))
        try lines("facts.jsonl", 0..<4, into: dir.path("eval.jsonl"))
        let out = dir.path("out")
        let retrain = try runProcess(bertha, [
            "retrain", "--base", "models:/\(name)@champion", "--register", name, "--data", dir.path("train.jsonl").path,
            "--eval-data", dir.path("eval.jsonl").path, "--rank", "4", "--alpha", "8", "--targets", "q,v", "--steps", "4",
            "--batch", "2", "--ctx", "96", "--lr", "5e-3", "--threads", "2", "--output-dir", out.path,
            "--trigger", #"{"alertname":"BerthaFeedbackDegraded"}"#, "--set", "retrain.dropout=0.1", "--json",
        ], environment: env)
        try #require(retrain.status == 0, "\(retrain.stderr)")
        struct Report: Decodable {
            struct Decision: Decodable { var passed: Bool }
            var mlflowRunID: String?
            var registeredVersion: String?
            var promoted: Bool
            var decision: Decision
            var steps: Int
        }
        let report = try JSONDecoder().decode(Report.self, from: Data(retrain.stdout.utf8))
        let runID = try #require(report.mlflowRunID)
        #expect(report.registeredVersion == "2")
        #expect(report.decision.passed, "4 steps on the eval facts themselves lower the eval loss")
        #expect(report.promoted == report.decision.passed)
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("loss.png").path))
        // The run id as a plain file too: the Argo workflow passes it to register as an output parameter.
        let runFile = try String(contentsOf: out.appendingPathComponent("mlflow_run_id"), encoding: .utf8)
        #expect(runFile == runID)

        // The adapter names its base: the concrete version the alias pointed at, and its sha256.
        let inspect = try runProcess(bertha, ["inspect", out.appendingPathComponent("model.gguf").path, "--metadata", "--json"], environment: env)
        #expect(inspect.stdout.contains("models:/\(name)/1"), "\(inspect.stdout.prefix(400))")

        // What MLflow holds, read by the reference Python client.
        let script = """
            import json, sys
            from mlflow import MlflowClient
            from PIL import Image
            c = MlflowClient(sys.argv[1])
            run = c.get_run(sys.argv[2])
            history = c.get_metric_history(sys.argv[2], "train_loss")
            files = sorted(f.path for f in c.list_artifacts(sys.argv[2]))
            adapter = sorted(f.path for f in c.list_artifacts(sys.argv[2], "adapter"))
            png = c.download_artifacts(sys.argv[2], "loss.png", sys.argv[4])
            mv = c.get_model_version(sys.argv[3], "2")
            champion = c.get_model_version_by_alias(sys.argv[3], "champion")
            challenger = c.get_model_version_by_alias(sys.argv[3], "challenger")
            print(json.dumps({"status": run.info.status, "params": run.data.params, "tags": run.data.tags,
                              "steps": [m.step for m in history], "files": files, "adapter": adapter,
                              "png": list(Image.open(png).size), "version_run": mv.run_id, "version_tags": mv.tags,
                              "champion": champion.version, "challenger": challenger.version}))
            """
        struct Seen: Decodable {
            var status: String
            var params, tags, version_tags: [String: String]
            var steps: [Int]
            var files, adapter: [String]
            var png: [Int]
            var version_run, champion, challenger: String
        }
        let seen = try JSONDecoder().decode(Seen.self, from: Data(try runPython(script, arguments: [
            TestServices.mlflowURL, runID, name, dir.path("download").path]).utf8))
        #expect(seen.status == "FINISHED")
        #expect(seen.params["base_model"] == "models:/\(name)/1")
        #expect(seen.params["lora_rank"] == "4")
        #expect(seen.params["lora_dropout"] == "0.1")
        #expect(seen.params["gguf.type"] == "adapter")
        #expect(seen.tags["bertha.trigger"]?.contains("BerthaFeedbackDegraded") == true)
        #expect(seen.steps == [1, 2, 3, 4])
        #expect(Set(seen.files).isSuperset(of: ["loss.png", "report.json", "report.md"]))
        #expect(seen.adapter == ["adapter/model.gguf"])
        #expect(seen.png == [640, 320])
        #expect(seen.version_run == runID)
        #expect(seen.version_tags["bertha.type"] == "adapter")
        #expect(seen.version_tags["bertha.base"] == "models:/\(name)/1")
        #expect(seen.challenger == "2")
        #expect(seen.champion == (report.promoted ? "2" : "1"))

        // serve resolves the adapter version, fetches the base it names, and serves both as version 2.
        let server = try BackgroundProcess(bertha, ["serve", "--model", "models:/\(name)/2", "--port", "0", "--ctx", "256",
                                                    "--threads", "2", "--set", "server.feedback_log=\(dir.path("feedback.jsonl").path)"],
                                           environment: env)
        let port = try await server.waitFor(#"listening on http://127\.0\.0\.1:(\d+)"#)
        let base = try #require(URL(string: "http://127.0.0.1:\(port)"))
        _ = try await waitUntilHealthy(base)
        let (data, _) = try await URLSession.shared.data(from: base.appendingPathComponent("v1/models"))
        struct Models: Decodable {
            struct Entry: Decodable { var id, version: String }
            var data: [Entry]
        }
        let served = try #require(try JSONDecoder().decode(Models.self, from: data).data.first)
        #expect(served.id == name)
        #expect(served.version == "2")
        #expect(try await server.stop() == 0)
    }

    @Test("a registry base while MLflow is down: exit 3 and one line naming the tracking URL")
    func mlflowDown() throws {
        let dir = try TemporaryDirectory("bertha-retrain-down")
        defer { dir.remove() }
        var env = environment(dir)
        env["MLFLOW_TRACKING_URI"] = "http://127.0.0.1:1"
        let result = try runProcess(try TestEnvironment.berthaExecutable(),
                                    ["retrain", "--base", "models:/nothing@champion", "--output-dir", dir.path("out").path],
                                    environment: env)
        #expect(result.status == 3, "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        #expect(result.stderr.contains("http://127.0.0.1:1"))
        #expect(!FileManager.default.fileExists(atPath: dir.path("out/model.gguf").path))
    }

    @Test("--merge writes merged.gguf beside the adapter (adapted tensors in --merge-type), and bertha run serves it alone")
    func mergeEndToEnd() throws {
        let dir = try TemporaryDirectory("bertha-retrain-merge")
        defer { dir.remove() }
        let env = environment(dir)
        let bertha = try TestEnvironment.berthaExecutable()
        let model = try TestEnvironment.model("SmolLM2-135M-Instruct.Q4_1.gguf")
        let data = dir.path("facts.jsonl"), out = dir.path("out")
        try lines("facts.jsonl", 0..<4, into: data)
        let retrain = try runProcess(bertha, [
            "retrain", "--base", model.path, "--data", data.path, "--eval-split", "0.25", "--steps", "1", "--batch", "1",
            "--ctx", "64", "--rank", "2", "--targets", "q,v", "--merge-type", "f16", "--output-dir", out.path, "--json",
        ], environment: env)
        #expect(retrain.status == 0, "\(retrain.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(retrain.stdout.utf8)) as? [String: Any])
        let merged = try #require(report["mergedPath"] as? String)
        #expect(merged == out.appendingPathComponent("merged.gguf").path)
        let inspect = try runProcess(bertha, ["inspect", merged, "--json"], environment: env)
        #expect(inspect.status == 0, "\(inspect.stderr)")
        #expect(inspect.stdout.contains("F16"), "the adapted q and v tensors should be F16")
        let run = try runProcess(bertha, ["run", merged, "--prompt", "The kettle", "-n", "4", "--temp", "0", "--json"], environment: env)
        #expect(run.status == 0, "\(run.stderr)")

        let bad = try runProcess(bertha, ["retrain", "--base", model.path, "--data", data.path, "--merge-type", "q3_x",
                                          "--output-dir", dir.path("bad").path], environment: env)
        #expect(bad.status == 2, "\(bad.stderr)")
        #expect(bad.stderr.split(separator: "\n").count == 1 && bad.stderr.contains("--merge-type"), "\(bad.stderr)")
    }
}
