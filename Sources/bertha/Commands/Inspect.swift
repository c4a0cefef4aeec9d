import ArgumentParser
import BerthaCore

struct Inspect: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show a GGUF file's architecture, sizes, tensor types, tokenizer and chat template. (not built yet: needs the GGUF reader (issue #3))")

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        _ = try global.loadConfig()
        throw NotBuiltYet("bertha inspect", missing: "the GGUF reader (issue #3)")
    }
}
