import Foundation

/// Where a store lives, parsed from `vector_store.url`.
public enum VectorStoreLocation: Sendable, Equatable {
    /// `embedded:DIR` — a directory on the local filesystem (relative paths resolve against the working directory).
    case embedded(directory: URL)
    /// `milvus://HOST:PORT[/COLLECTION]` or `milvus+https://…`; `baseURL` is the REST endpoint.
    case milvus(baseURL: URL, collection: String?)

    /// Parses `embedded:DIR`, `milvus://HOST:PORT/COLLECTION` or `milvus+https://HOST:PORT/COLLECTION`.
    public init(parsing text: String) throws(VectorStoreError) {
        if text.hasPrefix("embedded:") {
            let path = String(text.dropFirst("embedded:".count))
            guard !path.isEmpty else { throw .invalidURL(text, reason: "embedded: needs a directory, e.g. embedded:data/store") }
            self = .embedded(directory: URL(fileURLWithPath: path, isDirectory: true).standardizedFileURL)
            return
        }
        let scheme: String
        if text.hasPrefix("milvus://") {
            scheme = "http"
        } else if text.hasPrefix("milvus+https://") {
            scheme = "https"
        } else if text.hasPrefix("milvus+http://") {
            scheme = "http"
        } else {
            throw .invalidURL(text, reason: "expected embedded:DIR, milvus://HOST:PORT/COLLECTION or milvus+https://HOST:PORT/COLLECTION")
        }
        guard let components = URLComponents(string: text), let host = components.host, !host.isEmpty else {
            throw .invalidURL(text, reason: "no host")
        }
        var base = URLComponents()
        base.scheme = scheme
        base.host = host
        base.port = components.port ?? 19530
        guard let baseURL = base.url else { throw .invalidURL(text, reason: "cannot form the REST URL") }
        let segments = components.path.split(separator: "/").map(String.init)
        guard segments.count <= 1 else {
            throw .invalidURL(text, reason: "the path must be a single collection name")
        }
        if let name = segments.first, !Self.isValidCollectionName(name) {
            throw .invalidURL(text, reason: "collection name \(name) must start with a letter or _ and hold only letters, digits and _")
        }
        self = .milvus(baseURL: baseURL, collection: segments.first)
    }

    /// Milvus' rule for collection names: a letter or underscore, then letters, digits, underscores.
    static func isValidCollectionName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first == "_" || (first.isASCII && CharacterSet.letters.contains(first)) else {
            return false
        }
        return name.unicodeScalars.allSatisfy { $0.isASCII && ($0 == "_" || CharacterSet.alphanumerics.contains($0)) } && name.count <= 255
    }
}
