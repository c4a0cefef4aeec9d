import Foundation
import Yams

/// A value set on the command line: by a named flag (`--port 9000`) or by `--set server.port=9000`.
public struct ConfigOverride: Sendable, Equatable {
    /// `section.key`.
    public let key: String
    public let value: String
    /// The flag as typed, for error messages and `--origins`.
    public let flag: String

    public init(key: String, value: String, flag: String) {
        self.key = key
        self.value = value
        self.flag = flag
    }

    /// Parses `section.key=value` as given to `--set`.
    public init(assignment: String) throws(ConfigError) {
        guard let eq = assignment.firstIndex(of: "="), assignment[..<eq].contains(".") else {
            throw ConfigError.malformedOverride(text: assignment)
        }
        self.init(key: String(assignment[..<eq]), value: String(assignment[assignment.index(after: eq)...]),
                  flag: "--set \(assignment[..<eq])")
    }
}

/// The merged configuration and where each value came from.
public struct LoadedConfig: Sendable {
    public var config: BerthaConfig
    /// `section.key` → source, for every key (defaults included).
    public var origins: [String: ConfigSource]
    /// The file that was read, if any.
    public var file: String?
}

/// Builds the effective configuration: defaults, then bertha.yaml, then the environment, then flags.
///
/// Which file: `--config PATH` (must exist), else `$BERTHA_CONFIG` (must exist), else `./bertha.yaml`
/// when present, else none (defaults only).
public struct ConfigLoader: Sendable {
    public var explicitFile: String?
    public var environment: [String: String]
    public var overrides: [ConfigOverride]
    public var workingDirectory: String

    public init(file: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment,
                overrides: [ConfigOverride] = [], workingDirectory: String = FileManager.default.currentDirectoryPath) {
        self.explicitFile = file
        self.environment = environment
        self.overrides = overrides
        self.workingDirectory = workingDirectory
    }

    /// Loads, merges and validates. Secrets found are registered with `Redactor.shared`.
    /// - Throws: `ConfigError` naming the file and line, the variable, or the flag.
    public func load() throws(ConfigError) -> LoadedConfig {
        var config = BerthaConfig()
        var origins: [String: ConfigSource] = [:]
        for section in BerthaConfig.sections {
            for key in section.keys { origins["\(section.name).\(key.key)"] = .defaultValue }
        }

        let file = try resolveFile()
        if let file {
            try applyFile(file, to: &config, origins: &origins)
        }
        try applyEnvironment(to: &config, origins: &origins)
        try applyOverrides(to: &config, origins: &origins)
        try validate(config, origins: origins)

        for section in BerthaConfig.sections {
            for key in section.keys where key.isSecret {
                Redactor.shared.register(key.text(config))
            }
        }
        return LoadedConfig(config: config, origins: origins, file: file)
    }

    private func resolveFile() throws(ConfigError) -> String? {
        let candidate = explicitFile ?? environment["BERTHA_CONFIG"].flatMap { $0.isEmpty ? nil : $0 }
        if let candidate {
            guard FileManager.default.fileExists(atPath: candidate) else { throw ConfigError.fileNotFound(path: candidate) }
            return candidate
        }
        let local = (workingDirectory as NSString).appendingPathComponent("bertha.yaml")
        return FileManager.default.fileExists(atPath: local) ? "bertha.yaml" : nil
    }

