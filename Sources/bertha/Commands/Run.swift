import ArgumentParser
import BerthaCore

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Generate a completion from a prompt or a chat with a GGUF model. (not built yet: needs the inference engine (issue #3))")

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        _ = try global.loadConfig()
        throw NotBuiltYet("bertha run", missing: "the inference engine (issue #3)")
    }
}
