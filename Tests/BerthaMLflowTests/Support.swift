import BerthaCore
import BerthaGGUF
@testable import BerthaMLflow
import BerthaTestSupport
import Foundation
import Testing

/// Shared set-up of the MLflow integration tests.
enum MLflowTestSupport {
    static func client(url: String = TestServices.mlflowURL, retry: RetryPolicy = RetryPolicy()) throws -> MLflowClient {
        MLflowClient(trackingURI: try #require(URL(string: url)), retry: retry)
    }

    /// A unique name so reruns against the same server never collide.
    static func unique(_ prefix: String) -> String { "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())" }

    /// A small valid GGUF (llama architecture, one F32 tensor of random values, so its sha256 is new each time).
    static func tinyGGUF(at url: URL, adapter: Bool = false) throws {
        var metadata = GGUFMetadata()
        metadata["general.architecture"] = .string("llama")
        metadata["general.name"] = .string("tiny")
        metadata["general.size_label"] = .string("1K")
        metadata["general.file_type"] = .uint32(0)
        if adapter {
            metadata["general.type"] = .string("adapter")
            metadata["adapter.type"] = .string("lora")
            metadata["adapter.lora.alpha"] = .float32(16)
        } else {
            metadata["llama.context_length"] = .uint32(128)
        }
        var writer = GGUFWriter(metadata: metadata)
        try writer.addTensor(name: adapter ? "blk.0.attn_q.weight.lora_a" : "token_embd.weight", shape: [16, 8],
                             values: (0..<128).map { _ in Float.random(in: -1...1) })
        try writer.write(to: url.path)
    }

    /// A proxy (`Tests/Fixtures/http/fault_proxy.py`) in front of the test MLflow server.
    static func faultProxy(_ arguments: [String]) async throws -> (BackgroundProcess, String) {
        let upstream = try #require(URL(string: TestServices.mlflowURL)?.port)
        let process = try BackgroundProcess(TestEnvironment.python(),
                                            [try TestEnvironment.fixture("http/fault_proxy.py").path, "http", String(upstream)] + arguments)
        let port = try await process.waitFor("^(\\d+)$", timeout: 30)
        return (process, "http://127.0.0.1:\(port)")
    }
}
