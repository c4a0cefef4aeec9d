import BerthaCore
#if canImport(CBerthaKernels)
import CBerthaKernels
#endif
import Foundation

/// A hierarchical navigable small-world graph (Malkov & Yashunin, 2016) over unit vectors, scored
/// by inner product (= cosine). Nodes are the store's row numbers; the vectors stay in the store's
/// contiguous buffer and are passed in on every call.
///
/// Memory: every link list is a fixed-capacity slot of Int32 in manually managed memory, the count
/// first, then the links: layer 0 holds `2·M` links per node in one block `(capacity, 2M + 1)`; the
/// few nodes above layer 0 (a fraction 1/M) own `level` slots of `M + 1` in an arena, found through
/// `upperStart[node]`. Inserting and searching allocate nothing: all working lists live in a `Scratch`.
///
/// Building runs on several threads (`add(_:vectors:threads:)`): each thread inserts its share of
/// the new rows, reading and writing link lists under a striped mutex per node, and a thread that
/// inserts a node above the current top layer holds the global lock for that whole insertion (as
/// hnswlib does). Node levels are drawn from a seeded generator before the threads start, so the
/// layer structure is reproducible; the exact links depend on thread timing, the recall does not.
///
/// Not persisted: the embedded store rebuilds it from the segments the first time a search needs it
/// (see `EmbeddedVectorStore`). Deleted rows stay in the graph as waypoints: searches walk through
/// them but never return them. Searching is not thread-safe (one scratch); the store's actor serialises it.
final class HNSWIndex: @unchecked Sendable {
    let parameters: HNSWParameters
    let dimension: Int
    /// Links kept per node on layer 0 and on the upper layers.
    private let maxLinks0: Int, maxLinks: Int
    /// Int32 slots per link list: the count, then the links.
    private let stride0: Int, strideUpper: Int

    /// The number of nodes inserted.
    private(set) var count = 0
    private var capacity = 0
    /// (capacity, stride0): layer-0 lists.
    private var layer0: UnsafeMutablePointer<Int32>
    /// (capacity): each node's top layer.
    private var levels: UnsafeMutablePointer<UInt8>
    /// (capacity): where a node's upper lists start in `upper` (layer l at `start + (l - 1) · strideUpper`).
    private var upperStart: UnsafeMutablePointer<Int>
    /// (upperCapacity): upper-layer lists of all nodes with level ≥ 1.
    private var upper: UnsafeMutablePointer<Int32>
    private var upperUsed = 0, upperCapacity = 0

    private var entryPoint: Int32 = -1
    private var topLayer = -1
    private var rng: LevelGenerator

    /// Striped locks over link lists (node & (stripes - 1)), one for entry point / top layer, one for the work queue.
    private static let stripes = 1 << 12
    private let locks: UnsafeMutablePointer<pthread_mutex_t>
    private let globalLock: UnsafeMutablePointer<pthread_mutex_t>
    private let queueLock: UnsafeMutablePointer<pthread_mutex_t>
    /// The scratch of `search` (the store calls it from one actor).
    private let searchScratch = Scratch()

    // Variants kept for the harness (scripts/hnsw-harness); the defaults are the measured choices.
    /// Links a new node gets on layer 0 (M, as in the paper; layer-0 lists still grow to 2·M by back links).
    let newLinks0: Int
    /// Fill a new node's list with candidates the heuristic pruned (no recall difference on random data).
    let keepPruned: Bool
    /// Full lists take a back link by the O(M) rule of `shrinkIncrementally` instead of re-running
    /// the heuristic over the whole list (same recall, ~35% less build CPU at 20k random vectors).
    let incrementalShrink: Bool

