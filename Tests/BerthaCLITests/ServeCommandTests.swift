import BerthaTestSupport
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

@Suite("bertha serve with SmolLM2")
struct ServeCommandTests {
    @Test("serves a chat completion whose usage equals the tokenizer's counts, exposes metrics, and exits 0 on SIGTERM")
    func servesAndStops() async throws {
        let model = try TestEnvironment.model("SmolLM2-135M-Instruct.Q4_1.gguf")
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let server = try BackgroundProcess(TestEnvironment.berthaExecutable(),
            ["serve", "--model", model.path, "--port", "0", "--ctx", "512", "--threads", "2",
             "--set", "server.feedback_log=\(dir.path("feedback.jsonl").path)"])
        let port = try await server.waitFor(#"listening on http://127\.0\.0\.1:(\d+)"#)
        let base = URL(string: "http://127.0.0.1:\(port)")!
        // Loading happens after the listener is up; whatever /health said meanwhile is "Loading model".
        let loading = try await waitUntilHealthy(base)
        #expect(loading.allSatisfy { $0.contains(#""message":"Loading model""#) }, "\(loading)")

        var request = URLRequest(url: base.appendingPathComponent("v1/chat/completions"))
        request.httpMethod = "POST"
        request.httpBody = Data(#"{"messages":[{"role":"user","content":"The capital of France is"}],"max_tokens":8,"temperature":0,"seed":1}"#.utf8)
        let (data, response) = try await URLSession.shared.data(for: request)
        #expect((response as? HTTPURLResponse)?.statusCode == 200)
        let body = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let usage = try #require(body["usage"] as? [String: Int])
        #expect(usage["completion_tokens"] == 8)
        // The rendered ChatML prompt (default system prompt + user turn + assistant header) tokenized.
        var tokenize = URLRequest(url: base.appendingPathComponent("tokenize"))
        tokenize.httpMethod = "POST"
        let rendered = "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n<|im_start|>user\nThe capital of France is<|im_end|>\n<|im_start|>assistant\n"
        tokenize.httpBody = try JSONSerialization.data(withJSONObject: ["content": rendered])
        let (ids, _) = try await URLSession.shared.data(for: tokenize)
        let tokens = try #require((try JSONSerialization.jsonObject(with: ids) as? [String: [Int]])?["tokens"])
        #expect(usage["prompt_tokens"] == tokens.count)
        // The same conversation again reuses the cached prefix: fewer tokens evaluated, same usage.
        let (again, _) = try await URLSession.shared.data(for: request)
        let second = try #require(try JSONSerialization.jsonObject(with: again) as? [String: Any])
        #expect((second["usage"] as? [String: Int])?["prompt_tokens"] == tokens.count)
        let evaluated = try #require((second["timings"] as? [String: Any])?["prompt_n"] as? Int)
        #expect(evaluated < tokens.count)

        // Sampling (not greedy) with a seed: the same request gives the same text.
        var sampled = URLRequest(url: base.appendingPathComponent("v1/chat/completions"))
        sampled.httpMethod = "POST"
        sampled.httpBody = Data(#"{"messages":[{"role":"user","content":"Tell me a story"}],"max_tokens":12,"temperature":1.0,"seed":7}"#.utf8)
        func content(_ data: Data) throws -> String? {
            let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
            return ((object?["choices"] as? [[String: Any]])?.first?["message"] as? [String: Any])?["content"] as? String
        }
        let (first, _) = try await URLSession.shared.data(for: sampled)
        let (repeated, _) = try await URLSession.shared.data(for: sampled)
        let firstText = try #require(try content(first))
        #expect(!firstText.isEmpty)
        #expect(try content(repeated) == firstText)

        let (metrics, _) = try await URLSession.shared.data(from: base.appendingPathComponent("metrics"))
        let text = String(decoding: metrics, as: UTF8.self)
        #expect(text.contains("llamacpp:tokens_predicted_total 40"))
        #expect(text.contains(#"bertha_model_info{model="SmolLM2-135M-Instruct.Q4_1",version="local",sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"} 1"#))

        let status = try await server.stop(signal: SIGTERM)
        #expect(status == 0, "\(server.output)")
    }
}
