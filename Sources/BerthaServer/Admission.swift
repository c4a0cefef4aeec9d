/// Admits at most `slots` generations at once and lets at most `queueSize` more wait; beyond that
/// a request is refused at once (503 with Retry-After) instead of piling up unbounded latency.
actor Admission {
    private let slots: Int
    private let queueSize: Int
    private var active = 0
    private var waiters: [CheckedContinuation<Void, Never>] = []
    private let metrics: ServerMetrics

    init(slots: Int, queueSize: Int, metrics: ServerMetrics) {
        self.slots = slots
        self.queueSize = queueSize
        self.metrics = metrics
    }

    /// Waits for a slot. - Throws: `ServerError.queueFull` when the queue is full.
    func acquire() async throws(ServerError) {
        if active < slots {
            active += 1
            publish()
            return
        }
        guard waiters.count < queueSize else { throw .queueFull(retryAfterSeconds: 1) }
        await withCheckedContinuation { waiters.append($0) }
        // The releasing request handed its slot over: `active` already counts us.
        publish()
    }

    func release() {
        if waiters.isEmpty {
            active -= 1
        } else {
            waiters.removeFirst().resume()
        }
        publish()
    }

    private func publish() {
        metrics.requestsProcessing.set(to: Double(active))
        metrics.requestsDeferred.set(to: Double(waiters.count))
    }
}