    init(dimension: Int, parameters: HNSWParameters, seed: UInt64 = 0x5eed, newLinks0: Int? = nil, keepPruned: Bool = false,
         incrementalShrink: Bool = true) {
        self.incrementalShrink = incrementalShrink
        self.keepPruned = keepPruned
        self.dimension = dimension
        self.newLinks0 = newLinks0 ?? max(parameters.m, 2)
        self.parameters = parameters
        maxLinks = max(parameters.m, 2)
        maxLinks0 = 2 * maxLinks
        stride0 = maxLinks0 + 1
        strideUpper = maxLinks + 1
        rng = LevelGenerator(seed: seed)
        layer0 = .allocate(capacity: 0)
        levels = .allocate(capacity: 0)
        upperStart = .allocate(capacity: 0)
        upper = .allocate(capacity: 0)
        locks = .allocate(capacity: Self.stripes)
        for i in 0..<Self.stripes { pthread_mutex_init(locks + i, nil) }
        globalLock = .allocate(capacity: 1)
        pthread_mutex_init(globalLock, nil)
        queueLock = .allocate(capacity: 1)
        pthread_mutex_init(queueLock, nil)
    }

    deinit {
        layer0.deallocate()
        levels.deallocate()
        upperStart.deallocate()
        upper.deallocate()
        for i in 0..<Self.stripes { pthread_mutex_destroy(locks + i) }
        locks.deallocate()
        pthread_mutex_destroy(globalLock)
        globalLock.deallocate()
        pthread_mutex_destroy(queueLock)
        queueLock.deallocate()
    }

    // MARK: building

