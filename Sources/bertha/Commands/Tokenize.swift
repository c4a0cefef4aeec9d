import ArgumentParser
import BerthaCore

struct Tokenize: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize",
        abstract: "Print the token ids and pieces a model's tokenizer produces for a text. (not built yet: needs the tokenizers (issue #3))")

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        _ = try global.loadConfig()
        throw NotBuiltYet("bertha tokenize", missing: "the tokenizers (issue #3)")
    }
}
