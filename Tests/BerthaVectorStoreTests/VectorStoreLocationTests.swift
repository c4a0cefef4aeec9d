import BerthaCore
import Foundation
import Testing
@testable import BerthaVectorStore

@Suite("Vector store URLs and configuration")
struct VectorStoreLocationTests {
    @Test("parses embedded and Milvus URLs", arguments: [
        ("embedded:/tmp/store", VectorStoreLocation.embedded(directory: URL(fileURLWithPath: "/tmp/store", isDirectory: true))),
        ("milvus://db.local:19530/docs", .milvus(baseURL: URL(string: "http://db.local:19530")!, collection: "docs")),
        ("milvus+https://db.local/docs", .milvus(baseURL: URL(string: "https://db.local:19530")!, collection: "docs")),
        ("milvus://10.0.0.5:9091", .milvus(baseURL: URL(string: "http://10.0.0.5:9091")!, collection: nil)),
    ])
    func parses(text: String, expected: VectorStoreLocation) throws {
        #expect(try VectorStoreLocation(parsing: text) == expected)
    }

    @Test("rejects other URLs with the URL named", arguments: ["s3://bucket/x", "embedded:", "milvus://host:1/a/b", "milvus://host/9bad", "milvus:///x"])
    func rejects(text: String) {
        #expect {
            try VectorStoreLocation(parsing: text)
        } throws: { error in
            (error as? VectorStoreError)?.location == text
        }
    }

    @Test("the config section validates URL and collection")
    func sectionValidation() {
        #expect(VectorStoreSection.validateURL("embedded:data/store") == nil)
        #expect(VectorStoreSection.validateURL("milvus://h:19530/c") == nil)
        #expect(VectorStoreSection.validateURL("postgres://h/c") != nil)
        #expect(VectorStoreSection.validateCollection("bertha_docs") == nil)
        #expect(VectorStoreSection.validateCollection("1abc") != nil)
        #expect(VectorStoreSection.validateCollection("a-b") != nil)
    }

    @Test("VectorStores.open opens an embedded store with the section's options")
    func opensEmbedded() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vs-open-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: dir) }
        var section = VectorStoreSection()
        section.url = "embedded:\(dir.path)"
        let store = try await VectorStores.open(section)
        try await store.upsert([VectorRecord(id: "a", documentID: "d", text: "t", vector: [3, 4])])
        #expect(try await store.search([3, 4], k: 1).first?.score ?? 0 > 0.999)
        section.url = "milvus://127.0.0.1:19530/my_docs"
        let milvus = try await VectorStores.open(section)
        #expect((milvus as? MilvusVectorStore)?.collection == "my_docs")
    }
}
