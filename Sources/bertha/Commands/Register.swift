import ArgumentParser
import BerthaCore

struct Register: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "register",
        abstract: "Register a GGUF model or adapter as an MLflow model version. (not built yet: needs the S3 and MLflow clients (issue #6))")

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        _ = try global.loadConfig()
        throw NotBuiltYet("bertha register", missing: "the S3 and MLflow clients (issue #6)")
    }
}
