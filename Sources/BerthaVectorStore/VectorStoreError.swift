import BerthaCore

/// Why a vector store operation failed. Each case names the directory, file, URL or record at fault.
public enum VectorStoreError: BerthaError, Equatable {
    /// The store URL is not `embedded:DIR`, `milvus://…` or `milvus+https://…`.
    case invalidURL(String, reason: String)
    /// Another process holds the embedded store's writer lock.
    case locked(directory: String, holderPID: Int32?)
    /// A record's vector does not have the collection's dimension.
    case dimensionMismatch(recordID: String, expected: Int, actual: Int)
    /// A vector is empty, all zeros or contains NaN/infinity, so it has no direction.
    case invalidVector(recordID: String)
    /// Two records in one call share an id.
    case duplicateID(String)
    /// A record passed to `replaceDocument` belongs to another document.
    case wrongDocument(recordID: String, expected: String, actual: String)
    /// The manifest or a committed segment cannot be read or fails its checksum.
    case corrupt(path: String, reason: String)
    /// A file of the embedded store could not be written.
    case io(path: String, reason: String)
    /// The store was opened read-only and a write was attempted.
    case readOnly(directory: String)
    /// Milvus answered with a non-success code (often inside an HTTP 200).
    case server(url: String, code: Int, message: String)
    /// Milvus could not be reached or answered with something that is not its JSON.
    case transport(url: String, reason: String)
    /// The Milvus collection exists with a layout bertha cannot use.
    case incompatibleCollection(name: String, reason: String)

    public var message: String {
        switch self {
        case .invalidURL(let url, let reason): "invalid vector store URL \(url): \(reason)"
        case .locked(_, let pid):
            "the vector store is locked by another writer" + (pid.map { " (pid \($0))" } ?? "")
                + "; wait for it to finish or stop it"
        case .dimensionMismatch(let id, let expected, let actual):
            "record \(id) has a \(actual)-dimensional vector but the collection holds \(expected) dimensions"
        case .invalidVector(let id): "record \(id) has an empty, zero or non-finite vector"
        case .duplicateID(let id): "record id \(id) appears twice in one write"
        case .wrongDocument(let id, let expected, let actual):
            "record \(id) belongs to document \(actual), not \(expected)"
        case .corrupt(_, let reason): "the vector store is damaged: \(reason)"
        case .io(_, let reason): "cannot write the vector store: \(reason)"
        case .readOnly: "the vector store was opened read-only"
        case .server(_, let code, let message): "Milvus error \(code): \(message)"
        case .transport(_, let reason): "cannot talk to Milvus: \(reason)"
        case .incompatibleCollection(let name, let reason): "Milvus collection \(name) cannot be used: \(reason)"
        }
    }

    public var location: String? {
        switch self {
        case .invalidURL(let url, _): url
        case .locked(let dir, _), .readOnly(let dir): dir
        case .corrupt(let path, _), .io(let path, _): path
        case .server(let url, _, _), .transport(let url, _): url
        case .incompatibleCollection(let name, _): name
        case .dimensionMismatch, .invalidVector, .duplicateID, .wrongDocument: nil
        }
    }

    public var exitCode: BerthaExitCode {
        switch self {
        case .invalidURL: .usage
        case .transport: .unreachable
        default: .failure
        }
    }
}
