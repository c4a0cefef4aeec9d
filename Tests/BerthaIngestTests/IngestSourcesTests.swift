import BerthaCore
import BerthaObjectStore
import BerthaTestSupport
import BerthaText
import BerthaVectorStore
import Foundation
import Testing
@testable import BerthaIngest

/// A bucket notification record as MinIO sends it: the key query-escaped (`/` → %2F, space → +).
func minioRecord(_ name: String, bucket: String, key: String) -> [String: Any] {
    var allowed = CharacterSet.alphanumerics
    allowed.insert(charactersIn: "-_.~ ")
    let escaped = (key.addingPercentEncoding(withAllowedCharacters: allowed) ?? key).replacingOccurrences(of: " ", with: "+")
    return [
        "eventVersion": "2.0", "eventSource": "minio:s3", "awsRegion": "", "eventTime": "2026-11-29T06:00:00.000Z",
        "eventName": name, "userIdentity": ["principalId": "minioadmin"],
        "s3": ["s3SchemaVersion": "1.0", "configurationId": "Config", "bucket": ["name": bucket, "arn": "arn:aws:s3:::\(bucket)"],
               "object": ["key": escaped, "size": 100, "eTag": "0123", "sequencer": "17"]] as [String: Any],
    ]
}

enum PayloadShape: String, CaseIterable, Sendable {
    case minio, argoMinio, argoWebhook

    func wrap(_ records: [[String: Any]]) throws -> Data {
        let first = records.first ?? [:]
        let notification: [String: Any] = [
            "EventName": first["eventName"] ?? "", "Key": "bucket/key", "Records": records,
        ]
        let payload: Any
        switch self {
        case .minio: payload = notification
        // Argo Events' minio event source: the event's data is {"notification": [records]}.
        case .argoMinio:
            payload = ["context": ["type": "minio", "source": "bertha-docs", "subject": "bertha-docs"],
                       "data": ["notification": records]] as [String: Any]
        // Argo Events' webhook event source: header and body, the body the MinIO notification.
        case .argoWebhook:
            payload = ["header": ["Content-Type": ["application/json"]], "body": notification] as [String: Any]
        }
        return try JSONSerialization.data(withJSONObject: payload)
    }
}

/// Local directories standing in for buckets: `<base>/<bucket>/<key>`.
func localBuckets(_ base: URL) -> ObjectStoreProvider {
    { bucket in LocalObjectStore(root: base.appendingPathComponent(bucket)) }
}

/// tar.gz and zip of the corpus, plus hostile archives, made with Python's tarfile/zipfile.
func makeArchives(in dir: URL) throws {
    try runPython("""
        import io, os, sys, tarfile, zipfile
        corpus, out = sys.argv[1], sys.argv[2]
        names = sorted(os.listdir(corpus))
        with tarfile.open(os.path.join(out, "corpus.tar.gz"), "w:gz") as t:
            for n in names: t.add(os.path.join(corpus, n), arcname="docs/" + n)
        with zipfile.ZipFile(os.path.join(out, "corpus.zip"), "w", zipfile.ZIP_DEFLATED) as z:
            for n in names: z.write(os.path.join(corpus, n), arcname="docs/" + n)
        with tarfile.open(os.path.join(out, "evil.tar.gz"), "w:gz") as t:
            for n, d in (("ok.txt", b"fine"), ("../evil.txt", b"pwned")):
                info = tarfile.TarInfo(n); info.size = len(d); t.addfile(info, io.BytesIO(d))
        with zipfile.ZipFile(os.path.join(out, "bomb.zip"), "w", zipfile.ZIP_DEFLATED) as z:
            with z.open("zeros.txt", "w", force_zip64=True) as f:
                for _ in range(64): f.write(bytes(1 << 20))
        """, arguments: [try TestEnvironment.fixture("corpus/docs").path, dir.path])
}

