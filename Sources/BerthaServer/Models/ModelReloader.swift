import BerthaCore
import Logging

/// Loads the model a `ModelSource` points at beside the serving one and swaps it in.
///
/// Used for the first load (in the background, while `/health` says "Loading model"), for
/// `POST /admin/reload`, and for registry polling. A load that fails leaves the serving model in
/// place and is logged; concurrent reload requests share one load.
public actor ModelReloader {
    /// Builds a backend from a resolved model file.
    public typealias Loader = @Sendable (ModelRef) async throws -> (any InferenceBackend, ServedModel)

    /// What a reload did.
    public enum Outcome: Sendable, Equatable {
        /// The source points at the model already serving; nothing was loaded.
        case unchanged(ServedModel)
        /// `model` now serves new requests; `previous` finishes its in-flight ones.
        case swapped(model: ServedModel, previous: ServedModel?)
    }

    private let source: any ModelSource
    private let loader: Loader
    private let host: ModelHost
    private let logger: Logger
    /// `currentVersion()` and sha256 of the serving model, to skip reloading what already serves.
    private var servingToken: String?
    private var servingSHA: String?
    private var inFlight: Task<Outcome, any Error>?

    public init(source: any ModelSource, host: ModelHost, logger: Logger, loader: @escaping Loader) {
        self.source = source
        self.host = host
        self.logger = logger
        self.loader = loader
    }

    /// Resolves and loads the model unless the one serving is the same file (by sha256), then swaps.
    /// - Throws: the source's or loader's error; the serving model stays.
    @discardableResult
    public func reload() async throws -> Outcome {
        if let inFlight { return try await inFlight.value }
        let task = Task { try await self.load() }
        inFlight = task
        defer { inFlight = nil }
        do {
            return try await task.value
        } catch {
            logger.error("model reload failed; the serving model stays", metadata: [
                "error": "\(describeError(error).line)", "serving": "\(host.model.map { "\($0.id)@\($0.version)" } ?? "none")"])
            throw error
        }
    }

    private func load() async throws -> Outcome {
        let token = try await source.currentVersion()
        let ref = try await source.resolve()
        if ref.sha256 == servingSHA, let model = host.model {
            servingToken = token
            return .unchanged(model)
        }
        let started = ContinuousClock.now
        let (backend, model) = try await loader(ref)
        let previous = host.install(backend, as: model)
        servingToken = token
        servingSHA = ref.sha256
        logger.notice("model swapped", metadata: [
            "model": "\(model.id)", "version": "\(model.version)", "sha256": "\(model.sha256.prefix(12))",
            "previous": "\(previous.map { "\($0.id)@\($0.version)" } ?? "none")",
            "load_ms": "\(Int((ContinuousClock.now - started).seconds * 1000))"])
        return .swapped(model: model, previous: previous)
    }

    /// Reloads when the source's version token moved since the serving model was loaded.
    /// Failures are logged (by `reload`) and retried at the next poll.
    /// - Returns: the outcome, or nil when nothing changed or the reload failed.
    @discardableResult
    public func poll() async -> Outcome? {
        let token: String
        do {
            token = try await source.currentVersion()
        } catch {
            logger.warning("model poll failed", metadata: ["error": "\(describeError(error).line)"])
            return nil
        }
        guard token != servingToken else { return nil }
        return try? await reload()
    }

    /// Polls every `interval` seconds until cancelled.
    public func watch(every interval: Double) async {
        while !Task.isCancelled {
            do { try await Task.sleep(for: .seconds(interval)) } catch { return }
            await poll()
        }
    }
}