    private func applyFile(_ path: String, to config: inout BerthaConfig,
                           origins: inout [String: ConfigSource]) throws(ConfigError) {
        let text: String
        do {
            let absolute = path.hasPrefix("/") ? path : (workingDirectory as NSString).appendingPathComponent(path)
            text = try String(contentsOfFile: absolute, encoding: .utf8)
        } catch {
            throw ConfigError.unreadable(path: path, reason: "not UTF-8 text or not readable")
        }
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw Self.yamlError(error, path: path)
        } catch {
            throw ConfigError.malformedYAML(path: path, line: nil, reason: String(describing: error).oneLine)
        }
        guard let root else { return }  // an empty file is an empty configuration
        guard let sections = root.mapping else {
            throw ConfigError.malformedYAML(path: path, line: root.mark?.line,
                                            reason: "the top level must be a mapping of sections (server:, model:, …)")
        }
        for (keyNode, valueNode) in sections {
            let name = keyNode.string ?? ""
            let source = ConfigSource.file(path: path, line: keyNode.mark?.line ?? 0)
            guard let section = BerthaConfig.sections.first(where: { $0.name == name }) else {
                throw ConfigError.unknownSection(name: name, source: source)
            }
            if case .scalar(let scalar) = valueNode, scalar.string.isEmpty || scalar.string == "~" { continue }
            guard let entries = valueNode.mapping else { throw ConfigError.notAMapping(key: name, source: source) }
            for (entryKey, entryValue) in entries {
                let key = entryKey.string ?? ""
                let entrySource = ConfigSource.file(path: path, line: entryKey.mark?.line ?? 0)
                guard let field = section.keys.first(where: { $0.key == key }) else {
                    throw ConfigError.unknownKey(key: "\(name).\(key)", source: entrySource,
                                                 suggestion: Self.suggestion(for: key, in: section))
                }
                try field.assign(ConfigRawValue(Self.content(of: entryValue), source: entrySource), &config)
                origins["\(name).\(key)"] = entrySource
            }
        }
    }

    private func applyEnvironment(to config: inout BerthaConfig,
                                  origins: inout [String: ConfigSource]) throws(ConfigError) {
        for section in BerthaConfig.sections {
            for field in section.keys {
                // BERTHA_* wins over the foreign conventions (AWS_*, MLFLOW_*), which are tried in order.
                let names = [BerthaConfig.environmentName(section: section.name, key: field.key)] + field.environmentAliases
                guard let name = names.first(where: { environment[$0] != nil }), let value = environment[name] else { continue }
                let source = ConfigSource.environment(name: name)
                try field.assign(ConfigRawValue(.scalar(value), source: source), &config)
                origins["\(section.name).\(field.key)"] = source
            }
        }
    }

    private func applyOverrides(to config: inout BerthaConfig,
                                origins: inout [String: ConfigSource]) throws(ConfigError) {
        for override in overrides {
            let parts = override.key.split(separator: ".", maxSplits: 1).map(String.init)
            let source = ConfigSource.flag(name: override.flag)
            guard parts.count == 2, let section = BerthaConfig.sections.first(where: { $0.name == parts[0] }) else {
                throw ConfigError.unknownSection(name: parts.first ?? override.key, source: source)
            }
            guard let field = section.keys.first(where: { $0.key == parts[1] }) else {
                throw ConfigError.unknownKey(key: override.key, source: source,
                                             suggestion: Self.suggestion(for: parts[1], in: section))
            }
            try field.assign(ConfigRawValue(.scalar(override.value), source: source), &config)
            origins[override.key] = source
        }
    }

    private func validate(_ config: BerthaConfig, origins: [String: ConfigSource]) throws(ConfigError) {
        for section in BerthaConfig.sections {
            for field in section.keys {
                do {
                    try field.validate(config)
                } catch let ConfigError.invalid(key, reason, _) {
                    throw ConfigError.invalid(key: key, reason: reason, source: origins[key])
                }
            }
        }
    }

    private static func content(of node: Node) -> ConfigRawValue.Content {
        switch node {
        case .scalar(let scalar): return .scalar(scalar.string)
        case .sequence(let sequence): return .list(sequence.map { $0.string ?? "" })
        case .mapping: return .mapping
        case .alias: return .scalar("")
        }
    }

    /// The closest known key within edit distance 2, for "did you mean".
    private static func suggestion(for key: String, in section: AnySection) -> String? {
        let scored = section.keys.map { ($0.key, editDistance(key, $0.key)) }.filter { $0.1 <= 2 }
        return scored.min(by: { $0.1 < $1.1 }).map { "\(section.name).\($0.0)" }
    }

    private static func yamlError(_ error: YamlError, path: String) -> ConfigError {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _):
            return .malformedYAML(path: path, line: mark.line, reason: problem)
        case .composer(_, let problem, let mark, _):
            return .malformedYAML(path: path, line: mark.line, reason: problem)
        default:
            return .malformedYAML(path: path, line: nil, reason: String(describing: error).oneLine)
        }
    }
}

/// Levenshtein distance; small inputs only (config keys).
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previous = Array(0...b.count)
    for i in 1...a.count {
        var current = [i] + Array(repeating: 0, count: b.count)
        for j in 1...b.count {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        previous = current
    }
    return previous[b.count]
}
