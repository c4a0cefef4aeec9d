import ArgumentParser
import BerthaCore
import BerthaManifests
import Foundation

struct AlertRules: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alert-rules",
        abstract: "Write SLO-driven Prometheus alert and recording rules, their promtool tests and Alertmanager config.",
        discussion: """
        --format prometheus writes a rules file (rule_files:), prometheus-operator a PrometheusRule, \
        alertmanager a plain alertmanager.yml posting to alerts.webhook_url. With --tests and -o FILE, \
        the promtool tests go next to FILE as <name>.test.yaml; with --tests and no -o, the tests are \
        printed instead of the rules (they refer to bertha-rules.yaml).
        """)

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case prometheus
        case prometheusOperator = "prometheus-operator"
        case alertmanager
    }

    @OptionGroup var global: GlobalOptions

    @Option(help: "prometheus, prometheus-operator or alertmanager.")
    var format: Format = .prometheus

    @Flag(help: "Also write a `promtool test rules` file with firing and not-firing cases for every alert.")
    var tests = false

    @Option(name: [.short, .customLong("output")], help: "File to write (default: stdout).")
    var output: String?

    func validate() throws {
        if tests && format != .prometheus {
            throw ValidationError("--tests goes with --format prometheus (promtool reads plain rule files)")
        }
    }

    func run() async throws {
        let loaded = try global.loadConfig()
        let config = loaded.config
        let generator = try AlertRuleGenerator(alerts: config.alerts)
        let text: String
        switch format {
        case .prometheus:
            text = try YAMLDocuments.encode(generator.ruleFile)
        case .prometheusOperator:
            let renderer = try ManifestRenderer(config: config)
            text = try YAMLDocuments.encode(renderer.prometheusRule)
        case .alertmanager:
            text = try YAMLDocuments.encode(generator.alertmanagerConfiguration)
        }
        guard let output else {
            print(tests ? try YAMLDocuments.encode(generator.tests(ruleFileName: "bertha-rules.yaml")) : text, terminator: "")
            return
        }
        let url = URL(fileURLWithPath: output)
        try AtomicFile.write(text, to: url)
        var written = [output]
        if tests {
            let testURL = url.deletingPathExtension().appendingPathExtension("test.yaml")
            try AtomicFile.write(try YAMLDocuments.encode(generator.tests(ruleFileName: url.lastPathComponent)), to: testURL)
            written.append(testURL.path)
        }
        if global.json {
            try printJSON(["files": written])
        } else if !global.quiet {
            FileHandle.standardError.write(Data("wrote \(written.joined(separator: ", "))\n".utf8))
        }
    }
}
