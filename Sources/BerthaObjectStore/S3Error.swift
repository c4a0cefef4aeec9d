import BerthaCore

/// An object store operation failed. Cases name the bucket, key and endpoint; S3's own error code
/// (`NoSuchKey`, `SignatureDoesNotMatch`, …) is kept so callers can branch on it.
public enum S3Error: BerthaError, Equatable {
    /// S3 answered with an XML error document.
    case service(code: String, message: String, status: Int, bucket: String, key: String?, endpoint: String)
    /// No usable credentials were configured.
    case missingCredentials(hint: String)
    /// The answer could not be understood (bad XML, missing fields).
    case malformedResponse(operation: String, endpoint: String, reason: String)
    /// A local file could not be read or written.
    case localFile(path: String, reason: String)
    /// The object does not exist (local store, or a HEAD that got 404 without a body).
    case notFound(bucket: String, key: String)
    /// The transport failed before S3 answered.
    case transport(HTTPError)

    public var message: String {
        switch self {
        case .service(let code, let message, let status, let bucket, let key, _):
            let what = key.map { "s3://\(bucket)/\($0)" } ?? "bucket \(bucket)"
            let hint: String = switch code {
            case "SignatureDoesNotMatch": " (check s3.secret_key / AWS_SECRET_ACCESS_KEY and s3.region)"
            case "InvalidAccessKeyId": " (check s3.access_key / AWS_ACCESS_KEY_ID)"
            case "NoSuchBucket": " (create it, or set s3.bucket)"
            default: ""
            }
            return "S3 \(code) (HTTP \(status)) for \(what): \(message)\(hint)"
        case .missingCredentials(let hint): return "no S3 credentials: \(hint)"
        case .malformedResponse(let operation, _, let reason): return "unexpected S3 answer to \(operation): \(reason)"
        case .localFile(_, let reason): return reason
        case .notFound(let bucket, let key): return "no such object s3://\(bucket)/\(key)"
        case .transport(let error): return error.message
        }
    }

    public var location: String? {
        switch self {
        case .service(_, _, _, _, _, let endpoint), .malformedResponse(_, let endpoint, _): endpoint
        case .localFile(let path, _): path
        case .transport(let error): error.location
        case .missingCredentials, .notFound: nil
        }
    }

    public var exitCode: BerthaExitCode {
        switch self {
        case .transport(let error): error.exitCode
        case .missingCredentials: .usage
        default: .failure
        }
    }

    /// S3's error code, when S3 sent one.
    public var code: String? {
        switch self {
        case .service(let code, _, _, _, _, _): code
        case .notFound: "NoSuchKey"
        default: nil
        }
    }
}