    /// Adds rows `count..<end` (rows are added in order), spread over `threads` threads.
    /// - Parameters:
    ///   - end: one past the last row to add; the vectors of rows `0..<end` must be in `vectors`.
    ///   - vectors: the store's rows, (end, dimension), unit length.
    ///   - threads: build threads; small batches run on the caller alone.
    func add(upTo end: Int, vectors: UnsafePointer<Float>, threads: Int = ProcessInfo.processInfo.activeProcessorCount) {
        let first = count
        guard end > first else { return }
        reserve(end)
        for node in first..<end { prepare(node) }
        count = end
        var next = first
        if entryPoint < 0 {
            insert(next, vectors: vectors, scratch: searchScratch, locking: false)
            next += 1
        }
        // A thread pays for its scratch and the locks only when each has thousands of rows to insert.
        let workers = min(max(threads, 1), max(1, (end - next) / 1_000))
        if workers == 1 {
            for node in next..<end { insert(node, vectors: vectors, scratch: searchScratch, locking: false) }
            return
        }
        nonisolated(unsafe) let rows = vectors
        nonisolated(unsafe) var cursor = next
        // Rows are handed out in small blocks in order, so the graph grows roughly as it would serially.
        let block = 16
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            let scratch = Scratch()
            while true {
                pthread_mutex_lock(queueLock)
                let start = cursor
                cursor = min(cursor + block, end)
                pthread_mutex_unlock(queueLock)
                guard start < end else { break }
                for node in start..<min(start + block, end) {
                    insert(node, vectors: rows, scratch: scratch, locking: true)
                }
            }
        }
    }

    /// Grows the node arrays to hold at least `needed` nodes (geometrically; no thread may be inserting).
    private func reserve(_ needed: Int) {
        guard needed > capacity else { return }
        let newCapacity = max(needed, capacity * 3 / 2, 1_024)
        let newLayer0 = UnsafeMutablePointer<Int32>.allocate(capacity: newCapacity * stride0)
        newLayer0.initialize(from: layer0, count: count * stride0)
        layer0.deallocate()
        layer0 = newLayer0
        let newLevels = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        newLevels.initialize(from: levels, count: count)
        levels.deallocate()
        levels = newLevels
        let newStart = UnsafeMutablePointer<Int>.allocate(capacity: newCapacity)
        newStart.initialize(from: upperStart, count: count)
        upperStart.deallocate()
        upperStart = newStart
        capacity = newCapacity
    }

    /// Draws the node's level and gives it empty link lists.
    private func prepare(_ node: Int) {
        let level = rng.level(m: maxLinks)
        levels[node] = UInt8(level)
        layer0[node * stride0] = 0
        upperStart[node] = upperUsed
        let slots = level * strideUpper
        if upperUsed + slots > upperCapacity {
            let newCapacity = max(upperUsed + slots, upperCapacity * 2, 4_096)
            let grown = UnsafeMutablePointer<Int32>.allocate(capacity: newCapacity)
            grown.initialize(from: upper, count: upperUsed)
            upper.deallocate()
            upper = grown
            upperCapacity = newCapacity
        }
        for l in 0..<level { upper[upperUsed + l * strideUpper] = 0 }
        upperUsed += slots
    }

    /// The list of `node` on `layer`: count at [0], links at [1...].
    @inline(__always)
    private func list(_ node: Int, _ layer: Int) -> UnsafeMutablePointer<Int32> {
        layer == 0 ? layer0 + node * stride0 : upper + upperStart[node] + (layer - 1) * strideUpper
    }

    @inline(__always)
    private func lock(_ node: Int) { pthread_mutex_lock(locks + (node & (Self.stripes - 1))) }
    @inline(__always)
    private func unlock(_ node: Int) { pthread_mutex_unlock(locks + (node & (Self.stripes - 1))) }

    private func insert(_ node: Int, vectors: UnsafePointer<Float>, scratch: Scratch, locking: Bool) {
        let level = Int(levels[node])
        let query = vectors + node * dimension
        if locking { pthread_mutex_lock(globalLock) }
        let entry = Int(entryPoint), top = topLayer
        // A new top node keeps the global lock so no other insertion starts from a half-linked entry point.
        let raisesTop = level > top
        if locking, !raisesTop { pthread_mutex_unlock(globalLock) }
        defer {
            if raisesTop {
                entryPoint = Int32(node)
                topLayer = level
            }
            if locking, raisesTop { pthread_mutex_unlock(globalLock) }
        }
        guard entry >= 0 else { return }

        scratch.prepare(capacity: capacity, maxLinks: maxLinks0)
        var current = entry
        var currentScore = VectorMath.dot(query, vectors + current * dimension, dimension)
        for layer in stride(from: top, to: level, by: -1) {
            greedy(query, &current, &currentScore, layer: layer, vectors: vectors, scratch: scratch, locking: locking)
        }
        scratch.entries.removeAll()
        scratch.entries.push(Candidate(score: currentScore, node: Int32(current)))
        for layer in stride(from: min(level, top), through: 0, by: -1) {
            searchLayer(query, ef: parameters.efConstruction, layer: layer, vectors: vectors, scratch: scratch,
                        locking: locking, alive: nil)
            // results → best-first candidate list; they are also the next layer's entry points.
            scratch.results.drainSortedDescending(into: &scratch.entries)
            let limit = layer == 0 ? maxLinks0 : maxLinks
            let chosen = selectNeighbours(scratch.entries, limit: layer == 0 ? newLinks0 : maxLinks, vectors: vectors, scratch: scratch)
            let own = list(node, layer)
            // connect() reuses `selected`, so the new links are walked from a copy.
            let linked = scratch.linked
            linked.update(from: scratch.selected, count: chosen)
            if locking { lock(node) }
            own.successor().update(from: linked, count: chosen)
            own[0] = Int32(chosen)
            if locking { unlock(node) }
            for i in 0..<chosen {
                connect(Int(linked[i]), to: node, layer: layer, limit: limit, vectors: vectors,
                        scratch: scratch, locking: locking)
            }
        }
    }

    /// Adds the back link neighbour → node, shrinking the neighbour's list with the heuristic when full.
    private func connect(_ neighbour: Int, to node: Int, layer: Int, limit: Int, vectors: UnsafePointer<Float>,
                         scratch: Scratch, locking: Bool) {
        if locking { lock(neighbour) }
        defer { if locking { unlock(neighbour) } }
        let links = list(neighbour, layer)
        let n = Int(links[0])
        if n < limit {
            links[1 + n] = Int32(node)
            links[0] = Int32(n + 1)
            return
        }
        let base = vectors + neighbour * dimension
        let scores = scratch.scores
        gather(base, links + 1, n, vectors: vectors, into: scores)
        let newScore = VectorMath.dot(base, vectors + node * dimension, dimension)
        if incrementalShrink {
            shrinkIncrementally(links, scores: scores, adding: node, score: newScore, vectors: vectors, scratch: scratch)
            return
        }
        scratch.shrink.removeAll()
        for i in 0..<n { scratch.shrink.push(Candidate(score: scores[i], node: links[1 + i])) }
        scratch.shrink.push(Candidate(score: newScore, node: Int32(node)))
        scratch.shrink.sortDescending()
        let chosen = selectNeighbours(scratch.shrink, limit: limit, vectors: vectors, scratch: scratch)
        for i in 0..<chosen { links[1 + i] = scratch.selected[i] }
        links[0] = Int32(chosen)
    }

    /// The heuristic applied to the one new link of a full list, in O(limit) dot products instead of
    /// O(limit²): the new node is dropped when a closer link is nearer to it than the base node is;
    /// otherwise it enters, evicting the links it dominates (farther from the base than from it), or
    /// else the farthest link.
    private func shrinkIncrementally(_ links: UnsafeMutablePointer<Int32>, scores: UnsafeMutablePointer<Float>,
                                     adding node: Int, score: Float, vectors: UnsafePointer<Float>, scratch: Scratch) {
        let n = Int(links[0])
        var worst = 0
        for i in 1..<n where scores[i] < scores[worst] { worst = i }
        // Farther than every current link: the heuristic would look at it last and the list is full.
        guard score > scores[worst] else { return }
        let toNew = scratch.pairScores
        gather(vectors + node * dimension, links + 1, n, vectors: vectors, into: toNew)
        for i in 0..<n where scores[i] > score && toNew[i] > score { return }
        var kept = 0
        for i in 0..<n where !(scores[i] < score && toNew[i] > scores[i]) {
            links[1 + kept] = links[1 + i]
            scores[kept] = scores[i]
            kept += 1
        }
        if kept == n {
            links[1 + worst] = Int32(node)
        } else {
            links[1 + kept] = Int32(node)
            links[0] = Int32(kept + 1)
        }
    }

    /// out[j] = q · vectors[ids[j]] for j < count.
    @inline(__always)
    private func gather(_ q: UnsafePointer<Float>, _ ids: UnsafePointer<Int32>, _ count: Int, vectors: UnsafePointer<Float>,
                        into out: UnsafeMutablePointer<Float>) {
        bertha_dot_f32_gather(q, vectors, Int32(dimension), ids, Int32(count), out)
    }

    /// The neighbour-selection heuristic (the paper's algorithm 4): walking candidates best first, keep
    /// one only if it is closer to the base node than to every neighbour already kept, which spreads
    /// links across directions. Writes the kept nodes to `scratch.selected` and returns how many.
    private func selectNeighbours(_ candidates: CandidateList, limit: Int, vectors: UnsafePointer<Float>,
                                  scratch: Scratch) -> Int {
        var chosen = 0
        let selected = scratch.selected
        scratch.pruned.removeAll()
        for i in 0..<candidates.count {
            guard chosen < limit else { break }
            let candidate = candidates[i]
            gather(vectors + Int(candidate.node) * dimension, selected, chosen, vectors: vectors, into: scratch.pairScores)
            var dominated = false
            for j in 0..<chosen where scratch.pairScores[j] > candidate.score {
                dominated = true
                break
            }
            if !dominated {
                selected[chosen] = candidate.node
                chosen += 1
            } else if keepPruned {
                scratch.pruned.push(candidate)
            }
        }
        if keepPruned {
            for i in 0..<scratch.pruned.count where chosen < limit {
                selected[chosen] = scratch.pruned[i].node
                chosen += 1
            }
        }
        return chosen
    }

    // MARK: searching

    /// Dot products the last `search` computed on layer 0.
    var lastSearchDistances: Int { searchScratch.distanceCount }

    /// Up to `ef` nodes nearest `query` for which `alive` is true (all when nil), best first.
    /// Nodes that are not alive are still walked through.
    func search(_ query: UnsafePointer<Float>, ef: Int, vectors: UnsafePointer<Float>,
                alive: UnsafePointer<Bool>?) -> [(score: Float, node: Int)] {
        guard entryPoint >= 0 else { return [] }
        let scratch = searchScratch
        scratch.prepare(capacity: capacity, maxLinks: maxLinks0)
        scratch.distanceCount = 0
        var current = Int(entryPoint)
        var currentScore = VectorMath.dot(query, vectors + current * dimension, dimension)
        for layer in stride(from: topLayer, to: 0, by: -1) {
            greedy(query, &current, &currentScore, layer: layer, vectors: vectors, scratch: scratch, locking: false)
        }
        scratch.entries.removeAll()
        scratch.entries.push(Candidate(score: currentScore, node: Int32(current)))
        searchLayer(query, ef: ef, layer: 0, vectors: vectors, scratch: scratch, locking: false, alive: alive)
        scratch.results.drainSortedDescending(into: &scratch.entries)
        return (0..<scratch.entries.count).map { (scratch.entries[$0].score, Int(scratch.entries[$0].node)) }
    }

    /// Copies the links of `node` on `layer` into `scratch.links` (under its lock while building).
    @inline(__always)
    private func readLinks(_ node: Int, layer: Int, scratch: Scratch, locking: Bool) -> Int {
        if locking { lock(node) }
        let links = list(node, layer)
        let n = Int(links[0])
        scratch.links.update(from: links + 1, count: n)
        if locking { unlock(node) }
        return n
    }

    /// Moves `current` uphill on one layer until no neighbour scores higher.
    private func greedy(_ query: UnsafePointer<Float>, _ current: inout Int, _ currentScore: inout Float, layer: Int,
                        vectors: UnsafePointer<Float>, scratch: Scratch, locking: Bool) {
        var improved = true
        while improved {
            improved = false
            let n = readLinks(current, layer: layer, scratch: scratch, locking: locking)
            gather(query, scratch.links, n, vectors: vectors, into: scratch.scores)
            for i in 0..<n {
                let link = Int(scratch.links[i])
                let score = scratch.scores[i]
                if score > currentScore {
                    currentScore = score
                    current = link
                    improved = true
                }
            }
        }
    }

    /// Beam search on one layer from `scratch.entries`; leaves up to `ef` nodes in `scratch.results`.
    /// Stops when the best unexpanded candidate scores below the worst kept result (the paper's
    /// algorithm 2). Nodes failing `alive` are expanded but not kept.
    private func searchLayer(_ query: UnsafePointer<Float>, ef: Int, layer: Int, vectors: UnsafePointer<Float>,
                             scratch: Scratch, locking: Bool, alive: UnsafePointer<Bool>?) {
        let mark = scratch.nextMark()
        let visited = scratch.visited
        scratch.candidates.removeAll()
        scratch.results.reset(limit: ef)
        for i in 0..<scratch.entries.count {
            let entry = scratch.entries[i]
            visited[Int(entry.node)] = mark
            scratch.candidates.pushHeap(entry)
            if alive?[Int(entry.node)] ?? true { scratch.results.insert(entry) }
        }
        while let best = scratch.candidates.popMax() {
            if best.score < scratch.results.threshold { break }
            let n = readLinks(Int(best.node), layer: layer, scratch: scratch, locking: locking)
            // Unvisited links first, then all their scores in one gathered (prefetching) pass.
            let ids = scratch.links
            var fresh = 0
            for i in 0..<n {
                let neighbour = Int(ids[i])
                guard visited[neighbour] != mark else { continue }
                visited[neighbour] = mark
                ids[fresh] = Int32(neighbour)
                fresh += 1
            }
            gather(query, ids, fresh, vectors: vectors, into: scratch.scores)
            scratch.distanceCount += fresh
            for i in 0..<fresh {
                let neighbour = Int(ids[i])
                let score = scratch.scores[i]
                if score > scratch.results.threshold {
                    scratch.candidates.pushHeap(Candidate(score: score, node: Int32(neighbour)))
                    if alive?[neighbour] ?? true { scratch.results.insert(Candidate(score: score, node: Int32(neighbour))) }
                }
            }
        }
    }
}

