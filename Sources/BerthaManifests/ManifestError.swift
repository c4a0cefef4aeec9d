import BerthaCore

/// Why manifests or rules could not be produced.
public enum ManifestError: BerthaError, Equatable {
    /// Yams refused a value (should not happen for these types; reported with the kind).
    case encoding(type: String, reason: String)
    /// A configuration value that passes the key's own check but cannot be used together with others.
    case invalidValue(key: String, value: String, reason: String)
    /// A Prometheus duration that does not parse.
    case invalidDuration(key: String, value: String)

    public var message: String {
        switch self {
        case let .encoding(type, reason): "cannot serialize \(type) to YAML: \(reason)"
        case let .invalidValue(key, value, reason): "\(key) = '\(value)': \(reason)"
        case let .invalidDuration(key, value):
            "\(key) = '\(value)' is not a Prometheus duration (like 30s, 5m, 1h30m)"
        }
    }

    public var location: String? {
        switch self {
        case .encoding: nil
        case let .invalidValue(key, _, _), let .invalidDuration(key, _): key
        }
    }

    public var exitCode: BerthaExitCode { .usage }
}
