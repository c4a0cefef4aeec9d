import BerthaEmbeddings
import BerthaInference
import BerthaServer
import BerthaTestSupport
import BerthaVectorStore
import Foundation
import Testing

/// An embedded store in `dir` holding three one-chunk documents, embedded with `BagOfWordsEmbedder`.
func sampleStore(_ dir: TemporaryDirectory) async throws -> any VectorStore {
    let store = try await EmbeddedVectorStore(directory: dir.path("store"))
    let embedder = BagOfWordsEmbedder()
    let documents = [
        ("paris", "docs/paris.md", "Paris is the capital of France."),
        ("berlin", "docs/berlin.md", "Berlin is the capital of Germany."),
        ("bananas", "docs/bananas.md", "Bananas are yellow fruit rich in potassium."),
    ]
    let vectors = try await embedder.embed(documents.map(\.2))
    try await store.upsert(zip(documents, vectors).map { document, vector in
        VectorRecord(id: document.0 + "#0", documentID: document.0, text: document.2, vector: vector,
                     metadata: [VectorRecord.MetadataKey.source: document.1])
    })
    return store
}

/// A scripted backend with room for a prompt that carries sources.
func roomyBackend() -> ScriptedBackend {
    var backend = ScriptedBackend()
    backend.model.contextLength = 4096
    return backend
}

@Suite("RAG and /v1/embeddings")
struct RAGTests {
    @Test("/v1/embeddings: a string or a list, floats or base64, OpenAI's shape with usage")
    func embeddings() async throws {
        let embedder = BagOfWordsEmbedder()
        try await withServer(embedder: embedder) { url, _ in
            let (status, data, _) = try await post(url, "v1/embeddings", #"{"input":"the capital of France","model":"x"}"#)
            #expect(status == 200)
            let body = try json(data)
            #expect(body["object"] as? String == "list")
            #expect(body["model"] as? String == "bag-of-words")
            #expect((body["usage"] as? [String: Int]) == ["prompt_tokens": 4, "total_tokens": 4])
            let item = try #require((body["data"] as? [[String: Any]])?.first)
            #expect(item["object"] as? String == "embedding")
            let vector = try #require((item["embedding"] as? [Double])?.map(Float.init))
            let expected = try await embedder.embed(["the capital of France"])[0]
            #expect(vector == expected)

            let (_, many, _) = try await post(url, "v1/embeddings", #"{"input":["Paris","Berlin","Rome"],"encoding_format":"base64"}"#)
            let items = try #require(try json(many)["data"] as? [[String: Any]])
            #expect(items.map { $0["index"] as? Int } == [0, 1, 2])
            let base64 = try #require(items[1]["embedding"] as? String)
            let encoded = try #require(Data(base64Encoded: base64))
            let decoded = encoded.withUnsafeBytes { raw in
                (0..<(encoded.count / 4)).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
            }
            #expect(decoded == (try await embedder.embed(["Berlin"])[0]))

            let (bad, error, _) = try await post(url, "v1/embeddings", #"{"input":[]}"#)
            #expect(bad == 400)
            #expect((try json(error)["error"] as? [String: Any])?["param"] as? String == "input")
        }
        try await withServer { url, _ in
            let value1 = try await post(url, "v1/embeddings", #"{"input":"x"}"#).0
            #expect(value1 == 404)
        }
    }

    @Test("with RAG the best chunks go into the system prompt as numbered sources, and come back as `sources`")
    func retrieval() async throws {
        let dir = try TemporaryDirectory("bertha-rag")
        defer { dir.remove() }
        let retriever = RAGRetriever(embedder: BagOfWordsEmbedder(), store: try await sampleStore(dir), topK: 2, minScore: 0.3)
        let backend = roomyBackend()
        try await withServer(backend, retriever: retriever) { url, _ in
            let (status, data, _) = try await post(url, "v1/chat/completions",
                #"{"messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"What is the capital of France?"}]}"#)
            #expect(status == 200)
            let sources = try #require(try json(data)["sources"] as? [[String: Any]])
            #expect(sources.first?["uri"] as? String == "docs/paris.md")
            #expect(sources.first?["index"] as? Int == 1)
            #expect(sources.first?["document_id"] as? String == "paris")
            #expect(sources.allSatisfy { ($0["score"] as? Double ?? 0) >= 0.3 })
            #expect(!sources.contains { $0["uri"] as? String == "docs/bananas.md" })
            let prompt = try #require(backend.log.lastPrompt)
            #expect(prompt.contains("[1] docs/paris.md"))
            #expect(prompt.contains("Paris is the capital of France."))
            #expect(prompt.contains("Be brief."), "the caller's system prompt is kept")

            let (_, empty, _) = try await post(url, "v1/chat/completions", #"{"messages":[{"role":"user","content":"zebra xylophone"}]}"#)
            #expect(try json(empty)["sources"] as? [Any] != nil)
            #expect((try json(empty)["sources"] as? [Any])?.isEmpty == true)
            #expect(backend.log.lastPrompt?.contains("[1]") == false)

            let (_, streamed, _) = try await post(url, "v1/chat/completions",
                #"{"messages":[{"role":"user","content":"capital of Germany"}],"stream":true}"#)
            let chunks = String(decoding: streamed, as: UTF8.self).components(separatedBy: "\n\n")
                .filter { $0.hasPrefix("data: {") }.map { try? json(Data($0.dropFirst(6).utf8)) }
            let finals = chunks.compactMap { $0 }.filter { (($0["choices"] as? [[String: Any]])?.first?["finish_reason"] as? String) != nil }
            let final = try #require(finals.last)
            #expect((final["sources"] as? [[String: Any]])?.first?["uri"] as? String == "docs/berlin.md")

            let metrics = try await get(url, "metrics").1
            #expect(metrics.contains(#"bertha_rag_retrievals_total{model="scripted",model_version="7",result="hit"} 2"#))
            #expect(metrics.contains(#"bertha_rag_retrievals_total{model="scripted",model_version="7",result="empty"} 1"#))
        }
    }

    @Test("without RAG the response has no sources field")
    func noRAG() async throws {
        try await withServer { url, _ in
            let (_, data, _) = try await post(url, "v1/chat/completions", #"{"messages":[{"role":"user","content":"q"}]}"#)
            #expect(try json(data)["sources"] == nil)
        }
    }
}
