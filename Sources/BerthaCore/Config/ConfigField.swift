/// One key of a configuration section: its name, help text, whether it is secret, and how to
/// parse, validate and print it. Sections list their fields; the loader and `config print` use
/// only this table, so a key added here is settable from file, environment and `--set` at once.
public struct ConfigField<Section: ConfigSection>: Sendable {
    /// The key in snake_case, as written in bertha.yaml.
    public let key: String
    /// One sentence for `examples/bertha.yaml` and the README.
    public let help: String
    /// Secret values are masked in `config print` and registered with the `Redactor`.
    public let isSecret: Bool
    /// Other environment variables that set this key (e.g. `MLFLOW_TRACKING_URI`), tried after
    /// `BERTHA_<SECTION>_<KEY>` and before the file.
    public let environmentAliases: [String]
    /// True for list keys, which YAML writes as sequences and the environment as comma-separated text.
    public let isList: Bool

    let assign: @Sendable (ConfigRawValue, inout Section, String) throws(ConfigError) -> Void
    let validateValue: @Sendable (Section, String) throws(ConfigError) -> Void
    let text: @Sendable (Section) -> String
    let yaml: @Sendable (Section) -> String

    /// - Parameters:
    ///   - key: the snake_case key.
    ///   - keyPath: where the value lives in the section struct.
    ///   - help: one sentence for the documentation.
    ///   - secret: mask in output, redact from logs.
    ///   - env: foreign environment variables that also set the key.
    ///   - validate: returns a message when the value is out of range (checked after all layers merge).
    public init<V: ConfigValue>(_ key: String, _ keyPath: WritableKeyPath<Section, V>, help: String,
                                secret: Bool = false, env: [String] = [],
                                validate: @escaping @Sendable (V) -> String? = { _ in nil }) {
        self.key = key
        self.help = help
        self.isSecret = secret
        self.environmentAliases = env
        self.isList = V.self == [String].self
        nonisolated(unsafe) let path = keyPath
        assign = { raw, section, fullKey throws(ConfigError) in
            let parsed: V?
            switch raw.content {
            case .scalar(let text): parsed = V(configText: text)
            case .list(let items): parsed = V(configList: items)
            case .mapping: parsed = nil
            }
            guard let parsed else {
                throw ConfigError.wrongType(key: fullKey, expected: V.typeName,
                                            got: raw.content.shortDescription(secret: secret), source: raw.source)
            }
            section[keyPath: path] = parsed
        }
        validateValue = { section, fullKey throws(ConfigError) in
            if let problem = validate(section[keyPath: path]) {
                throw ConfigError.invalid(key: fullKey, reason: problem, source: nil)
            }
        }
        text = { section in section[keyPath: path].configText }
        yaml = { section in section[keyPath: path].yamlText }
    }
}

extension ConfigRawValue.Content {
    func shortDescription(secret: Bool) -> String {
        switch self {
        case .scalar(let text): secret ? "a value" : "'\(text.prefix(60))'"
        case .list: "a list"
        case .mapping: "a mapping"
        }
    }
}

/// Common validations, as closures for `ConfigField(validate:)`.
public enum Check {
    public static func range<V: Comparable & Sendable>(_ range: ClosedRange<V>) -> @Sendable (V) -> String? {
        { range.contains($0) ? nil : "must be between \(range.lowerBound) and \(range.upperBound), got \($0)" }
    }

    public static func atLeast<V: Comparable & Sendable>(_ minimum: V) -> @Sendable (V) -> String? {
        { $0 >= minimum ? nil : "must be at least \(minimum), got \($0)" }
    }

    public static func oneOf(_ choices: [String]) -> @Sendable (String) -> String? {
        { choices.contains($0) ? nil : "must be one of \(choices.joined(separator: ", ")), got '\($0)'" }
    }

    /// A Kubernetes DNS-1123 label: lowercase alphanumerics and '-', at most 63, starting and ending alphanumeric.
    public static let dns1123Label: @Sendable (String) -> String? = { name in
        let allowed = name.allSatisfy { ($0.isLetter && $0.isLowercase && $0.isASCII) || $0.isNumber || $0 == "-" }
        let edges = name.first.map { $0 != "-" } == true && name.last.map { $0 != "-" } == true
        return allowed && edges && name.count <= 63 ? nil
            : "must be a DNS-1123 label (lowercase letters, digits and '-', at most 63 characters), got '\(name)'"
    }

    /// An http(s) URL with a host.
    public static let httpURL: @Sendable (String) -> String? = { text in
        guard text.hasPrefix("http://") || text.hasPrefix("https://"), text.count > 8 else {
            return "must be an http:// or https:// URL, got '\(Redactor.maskURLCredentials(text))'"
        }
        return nil
    }
}
