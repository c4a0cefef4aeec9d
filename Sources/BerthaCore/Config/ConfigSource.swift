/// Where an effective configuration value came from; `bertha config print --origins` shows it.
public enum ConfigSource: Sendable, Equatable, CustomStringConvertible {
    case defaultValue
    case file(path: String, line: Int)
    case environment(name: String)
    case flag(name: String)

    public var description: String {
        switch self {
        case .defaultValue: "default"
        case .file(let path, let line): "\(path):\(line)"
        case .environment(let name): "env \(name)"
        case .flag(let name): "flag \(name)"
        }
    }
}

/// One value before it is typed: the text (or list) and where it was written.
public struct ConfigRawValue: Sendable {
    public enum Content: Sendable {
        case scalar(String)
        case list([String])
        /// A YAML mapping where a value was expected; always an error for a key.
        case mapping
    }

    public let content: Content
    public let source: ConfigSource

    public init(_ content: Content, source: ConfigSource) {
        self.content = content
        self.source = source
    }
}
