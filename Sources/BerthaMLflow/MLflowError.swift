import BerthaCore
import BerthaObjectStore

/// An MLflow, registry or model-resolution operation failed. Cases carry MLflow's own
/// `error_code` (`RESOURCE_DOES_NOT_EXIST`, `INVALID_PARAMETER_VALUE`, …) so callers can branch on it.
public enum MLflowError: BerthaError, Equatable {
    /// The tracking server answered with an error document (`error_code`, `message`).
    case api(code: String, message: String, status: Int, endpoint: String)
    /// The tracking server could not be reached at all (refused, DNS, timeout after retries).
    case unreachable(trackingURI: String, reason: String)
    /// Any other transport failure (e.g. a 5xx without an MLflow error body after retries).
    case transport(HTTPError)
    /// The answer could not be understood.
    case malformedResponse(endpoint: String, reason: String)
    /// A model URI (`models:/…`, `runs:/…`, `s3://…`, `mlflow-artifacts:/…`) is not valid.
    case invalidURI(String, reason: String)
    /// Something named does not exist (model version, alias, artifact, file).
    case notFound(String)
    /// A model version ended in FAILED_REGISTRATION or never became READY.
    case registrationFailed(name: String, version: String, reason: String)
    /// A downloaded file does not have the sha256 the registry recorded.
    case checksumMismatch(uri: String, expected: String, actual: String)
    /// A local file could not be read, parsed or written.
    case localFile(path: String, reason: String)
    /// The object store failed (direct S3 access).
    case objectStore(S3Error)

    public var message: String {
        switch self {
        case .api(let code, let message, let status, _): "MLflow \(code) (HTTP \(status)): \(message)"
        case .unreachable(let uri, let reason): "cannot reach the MLflow tracking server at \(uri): \(reason)"
        case .transport(let error): "MLflow request failed: \(error.message)"
        case .malformedResponse(_, let reason): "unexpected MLflow answer: \(reason)"
        case .invalidURI(let uri, let reason): "invalid model URI '\(uri)': \(reason)"
        case .notFound(let what): "\(what) not found"
        case .registrationFailed(let name, let version, let reason): "model version \(name)/\(version) failed to register: \(reason)"
        case .checksumMismatch(let uri, let expected, let actual):
            "downloaded \(uri) has sha256 \(actual), the registry recorded \(expected)"
        case .localFile(_, let reason): reason
        case .objectStore(let error): error.message
        }
    }

    public var location: String? {
        switch self {
        case .api(_, _, _, let endpoint), .malformedResponse(let endpoint, _): endpoint
        case .transport(let error): error.location
        case .localFile(let path, _): path
        case .objectStore(let error): error.location
        case .unreachable, .invalidURI, .notFound, .registrationFailed, .checksumMismatch: nil
        }
    }

    public var exitCode: BerthaExitCode {
        switch self {
        case .unreachable: .unreachable
        case .transport(let error): error.exitCode
        case .objectStore(let error): error.exitCode
        case .invalidURI: .usage
        default: .failure
        }
    }

    /// MLflow's `error_code`, when the server sent one.
    public var errorCode: String? {
        if case .api(let code, _, _, _) = self { return code }
        return nil
    }
}
