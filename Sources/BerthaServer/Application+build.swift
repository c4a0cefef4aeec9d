import Hummingbird
import Logging

/// The router with every endpoint; exposed so tests can build the same app.
public func buildRouter(_ state: ServerState, logger: Logger = Logger(label: "bertha.serve")) -> Router<BasicRequestContext> {
    let router = Router(context: BasicRequestContext.self)
    router.add(middleware: ErrorMiddleware(logger: logger))
    if let key = state.apiKey {
        router.add(middleware: APIKeyMiddleware(key: key, metricsAuth: state.metricsAuth))
    }
    CompletionsController(state: state).addRoutes(to: router)
    FeedbackController(state: state).addRoutes(to: router)
    ModelController(state: state).addRoutes(to: router)
    EmbeddingsController(state: state).addRoutes(to: router)
    ChatPage().addRoutes(to: router)
    return router
}

/// The HTTP application: router + address. Run it with `runService()` (SIGTERM/SIGINT graceful).
/// - Parameter onRunning: called with the bound port once listening (port 0 picks a free one).
public func buildApplication(_ state: ServerState, host: String, port: Int,
                             logger: Logger = Logger(label: "bertha.serve"),
                             onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
    Application(router: buildRouter(state, logger: logger),
                configuration: .init(address: .hostname(host, port: port), serverName: "bertha"),
                onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? port) },
                logger: logger)
}
