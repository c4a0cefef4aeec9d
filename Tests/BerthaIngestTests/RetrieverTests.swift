import BerthaTestSupport
import BerthaVectorStore
import Foundation
import Testing
@testable import BerthaIngest

@Suite("Retriever")
struct RetrieverTests {
    @Test("returns the nearest chunks best first with source, index and section; honours k, minScore and filters")
    func retrieve() async throws {
        let ws = try Workspace()
        defer { ws.remove() }
        _ = try await pipeline(try await ws.openStore()).run([.path(ws.docs)])
        let store = try await ws.openStore(readOnly: true)
        let retriever = Retriever(embedder: HashingEmbedder(), store: store)
        // The answer snippet of q05 shares its words with exactly one chunk of the Redis README.
        let hits = try await retriever.retrieve(query: "make BUILD_TLS=yes", k: 5)
        #expect(hits.count == 5)
        #expect(zip(hits, hits.dropFirst()).allSatisfy { $0.score >= $1.score })
        let top = try #require(hits.first)
        let redis = ws.docs.appendingPathComponent("redis-readme.md").absoluteString
        #expect(top.documentID == redis && top.source == redis)
        #expect(top.text.contains("BUILD_TLS=yes"))
        #expect(top.chunkIndex != nil && top.section != nil)
        #expect(top.metadata["chunk_index"] == top.chunkIndex.map(String.init))

        let strict = try await retriever.retrieve(query: "make BUILD_TLS=yes", k: 5, minScore: top.score)
        #expect(strict.map(\.id) == [top.id])
        let dns = ws.docs.appendingPathComponent("nodejs-dns.md").absoluteString
        let filtered = try await retriever.retrieve(query: "make BUILD_TLS=yes", k: 3, filter: SearchFilter(documentIDs: [dns]))
        #expect(filtered.count == 3 && filtered.allSatisfy { $0.documentID == dns })
        #expect(try await retriever.retrieve(query: "  ", k: 5).isEmpty)
    }

    @Test("a RetrievedChunk encodes to the JSON --query prints")
    func encodes() throws {
        let record = VectorRecord(id: "c1", documentID: "s3://b/a.pdf", text: "page text", vector: [1, 0],
                                  metadata: ["source": "s3://b/a.pdf", "chunk_index": "3", "page": "2"])
        let chunk = RetrievedChunk(ScoredRecord(record: record, score: 0.5))
        #expect(chunk.page == 2 && chunk.chunkIndex == 3 && chunk.section == nil)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = String(decoding: try encoder.encode(chunk), as: UTF8.self)
        #expect(json.contains(#""documentID":"s3:\/\/b\/a.pdf""#) && json.contains(#""score":0.5"#) && json.contains(#""page":2"#))
    }
}
