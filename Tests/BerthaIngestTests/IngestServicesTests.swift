import BerthaCore
import BerthaObjectStore
import BerthaTestSupport
import BerthaText
import BerthaVectorStore
import Foundation
import Testing
@testable import BerthaIngest

/// Milvus makes writes visible to queries asynchronously; poll until `condition` holds.
func eventually(_ what: String, _ condition: () async throws -> Bool) async throws {
    for _ in 0..<75 {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(200))
    }
    Issue.record("timed out waiting for \(what)")
}

func testS3(bucket: String) -> S3ObjectStore {
    S3ObjectStore(endpoint: URL(string: TestServices.s3Endpoint)!, bucket: bucket,
                  credentials: S3Credentials(accessKey: TestServices.s3AccessKey, secretKey: TestServices.s3SecretKey))
}

/// Against the real Milvus 2.3.5 (REST v1) and SeaweedFS S3 of the test services; fails when they are down.
@Suite("Ingest against real services (Milvus 2.3.5, SeaweedFS S3)", .serialized)
struct IngestServicesTests {
    static let subset = ["apache-license-2.0.txt", "llama-cpp-quantize.md", "nodejs-path.md", "python-import-statement.txt"]

    @Test("Milvus: ingest, rerun is a no-op, a changed file replaces only its chunks, a removal event deletes its vectors")
    func milvus() async throws {
        let ws = try Workspace(copyCorpus: false)
        defer { ws.remove() }
        let bucket = ws.dir.path("buckets/kb")
        try FileManager.default.createDirectory(at: bucket, withIntermediateDirectories: true)
        let corpus = try TestEnvironment.fixture("corpus/docs")
        for name in Self.subset {
            try FileManager.default.copyItem(at: corpus.appendingPathComponent(name), to: bucket.appendingPathComponent(name))
        }
        let objects = localBuckets(ws.dir.path("buckets"))
        let collection = "bertha_ingest_\(UUID().uuidString.prefix(8).lowercased())"
        let store = MilvusVectorStore(baseURL: URL(string: TestServices.milvusURL)!, collection: collection)
        defer { Task { try? await store.drop() } }

        let first = try await pipeline(store, objects: objects).run([.objects(bucket: "kb", prefix: "")])
        #expect(first.added == 4 && first.failed == 0)
        try await eventually("all chunks") { try await store.count() == first.chunks }
        #expect(try await store.documentIDs(withPrefix: "s3://kb/") == Self.subset.map { "s3://kb/\($0)" })

        let rerun = try await pipeline(store, objects: objects).run([.objects(bucket: "kb", prefix: "")])
        #expect(rerun.isNoOp && rerun.unchanged == 4)

        let changed = bucket.appendingPathComponent("nodejs-path.md")
        try (try String(contentsOf: changed, encoding: .utf8) + "\n\nA closing remark about paths.\n")
            .write(to: changed, atomically: true, encoding: .utf8)
        let update = try await pipeline(store, objects: objects).run([.objects(bucket: "kb", prefix: "")])
        #expect(update.updated == 1 && update.unchanged == 3)
        let embedder = HashingEmbedder()
        let uri = "s3://kb/nodejs-path.md"
        try await eventually("only the new version's chunks") {
            let hits = try await store.search(embedder.vector("closing remark about paths"), k: 100,
                                              filter: SearchFilter(documentIDs: [uri]), minScore: nil)
            return hits.contains { $0.record.text.contains("closing remark") }
                && Set(hits.compactMap { $0.record.metadata["chunk_index"] }).count == hits.count
        }
        try await eventually("the new hash") { try await store.documentHash(uri) != nil }
        let unchanged = try await pipeline(store, objects: objects).run([.objects(bucket: "kb", prefix: "")])
        #expect(unchanged.isNoOp)

        let removal = try PayloadShape.minio.wrap([minioRecord("s3:ObjectRemoved:Delete", bucket: "kb", key: "nodejs-path.md")])
        let deleted = try await pipeline(store, objects: objects).run([try IngestSource.events(payload: removal)])
        #expect(deleted.deleted == 1)
        try await eventually("no vectors of the removed document") {
            try await store.search(embedder.vector("path join normalize"), k: 100).allSatisfy { $0.record.documentID != uri }
        }
        #expect(try await store.documentHash(uri) == nil)
    }

    @Test("S3: s3://bucket/prefix ingests from SeaweedFS; created and removed events through the real bucket")
    func s3() async throws {
        let ws = try Workspace(copyCorpus: false)
        defer { ws.remove() }
        let bucket = "bertha-ingest-\(UUID().uuidString.prefix(8).lowercased())"
        let s3 = testS3(bucket: bucket)
        try await s3.ensureBucket()
        let corpus = try TestEnvironment.fixture("corpus/docs")
        for name in Self.subset.prefix(2) {
            try await s3.put(file: corpus.appendingPathComponent(name), key: "kb/" + name)
        }
        try await s3.put(data: Data("outside the prefix".utf8), key: "elsewhere.txt")
        let objects: ObjectStoreProvider = { testS3(bucket: $0) }
        let store = try await ws.openStore()
        let summary = try await pipeline(store, objects: objects).run([try IngestSource(parsing: "s3://\(bucket)/kb/")])
        #expect(summary.added == 2 && summary.failed == 0)
        #expect(try await store.documentIDs(withPrefix: "") == Self.subset.prefix(2).map { "s3://\(bucket)/kb/\($0)" }.sorted())

        let key = "kb/new folder/python import.txt"
        try await s3.put(file: corpus.appendingPathComponent("python-import-statement.txt"), key: key)
        let created = try PayloadShape.argoWebhook.wrap([minioRecord("s3:ObjectCreated:Put", bucket: bucket, key: key)])
        let added = try await pipeline(store, objects: objects).run([try IngestSource.events(payload: created)])
        #expect(added.added == 1)
        #expect(try await store.documentHash("s3://\(bucket)/\(key)") != nil)

        try await s3.delete(key: key)
        let removed = try PayloadShape.argoMinio.wrap([minioRecord("s3:ObjectRemoved:Delete", bucket: bucket, key: key)])
        let deleted = try await pipeline(store, objects: objects).run([try IngestSource.events(payload: removed)])
        #expect(deleted.deleted == 1)
        #expect(try await store.documentIDs(withPrefix: "s3://\(bucket)/kb/new") == [])
        for name in Self.subset.prefix(2) { try await s3.delete(key: "kb/" + name) }
        try await s3.delete(key: "elsewhere.txt")
    }
}
