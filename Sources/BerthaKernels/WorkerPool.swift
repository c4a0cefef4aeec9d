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
        precondition(!shared.isRunning, "WorkerPool.parallelFor called from inside a job or from two threads at once")
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
///
/// Protocol: the generation is odd while a job is open and even when closed. A worker that sees
/// an open generation registers in `active`, re-checks the generation, and only then reads the
/// job. The caller, once every item is done, closes the generation and waits for `active` to
/// drain. So the caller never waits for a worker that is asleep or descheduled (the machine may
/// be shared), only for workers inside the job, and no worker can read a stale job.
private final class SharedState: @unchecked Sendable {
    let workers: Int
    private let counters: UnsafeMutablePointer<UInt64>
    // One 64-byte line each.
    private var generation: UnsafeMutablePointer<UInt64> { counters }
    private var next: UnsafeMutablePointer<UInt64> { counters + 8 }
    private var completed: UnsafeMutablePointer<UInt64> { counters + 16 }
    private var sleepers: UnsafeMutablePointer<UInt64> { counters + 24 }
    private var active: UnsafeMutablePointer<UInt64> { counters + 32 }
    private let wake = NSCondition()
    private let exited = DispatchSemaphore(value: 0)
    // Written by the caller before it opens a generation, read by workers after they joined it.
    private var count = 0
    private var body: ((Int) -> Void)?
    private var stopping = false

    /// Spins before a worker blocks: ~0.3 ms at ~20 ns per pause.
    private static let spinsBeforeSleep: UInt64 = 1 << 14
    /// Spins between yields of the CPU while waiting: ~20 µs.
    private static let spinsBeforeYield: UInt64 = 1 << 10

    init(workers: Int) {
        self.workers = workers
        counters = UnsafeMutablePointer<UInt64>.allocate(capacity: 40)
        counters.initialize(repeating: 0, count: 40)
    }

    deinit { counters.deallocate() }

    /// True while a job is open: a cheap guard against calling the pool from inside a job.
    var isRunning: Bool { body != nil }

    func run(count: Int, body: @escaping (Int) -> Void) {
        self.count = count
        self.body = body
        bertha_atomic_store(next, 0)
        bertha_atomic_store(completed, 0)
        bertha_atomic_fetch_add(generation, 1)  // open (odd)
        if bertha_atomic_load(sleepers) > 0 {
            wake.lock()
            wake.broadcast()
            wake.unlock()
        }
        work(count: count, body: body)
        let total = UInt64(count)
        // Yield every ~20 µs of spinning: a worker holding an item may have been preempted, and on
        // a machine with no spare core (serve's HTTP threads, the load generator) a spinning
        // thread keeps the one that must run off the CPU for a whole time slice.
        while bertha_spin_until_equal(completed, total, Self.spinsBeforeYield) != total {
            sched_yield()
        }
        bertha_atomic_fetch_add(generation, 1)  // closed (even)
        while bertha_spin_until_equal(active, 0, Self.spinsBeforeYield) != 0 {
            sched_yield()
        }
        self.body = nil
    }

    private func work(count: Int, body: (Int) -> Void) {
        while true {
            let i = Int(bertha_atomic_fetch_add(next, 1))
            if i >= count { return }
            body(i)
            bertha_atomic_fetch_add(completed, 1)
        }
    }

    func workerLoop() {
        var seen: UInt64 = 0
        while true {
            var current = seen
            // Spin for the next job, yielding between rounds so a runnable thread (an HTTP
            // handler, the caller's own preempted work) gets the core without waiting for a slice.
            for _ in 0..<(Self.spinsBeforeSleep / Self.spinsBeforeYield) {
                current = bertha_spin_until_changed(generation, seen, Self.spinsBeforeYield)
                if current != seen { break }
                sched_yield()
            }
            if current == seen {
                wake.lock()
                bertha_atomic_fetch_add(sleepers, 1)
                // The caller opens a generation, then reads `sleepers`; we count ourselves, then
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
            guard current & 1 == 1 else { continue }  // a job we missed has already closed
            bertha_atomic_fetch_add(active, 1)
            if bertha_atomic_load(generation) == current, let body {
                work(count: count, body: body)
            }
            bertha_atomic_fetch_add(active, UInt64.max)  // -1
        }
        exited.signal()
    }

    func shutdown() {
        stopping = true
        bertha_atomic_fetch_add(generation, 2)  // a change every worker notices, never an open job
        wake.lock()
        wake.broadcast()
        wake.unlock()
        for _ in 0..<workers { exited.wait() }
    }
}
