import ArgumentParser
import BerthaCore
import BerthaEmbeddings
import BerthaInference
import BerthaMLflow
import BerthaServer
import BerthaVectorStore
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the model over an OpenAI-compatible HTTP API with Prometheus metrics and user feedback.",
        discussion: """
            Endpoints: POST /v1/chat/completions, /v1/completions (SSE with "stream": true), /v1/feedback, \
            /tokenize, /detokenize, /admin/reload; GET / (the chat page), /v1/models, /health, /metrics. \
            The listener starts at once and /health answers 503 until the model has loaded. \
            POST /admin/reload (API key required) loads the model again beside the serving one and swaps it in. \
            SIGTERM or SIGINT stop accepting, let in-flight requests finish within server.grace_period, and exit 0.
            """)

    @OptionGroup var global: GlobalOptions

    @Option(help: "GGUF model file, or models:/NAME@ALIAS, models:/NAME/VERSION, runs:/RUN/path, s3://bucket/key (model.path).")
    var model: String?

    @Option(help: "LoRA adapter GGUF (llama.cpp's format, e.g. from bertha retrain) applied on top of a local --model (model.lora).")
    var lora: String?

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

    @Option(name: .customLong("request-timeout"), help: "Seconds a completion may run before it is cancelled (server.request_timeout).")
    var requestTimeout: Double?

    @Option(name: .customLong("watch-interval"), help: "Seconds between registry polls for models:/NAME@ALIAS (server.watch_interval).")
    var watchInterval: Double?

    @Flag(help: "Answer with retrieved chunks from the vector store as numbered sources (server.rag).")
    var rag = false

    @Option(name: .customLong("embedding-model"), help: "Embedding model for /v1/embeddings and RAG (embeddings.model).")
    var embeddingModel: String?

    func run() async throws {
        var flags = FlagOverrides()
        flags.add("model.path", model, flag: "--model")
        flags.add("model.lora", lora, flag: "--lora")
        flags.add("server.host", host, flag: "--host")
        flags.add("server.port", port, flag: "--port")
        flags.add("model.ctx", ctx, flag: "--ctx")
        flags.add("model.threads", threads, flag: "--threads")
        flags.add("server.parallel", parallel, flag: "--parallel")
        flags.add("server.queue_size", queueSize, flag: "--queue-size")
        flags.add("server.api_key", apiKey, flag: "--api-key")
        flags.add("server.metrics_auth", metricsAuth ? true : nil, flag: "--metrics-auth")
        flags.add("server.request_timeout", requestTimeout, flag: "--request-timeout")
        flags.add("server.watch_interval", watchInterval, flag: "--watch-interval")
        flags.add("server.rag", rag ? true : nil, flag: "--rag")
        flags.add("embeddings.model", embeddingModel, flag: "--embedding-model")
        let config = try global.loadConfig(flags).config
        let logger = Logger(label: "bertha.serve")

        // Registry and object-store URIs go through the MLflow resolver and its verified cache; the
        // source is asked again on /admin/reload and, for a registry alias, on every watch tick.
        let path = config.model.path
        let source: any ModelSource
        let adapter = config.model.lora.isEmpty ? nil : config.model.lora
        if ModelURI.isRemote(path) {
            // A registered adapter version brings its base; an extra --lora would stack a second one.
            if adapter != nil {
                throw ValidationError("--lora applies to a local --model file; register the adapter and serve models:/NAME@ALIAS instead")
            }
            source = RegistryModelSource(reference: path, resolver: try ModelResolver(config: config))
        } else {
            guard FileManager.default.fileExists(atPath: path) else { throw FileError.notFound(path: path) }
            if let adapter, !FileManager.default.fileExists(atPath: adapter) { throw FileError.notFound(path: adapter) }
            source = LocalFileModelSource(path: path, adapter: adapter)
        }
        // Registry aliases move; a local file changes only when an operator asks (/admin/reload).
        let watchInterval: Double? = path.hasPrefix("models:/") ? config.server.watchInterval : nil
        // The embedding model (for /v1/embeddings and RAG) loads only when asked for, as llama.cpp's
        // server does with --embedding: a chat-only server should not pay its load time.
        var embedder: (any TextEmbedder)?
        if config.server.rag || embeddingModel != nil {
            embedder = try EmbeddingModels.open(section: config.embeddings)
        }
        var retriever: RAGRetriever?
        if config.server.rag, let embedder {
            let store = try await VectorStores.open(config.vectorStore, readOnly: true)
            retriever = RAGRetriever(embedder: embedder, store: store, topK: config.vectorStore.topK,
                                     minScore: Float(config.vectorStore.scoreThreshold))
        }

        let metrics = ServerMetrics()
        let models = ModelHost(metrics: metrics)
        let loader = EngineModelLoader(contextLength: config.model.ctx, threads: config.model.threads,
                                       batchSize: config.model.batch, kvType: KVCacheType(rawValue: config.model.kvType) ?? .f16,
                                       slots: config.server.parallel)
        let reloader = ModelReloader(source: source, host: models, logger: logger, loader: loader.load)
        let state = ServerState(models: models, metrics: metrics,
                                feedbackLog: FeedbackLog(url: URL(fileURLWithPath: config.server.feedbackLog),
                                                         maxBytes: config.server.feedbackLogMaxBytes),
                                apiKey: config.server.apiKey, metricsAuth: config.server.metricsAuth,
                                slots: config.server.parallel, queueSize: config.server.queueSize,
                                requestTimeout: config.server.requestTimeout, reloader: reloader,
                                embedder: embedder, retriever: retriever)
        // The listener comes up first (/health answers 503 "Loading model"); the model loads beside it.
        let app = buildApplication(state, host: config.server.host, port: config.server.port, logger: logger) { bound in
            logger.notice("listening on http://\(config.server.host):\(bound)")
        }
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: app), .init(service: ModelService(reloader: reloader, watchInterval: watchInterval))],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}