// MARK: - working memory

/// A node and its score against the current query or base node.
struct Candidate {
    var score: Float
    var node: Int32
}

/// A growable list of candidates in manually managed memory, used as a max-heap or a plain array.
struct CandidateList {
    private(set) var base: UnsafeMutablePointer<Candidate>
    private(set) var count = 0
    private var capacity: Int

    init(capacity: Int) {
        self.capacity = max(capacity, 16)
        base = .allocate(capacity: self.capacity)
    }

    func free() { base.deallocate() }

    subscript(i: Int) -> Candidate { base[i] }

    mutating func removeAll() { count = 0 }

    mutating func push(_ c: Candidate) {
        if count == capacity { grow() }
        base[count] = c
        count += 1
    }

    private mutating func grow() {
        let bigger = UnsafeMutablePointer<Candidate>.allocate(capacity: capacity * 2)
        bigger.initialize(from: base, count: count)
        base.deallocate()
        base = bigger
        capacity *= 2
    }

    /// Sorts best first.
    mutating func sortDescending() {
        var buffer = UnsafeMutableBufferPointer(start: base, count: count)
        buffer.sort { $0.score > $1.score }
    }

    // Max-heap by score (the beam search's frontier).
    mutating func pushHeap(_ c: Candidate) {
        push(c)
        var child = count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard base[child].score > base[parent].score else { break }
            base.swapAt(child, parent)
            child = parent
        }
    }

    mutating func popMax() -> Candidate? {
        guard count > 0 else { return nil }
        let top = base[0]
        count -= 1
        if count > 0 {
            base[0] = base[count]
            var parent = 0
            while true {
                let left = 2 * parent + 1, right = left + 1
                var largest = parent
                if left < count, base[left].score > base[largest].score { largest = left }
                if right < count, base[right].score > base[largest].score { largest = right }
                guard largest != parent else { break }
                base.swapAt(parent, largest)
                parent = largest
            }
        }
        return top
    }
}

