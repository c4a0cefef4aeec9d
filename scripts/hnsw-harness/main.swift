// Standalone HNSW harness: compiles HNSWIndex.swift + VectorMath.swift without the package, builds an
// index over N seeded random unit vectors and reports build seconds, recall@10 against brute force
// over Q queries, and query latency. Usage (see run.sh):
//   hnsw-harness N M EF_CONSTRUCTION EF_SEARCH[,EF_SEARCH...] [THREADS] [NEW_LINKS0] [QUERIES]
import Foundation

struct Random {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
    /// Components uniform in [-1, 1), scaled to unit length (as bertha bench --store and the tests do).
    mutating func unitVector(_ d: Int, into p: UnsafeMutablePointer<Float>) {
        var sum: Float = 0
        for i in 0..<d {
            let x = Float(Double(next() >> 11) / Double(1 << 53) * 2 - 1)
            p[i] = x
            sum += x * x
        }
        let s = 1 / sum.squareRoot()
        for i in 0..<d { p[i] *= s }
    }
}

@main
struct Harness {
    static func main() {
        let a = CommandLine.arguments
        let n = Int(a[1])!, m = Int(a[2])!, efc = Int(a[3])!
        let efs = a[4].split(separator: ",").map { Int($0)! }
        let threads = a.count > 5 ? Int(a[5])! : ProcessInfo.processInfo.activeProcessorCount
        let newLinks0 = a.count > 6 ? Int(a[6])! : 0
        let queries = a.count > 7 ? Int(a[7])! : 200
        let keepPruned = a.count > 8 ? a[8] == "1" : false
        let incremental = a.count > 9 ? a[9] == "1" : true
        let d = 384, k = 10
        var rng = Random(state: 42)
        // HNSW_DATA=lowrank: unit vectors near a random 32-dim subspace (embedding-like, low intrinsic
        // dimension) instead of uniform random directions (the worst case).
        let lowRank = ProcessInfo.processInfo.environment["HNSW_DATA"] == "lowrank"
        let latent = 32
        let basis = UnsafeMutablePointer<Float>.allocate(capacity: latent * d)
        for j in 0..<latent { rng.unitVector(d, into: basis + j * d) }
        let z = UnsafeMutablePointer<Float>.allocate(capacity: latent)
        let noise = UnsafeMutablePointer<Float>.allocate(capacity: d)
        func sample(into p: UnsafeMutablePointer<Float>) {
            guard lowRank else { rng.unitVector(d, into: p); return }
            rng.unitVector(latent, into: z)
            rng.unitVector(d, into: noise)
            var sum: Float = 0
            for i in 0..<d {
                var x = 0.3 * noise[i]
                for j in 0..<latent { x += z[j] * basis[j * d + i] }
                p[i] = x
                sum += x * x
            }
            let s = 1 / sum.squareRoot()
            for i in 0..<d { p[i] *= s }
        }
        let data = UnsafeMutablePointer<Float>.allocate(capacity: n * d)
        for i in 0..<n { sample(into: data + i * d) }
        let qs = UnsafeMutablePointer<Float>.allocate(capacity: queries * d)
        for i in 0..<queries { sample(into: qs + i * d) }

        let clock = ContinuousClock()
        func secs(_ x: Duration) -> Double { Double(x.components.seconds) + Double(x.components.attoseconds) / 1e18 }
        // Exact top-k, single thread, and its latency.
        var truth: [Set<Int>] = []
        var exactMs: [Double] = []
        for q in 0..<queries {
            let t0 = clock.now
            var top = TopK(k)
            for i in 0..<n {
                let s = VectorMath.dot(qs + q * d, data + i * d, d)
                if s > top.threshold { top.insert(s, i) }
            }
            exactMs.append(secs(clock.now - t0) * 1000)
            truth.append(Set(top.heap.map(\.index)))
        }
        exactMs.sort()

        let index = HNSWIndex(dimension: d, parameters: HNSWParameters(m: m, efConstruction: efc, efSearch: efs[0]),
                              newLinks0: newLinks0 > 0 ? newLinks0 : nil, keepPruned: keepPruned, incrementalShrink: incremental)
        func cpu() -> Double {
            var usage = rusage()
            getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
            return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
        }
        let t0 = clock.now, c0 = cpu()
        index.add(upTo: n, vectors: data, threads: threads)
        let build = secs(clock.now - t0), buildCPU = cpu() - c0
        print((lowRank ? "lowrank " : "random ") + String(format: "n=%d M=%d efc=%d threads=%d newLinks0=%d keepPruned=\(keepPruned) incremental=\(incremental) build=%.2fs (cpu %.2fs) exact1T median=%.2fms",
                     n, m, efc, threads, index.newLinks0, build, buildCPU, exactMs[queries / 2]))
        fflush(stdout)
        for ef in efs {
            var found = 0
            var ms: [Double] = []
            var dots = 0
            for q in 0..<queries {
                let t = clock.now
                let hits = index.search(qs + q * d, ef: max(ef, k), vectors: data, alive: nil)
                ms.append(secs(clock.now - t) * 1000)
                dots += index.lastSearchDistances
                found += hits.prefix(k).filter { truth[q].contains($0.node) }.count
            }
            ms.sort()
            fflush(stdout)
            print(String(format: "  ef=%d recall@10=%.3f median=%.2fms p95=%.2fms dots/query=%d", ef,
                         Double(found) / Double(queries * k), ms[queries / 2], ms[queries * 95 / 100], dots / queries))
        }
    }
}
