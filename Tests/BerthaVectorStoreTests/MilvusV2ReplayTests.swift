import BerthaTestSupport
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
@testable import BerthaVectorStore

/// Milvus ≥ 2.4's REST v2, checked against request/response shapes recorded from the Milvus REST
/// reference (no v2 server is obtainable for this platform). A replay transport answers by path and
/// keeps every request so the tests can check what bertha sent.
@Suite("Milvus over REST v2 (recorded shapes)")
struct MilvusV2ReplayTests {
    static let base = URL(string: "http://milvus.test:19530")!

    /// Answers each path with queued recorded responses (the last one repeats) and logs requests.
    final class ReplayTransport: MilvusTransport, @unchecked Sendable {
        private let lock = NSLock()
        private var responses: [String: [(Int, String)]]
        private(set) var requests: [(path: String, body: [String: Any], headers: [String: String])] = []

        init(_ responses: [String: [(Int, String)]]) { self.responses = responses }

        func send(_ request: URLRequest) async throws -> (status: Int, body: Data) {
            answer(request)
        }

        private func answer(_ request: URLRequest) -> (status: Int, body: Data) {
            lock.lock()
            defer { lock.unlock() }
            let path = request.url?.path ?? ""
            let body = request.httpBody.flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] } ?? [:]
            requests.append((path, body, request.allHTTPHeaderFields ?? [:]))
            guard var queue = responses[path], let next = queue.first else { return (404, Data("404 page not found".utf8)) }
            if queue.count > 1 { queue.removeFirst(); responses[path] = queue }
            return (next.0, Data(next.1.utf8))
        }

        func bodies(_ path: String) -> [[String: Any]] {
            lock.lock()
            defer { lock.unlock() }
            return requests.filter { $0.path == path }.map(\.body)
        }
    }

    // Recorded answers (shapes from the Milvus v2 REST reference).
    static let describe = """
    {"code":0,"data":{"collectionName":"docs","description":"","enableDynamicField":true,"autoId":false,
     "fields":[{"name":"id","type":"VarChar","primaryKey":true,"autoId":false,"params":[{"key":"max_length","value":"65535"}]},
               {"name":"embedding","type":"FloatVector","primaryKey":false,"autoId":false,"params":[{"key":"dim","value":"4"}]},
               {"name":"doc_id","type":"VarChar","primaryKey":false,"autoId":false,"params":[{"key":"max_length","value":"65535"}]},
               {"name":"text","type":"VarChar","primaryKey":false,"autoId":false,"params":[{"key":"max_length","value":"65535"}]}],
     "indexes":[{"fieldName":"embedding","indexName":"embedding","metricType":"IP"}],"load":"LoadStateLoaded","shardsNum":1}}
    """

    func records(_ count: Int) -> [VectorRecord] {
        (0..<count).map { i in
            VectorRecord(id: "doc#\(i)", documentID: "doc", text: "chunk \(i)", vector: [1, Float(i), 0, 0], metadata: ["page": "\(i % 3)"])
        }
    }

    @Test("creates a LlamaIndex-compatible collection and writes in batches of at most 100 rows")
    func createAndInsert() async throws {
        let transport = ReplayTransport([
            "/v2/vectordb/collections/list": [(200, #"{"code":0,"data":[]}"#)],
            "/v2/vectordb/collections/has": [(200, #"{"code":0,"data":{"has":false}}"#), (200, #"{"code":0,"data":{"has":true}}"#)],
            "/v2/vectordb/collections/create": [(200, #"{"code":0,"data":{}}"#)],
            "/v2/vectordb/collections/describe": [(200, Self.describe)],
            "/v2/vectordb/entities/delete": [(200, #"{"code":0,"cost":0,"data":{}}"#)],
            "/v2/vectordb/entities/insert": [(200, #"{"code":0,"cost":0,"data":{"insertCount":100,"insertIds":[]}}"#)],
        ])
        let store = MilvusVectorStore(baseURL: Self.base, collection: "docs", token: "root:Milvus", transport: transport)
        try await store.replaceDocument("doc", contentHash: "h1", records: records(250))
        #expect(try await store.apiVersion() == .v2)

        let create = try #require(transport.bodies("/v2/vectordb/collections/create").first)
        #expect(create["collectionName"] as? String == "docs")
        let schema = try #require(create["schema"] as? [String: Any])
        #expect(schema["autoId"] as? Bool == false)
        #expect(schema["enabledDynamicField"] as? Bool == true)
        let fields = try #require(schema["fields"] as? [[String: Any]])
        #expect(fields.map { $0["fieldName"] as? String } == ["id", "embedding", "doc_id", "text"])
        #expect(fields[0]["dataType"] as? String == "VarChar" && fields[0]["isPrimary"] as? Bool == true)
        #expect((fields[1]["elementTypeParams"] as? [String: Any])?["dim"] as? String == "4")
        let index = try #require((create["indexParams"] as? [[String: Any]])?.first)
        #expect(index["fieldName"] as? String == "embedding" && index["metricType"] as? String == "IP")

        let inserts = transport.bodies("/v2/vectordb/entities/insert")
        #expect(inserts.map { ($0["data"] as? [Any])?.count } == [100, 100, 50])
        let row = try #require((inserts[0]["data"] as? [[String: Any]])?[1])
        #expect(row["id"] as? String == "doc#1")
        #expect(row["doc_id"] as? String == "doc")
        #expect(row["doc_hash"] as? String == "h1")
        #expect(row["page"] as? String == "1")
        let vector = try #require(row["embedding"] as? [Double])
        #expect(abs(vector[0] - 1 / 2.0.squareRoot()) < 1e-6)  // normalised
        // Leftovers of this hash first, the older versions after the insert.
        #expect(transport.bodies("/v2/vectordb/entities/delete").map { $0["filter"] as? String } == [
            #"doc_id == "doc" and doc_hash == "h1""#, #"doc_id == "doc" and doc_hash != "h1""#,
        ])
        #expect(transport.requests.allSatisfy { $0.headers["Authorization"] == "Bearer root:Milvus" })
    }

    @Test("search sends data/annsField/filter and parses scored hits with their dynamic fields")
    func search() async throws {
        let transport = ReplayTransport([
            "/v2/vectordb/collections/list": [(200, #"{"code":0,"data":["docs"]}"#)],
            "/v2/vectordb/collections/has": [(200, #"{"code":0,"data":{"has":true}}"#)],
            "/v2/vectordb/collections/describe": [(200, Self.describe)],
            "/v2/vectordb/entities/search": [(200, """
            {"code":0,"cost":0,"data":[
              {"distance":0.98,"id":"doc#2","doc_id":"doc","text":"chunk 2","doc_hash":"h1","page":"2","source":"s3://b/doc.md"},
              {"distance":0.41,"id":"doc#0","doc_id":"doc","text":"chunk 0","doc_hash":"h1","page":"0","source":"s3://b/doc.md"}]}
            """)],
        ])
        let store = MilvusVectorStore(baseURL: Self.base, collection: "docs", transport: transport)
        let hits = try await store.search([0, 3, 0, 0], k: 2, filter: SearchFilter(metadata: ["page": "2"], documentIDs: ["doc"]), minScore: 0.5)
        #expect(hits.count == 1)  // 0.41 is under minScore
        let hit = try #require(hits.first)
        #expect(hit.record.id == "doc#2" && hit.record.documentID == "doc" && hit.record.text == "chunk 2")
        #expect(hit.record.metadata == ["page": "2", "source": "s3://b/doc.md"])
        #expect(abs(hit.score - 0.98) < 1e-6)
        let body = try #require(transport.bodies("/v2/vectordb/entities/search").first)
        #expect(body["annsField"] as? String == "embedding")
        #expect(body["limit"] as? Int == 2)
        #expect((body["data"] as? [[Double]]) == [[0, 1, 0, 0]])
        #expect(body["filter"] as? String == #"doc_id in ["doc"] and page == "2""#)
    }

    @Test("a non-zero code inside HTTP 200 becomes a typed error with the URL and message")
    func errorsInsideHTTP200() async throws {
        let transport = ReplayTransport([
            "/v2/vectordb/collections/list": [(200, #"{"code":0,"data":[]}"#)],
            "/v2/vectordb/collections/has": [(200, #"{"code":0,"data":{"has":true}}"#)],
            "/v2/vectordb/collections/describe": [(200, Self.describe)],
            "/v2/vectordb/entities/query": [(200, #"{"code":1100,"message":"failed to create query plan: cannot parse expression: doc_id == \"x\", error: invalid parameter"}"#)],
        ])
        let store = MilvusVectorStore(baseURL: Self.base, collection: "docs", transport: transport)
        do {
            _ = try await store.documentHash("x")
            Issue.record("the error was swallowed")
        } catch let error as VectorStoreError {
            #expect(error == .server(url: "http://milvus.test:19530/v2/vectordb/entities/query", code: 1100,
                                     message: #"failed to create query plan: cannot parse expression: doc_id == "x", error: invalid parameter"#))
            #expect(error.description.contains("http://milvus.test:19530/v2/vectordb/entities/query"))
        }
    }

    @Test("expressions quote and escape values")
    func expressions() {
        #expect(MilvusVectorStore.literal(#"a"b\c"#) == #""a\"b\\c""#)
        #expect(MilvusVectorStore.expression(for: .none) == nil)
        #expect(MilvusVectorStore.expression(for: SearchFilter(metadata: ["file name": "x"])) == #"$meta["file name"] == "x""#)
    }
}
