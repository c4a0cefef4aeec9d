import ArgumentParser
import BerthaCore
import BerthaInference
import BerthaMLflow
import BerthaServer
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the model over an OpenAI-compatible HTTP API with Prometheus metrics and user feedback.",
        discussion: """
            Endpoints: POST /v1/chat/completions, /v1/completions (SSE with "stream": true), /v1/feedback, \
            /tokenize, /detokenize; GET /v1/models, /health, /metrics. SIGTERM or SIGINT stop accepting, \
            let in-flight requests finish within server.grace_period, and exit 0.
            """)

    @OptionGroup var global: GlobalOptions

    @Option(help: "GGUF model file, or models:/NAME@ALIAS, models:/NAME/VERSION, runs:/RUN/path, s3://bucket/key (model.path).")
    var model: String?

    @Option(help: "Address to listen on (server.host).")
    var host: String?

    @Option(help: "TCP port; 0 picks a free one (server.port).")
    var port: Int?

    @Option(help: "Context length per slot (model.ctx).")
    var ctx: Int?

    @Option(name: [.customShort("t"), .customLong("threads")], help: "Compute threads; 0 means one per core (model.threads).")
    var threads: Int?

    @Option(help: "Generation slots, each with its own KV cache (server.parallel).")
    var parallel: Int?

    @Option(name: .customLong("queue-size"), help: "Requests that may wait for a slot before 503 (server.queue_size).")
    var queueSize: Int?

    @Option(name: .customLong("api-key"), help: "Bearer key required on /v1 (server.api_key; prefer BERTHA_SERVER_API_KEY).")
    var apiKey: String?

    @Flag(name: .customLong("metrics-auth"), help: "Require the API key on /metrics and /health too.")
    var metricsAuth = false

    func run() async throws {
        var flags = FlagOverrides()
        flags.add("model.path", model, flag: "--model")
        flags.add("server.host", host, flag: "--host")
        flags.add("server.port", port, flag: "--port")
        flags.add("model.ctx", ctx, flag: "--ctx")
        flags.add("model.threads", threads, flag: "--threads")
        flags.add("server.parallel", parallel, flag: "--parallel")
        flags.add("server.queue_size", queueSize, flag: "--queue-size")
        flags.add("server.api_key", apiKey, flag: "--api-key")
        flags.add("server.metrics_auth", metricsAuth ? true : nil, flag: "--metrics-auth")
        let config = try global.loadConfig(flags).config
        let logger = Logger(label: "bertha.serve")

        // A registry or object-store URI is resolved to a verified file in the model cache first.
        let (path, resolved) = try await ModelReference.localPath(config.model.path, config: config)
        guard FileManager.default.fileExists(atPath: path) else { throw FileError.notFound(path: path) }
        let sha256 = try resolved?.sha256 ?? SHA256Hex.ofFile(at: path)
        let loaded = try LoadedModel(path: path, contextLength: config.model.ctx, threads: config.model.threads,
                                     batchSize: config.model.batch, kvType: KVCacheType(rawValue: config.model.kvType) ?? .f16,
                                     sequences: config.server.parallel)
        let served = ServedModel(id: resolved?.name ?? URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent,
                                 version: resolved?.version ?? "local",
                                 sha256: sha256, contextLength: loaded.transformer.cache.contextLength)
        logger.info("model loaded", metadata: ["model": "\(path)", "load_ms": "\(Int(loaded.loadSeconds * 1000))"])

        let backend = EngineBackend(model: loaded, served: served, slots: config.server.parallel)
        let metrics = ServerMetrics()
        metrics.setModelInfo(served, previous: nil)
        let state = ServerState(backend: backend, metrics: metrics,
                                feedbackLog: FeedbackLog(url: URL(fileURLWithPath: config.server.feedbackLog),
                                                         maxBytes: config.server.feedbackLogMaxBytes),
                                apiKey: config.server.apiKey, metricsAuth: config.server.metricsAuth,
                                slots: config.server.parallel, queueSize: config.server.queueSize,
                                requestTimeout: config.server.requestTimeout)
        let app = buildApplication(state, host: config.server.host, port: config.server.port, logger: logger) { bound in
            logger.notice("listening on http://\(config.server.host):\(bound)")
        }
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: app)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}
