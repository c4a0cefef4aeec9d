import BerthaKernels
import Foundation
import Testing

@Suite("WorkerPool")
struct WorkerPoolTests {
    @Test("runs every item exactly once across many small back-to-back jobs", arguments: [1, 2, 3, 5])
    func manySmallJobs(threads: Int) {
        let pool = WorkerPool(threads: threads)
        var rng = SeededRandom(seed: UInt64(threads))
        let counts = UnsafeMutablePointer<Int>.allocate(capacity: 64)
        defer { counts.deallocate() }
        var failures = 0
        for job in 0..<20_000 {
            let n = Int.random(in: 1...64, using: &rng)
            counts.initialize(repeating: 0, count: 64)
            pool.parallelFor(n) { i in counts[i] += job + 1 }
            for i in 0..<64 where counts[i] != (i < n ? job + 1 : 0) { failures += 1 }
        }
        #expect(failures == 0)
    }

    @Test("results written by workers are visible to the caller when parallelFor returns")
    func visibility() {
        let pool = WorkerPool(threads: 4)
        let n = 10_000
        let data = UnsafeMutablePointer<Double>.allocate(capacity: n)
        defer { data.deallocate() }
        for round in 0..<50 {
            pool.parallelFor(n / 100) { c in
                for i in (c * 100)..<(c * 100 + 100) { data[i] = Double(i * round).squareRoot() }
            }
            var ok = true
            for i in 0..<n where data[i] != Double(i * round).squareRoot() { ok = false }
            #expect(ok, "round \(round)")
        }
    }

    @Test("wakes sleeping workers after idling and shuts down cleanly")
    func sleepAndShutdown() async throws {
        for _ in 0..<10 {
            let pool = WorkerPool(threads: 3)
            try await Task.sleep(for: .milliseconds(5))  // long enough for workers to block
            let seen = UnsafeMutablePointer<Int>.allocate(capacity: 3)
            seen.initialize(repeating: 0, count: 3)
            pool.parallelFor(3) { i in seen[i] = 1 }
            #expect(seen[0] + seen[1] + seen[2] == 3)
            seen.deallocate()
        }
    }

    @Test("uses more than one thread when it has them")
    func usesThreads() {
        let pool = WorkerPool(threads: 3)
        let ids = UnsafeMutablePointer<UInt>.allocate(capacity: 300)
        defer { ids.deallocate() }
        var distinct = Set<UInt>()
        for _ in 0..<20 {
            pool.parallelFor(300) { i in
                ids[i] = UInt(bitPattern: ObjectIdentifier(Thread.current).hashValue)
                // Some work so one thread cannot drain the queue before the others wake.
                var s = 0.0
                for k in 0..<2000 { s += Double(k).squareRoot() }
                if s < 0 { ids[i] = 0 }
            }
            for i in 0..<300 { distinct.insert(ids[i]) }
        }
        #expect(distinct.count >= 2)
        #expect(pool.threads == 3)
    }
}