@Suite("Ingest sources: archives, objects and bucket events")
struct IngestSourcesTests {
    @Test("tar.gz and zip of the corpus ingest entry by entry; a ../ entry and a zip bomb fail alone with a clear error")
    func archives() async throws {
        let ws = try Workspace(copyCorpus: false)
        defer { ws.remove() }
        try FileManager.default.createDirectory(at: ws.docs, withIntermediateDirectories: true)
        try makeArchives(in: ws.docs)
        let summary = try await pipeline(try await ws.openStore()).run([.path(ws.docs)])
        #expect(summary.added == 34)
        #expect(summary.failed == 2)
        let byArchive = Dictionary(uniqueKeysWithValues: summary.failures.map { (URL(string: $0.source)!.lastPathComponent, $0.error) })
        #expect(byArchive["bomb.zip"]?.contains("archive entry \"zeros.txt\" expands beyond 8388608 bytes (ingest.max_entry_bytes)") == true)
        #expect(byArchive["evil.tar.gz"]?.contains("archive entry \"../evil.txt\" has an absolute path or a .. component") == true)
        let ids = try await ws.openStore(readOnly: true).documentIDs(withPrefix: "")
        let tarURI = ws.docs.appendingPathComponent("corpus.tar.gz").absoluteString
        #expect(ids.filter { $0.hasPrefix(tarURI + "!/docs/") }.count == 17)
        #expect(!ids.contains { $0.contains("evil") || $0.contains("ok.txt") })
        let again = try await pipeline(try await ws.openStore()).run([.path(ws.docs)])
        #expect(again.isNoOp && again.unchanged == 34)
    }

    @Test("s3:// prefixes list and fetch objects; archives fetched as objects expand from memory")
    func objects() async throws {
        let ws = try Workspace(copyCorpus: false)
        defer { ws.remove() }
        let bucket = ws.dir.path("buckets/kb")
        try FileManager.default.createDirectory(at: bucket.appendingPathComponent("manuals"), withIntermediateDirectories: true)
        let corpus = try TestEnvironment.fixture("corpus/docs")
        for name in ["redis-readme.md", "bzip2-manual.txt"] {
            try FileManager.default.copyItem(at: corpus.appendingPathComponent(name), to: bucket.appendingPathComponent("manuals/" + name))
        }
        try makeArchives(in: ws.dir.url)
        try FileManager.default.copyItem(at: ws.dir.path("corpus.zip"), to: bucket.appendingPathComponent("manuals/corpus.zip"))
        try "not under the prefix".write(to: bucket.appendingPathComponent("other.txt"), atomically: true, encoding: .utf8)
        let objects = localBuckets(ws.dir.path("buckets"))
        let summary = try await pipeline(try await ws.openStore(), include: ["*.md", "*.txt"], objects: objects)
            .run([try IngestSource(parsing: "s3://kb/manuals/")])
        #expect(summary.added == 2 + 17 && summary.failed == 0)
        let ids = try await ws.openStore(readOnly: true).documentIDs(withPrefix: "")
        #expect(ids.contains("s3://kb/manuals/redis-readme.md"))
        #expect(ids.contains("s3://kb/manuals/corpus.zip!/docs/apache-license-2.0.txt"))
        #expect(!ids.contains("s3://kb/other.txt"))
        // Without an object store, s3:// sources are a failure that names the fix.
        let none = try await pipeline(try await ws.openStore()).run([.objects(bucket: "kb", prefix: "")])
        #expect(none.failures.first?.error.contains("no object store configured") == true)
    }

