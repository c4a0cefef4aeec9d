import BerthaTestSupport
import Foundation
import Testing
@testable import BerthaVectorStore

/// Against the real Milvus 2.3.5 of the test services (REST v1). Fails when it is not running.
@Suite("Milvus over REST v1 (real Milvus 2.3.5)", .serialized)
struct MilvusV1Tests {
    let baseURL = URL(string: TestServices.milvusURL)!

    func uniqueCollection(_ label: String) -> String { "bertha_test_\(label)_\(UUID().uuidString.prefix(8).lowercased())" }

    /// Milvus makes inserts visible to queries asynchronously; poll the count until it settles.
    func waitForCount(_ store: MilvusVectorStore, _ expected: Int) async throws -> Int {
        var last = -1
        for _ in 0..<50 {
            last = try await store.count()
            if last == expected { return last }
            try await Task.sleep(for: .milliseconds(200))
        }
        return last
    }

    @Test("probing picks v1 on Milvus 2.3")
    func probesV1() async throws {
        let store = MilvusVectorStore(baseURL: baseURL, collection: uniqueCollection("probe"))
        #expect(try await store.apiVersion() == .v1)
    }

    @Test("create, batched insert of 250 rows, search, replace, delete by document and drop")
    func lifecycle() async throws {
        let name = uniqueCollection("life")
        let store = MilvusVectorStore(baseURL: baseURL, collection: name, token: "root:Milvus")
        defer { Task { try? await store.drop() } }
        var fixtures = VectorFixtures(seed: 11)
        let a = fixtures.records(document: "a", count: 150, dimension: 16, metadata: ["source": "s3://docs/a.txt"])
        let b = fixtures.records(document: "b", count: 100, dimension: 16, metadata: ["source": "s3://docs/b.txt"])
        try await store.replaceDocument("a", contentHash: "ha", records: a)
        try await store.replaceDocument("b", contentHash: "hb", records: b)
        #expect(try await waitForCount(store, 250) == 250)
        #expect(try await store.documentHash("a") == "ha")
        #expect(try await store.documentHash("nope") == nil)

        let target = b[17]
        let hits = try await store.search(target.vector, k: 5)
        let top = try #require(hits.first)
        #expect(top.record.id == target.id)
        #expect(top.record.documentID == "b")
        #expect(top.record.text == target.text)
        #expect(top.record.metadata["source"] == "s3://docs/b.txt")
        #expect(top.record.metadata["chunk_index"] == "17")
        #expect(abs(top.score - 1) < 1e-4)
        // The other hits are the exact runners-up.
        let expected = (a + b).map { ($0.id, VectorFixtures.cosine(target.vector, $0.vector)) }.sorted { $0.1 > $1.1 }.prefix(5)
        #expect(hits.map(\.record.id) == expected.map(\.0))
        for (hit, reference) in zip(hits, expected) { #expect(abs(Double(hit.score) - reference.1) < 1e-4) }

        let onlyA = try await store.search(target.vector, k: 3, filter: SearchFilter(documentIDs: ["a"]), minScore: nil)
        #expect(onlyA.count == 3 && onlyA.allSatisfy { $0.record.documentID == "a" })
        let bySource = try await store.search(target.vector, k: 3, filter: SearchFilter(metadata: ["source": "s3://docs/a.txt"]), minScore: nil)
        #expect(bySource.allSatisfy { $0.record.documentID == "a" })

        // Replace "a" with 3 new chunks: the old 150 go.
        let a2 = fixtures.records(document: "a", count: 3, dimension: 16).map {
            VectorRecord(id: $0.id + "-v2", documentID: "a", text: "v2", vector: $0.vector)
        }
        try await store.replaceDocument("a", contentHash: "ha2", records: a2)
        #expect(try await waitForCount(store, 103) == 103)
        #expect(try await store.documentHash("a") == "ha2")

        try await store.deleteDocument("b")
        #expect(try await waitForCount(store, 3) == 3)
        #expect(try await store.search(target.vector, k: 10).allSatisfy { $0.record.documentID == "a" })

        try await store.drop()
        #expect(try await store.count() == 0)
        let described = try await MilvusVectorStore(baseURL: baseURL, collection: name).documentHash("a")
        #expect(described == nil)
    }

    @Test("documentIDs(withPrefix:) finds an object's documents, even with _ and % in the ids; a half-written document reads as unknown")
    func documentPrefixesAndPartialWrites() async throws {
        let name = uniqueCollection("prefix")
        let store = MilvusVectorStore(baseURL: baseURL, collection: name)
        defer { Task { try? await store.drop() } }
        var fixtures = VectorFixtures(seed: 13)
        let ids = ["s3://b/a_b%20c.jsonl#1", "s3://b/a_b%20c.jsonl#2", "s3://b/aXb.txt", "s3://other/a_b%20c.jsonl"]
        for id in ids {
            try await store.replaceDocument(id, contentHash: "h", records: fixtures.records(document: id, count: 2, dimension: 8))
        }
        #expect(try await waitForCount(store, 8) == 8)
        #expect(try await store.documentIDs(withPrefix: "s3://b/a_b%20c.jsonl") == Array(ids.prefix(2)))
        #expect(try await store.documentIDs(withPrefix: "s3://b/") == ids.prefix(3).sorted())
        #expect(try await store.documentIDs(withPrefix: "") == ids.sorted())
        #expect(try await store.documentHash(ids[0]) == "h")

        // A crash after the first of several insert batches of a new document: its rows carry the
        // hash but fewer rows exist than the document has chunks, so it is not taken as stored.
        let partial = fixtures.records(document: "p", count: 2, dimension: 8).map { record -> [String: any Sendable] in
            ["chunk_id": record.id, "embedding": record.vector.map(Double.init), "doc_id": "p", "text": record.text,
             "doc_hash": "hp", "doc_chunks": 150]
        }
        try await store.rawCall("/v1/vector/insert", ["collectionName": name, "data": partial])
        #expect(try await waitForCount(store, 10) == 10)
        #expect(try await store.documentHash("p") == nil)
    }

    @Test("upsert of an existing id replaces it")
    func upsertReplaces() async throws {
        let store = MilvusVectorStore(baseURL: baseURL, collection: uniqueCollection("ups"))
        defer { Task { try? await store.drop() } }
        var fixtures = VectorFixtures(seed: 12)
        var records = fixtures.records(document: "d", count: 5, dimension: 8)
        try await store.upsert(records)
        #expect(try await waitForCount(store, 5) == 5)
        records[2].text = "changed"
        try await store.upsert([records[2]])
        #expect(try await waitForCount(store, 5) == 5)
        // Deletes and inserts become visible asynchronously (bounded consistency): poll.
        var text = ""
        for _ in 0..<50 {
            text = try await store.search(records[2].vector, k: 1).first?.record.text ?? ""
            if text == "changed" { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(text == "changed")
    }

    @Test("a request Milvus rejects becomes a typed error with the URL and the server's message")
    func serverErrorIsTyped() async throws {
        let name = uniqueCollection("err")
        let store = MilvusVectorStore(baseURL: baseURL, collection: name)
        defer { Task { try? await store.drop() } }
        try await store.upsert([VectorRecord(id: "x", documentID: "d", text: "", vector: [1, 0, 0, 0])])
        do {
            try await store.rawCall("/v1/vector/query", ["collectionName": name, "filter": "doc_id ==== nonsense"])
            Issue.record("an invalid expression was accepted")
        } catch let VectorStoreError.server(url, code, message) {
            #expect(url == TestServices.milvusURL + "/v1/vector/query")
            #expect(code != 200 && code != 0)
            #expect(!message.isEmpty)
        }
        do {
            try await MilvusVectorStore(baseURL: baseURL, collection: "bertha_missing_collection")
                .rawCall("/v1/vector/insert", ["collectionName": "bertha_missing_collection", "data": [["embedding": [1.0]]]])
            Issue.record("an insert into a missing collection was accepted")
        } catch let error as VectorStoreError {
            #expect(error.description.contains("/v1/vector/insert"))
            #expect(error.description.lowercased().contains("collection"))
        }
    }

    @Test("HTTP 5xx answers are retried until Milvus answers", .timeLimit(.minutes(1)))
    func retriesServerErrors() async throws {
        let proxy = try await FlakyProxy(target: TestServices.milvusURL, failures: 2)
        defer { proxy.stop() }
        let store = MilvusVectorStore(baseURL: proxy.url, collection: uniqueCollection("retry"), retries: 3,
                                      retryDelay: .milliseconds(50), version: .v1)
        defer { Task { try? await store.drop() } }
        try await store.upsert([VectorRecord(id: "x", documentID: "d", text: "t", vector: [0, 1, 0, 0])])
        #expect(try await waitForCount(store, 1) == 1)
        #expect(try proxy.failuresServed() == 2)

        let broken = try await FlakyProxy(target: TestServices.milvusURL, failures: 100)
        defer { broken.stop() }
        let give = MilvusVectorStore(baseURL: broken.url, collection: "bertha_never", retries: 2, retryDelay: .milliseconds(10), version: .v1)
        await #expect(throws: VectorStoreError.self) { try await give.count() }
        #expect(try broken.failuresServed() == 3)
    }
}

/// A Python HTTP proxy in front of Milvus that answers the first `failures` requests with 503.
final class FlakyProxy: @unchecked Sendable {
    let process: BackgroundProcess
    let url: URL
    let dir: TemporaryDirectory

    init(target: String, failures: Int) async throws {
        dir = try TemporaryDirectory("flaky")
        let script = """
        import http.server, sys, urllib.request, os
        target, failures, countfile = sys.argv[1], int(sys.argv[2]), sys.argv[3]
        served = [0]
        http.server.BaseHTTPRequestHandler.protocol_version = 'HTTP/1.0'
        class H(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a): pass
            def handle_any(self):
                body = self.rfile.read(int(self.headers.get('Content-Length') or 0))
                if served[0] < failures:
                    served[0] += 1
                    open(countfile, 'w').write(str(served[0]))
                    self.send_response(503); self.send_header('Content-Length', '11'); self.end_headers()
                    self.wfile.write(b'unavailable'); return
                req = urllib.request.Request(target + self.path, data=body if self.command == 'POST' else None, method=self.command)
                for k in ('Content-Type', 'Authorization'):
                    if self.headers.get(k): req.add_header(k, self.headers[k])
                with urllib.request.urlopen(req) as r:
                    data = r.read(); status = r.status
                self.send_response(status); self.send_header('Content-Length', str(len(data)))
                self.send_header('Content-Type', 'application/json'); self.end_headers(); self.wfile.write(data)
            do_GET = handle_any
            do_POST = handle_any
        s = http.server.ThreadingHTTPServer(('127.0.0.1', 0), H)
        print(s.server_address[1], flush=True)
        s.serve_forever()
        """
        // posix_spawn with signals unblocked (BackgroundProcess): Foundation's Process under the
        // test runner leaves SIGTERM blocked in the child, and stopping it then hung the test.
        process = try BackgroundProcess(TestEnvironment.python(), ["-c", script, target, String(failures), dir.path("count").path])
        let port = try await process.waitFor(#"^(\d+)$"#)
        url = URL(string: "http://127.0.0.1:\(port)")!
    }

    func failuresServed() throws -> Int {
        Int((try? String(contentsOf: dir.path("count"), encoding: .utf8)) ?? "0") ?? 0
    }

    func stop() {
        kill(process.pid, SIGKILL)
        _ = process.hasExited
        dir.remove()
    }
}

struct ProxyDidNotStart: Error, CustomStringConvertible {
    var description: String { "the Python proxy in front of Milvus did not start" }
}
