import Foundation

/// What is known about a stored object without fetching it.
public struct ObjectInfo: Sendable, Equatable, Codable {
    public var key: String
    public var size: Int
    public var etag: String?
    public var lastModified: Date?

    public init(key: String, size: Int, etag: String? = nil, lastModified: Date? = nil) {
        self.key = key
        self.size = size
        self.etag = etag
        self.lastModified = lastModified
    }
}

/// One listing: objects and, with a delimiter, the common prefixes ("directories") under it.
public struct ObjectListing: Sendable, Equatable {
    public var objects: [ObjectInfo]
    public var commonPrefixes: [String]

    public init(objects: [ObjectInfo] = [], commonPrefixes: [String] = []) {
        self.objects = objects
        self.commonPrefixes = commonPrefixes
    }
}

/// A bucket of objects addressed by key: a local directory or an S3 bucket. Ingest reads documents
/// through it and the model resolver fetches `s3://` models through it.
public protocol ObjectStore: Sendable {
    /// A human-readable address of the store (`s3://bucket` at endpoint, or the directory).
    var displayName: String { get }
    /// Creates the bucket (directory) if it does not exist yet.
    func ensureBucket() async throws(S3Error)
    /// Uploads a file, streamed from disk.
    func put(file: URL, key: String, contentType: String?) async throws(S3Error)
    /// Uploads bytes held in memory.
    func put(data: Data, key: String, contentType: String?) async throws(S3Error)
    /// Downloads an object (or the byte range `range`, inclusive bounds) to `destination`,
    /// through a temporary file renamed into place.
    func get(key: String, to destination: URL, range: ClosedRange<Int>?) async throws(S3Error)
    /// Reads a small object into memory.
    func getData(key: String) async throws(S3Error) -> Data
    /// Size and ETag of an object, or nil when it does not exist.
    func head(key: String) async throws(S3Error) -> ObjectInfo?
    /// Every object under `prefix`; with a delimiter, keys below the next delimiter fold into common prefixes.
    func list(prefix: String, delimiter: String?) async throws(S3Error) -> ObjectListing
    /// Deletes an object; deleting a missing object succeeds (as in S3).
    func delete(key: String) async throws(S3Error)
}

extension ObjectStore {
    public func put(file: URL, key: String) async throws(S3Error) { try await put(file: file, key: key, contentType: nil) }
    public func put(data: Data, key: String) async throws(S3Error) { try await put(data: data, key: key, contentType: nil) }
    public func get(key: String, to destination: URL) async throws(S3Error) { try await get(key: key, to: destination, range: nil) }
    public func list(prefix: String = "") async throws(S3Error) -> ObjectListing { try await list(prefix: prefix, delimiter: nil) }
}
