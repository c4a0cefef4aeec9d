import ServiceLifecycle

/// The model's lifecycle as a `Service` beside the HTTP server: loads the first model in the
/// background (the listener is already up and answers 503 "Loading model"), then, with a
/// watch interval, polls the source and swaps in new versions until shutdown.
///
/// A first load that fails ends the service with its error, which stops the whole group: a
/// server with nothing to serve should not look healthy to an orchestrator.
public struct ModelService: Service {
    let reloader: ModelReloader
    let watchInterval: Double?

    /// - Parameter watchInterval: seconds between source polls; nil to load once.
    public init(reloader: ModelReloader, watchInterval: Double?) {
        self.reloader = reloader
        self.watchInterval = watchInterval
    }

    public func run() async throws {
        try await reloader.reload()
        guard let watchInterval else {
            // Nothing more to do, but returning early would count as a failure: wait for shutdown.
            try? await gracefulShutdown()
            return
        }
        await cancelWhenGracefulShutdown {
            await reloader.watch(every: watchInterval)
        }
    }
}
