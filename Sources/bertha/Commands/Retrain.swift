import ArgumentParser
import BerthaCore

struct Retrain: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retrain",
        abstract: "Fine-tune LoRA adapters from feedback and curated data, evaluate, register and promote. (not built yet: needs the LoRA trainer (issue #8))")

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        _ = try global.loadConfig()
        throw NotBuiltYet("bertha retrain", missing: "the LoRA trainer (issue #8)")
    }
}