extension UnsafeMutablePointer where Pointee == Candidate {
    @inline(__always)
    fileprivate func swapAt(_ i: Int, _ j: Int) {
        let t = self[i]
        self[i] = self[j]
        self[j] = t
    }
}

/// The best `limit` candidates seen: a min-heap on score so the worst is evicted in O(log ef).
struct BoundedResults {
    private var heap: CandidateList
    private(set) var limit = 0

    init() { heap = CandidateList(capacity: 64) }
    func free() { heap.free() }

    mutating func reset(limit: Int) {
        self.limit = max(limit, 1)
        heap.removeAll()
    }

    /// The lowest score kept once full; -infinity before.
    var threshold: Float { heap.count < limit ? -.infinity : heap[0].score }

    mutating func insert(_ c: Candidate) {
        if heap.count < limit {
            heap.push(c)
            var child = heap.count - 1
            let base = heap.base
            while child > 0 {
                let parent = (child - 1) / 2
                guard base[child].score < base[parent].score else { break }
                base.swapAt(child, parent)
                child = parent
            }
        } else if c.score > heap[0].score {
            let base = heap.base, n = heap.count
            base[0] = c
            var parent = 0
            while true {
                let left = 2 * parent + 1, right = left + 1
                var smallest = parent
                if left < n, base[left].score < base[smallest].score { smallest = left }
                if right < n, base[right].score < base[smallest].score { smallest = right }
                guard smallest != parent else { break }
                base.swapAt(parent, smallest)
                parent = smallest
            }
        }
    }

