/// bertha.yaml, an environment variable or a flag is wrong. Always exit code 2.
public enum ConfigError: BerthaError, Equatable {
    case fileNotFound(path: String)
    case unreadable(path: String, reason: String)
    case malformedYAML(path: String, line: Int?, reason: String)
    case notAMapping(key: String, source: ConfigSource)
    case unknownSection(name: String, source: ConfigSource)
    case unknownKey(key: String, source: ConfigSource, suggestion: String?)
    case wrongType(key: String, expected: String, got: String, source: ConfigSource)
    case invalid(key: String, reason: String, source: ConfigSource?)
    case malformedOverride(text: String)

    public var message: String {
        switch self {
        case .fileNotFound: "configuration file not found"
        case .unreadable(_, let reason): "cannot read configuration file: \(reason)"
        case .malformedYAML(_, _, let reason): "malformed YAML: \(reason)"
        case .notAMapping(let key, _): "'\(key)' must be a mapping of keys to values"
        case .unknownSection(let name, _): "unknown section '\(name)'"
        case .unknownKey(let key, _, let suggestion):
            "unknown key '\(key)'" + (suggestion.map { " (did you mean '\($0)'?)" } ?? "")
        case .wrongType(let key, let expected, let got, _): "\(key) must be \(expected), got \(got)"
        case .invalid(let key, let reason, _): "\(key) \(reason)"
        case .malformedOverride(let text): "--set takes section.key=value, got '\(text)'"
        }
    }

    public var location: String? {
        switch self {
        case .fileNotFound(let path), .unreadable(let path, _): path
        case .malformedYAML(let path, let line, _): line.map { "\(path):\($0)" } ?? path
        case .notAMapping(_, let source), .unknownSection(_, let source), .unknownKey(_, let source, _),
             .wrongType(_, _, _, let source): source.description
        case .invalid(_, _, let source): source?.description
        case .malformedOverride: nil
        }
    }

    public var exitCode: BerthaExitCode { .usage }
}
