import ArgumentParser
import BerthaCore
import BerthaMLflow
import Foundation

struct Register: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "register",
        abstract: "Register a GGUF model or LoRA adapter as an MLflow model version.",
        discussion: """
            Creates a run in the experiment (unless --run-id is given), logs the file's GGUF facts as params \
            (gguf.architecture, gguf.size_label, gguf.quantization, gguf.context_length, gguf.tensor_count, \
            gguf.file_size, gguf.sha256, …) with the --param/--metric/--tag values, uploads the file and an \
            MLmodel descriptor to the run's artifacts (model/), creates the registered model if needed and a \
            version tagged bertha.sha256, and sets --alias. Prints models:/NAME/VERSION. A file whose sha256 \
            is already a version of NAME returns that version. Exit code 3 when MLflow cannot be reached.
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("The GGUF model or adapter file.", valueName: "model.gguf"))
    var model: String

    @Option(help: "Registered model name (mlflow.model_name).")
    var name: String?

    @Option(help: "Alias to point at the version, e.g. champion.")
    var alias: String?

    @Option(help: "Experiment of the new run (mlflow.experiment).")
    var experiment: String?

    // Empty means none: an Argo step passes its upstream's output parameter, which is "" when the
    // retraining was not tracked in MLflow.
    @Option(name: .customLong("run-id"), help: "Log to this existing run instead of creating one (empty: create one).")
    var runID: String?

    @Option(name: .customLong("tracking-uri"), help: "MLflow tracking server (mlflow.tracking_uri).")
    var trackingURI: String?

    @Option(name: .customLong("metric"), help: ArgumentHelp("A run metric (repeatable).", valueName: "key=number"))
    var metrics: [String] = []

    @Option(name: .customLong("param"), help: ArgumentHelp("A run parameter (repeatable).", valueName: "key=value"))
    var params: [String] = []

    @Option(name: .customLong("tag"), help: ArgumentHelp("A tag on the run and the version (repeatable).", valueName: "key=value"))
    var tags: [String] = []

    func validate() throws {
        _ = try Self.pairs(params, flag: "--param")
        _ = try Self.pairs(tags, flag: "--tag")
        _ = try Self.numbers(metrics)
        if let alias, alias.isEmpty || alias.contains("/") || alias.contains("@") {
            throw ValidationError("--alias must be a plain name like champion, got '\(alias)'")
        }
    }

    func run() async throws {
        var flags = FlagOverrides()
        flags.add("mlflow.model_name", name, flag: "--name")
        flags.add("mlflow.experiment", experiment, flag: "--experiment")
        flags.add("mlflow.tracking_uri", trackingURI, flag: "--tracking-uri")
        let config = try global.loadConfig(flags).config
        guard FileManager.default.fileExists(atPath: model) else { throw FileError.notFound(path: model) }
        let progress = ProgressReporter("register", total: nil, style: global.style)
        let registrar = ModelRegistrar(client: try MLflowClient(config: config), defaultExperiment: config.mlflow.experiment,
                                       progress: progress)
        let registered = try await registrar.register(
            file: URL(fileURLWithPath: model), name: config.mlflow.modelName, alias: alias, experiment: config.mlflow.experiment,
            runID: runID?.isEmpty == false ? runID : nil, params: try Self.pairs(params, flag: "--param"), metrics: try Self.numbers(metrics),
            tags: try Self.pairs(tags, flag: "--tag"))
        progress.finish(detail: registered.reused ? "already registered" : "registered")
        if global.json {
            try printJSON(registered)
        } else {
            print(registered.uri)
        }
    }

    static func pairs(_ values: [String], flag: String) throws -> [String: String] {
        var out: [String: String] = [:]
        for value in values {
            guard let eq = value.firstIndex(of: "="), eq != value.startIndex else {
                throw ValidationError("\(flag) expects key=value, got '\(value)'")
            }
            out[String(value[..<eq])] = String(value[value.index(after: eq)...])
        }
        return out
    }

    static func numbers(_ values: [String]) throws -> [String: Double] {
        var out: [String: Double] = [:]
        for (key, text) in try pairs(values, flag: "--metric") {
            guard let number = Double(text), number.isFinite else {
                throw ValidationError("--metric \(key) expects a number, got '\(text)'")
            }
            out[key] = number
        }
        return out
    }
}