    /// Moves the kept candidates into `list`, best first (ties: lower node first, for stable results).
    mutating func drainSortedDescending(into list: inout CandidateList) {
        list.removeAll()
        for i in 0..<heap.count { list.push(heap[i]) }
        var buffer = UnsafeMutableBufferPointer(start: list.base, count: list.count)
        buffer.sort {
            $0.score != $1.score ? $0.score > $1.score : $0.node < $1.node
        }
        heap.removeAll()
    }
}

/// One thread's working memory for inserting or searching; grown on demand, then reused.
final class Scratch {
    /// (visitedCapacity): the mark of the search that last visited each node.
    private(set) var visited: UnsafeMutablePointer<UInt32>
    private var visitedCapacity = 0
    private var mark: UInt32 = 0
    /// (maxLinks): one node's links, copied out of the graph.
    private(set) var links: UnsafeMutablePointer<Int32>
    /// (maxLinks): the heuristic's output.
    private(set) var selected: UnsafeMutablePointer<Int32>
    /// (maxLinks): the links of the node being inserted.
    private(set) var linked: UnsafeMutablePointer<Int32>
    /// (maxLinks): scores of `links` against the query; scores among candidates of the heuristic.
    private(set) var scores: UnsafeMutablePointer<Float>, pairScores: UnsafeMutablePointer<Float>
    /// Dot products computed by layer searches since the last reset (diagnostics).
    var distanceCount = 0
    private var linkCapacity = 0
    var candidates = CandidateList(capacity: 256)
    var results = BoundedResults()
    var entries = CandidateList(capacity: 256)
    var shrink = CandidateList(capacity: 64)
    var pruned = CandidateList(capacity: 64)

