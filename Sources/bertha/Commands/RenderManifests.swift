import ArgumentParser
import BerthaCore
import BerthaManifests
import Foundation

struct RenderManifests: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render-manifests",
        abstract: "Write the Kubernetes stack (serve, monitoring, Argo Events, Argo Workflows, Argo CD) from bertha.yaml.",
        discussion: """
        With -o DIR: one file per component (serve.yaml, monitoring.yaml, events.yaml, workflows.yaml), \
        kustomization.yaml, and the Argo CD app-of-apps in argocd/. Without: every object as one \
        multi-document YAML stream on stdout.
        """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: "bertha.yaml to render (same as --config).")
    var file: String?

    @Option(name: [.short, .customLong("output")], help: "Directory to write the files to (default: stdout).")
    var output: String?

    func run() async throws {
        var options = global
        if let file { options.configFile = file }
        let loaded = try options.loadConfig()
        let renderer = try ManifestRenderer(config: loaded.config)
        guard let output else {
            print(try renderer.stream(), terminator: "")
            return
        }
        let files = try renderer.files()
        try ManifestWriter.write(files, to: URL(fileURLWithPath: output))
        if global.json {
            try printJSON(["directory": output, "files": files.map(\.path).joined(separator: ",")])
        } else if !global.quiet {
            FileHandle.standardError.write(Data("wrote \(files.count) files to \(output)\n".utf8))
        }
    }
}
