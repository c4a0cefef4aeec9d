import BerthaTestSupport
import Foundation
import Testing
@testable import BerthaText

@Suite("Bucket event payloads")
struct BucketEventParserTests {
    /// One S3 record as MinIO sends it (trimmed of the fields bertha does not read).
    private func record(_ name: String, bucket: String = "docs", key: String) -> String {
        """
        {"eventVersion":"2.0","eventSource":"minio:s3","awsRegion":"","eventTime":"2026-11-29T03:00:00.000Z",
         "eventName":"\(name)","userIdentity":{"principalId":"minio"},
         "s3":{"s3SchemaVersion":"1.0","configurationId":"Config","bucket":{"name":"\(bucket)","arn":"arn:aws:s3:::\(bucket)"},
               "object":{"key":"\(key)","size":1024,"eTag":"abc","contentType":"text/markdown","sequencer":"17"}}}
        """
    }

    private func parse(_ json: String) throws -> [IngestEvent] {
        try BucketEventParser.parse(Data(json.utf8))
    }

    @Test("raw MinIO notification with a created object")
    func minio() throws {
        let events = try parse("""
            {"EventName":"s3:ObjectCreated:Put","Key":"docs/guide.md","Records":[\(record("s3:ObjectCreated:Put", key: "guide.md"))]}
            """)
        #expect(events == [IngestEvent(kind: .created, bucket: "docs", key: "guide.md", eventName: "s3:ObjectCreated:Put")])
        #expect(events.first?.uri == "s3://docs/guide.md")
    }

    @Test("URL-encoded keys decode, + as a space")
    func encodedKeys() throws {
        let events = try parse("""
            {"Records":[\(record("s3:ObjectCreated:CompleteMultipartUpload", key: "reports/Q3+summary%282026%29%2Bfinal.md"))]}
            """)
        #expect(events.map(\.key) == ["reports/Q3 summary(2026)+final.md"])
    }

    @Test("delete events become removals")
    func deletes() throws {
        let events = try parse("""
            {"EventName":"s3:ObjectRemoved:Delete","Key":"docs/old.txt","Records":[\(record("s3:ObjectRemoved:Delete", key: "old.txt")),
             \(record("s3:ObjectRemoved:DeleteMarkerCreated", key: "older.txt"))]}
            """)
        #expect(events.map(\.kind) == [.removed, .removed])
        #expect(events.map(\.key) == ["old.txt", "older.txt"])
    }

    @Test("events that are neither create nor remove are ignored")
    func otherEvents() throws {
        let events = try parse("""
            {"Records":[\(record("s3:ObjectAccessed:Get", key: "a.md")), \(record("s3:ObjectCreated:Copy", key: "b.md"))]}
            """)
        #expect(events.map(\.key) == ["b.md"])
    }

    @Test("Argo Events minio event source wraps the records in notification")
    func argoMinio() throws {
        let direct = try parse("""
            {"notification":[\(record("s3:ObjectCreated:Put", bucket: "kb", key: "a%20b.md")), \(record("s3:ObjectRemoved:Delete", bucket: "kb", key: "c.md"))]}
            """)
        #expect(direct == [
            IngestEvent(kind: .created, bucket: "kb", key: "a b.md", eventName: "s3:ObjectCreated:Put"),
            IngestEvent(kind: .removed, bucket: "kb", key: "c.md", eventName: "s3:ObjectRemoved:Delete"),
        ])
        // As a sensor passes the whole event: context plus data.
        let inEvent = try parse("""
            {"context":{"type":"minio","source":"minio-source","subject":"example"},
             "data":{"notification":[\(record("s3:ObjectCreated:Put", bucket: "kb", key: "x.md"))]}}
            """)
        #expect(inEvent.map(\.key) == ["x.md"])
    }

    @Test("Argo Events webhook event source wraps the notification in header/body")
    func argoWebhook() throws {
        let events = try parse("""
            {"header":{"Content-Type":["application/json"],"User-Agent":["MinIO (linux; amd64)"]},
             "body":{"EventName":"s3:ObjectCreated:Put","Key":"docs/n.md","Records":[\(record("s3:ObjectCreated:Put", key: "n.md"))]}}
            """)
        #expect(events == [IngestEvent(kind: .created, bucket: "docs", key: "n.md", eventName: "s3:ObjectCreated:Put")])
        // Some gateways forward the body as a JSON string.
        let body = "{\\\"Records\\\":[\(record("s3:ObjectRemoved:Delete", key: "gone.md").replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: ""))]}"
        let stringBody = try parse("{\"header\":{},\"body\":\"\(body)\"}")
        #expect(stringBody.map(\.kind) == [.removed])
    }

    @Test("SeaweedFS filer webhook events map /buckets/<bucket>/<key> paths")
    func seaweed() throws {
        let create = try parse("""
            {"key":"/buckets/docs/notes/a b.md","event_type":"create",
             "message":{"new_entry":{"name":"a b.md","attributes":{"file_size":12,"mime":"text/markdown"},"chunks":[]},"new_parent_path":"/buckets/docs/notes"}}
            """)
        #expect(create == [IngestEvent(kind: .created, bucket: "docs", key: "notes/a b.md", eventName: "create")])
        let delete = try parse("""
            {"key":"/buckets/docs/old.md","event_type":"delete","message":{"old_entry":{"name":"old.md"},"delete_chunks":true}}
            """)
        #expect(delete == [IngestEvent(kind: .removed, bucket: "docs", key: "old.md", eventName: "delete")])
        let rename = try parse("""
            {"key":"/buckets/docs/a.md","event_type":"rename",
             "message":{"old_entry":{"name":"a.md"},"new_entry":{"name":"b.md"},"new_parent_path":"/buckets/docs/sub"}}
            """)
        #expect(rename.map(\.kind) == [.removed, .created])
        #expect(rename.map(\.key) == ["a.md", "sub/b.md"])
        // Directories and paths outside /buckets are not objects.
        let directory = try parse("""
            {"key":"/buckets/docs/folder","event_type":"create","message":{"new_entry":{"name":"folder","is_directory":true}}}
            """)
        #expect(directory.isEmpty)
        #expect(try parse(#"{"key":"/etc/x","event_type":"create","message":{"new_entry":{"name":"x"}}}"#).isEmpty)
    }

    @Test("rejects payloads that are not bucket events", arguments: ["{\"hello\":1}", "not json", "[1,2]"])
    func rejects(payload: String) {
        #expect(throws: TextError.self) { try parse(payload) }
    }
}

@Suite("Bucket events captured from a real SeaweedFS")
struct SeaweedCaptureTests {
    @Test("a filer webhook capture of an upload and a delete gives exactly those two events")
    func capture() throws {
        let file = try TestEnvironment.fixture("events/seaweedfs-filer-webhook.jsonl")
        let lines = try String(contentsOf: file, encoding: .utf8).split(separator: "\n")
        #expect(lines.count > 3)
        let events = try lines.flatMap { try BucketEventParser.parse(Data($0.utf8)) }
        #expect(events == [
            IngestEvent(kind: .created, bucket: "docs", key: "sub/a b.md", eventName: "create"),
            IngestEvent(kind: .removed, bucket: "docs", key: "sub/a b.md", eventName: "delete"),
        ])
    }
}
