import ArgumentParser
import BerthaCore

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the model over an OpenAI-compatible HTTP API with metrics, feedback and RAG. (not built yet: needs the inference engine (issue #3) and the HTTP server (issue #4))")

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        _ = try global.loadConfig()
        throw NotBuiltYet("bertha serve", missing: "the inference engine (issue #3) and the HTTP server (issue #4)")
    }
}