    @Test("created events ingest the object, removed events delete its vectors", arguments: PayloadShape.allCases)
    func events(shape: PayloadShape) async throws {
        let ws = try Workspace(copyCorpus: false)
        defer { ws.remove() }
        let key = "kb/Node DNS (v20).md"
        let object = ws.dir.path("buckets/docs").appendingPathComponent(key)
        try FileManager.default.createDirectory(at: object.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: try TestEnvironment.fixture("corpus/docs/nodejs-dns.md"), to: object)
        try "Redis is an in-memory data store.".write(to: object.deletingLastPathComponent().appendingPathComponent("redis.txt"),
                                                      atomically: true, encoding: .utf8)
        let objects = localBuckets(ws.dir.path("buckets"))

        let created = try shape.wrap([minioRecord("s3:ObjectCreated:Put", bucket: "docs", key: key),
                                      minioRecord("s3:ObjectCreated:CompleteMultipartUpload", bucket: "docs", key: "kb/redis.txt")])
        let added = try await pipeline(try await ws.openStore(), objects: objects).run([try IngestSource.events(payload: created)])
        #expect(added.added == 2 && added.failed == 0)
        let uri = "s3://docs/" + key
        let store = try await ws.openStore(readOnly: true)
        #expect(try await store.documentIDs(withPrefix: "") == ["s3://docs/kb/Node DNS (v20).md", "s3://docs/kb/redis.txt"])
        let query = HashingEmbedder().vector("dns lookup resolver")
        #expect(try await store.search(query, k: 1).first?.record.documentID == uri)

        // The same event again changes nothing.
        let replay = try await pipeline(try await ws.openStore(), objects: objects).run([try IngestSource.events(payload: created)])
        #expect(replay.isNoOp && replay.unchanged == 2)

        try FileManager.default.removeItem(at: object)
        let removed = try shape.wrap([minioRecord("s3:ObjectRemoved:Delete", bucket: "docs", key: key)])
        let deleted = try await pipeline(try await ws.openStore(), objects: objects).run([try IngestSource.events(payload: removed)])
        #expect(deleted.deleted == 1 && deleted.added == 0)
        let after = try await ws.openStore(readOnly: true)
        #expect(try await after.documentIDs(withPrefix: "") == ["s3://docs/kb/redis.txt"])
        #expect(try await after.search(query, k: 100).allSatisfy { $0.record.documentID != uri })
        #expect(try await after.search(query, k: 100, filter: SearchFilter(documentIDs: [uri]), minScore: nil).isEmpty)
    }

    @Test("remove then re-create of one key in one payload leaves the document stored")
    func removeThenCreate() async throws {
        let ws = try Workspace(copyCorpus: false)
        defer { ws.remove() }
        let bucket = ws.dir.path("buckets/docs")
        try FileManager.default.createDirectory(at: bucket, withIntermediateDirectories: true)
        try "Rivers flow to the sea.".write(to: bucket.appendingPathComponent("a.txt"), atomically: true, encoding: .utf8)
        let objects = localBuckets(ws.dir.path("buckets"))
        let create = minioRecord("s3:ObjectCreated:Put", bucket: "docs", key: "a.txt")
        _ = try await pipeline(try await ws.openStore(), objects: objects).run([try IngestSource.events(payload: PayloadShape.minio.wrap([create]))])
        let payload = try PayloadShape.minio.wrap([minioRecord("s3:ObjectRemoved:Delete", bucket: "docs", key: "a.txt"), create])
        let summary = try await pipeline(try await ws.openStore(), objects: objects).run([try IngestSource.events(payload: payload)])
        #expect(summary.deleted == 1 && summary.added == 1)
        #expect(try await ws.openStore(readOnly: true).documentIDs(withPrefix: "") == ["s3://docs/a.txt"])
    }

    @Test("a created event for an object already gone is skipped, not failed; events honour include globs")
    func staleEvents() async throws {
        let ws = try Workspace(copyCorpus: false)
        defer { ws.remove() }
        try FileManager.default.createDirectory(at: ws.dir.path("buckets/docs"), withIntermediateDirectories: true)
        let payload = try PayloadShape.minio.wrap([minioRecord("s3:ObjectCreated:Put", bucket: "docs", key: "gone.md"),
                                                    minioRecord("s3:ObjectCreated:Put", bucket: "docs", key: "image.png")])
        let summary = try await pipeline(try await ws.openStore(), include: ["*.md"], objects: localBuckets(ws.dir.path("buckets")))
            .run([try IngestSource.events(payload: payload)])
        #expect(summary.failed == 0 && summary.skipped == 1)
        #expect(summary.skips.first == .init(source: "s3://docs/gone.md", reason: "the object no longer exists"))
    }
}
