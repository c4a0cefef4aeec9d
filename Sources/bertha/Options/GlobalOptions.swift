import ArgumentParser
import BerthaCore
import Foundation

/// Flags every subcommand takes, with the same meaning everywhere.
struct GlobalOptions: ParsableArguments {
    @Option(name: [.customShort("c"), .customLong("config")],
            help: "bertha.yaml to read (default: $BERTHA_CONFIG, else ./bertha.yaml if present).")
    var configFile: String?

    @Option(name: .customLong("set"), help: ArgumentHelp("Set a configuration key (repeatable).", valueName: "section.key=value"))
    var assignments: [String] = []

    @Flag(name: .shortAndLong, help: "Only warnings and errors; no progress output.")
    var quiet = false

    @Flag(name: .shortAndLong, help: "Debug logging.")
    var verbose = false

    @Flag(help: "Print the result as JSON on stdout (progress and logs stay on stderr).")
    var json = false

    var style: OutputStyle { OutputStyle(quiet: quiet, verbose: verbose, json: json) }

    /// Loads the effective configuration with this command's named flags on top, and sets up logging.
    /// - Parameter flags: the command's own flags that map to configuration keys.
    func loadConfig(_ flags: FlagOverrides = FlagOverrides()) throws -> LoadedConfig {
        var overrides = try assignments.map { try ConfigOverride(assignment: $0) }
        overrides += flags.overrides
        let loaded = try ConfigLoader(file: configFile, overrides: overrides).load()
        BerthaLogging.bootstrap(level: BerthaLogging.level(configured: loaded.config.logging.level, style: style))
        return loaded
    }
}

/// Named flags (`--port 9000`) collected as configuration overrides, so they take part in the
/// same precedence and validation as `--set server.port=9000`.
struct FlagOverrides {
    private(set) var overrides: [ConfigOverride] = []

    /// Adds `key = value` when the flag was given.
    mutating func add<V: CustomStringConvertible>(_ key: String, _ value: V?, flag: String) {
        guard let value else { return }
        overrides.append(ConfigOverride(key: key, value: value.description, flag: flag))
    }

    /// Adds a list key when the flag was given at least once.
    mutating func add(_ key: String, list: [String], flag: String) {
        guard !list.isEmpty else { return }
        overrides.append(ConfigOverride(key: key, value: list.joined(separator: ","), flag: flag))
    }
}
