import BerthaInference
import Synchronization

/// Measures one request's time to first token, inter-token gaps and total duration, and feeds
/// the histograms and llama.cpp's counters when it finishes.
final class LatencyRecorder: Sendable {
    private let metrics: ServerMetrics
    private let model: ServedModel
    private let started: ContinuousClock.Instant
    private let last = Mutex<ContinuousClock.Instant?>(nil)

    init(metrics: ServerMetrics, model: ServedModel, started: ContinuousClock.Instant) {
        self.metrics = metrics
        self.model = model
        self.started = started
    }

    /// `count` tokens arrived now (a text event may carry several when a character spans tokens).
    func tokens(_ count: Int) {
        let now = ContinuousClock.now
        let previous = last.withLock { value -> ContinuousClock.Instant? in
            defer { value = now }
            return value
        }
        if let previous {
            let gap = (now - previous).seconds / Double(max(count, 1))
            for _ in 0..<max(count, 1) { metrics.interTokenLatency(model).record(gap) }
        } else {
            metrics.timeToFirstToken(model).record((now - started).seconds)
        }
    }

    /// The request ended without finishing (timeout, cancellation, engine error).
    func failed(status: Int) {
        metrics.requestDuration(model).record((ContinuousClock.now - started).seconds)
        metrics.requests(model, status: status).increment()
    }

    func finished(_ timings: GenerationTimings, status: Int) {
        metrics.promptTokens.increment(by: Int64(timings.promptN))
        metrics.predictedTokens.increment(by: Int64(timings.predictedN))
        metrics.promptSeconds.increment(by: timings.promptMS / 1000)
        metrics.predictedSeconds.increment(by: timings.predictedMS / 1000)
        metrics.requestDuration(model).record((ContinuousClock.now - started).seconds)
        metrics.requests(model, status: status).increment()
    }
}

extension Duration {
    var seconds: Double {
        let (s, attoseconds) = components
        return Double(s) + Double(attoseconds) / 1e18
    }
}
