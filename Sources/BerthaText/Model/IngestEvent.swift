/// An object-store change that ingest reacts to: index a created object, drop a removed one.
public struct IngestEvent: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable {
        case created, removed
    }

    public var kind: Kind
    public var bucket: String
    /// The object key, URL-decoded.
    public var key: String
    /// The event name as the store sent it (`s3:ObjectCreated:Put`, SeaweedFS `create`).
    public var eventName: String

    public init(kind: Kind, bucket: String, key: String, eventName: String) {
        self.kind = kind
        self.bucket = bucket
        self.key = key
        self.eventName = eventName
    }

    /// `s3://bucket/key`, the URI an `ObjectFetcher` resolves.
    public var uri: String { "s3://\(bucket)/\(key)" }
}
