@testable import BerthaMLflow
import Foundation
import Testing

@Suite("LogBatch splitting within MLflow's limits")
struct LogBatchTests {
    private func metrics(_ n: Int) -> [Metric] { (0..<n).map { Metric(key: "m\($0)", value: Double($0), timestamp: 1) } }
    private func pairs(_ n: Int, _ prefix: String) -> [KeyValue] { (0..<n).map { KeyValue(key: "\(prefix)\($0)", value: "v") } }

    @Test("every batch respects 1000 entities, 100 params, 100 tags, and nothing is lost or reordered",
          arguments: [(0, 0, 0), (1000, 0, 0), (1001, 0, 0), (2500, 150, 150), (950, 100, 100), (0, 250, 0), (5, 0, 301)])
    func limits(m: Int, p: Int, t: Int) {
        let batches = LogBatch.split(metrics: metrics(m), params: pairs(p, "p"), tags: pairs(t, "t"))
        for batch in batches {
            #expect(batch.metrics.count + batch.params.count + batch.tags.count <= 1000)
            #expect(batch.params.count <= 100)
            #expect(batch.tags.count <= 100)
            #expect(batch.metrics.count + batch.params.count + batch.tags.count > 0)
        }
        #expect(batches.flatMap(\.metrics) == metrics(m))
        #expect(batches.flatMap(\.params) == pairs(p, "p"))
        #expect(batches.flatMap(\.tags) == pairs(t, "t"))
        let minimum = max((m + p + t + 999) / 1000, (p + 99) / 100, (t + 99) / 100)
        #expect(batches.count >= minimum)
    }

    @Test("2,500 metrics with 150 params and 150 tags take 3 requests")
    func compact() {
        #expect(LogBatch.split(metrics: metrics(2500), params: pairs(150, "p"), tags: pairs(150, "t")).count == 3)
    }
}

@Suite("Model URIs")
struct ModelURITests {
    @Test("valid references parse", arguments: [
        ("models:/smollm2@champion", ModelURI.alias(name: "smollm2", alias: "champion")),
        ("models:/smollm2/3", ModelURI.version(name: "smollm2", version: "3")),
        ("runs:/abc123/model/x.gguf", ModelURI.run(runID: "abc123", path: "model/x.gguf")),
        ("s3://models/smollm2/x.gguf", ModelURI.s3(bucket: "models", key: "smollm2/x.gguf")),
        ("mlflow-artifacts:/1/r/artifacts/model", ModelURI.artifact("mlflow-artifacts:/1/r/artifacts/model")),
        ("models/SmolLM2.gguf", ModelURI.file("models/SmolLM2.gguf")),
    ])
    func parses(text: String, expected: ModelURI) throws {
        #expect(try ModelURI(text) == expected)
        #expect(expected.description == text)
        #expect(ModelURI.isRemote(text) == (text.contains(":/")))
    }

    @Test("malformed references are usage errors naming the expected form", arguments: [
        ("models:/smollm2", "models:/NAME/VERSION"), ("models:/smollm2/latest", "models:/NAME/VERSION"),
        ("models:/@champion", "models:/NAME@ALIAS"), ("runs:/abc", "runs:/RUN_ID/path"), ("s3://bucket", "s3://bucket/key"),
        ("s3:///key", "s3://bucket/key"), ("mlflow-artifacts:/", "no artifact path"),
    ])
    func rejects(text: String, hint: String) {
        do throws(MLflowError) {
            _ = try ModelURI(text)
            Issue.record("accepted \(text)")
        } catch {
            #expect(error.message.contains(hint), "\(error.message)")
            #expect(error.exitCode == .usage)
        }
    }

    @Test("artifact URIs map to proxy paths or S3 objects")
    func artifactLocations() throws {
        #expect(try MLflowClient.artifactLocation("mlflow-artifacts:/1/r/artifacts/model/a.gguf") == .proxied(path: "1/r/artifacts/model/a.gguf"))
        #expect(try MLflowClient.artifactLocation("mlflow-artifacts://host:5000/1/r/artifacts") == .proxied(path: "1/r/artifacts"))
        #expect(try MLflowClient.artifactLocation("s3://b/1/r/artifacts/m") == .s3(bucket: "b", key: "1/r/artifacts/m"))
        #expect(throws: MLflowError.self) { try MLflowClient.artifactLocation("file:///tmp/x") }
    }

    @Test("MLflow error documents keep error_code and message, even cut off")
    func errorDocuments() {
        let full = MLflowClient.apiError(status: 404, body: #"{"error_code": "RESOURCE_DOES_NOT_EXIST", "message": "Registered Model with name=x not found"}"#, url: "u")
        #expect(full == .api(code: "RESOURCE_DOES_NOT_EXIST", message: "Registered Model with name=x not found", status: 404, endpoint: "u"))
        #expect(full.description == "MLflow RESOURCE_DOES_NOT_EXIST (HTTP 404): Registered Model with name=x not found (u)")
        let cut = MLflowClient.apiError(status: 500, body: #"{"error_code": "INTERNAL_ERROR", "message": "boom and then the excerpt ends"#, url: "u")
        #expect(cut.errorCode == "INTERNAL_ERROR")
        #expect(cut.message.contains("boom"))
    }
}
