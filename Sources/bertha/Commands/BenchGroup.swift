import ArgumentParser

/// `bertha bench`: the engine benchmark (`bertha bench [model] …`, the default) and the server
/// load generator (`bertha bench serve …`). A group, because a command with a positional argument
/// would read `serve` as its model.
struct BenchGroup: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmark the engine on a model (default) or load-test a server (bench serve).",
        subcommands: [Bench.self, BenchServe.self],
        defaultSubcommand: Bench.self)
}
