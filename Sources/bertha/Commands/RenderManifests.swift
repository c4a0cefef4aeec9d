import ArgumentParser
import BerthaCore

struct RenderManifests: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render-manifests",
        abstract: "Write the Kubernetes stack (Argo CD, Workflows, Events, Prometheus, serve) from bertha.yaml. (not built yet: needs the typed Kubernetes objects (issue #7))")

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        _ = try global.loadConfig()
        throw NotBuiltYet("bertha render-manifests", missing: "the typed Kubernetes objects (issue #7)")
    }
}
