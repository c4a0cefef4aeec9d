import Foundation

/// Fetches the bytes of an object by URI. `bertha ingest` satisfies it with the S3 client for `s3://`
/// URIs; `FileObjectFetcher` covers `file://` and plain paths.
public protocol ObjectFetcher: Sendable {
    func fetch(_ uri: String) async throws -> Data
}

/// Reads `file://` URIs and plain paths from the local disk.
public struct FileObjectFetcher: ObjectFetcher {
    public init() {}

    public func fetch(_ uri: String) async throws -> Data {
        let path: String
        if uri.hasPrefix("file://") {
            guard let url = URL(string: uri), url.isFileURL else { throw TextError.unsupportedURI(uri: uri) }
            path = url.path
        } else if uri.contains("://") {
            throw TextError.unsupportedURI(uri: uri)
        } else {
            path = uri
        }
        do {
            return try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw TextError.unreadable(path: path, reason: error.localizedDescription)
        }
    }
}
