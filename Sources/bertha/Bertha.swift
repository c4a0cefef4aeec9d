import ArgumentParser
import BerthaCore

/// The root command: configuration only. Each subcommand lives in Commands/.
struct Bertha: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bertha",
        abstract: "Serve, watch, retrain and register a quantized LLM; keep its retrieval index fresh.",
        discussion: """
            Configuration comes from bertha.yaml (--config, $BERTHA_CONFIG or ./bertha.yaml), the \
            environment (BERTHA_<SECTION>_<KEY>) and flags; precedence flag > env > file > default. \
            Exit codes: 0 success, 1 runtime failure, 2 usage or configuration error, 3 a service \
            bertha needs is unreachable.
            """,
        version: BerthaVersion.current,
        subcommands: [
            Serve.self, Ingest.self, Retrain.self, Register.self, RenderManifests.self, AlertRules.self,
            BenchGroup.self, Run.self, Tokenize.self, Inspect.self, Events.self, ConfigCommand.self, Version.self,
        ])
}
