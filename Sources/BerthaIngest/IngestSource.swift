import BerthaText
import Foundation

/// Something `bertha ingest` reads documents from.
public enum IngestSource: Sendable, Hashable {
    /// A file or a directory (walked recursively; archives in it are expanded).
    case path(URL)
    /// Every object under `prefix` in `bucket` (`s3://bucket/prefix`); an empty prefix is the whole bucket.
    case objects(bucket: String, prefix: String)
    /// Bucket notifications: created objects are ingested, removed ones deleted from the store.
    case events([IngestEvent])

    /// Parses a command-line source: `s3://bucket[/prefix]` or a path (relative to the working directory).
    public init(parsing text: String) throws(IngestError) {
        if text.hasPrefix("s3://") {
            let rest = text.dropFirst("s3://".count)
            let bucket = String(rest.prefix { $0 != "/" })
            guard !bucket.isEmpty else { throw .invalidSource(text, reason: "s3:// needs a bucket, e.g. s3://docs/manuals/") }
            let prefix = String(rest.dropFirst(bucket.count).drop { $0 == "/" })
            self = .objects(bucket: bucket, prefix: prefix)
            return
        }
        if let scheme = text.range(of: "://"), !text.hasPrefix("file://") {
            throw .invalidSource(text, reason: "unsupported scheme \(text[..<scheme.lowerBound])://; use a path or s3://bucket/prefix")
        }
        guard !text.isEmpty else { throw .invalidSource(text, reason: "empty path") }
        if text.hasPrefix("file://") {
            guard let url = URL(string: text), url.isFileURL else { throw .invalidSource(text, reason: "not a file URL") }
            self = .path(url.standardizedFileURL)
        } else {
            self = .path(URL(fileURLWithPath: text).standardizedFileURL)
        }
    }

    /// Parses a bucket-notification payload (MinIO, Argo Events minio or webhook source, SeaweedFS).
    public static func events(payload: Data) throws -> IngestSource {
        .events(try BucketEventParser.parse(payload))
    }
}
