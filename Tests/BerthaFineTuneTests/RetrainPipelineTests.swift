import BerthaFineTune
import BerthaGGUF
import BerthaInference
import BerthaTestSupport
import Foundation
import Testing

@Suite("Retrain pipeline")
struct RetrainPipelineTests {
    /// The first `count` lines of a fixture, as a file in `dir`.
    static func subset(_ fixture: String, _ count: Int, in dir: TemporaryDirectory) throws -> String {
        let text = try String(contentsOf: try TestEnvironment.fixture("retrain/\(fixture)"), encoding: .utf8)
        let path = dir.path("\(count)-\(fixture)").path
        try (text.split(separator: "\n").prefix(count).joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func request(_ data: String, eval: String, out: String) throws -> RetrainRequest {
        var r = RetrainRequest(basePath: try TestEnvironment.model("SmolLM2-135M-Instruct.Q4_1.gguf").path, outputDir: out)
        r.data = [data]
        r.evalData = eval
        r.lora = LoRAConfiguration(rank: 4, alpha: 8, targets: [.q, .v])
        r.options.steps = 4
        r.options.batch = 2
        r.options.ctx = 96
        r.options.learningRate = 5e-3
        r.options.checkpointEvery = 2
        r.threads = 2
        return r
    }

    @Test("SmolLM2: clean facts pass the gate, a corrupted dataset is refused; outputs are written")
    func gateOnRealModel() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let eval = try Self.subset("facts.jsonl", 4, in: dir)

        let goodOut = dir.path("good").path
        let good = try await RetrainPipeline.run(try Self.request(try Self.subset("facts.jsonl", 4, in: dir), eval: eval, out: goodOut),
                                                 tracker: LocalJSONTracker(path: dir.path("good.json").path), publisher: nil)
        #expect(good.tuned.loss < good.base.loss)
        #expect(good.decision.passed)
        #expect(try String(contentsOfFile: goodOut + "/gate", encoding: .utf8) == "passed\n")
        let adapter = try GGUFFile(path: goodOut + "/model.gguf")
        #expect(adapter.metadata.string("adapter.type") == "lora")
        #expect(adapter.tensor("blk.29.attn_v.weight.lora_b")?.shape == [4, 192])
        #expect(FileManager.default.fileExists(atPath: goodOut + "/checkpoint.gguf"))
        #expect(FileManager.default.fileExists(atPath: goodOut + "/report.md"))

        let badOut = dir.path("bad").path
        let bad = try await RetrainPipeline.run(try Self.request(try Self.subset("corrupted.jsonl", 4, in: dir), eval: eval, out: badOut),
                                                tracker: LocalJSONTracker(path: dir.path("bad.json").path), publisher: nil)
        #expect(bad.tuned.loss > bad.base.loss)
        #expect(!bad.decision.passed)
        #expect(try String(contentsOfFile: badOut + "/gate", encoding: .utf8) == "failed\n")
    }
}
