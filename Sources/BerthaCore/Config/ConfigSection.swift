/// A section of bertha.yaml (`server:`, `s3:`, …): a plain struct of typed values with defaults,
/// plus the table of its keys.
public protocol ConfigSection: Sendable, Equatable {
    /// The section's key in bertha.yaml, snake_case.
    static var name: String { get }
    /// One sentence for the documentation.
    static var help: String { get }
    /// The section's keys, in the order `config print` and the example file show them.
    static var fields: [ConfigField<Self>] { get }
    /// The defaults.
    init()
}

/// A section of `BerthaConfig`, type-erased so the loader can walk all sections in one loop.
struct AnySection: Sendable {
    let name: String
    let help: String
    let keys: [AnyKey]

    struct AnyKey: Sendable {
        let key: String
        let help: String
        let isSecret: Bool
        let environmentAliases: [String]
        let isList: Bool
        let assign: @Sendable (ConfigRawValue, inout BerthaConfig) throws(ConfigError) -> Void
        let validate: @Sendable (BerthaConfig) throws(ConfigError) -> Void
        let text: @Sendable (BerthaConfig) -> String
        let yaml: @Sendable (BerthaConfig) -> String
    }

    init<S: ConfigSection>(_ keyPath: WritableKeyPath<BerthaConfig, S>) {
        name = S.name
        help = S.help
        nonisolated(unsafe) let path = keyPath
        keys = S.fields.map { field in
            let fullKey = "\(S.name).\(field.key)"
            return AnyKey(
                key: field.key, help: field.help, isSecret: field.isSecret,
                environmentAliases: field.environmentAliases, isList: field.isList,
                assign: { raw, config throws(ConfigError) in try field.assign(raw, &config[keyPath: path], fullKey) },
                validate: { config throws(ConfigError) in try field.validateValue(config[keyPath: path], fullKey) },
                text: { config in field.text(config[keyPath: path]) },
                yaml: { config in field.yaml(config[keyPath: path]) })
        }
    }
}
