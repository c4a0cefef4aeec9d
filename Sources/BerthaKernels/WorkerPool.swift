import CBerthaKernels
import Dispatch
import Foundation

/// A fixed set of threads that run `parallelFor` jobs with low wake-up latency.
///
/// Decode issues ~200 matrix-vector products per token at ~30 µs each, so handing work to a
/// thread must cost far less than a futex round trip. Workers spin (with a CPU pause) for about
/// a third of a millisecond after each job before blocking on a condition variable, so back-to-back
/// jobs never sleep and an idle pool costs no CPU.
///
/// The calling thread takes part in every job, so `threads` counts it: `WorkerPool(threads: 2)`
/// starts one extra thread. A pool runs one job at a time: call it from one thread (the engine's
/// loop), and never from inside a job.
///
/// The pool also owns the kernels' scratch memory (quantized activations), which grows to the
/// largest request and is then reused, so a matvec allocates nothing.
public final class WorkerPool: @unchecked Sendable {
    /// Threads working on each job, the caller included.
    public let threads: Int
    private let shared: SharedState
    private var scratch: UnsafeMutableRawPointer?
    private var scratchBytes = 0

    /// Starts `threads - 1` worker threads (at least 1 thread total).
    /// - Parameter threads: how many threads run a job, the caller included (clamped to 1...256).
    public init(threads: Int) {
        self.threads = min(max(threads, 1), 256)
        shared = SharedState(workers: self.threads - 1)
        for index in 0..<shared.workers {
            let state = shared
            let thread = Thread { state.workerLoop() }
            thread.name = "bertha-worker-\(index + 1)"
            thread.stackSize = 1 << 20
            thread.start()
        }
    }

    /// A pool with one thread per online CPU.
    public convenience init() {
        self.init(threads: ProcessInfo.processInfo.activeProcessorCount)
    }

    deinit {
        shared.shutdown()
        scratch?.deallocate()
    }

    /// Calls `body(i)` for every `i` in `0..<count`, spread over the pool's threads, and returns when
    /// all calls have returned. Items are handed out one at a time in increasing order, so make each
    /// item a chunk of work (a block of rows), not a single element.
    /// - Parameters:
    ///   - count: number of items.
    ///   - body: the work for one item; runs concurrently with itself on different items.
    public func parallelFor(_ count: Int, _ body: (Int) -> Void) {
        guard count > 0 else { return }
        guard shared.workers > 0, count > 1 else {
            for i in 0..<count { body(i) }
            return
        }
        withoutActuallyEscaping(body) { body in shared.run(count: count, body: body) }
    }

    /// At least `bytes` of 64-byte aligned scratch owned by the pool, valid until the next call.
    func scratch(bytes: Int) -> UnsafeMutableRawPointer {
        if bytes > scratchBytes || scratch == nil {
            scratch?.deallocate()
            // grow geometrically so a slowly growing batch does not reallocate every call
            scratchBytes = max(bytes, scratchBytes * 2, 4096)
            scratch = UnsafeMutableRawPointer.allocate(byteCount: scratchBytes, alignment: 64)
        }
        // Non-nil: assigned just above when it was nil.
        return scratch.unsafelyUnwrapped
    }
}

/// The state the caller and the workers share. Counters live on separate cache lines and are
/// only touched through the C atomics (Swift 6 on macOS 14 has no `Atomic`).
private final class SharedState: @unchecked Sendable {
    let workers: Int
    /// [0] generation (bumped per job), [8] next item, [16] workers done with this job, [24] sleeping workers.
    private let counters: UnsafeMutablePointer<UInt64>
    private var generation: UnsafeMutablePointer<UInt64> { counters }
    private var next: UnsafeMutablePointer<UInt64> { counters + 8 }
    private var finished: UnsafeMutablePointer<UInt64> { counters + 16 }
    private var sleepers: UnsafeMutablePointer<UInt64> { counters + 24 }
    private let wake = NSCondition()
    private let exited = DispatchSemaphore(value: 0)
    // Written by the caller before the generation bump, read by workers after it (the atomic
    // bump orders them).
    private var count = 0
    private var body: ((Int) -> Void)?
    private var stopping = false

    /// Spins before a worker blocks: ~0.3 ms at ~20 ns per pause.
    private static let spinsBeforeSleep: UInt64 = 1 << 14

    init(workers: Int) {
        self.workers = workers
        counters = UnsafeMutablePointer<UInt64>.allocate(capacity: 32)
        counters.initialize(repeating: 0, count: 32)
    }

    deinit { counters.deallocate() }

    func run(count: Int, body: @escaping (Int) -> Void) {
        self.count = count
        self.body = body
        bertha_atomic_store(next, 0)
        bertha_atomic_store(finished, 0)
        bertha_atomic_fetch_add(generation, 1)
        if bertha_atomic_load(sleepers) > 0 {
            wake.lock()
            wake.broadcast()
            wake.unlock()
        }
        work(count: count, body: body)
        // Every worker checks in once per job, so none can still be reading `body` when we return.
        let target = UInt64(workers)
        while bertha_spin_until_equal(finished, target, 1 << 16) != target {
            sched_yield()
        }
        self.body = nil
    }

    private func work(count: Int, body: (Int) -> Void) {
        while true {
            let i = Int(bertha_atomic_fetch_add(next, 1))
            if i >= count { return }
            body(i)
        }
    }

    func workerLoop() {
        var seen: UInt64 = 0
        while true {
            var current = bertha_spin_until_changed(generation, seen, Self.spinsBeforeSleep)
            if current == seen {
                wake.lock()
                bertha_atomic_fetch_add(sleepers, 1)
                // The caller bumps the generation, then reads `sleepers`; we count ourselves, then
                // read the generation. Both sequentially consistent, so one of us sees the other.
                current = bertha_atomic_load(generation)
                while current == seen {
                    wake.wait()
                    current = bertha_atomic_load(generation)
                }
                bertha_atomic_fetch_add(sleepers, UInt64.max)  // -1
                wake.unlock()
            }
            seen = current
            if stopping { break }
            if let body { work(count: count, body: body) }
            bertha_atomic_fetch_add(finished, 1)
        }
        exited.signal()
    }

    func shutdown() {
        stopping = true
        bertha_atomic_fetch_add(generation, 1)
        wake.lock()
        wake.broadcast()
        wake.unlock()
        for _ in 0..<workers { exited.wait() }
    }
}
