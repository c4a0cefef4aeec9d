import ArgumentParser
import BerthaCore

struct Events: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events",
        abstract: "Receive Alertmanager and object-store webhooks and run the ingest and retrain pipelines locally. (not built yet: needs the pipelines of issues #5, #6 and #8 (issue #9))")

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        _ = try global.loadConfig()
        throw NotBuiltYet("bertha events", missing: "the pipelines of issues #5, #6 and #8 (issue #9)")
    }
}