    init() {
        visited = .allocate(capacity: 0)
        links = .allocate(capacity: 0)
        selected = .allocate(capacity: 0)
        linked = .allocate(capacity: 0)
        scores = .allocate(capacity: 0)
        pairScores = .allocate(capacity: 0)
    }

    deinit {
        visited.deallocate()
        links.deallocate()
        selected.deallocate()
        linked.deallocate()
        scores.deallocate()
        pairScores.deallocate()
        candidates.free()
        results.free()
        entries.free()
        shrink.free()
        pruned.free()
    }

    func prepare(capacity: Int, maxLinks: Int) {
        if capacity > visitedCapacity {
            visited.deallocate()
            visited = .allocate(capacity: capacity)
            visited.initialize(repeating: 0, count: capacity)
            visitedCapacity = capacity
            mark = 0
        }
        if maxLinks + 1 > linkCapacity {
            links.deallocate()
            selected.deallocate()
            linked.deallocate()
            scores.deallocate()
            pairScores.deallocate()
            linkCapacity = maxLinks + 1
            links = .allocate(capacity: linkCapacity)
            selected = .allocate(capacity: linkCapacity)
            linked = .allocate(capacity: linkCapacity)
            scores = .allocate(capacity: linkCapacity)
            pairScores = .allocate(capacity: linkCapacity)
        }
    }

    /// A fresh visit mark; clears the marks when the counter wraps.
    func nextMark() -> UInt32 {
        mark &+= 1
        if mark == 0 {
            visited.update(repeating: 0, count: visitedCapacity)
            mark = 1
        }
        return mark
    }
}

/// Draws node levels with P(level ≥ l) = M^-l (the paper's mL = 1 / ln M) from a seeded SplitMix64,
/// so the layer structure of an index is the same on every build.
private struct LevelGenerator {
    private var random: SeededRandom
    init(seed: UInt64) { random = SeededRandom(seed: seed) }

    mutating func level(m: Int) -> Int {
        let uniform = Double(random.next() >> 11) / Double(1 << 53)
        let level = Int(-log(max(uniform, .leastNonzeroMagnitude)) / log(Double(m)))
        return min(level, 16)
    }
}

/// HNSW parameters; bertha's defaults favour recall (random 384-dim data is the hard case).
public struct HNSWParameters: Sendable, Equatable {
    /// Links per node on the upper layers; layer 0 keeps 2·M.
    public var m = 24
    public var efConstruction = 160
    public var efSearch = 400
    public init(m: Int = 24, efConstruction: Int = 160, efSearch: Int = 400) {
        self.m = m
        self.efConstruction = efConstruction
        self.efSearch = efSearch
    }
}
