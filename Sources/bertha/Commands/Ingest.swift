import ArgumentParser
import BerthaCore

struct Ingest: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Load, chunk, embed and index documents from disk, archives, S3 or bucket events. (not built yet: needs loaders, embeddings and vector stores (issue #5))")

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        _ = try global.loadConfig()
        throw NotBuiltYet("bertha ingest", missing: "loaders, embeddings and vector stores (issue #5)")
    }
}
