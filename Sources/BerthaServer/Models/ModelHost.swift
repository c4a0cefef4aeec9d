import Synchronization

/// The backend currently serving, swapped atomically on a live model update.
///
/// A request takes the backend once, when it starts, and keeps that reference to the end: after a
/// swap, in-flight generations finish on the old model, which is freed when the last of them ends.
/// Before the first model is installed, every model endpoint answers 503 "Loading model".
public final class ModelHost: Sendable {
    private let current = Mutex<(backend: any InferenceBackend, model: ServedModel)?>(nil)
    /// Where `bertha_model_info` and `bertha_model_loaded` are published.
    public let metrics: ServerMetrics

    public init(metrics: ServerMetrics) {
        self.metrics = metrics
    }

    /// The serving backend. - Throws: `ServerError.modelLoading` until a model is installed.
    public func backend() throws(ServerError) -> any InferenceBackend {
        guard let backend = current.withLock({ $0?.backend }) else { throw .modelLoading }
        return backend
    }

    /// The served model, or nil while the first one loads.
    public var model: ServedModel? { current.withLock { $0?.model } }

    /// Makes `backend` the one new requests use and points `bertha_model_info` at `model`.
    /// - Returns: the model it replaced, if any.
    @discardableResult
    public func install(_ backend: any InferenceBackend, as model: ServedModel) -> ServedModel? {
        let previous = current.withLock { value -> ServedModel? in
            defer { value = (backend, model) }
            return value?.model
        }
        metrics.setModelInfo(model, previous: previous)
        return previous
    }
}
