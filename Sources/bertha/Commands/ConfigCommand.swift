import ArgumentParser
import BerthaCore

struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Show the effective configuration, the documented example, or the key reference.",
        subcommands: [Print.self, Example.self, Reference.self])

    struct Print: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the effective configuration (file, environment and flags merged; secrets masked).")

        @OptionGroup var global: GlobalOptions

        @Flag(help: "Annotate each key with where its value came from.")
        var origins = false

        func run() async throws {
            let loaded = try global.loadConfig()
            print(ConfigRenderer.yaml(loaded.config, origins: origins ? loaded.origins : nil), terminator: "")
        }
    }

    struct Example: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a bertha.yaml with every key, its default and what it means (examples/bertha.yaml).")

        func run() async throws {
            print(ConfigRenderer.documentedExample(), terminator: "")
        }
    }

    struct Reference: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the configuration reference as a Markdown table (for the README).")

        func run() async throws {
            print(ConfigRenderer.markdownReference(), terminator: "")
        }
    }
}
