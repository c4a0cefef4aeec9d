import BerthaServer
import BerthaTestSupport
import Foundation
import Testing

@Suite("The official openai Python client against the server")
struct OpenAIClientTests {
    @Test("models, chat, streamed chat with usage, completions, embeddings and errors parse in openai's own types")
    func officialClient() async throws {
        let embedder = BagOfWordsEmbedder()
        try await withServer(apiKey: "sk-openai-client", embedder: embedder) { url, _ in
            let script = TestEnvironment.repoRoot.appendingPathComponent("scripts/openai-client-check.py")
            let result = try await runOffPool(try TestEnvironment.python(), [script.path, url.absoluteString, "sk-openai-client", "--embeddings"])
            #expect(result.status == 0, "\(result.stderr)")
            let seen = try json(Data(result.stdout.utf8))
            #expect(seen["models"] as? [String] == ["scripted"])
            let chat = try #require(seen["chat"] as? [String: Any])
            #expect(chat["content"] as? String == "Paris is the capital of France .")
            #expect(chat["finish_reason"] as? String == "stop")
            #expect((chat["usage"] as? [String: Any])?["completion_tokens"] as? Int == 7)
            let stream = try #require(seen["stream"] as? [String: Any])
            #expect((stream["pieces"] as? [String])?.joined() == "Paris is the capital")
            #expect(stream["finish_reason"] as? String == "length")
            #expect((stream["usage"] as? [String: Any])?["completion_tokens"] as? Int == 4)
            #expect(stream["ids"] as? Int == 1, "every chunk of one stream carries the same id")
            let completion = try #require(seen["completion"] as? [String: Any])
            #expect(completion["text"] as? String == "Paris is the")
            #expect(completion["finish_reason"] as? String == "length")
            #expect((seen["bad_request"] as? [String: Any])?["status"] as? Int == 400)
            #expect(seen["unauthorized"] as? Int == 401)
            let embeddings = try #require(seen["embeddings"] as? [String: Any])
            #expect(embeddings["one"] as? [Int] == [256])
            #expect(embeddings["many"] as? [Int] == [0, 1, 2])
            #expect((embeddings["usage"] as? [String: Any])?["prompt_tokens"] as? Int == 3)
            // The client asks for base64 and decodes it itself: the values must survive that.
            let first = try #require((embeddings["first"] as? [Double])?.map(Float.init))
            #expect(first == Array(try await embedder.embed(["the capital of France"])[0].prefix(4)))
        }
    }
}
