import Foundation

/// Turns a bucket-notification payload into `IngestEvent`s. Understands, and unwraps in any nesting:
/// - MinIO/S3 notifications `{"EventName", "Key", "Records": [...]}` (and bare `{"Records": [...]}`),
/// - Argo Events' minio event source `{"notification": [records]}` (also inside an event's `data`),
/// - Argo Events' webhook event source `{"header": {...}, "body": {...}}` (body as object or JSON string),
/// - SeaweedFS filer webhooks `{"event_type", "key", "message": {old_entry, new_entry, new_parent_path}}`,
///   where `key` is the filer path `/buckets/<bucket>/<object key>`.
///
/// S3 record keys are URL-encoded with `+` for space; they are decoded here.
public enum BucketEventParser {
    /// Parses a payload; throws when it is not JSON or holds none of the known shapes.
    public static func parse(_ data: Data) throws -> [IngestEvent] {
        let root: Any
        do {
            root = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        } catch {
            throw TextError.invalidEventPayload(reason: "not JSON: \(error.localizedDescription)")
        }
        guard let events = try events(in: root) else {
            throw TextError.invalidEventPayload(reason: "no Records, notification, body or SeaweedFS event_type found")
        }
        return events
    }

    private static func events(in value: Any) throws -> [IngestEvent]? {
        if let list = value as? [Any] {
            // A batch of payloads or a bare record list.
            var all: [IngestEvent] = []
            var any = false
            for item in list {
                if let found = try events(in: item) { all += found; any = true }
                else if let record = item as? [String: Any], let event = try s3Record(record) { all.append(event); any = true }
            }
            return any ? all : nil
        }
        if let text = value as? String, let data = text.data(using: .utf8),
           let inner = try? JSONSerialization.jsonObject(with: data) {
            return try events(in: inner)
        }
        guard let object = value as? [String: Any] else { return nil }
        if let records = object["Records"] as? [Any] {
            return try records.compactMap { try ($0 as? [String: Any]).flatMap(s3Record) }
        }
        if let notification = object["notification"] as? [Any] {
            return try notification.compactMap { try ($0 as? [String: Any]).flatMap(s3Record) }
        }
        if let type = object["event_type"] as? String, let key = object["key"] as? String {
            return try seaweed(type: type, key: key, message: object["message"] as? [String: Any] ?? [:])
        }
        for wrapper in ["body", "data", "payload"] {
            if let inner = object[wrapper], let found = try events(in: inner) { return found }
        }
        return nil
    }

    private static func s3Record(_ record: [String: Any]) throws -> IngestEvent? {
        guard let name = record["eventName"] as? String,
              let s3 = record["s3"] as? [String: Any],
              let bucket = (s3["bucket"] as? [String: Any])?["name"] as? String,
              let rawKey = (s3["object"] as? [String: Any])?["key"] as? String else {
            throw TextError.invalidEventPayload(reason: "record lacks eventName, s3.bucket.name or s3.object.key")
        }
        let kind: IngestEvent.Kind
        if name.hasPrefix("s3:ObjectCreated:") || name.hasPrefix("ObjectCreated:") { kind = .created }
        else if name.hasPrefix("s3:ObjectRemoved:") || name.hasPrefix("ObjectRemoved:") { kind = .removed }
        else { return nil }
        return IngestEvent(kind: kind, bucket: bucket, key: decodeKey(rawKey), eventName: name)
    }

    /// S3 event keys use form encoding: `+` is a space, `%XX` a byte.
    public static func decodeKey(_ raw: String) -> String {
        let spaced = raw.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }

    private static func seaweed(type: String, key: String, message: [String: Any]) throws -> [IngestEvent] {
        let oldEntry = message["old_entry"] as? [String: Any]
        let newEntry = message["new_entry"] as? [String: Any]
        func isDirectory(_ entry: [String: Any]?) -> Bool { entry?["is_directory"] as? Bool ?? false }
        func split(_ path: String) -> (String, String)? {
            // Only objects under /buckets/<bucket>/ are S3 objects.
            let parts = path.split(separator: "/", omittingEmptySubsequences: true)
            // Bucket names never start with "."; SeaweedFS keeps its own state under /buckets/.system.
            guard parts.count >= 3, parts[0] == "buckets", !parts[1].hasPrefix(".") else { return nil }
            return (String(parts[1]), parts.dropFirst(2).joined(separator: "/"))
        }
        var out: [IngestEvent] = []
        switch type {
        case "create", "update":
            guard !isDirectory(newEntry), let (bucket, objectKey) = split(key) else { return [] }
            out.append(IngestEvent(kind: .created, bucket: bucket, key: objectKey, eventName: type))
        case "delete":
            guard !isDirectory(oldEntry), let (bucket, objectKey) = split(key) else { return [] }
            out.append(IngestEvent(kind: .removed, bucket: bucket, key: objectKey, eventName: type))
        case "rename":
            guard !isDirectory(newEntry ?? oldEntry) else { return [] }
            if let (bucket, objectKey) = split(key) {
                out.append(IngestEvent(kind: .removed, bucket: bucket, key: objectKey, eventName: type))
            }
            if let parent = message["new_parent_path"] as? String, let name = newEntry?["name"] as? String,
               let (bucket, objectKey) = split(parent + "/" + name) {
                out.append(IngestEvent(kind: .created, bucket: bucket, key: objectKey, eventName: type))
            }
        default:
            throw TextError.invalidEventPayload(reason: "unknown SeaweedFS event_type \"\(type)\"")
        }
        return out
    }
}
