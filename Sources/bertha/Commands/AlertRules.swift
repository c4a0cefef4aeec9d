import ArgumentParser
import BerthaCore

struct AlertRules: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alert-rules",
        abstract: "Write SLO-driven Prometheus alert and recording rules, their promtool tests and Alertmanager config. (not built yet: needs the alert rule generator (issue #7))")

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        _ = try global.loadConfig()
        throw NotBuiltYet("bertha alert-rules", missing: "the alert rule generator (issue #7)")
    }
}
