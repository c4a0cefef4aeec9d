import ArgumentParser
import BerthaCore

struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure prompt processing and generation speed, RSS and load time; write a JSON report. (not built yet: needs the inference engine (issue #3))")

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        _ = try global.loadConfig()
        throw NotBuiltYet("bertha bench", missing: "the inference engine (issue #3)")
    }
}
