import Foundation

/// A hierarchical navigable small-world graph (Malkov & Yashunin, 2016) over unit vectors, scored
/// by inner product (= cosine). Nodes are the store's row numbers; the vectors stay in the store's
/// contiguous buffer and are passed in on every call.
///
/// Not persisted: the embedded store rebuilds it from the segments the first time a search needs it
/// (see `EmbeddedVectorStore`). Deleted rows stay in the graph as waypoints and are filtered out of results.
struct HNSWIndex {
    let parameters: HNSWParameters
    let dimension: Int
    private let maxLayer0: Int
    /// Layer-0 links, `maxLayer0` slots per node; `layer0Count[n]` are used.
    private var layer0: [Int32] = []
    private var layer0Count: [Int32] = []
    /// Upper-layer links of node n at layer l (1-based) in `upper[n][l - 1]`.
    private var upper: [[[Int32]]] = []
    private var entryPoint = -1
    private var topLayer = -1
    private var rng: SplitMix64
    private var visited: [UInt32] = []
    private var visitMark: UInt32 = 0

    /// The number of nodes inserted.
    var count: Int { layer0Count.count }

    init(dimension: Int, parameters: HNSWParameters, seed: UInt64 = 0x5eed) {
        self.dimension = dimension
        self.parameters = parameters
        self.maxLayer0 = parameters.m * 2
        self.rng = SplitMix64(seed: seed)
    }

    /// Adds row `node` (which must be `count`, rows are added in order).
    mutating func insert(_ node: Int, vectors: UnsafePointer<Float>) {
        precondition(node == count, "HNSW rows are added in order")
        let level = randomLevel()
        layer0.append(contentsOf: repeatElement(-1, count: maxLayer0))
        layer0Count.append(0)
        upper.append(Array(repeating: [], count: level))
        visited.append(0)
        let query = vectors + node * dimension
        guard entryPoint >= 0 else {
            entryPoint = node
            topLayer = level
            return
        }
        var current = entryPoint
        var currentScore = VectorMath.dot(query, vectors + current * dimension, dimension)
        var layer = topLayer
        while layer > level {
            greedy(query, &current, &currentScore, layer: layer, vectors: vectors)
            layer -= 1
        }
        var entries = [(score: currentScore, node: current)]
        for l in stride(from: min(level, topLayer), through: 0, by: -1) {
            let candidates = searchLayer(query, entries: entries, ef: parameters.efConstruction, layer: l, vectors: vectors)
            let limit = l == 0 ? maxLayer0 : parameters.m
            let chosen = selectNeighbours(candidates, limit: parameters.m, vectors: vectors)
            setLinks(node, layer: l, chosen.map { Int32($0) })
            for neighbour in chosen {
                connect(neighbour, to: node, layer: l, limit: limit, vectors: vectors)
            }
            entries = candidates
        }
        if level > topLayer {
            topLayer = level
            entryPoint = node
        }
    }

    /// Up to `ef` nodes nearest `query`, best first, as (score, node). The caller filters dead rows.
    mutating func search(_ query: UnsafePointer<Float>, ef: Int, vectors: UnsafePointer<Float>) -> [(score: Float, node: Int)] {
        guard entryPoint >= 0 else { return [] }
        var current = entryPoint
        var currentScore = VectorMath.dot(query, vectors + current * dimension, dimension)
        var layer = topLayer
        while layer > 0 {
            greedy(query, &current, &currentScore, layer: layer, vectors: vectors)
            layer -= 1
        }
        return searchLayer(query, entries: [(currentScore, current)], ef: ef, layer: 0, vectors: vectors)
    }

    // MARK: graph walking

    private func links(_ node: Int, layer: Int) -> ArraySlice<Int32> {
        if layer == 0 {
            let start = node * maxLayer0
            return layer0[start..<(start + Int(layer0Count[node]))]
        }
        return upper[node][layer - 1][...]
    }

    private mutating func setLinks(_ node: Int, layer: Int, _ newLinks: [Int32]) {
        if layer == 0 {
            let start = node * maxLayer0
            for (i, link) in newLinks.prefix(maxLayer0).enumerated() { layer0[start + i] = link }
            layer0Count[node] = Int32(min(newLinks.count, maxLayer0))
        } else {
            upper[node][layer - 1] = newLinks
        }
    }

    /// Moves `current` uphill on one layer until no neighbour scores higher.
    private func greedy(_ query: UnsafePointer<Float>, _ current: inout Int, _ currentScore: inout Float,
                        layer: Int, vectors: UnsafePointer<Float>) {
        var improved = true
        while improved {
            improved = false
            for link in links(current, layer: layer) {
                let score = VectorMath.dot(query, vectors + Int(link) * dimension, dimension)
                if score > currentScore {
                    currentScore = score
                    current = Int(link)
                    improved = true
                }
            }
        }
    }

    /// Beam search on one layer; returns up to `ef` nodes, best first.
    private mutating func searchLayer(_ query: UnsafePointer<Float>, entries: [(score: Float, node: Int)], ef: Int,
                                      layer: Int, vectors: UnsafePointer<Float>) -> [(score: Float, node: Int)] {
        visitMark &+= 1
        if visitMark == 0 {
            for i in visited.indices { visited[i] = 0 }
            visitMark = 1
        }
        // candidates: max-heap by score (best to expand next); results: TopK min-heap (worst evicted).
        var candidates = MaxHeap()
        var results = TopK(ef)
        for entry in entries {
            visited[entry.node] = visitMark
            candidates.push(entry.score, entry.node)
            results.insert(entry.score, entry.node)
        }
        while let (score, node) = candidates.pop() {
            if score < results.threshold { break }
            for link in links(node, layer: layer) {
                let neighbour = Int(link)
                guard visited[neighbour] != visitMark else { continue }
                visited[neighbour] = visitMark
                let s = VectorMath.dot(query, vectors + neighbour * dimension, dimension)
                if s > results.threshold {
                    candidates.push(s, neighbour)
                    results.insert(s, neighbour)
                }
            }
        }
        return results.sorted().map { ($0.score, $0.index) }
    }

    /// The neighbour-selection heuristic: keep a candidate only if it is closer to the new node than
    /// to every neighbour already kept, which spreads links across directions.
    private func selectNeighbours(_ candidates: [(score: Float, node: Int)], limit: Int,
                                  vectors: UnsafePointer<Float>) -> [Int] {
        var chosen: [Int] = []
        var pruned: [Int] = []
        for candidate in candidates {
            guard chosen.count < limit else { break }
            let c = vectors + candidate.node * dimension
            let dominated = chosen.contains { VectorMath.dot(c, vectors + $0 * dimension, dimension) > candidate.score }
            if dominated { pruned.append(candidate.node) } else { chosen.append(candidate.node) }
        }
        // Filling up with pruned candidates keeps the graph connected on clustered data.
        for node in pruned where chosen.count < limit { chosen.append(node) }
        return chosen
    }

    /// Adds the back link neighbour → node, shrinking the neighbour's list with the heuristic when full.
    private mutating func connect(_ neighbour: Int, to node: Int, layer: Int, limit: Int, vectors: UnsafePointer<Float>) {
        var current = Array(links(neighbour, layer: layer))
        if current.count < limit {
            current.append(Int32(node))
            setLinks(neighbour, layer: layer, current)
            return
        }
        let base = vectors + neighbour * dimension
        var scored = current.map { (score: VectorMath.dot(base, vectors + Int($0) * dimension, dimension), node: Int($0)) }
        scored.append((VectorMath.dot(base, vectors + node * dimension, dimension), node))
        scored.sort { $0.score > $1.score }
        setLinks(neighbour, layer: layer, selectNeighbours(scored, limit: limit, vectors: vectors).map { Int32($0) })
    }

    private mutating func randomLevel() -> Int {
        // P(level ≥ l) = M^-l, the paper's mL = 1 / ln M.
        let uniform = Double(rng.next() >> 11) / Double(1 << 53)
        let level = Int(-log(max(uniform, .leastNonzeroMagnitude)) / log(Double(parameters.m)))
        return min(level, 16)
    }
}

/// A binary max-heap of (score, node), for the candidate queue of the beam search.
private struct MaxHeap {
    private var items: [(score: Float, node: Int)] = []

    mutating func push(_ score: Float, _ node: Int) {
        items.append((score, node))
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard items[child].score > items[parent].score else { break }
            items.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> (Float, Int)? {
        guard let top = items.first else { return nil }
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            var parent = 0
            while true {
                let left = 2 * parent + 1, right = left + 1
                var largest = parent
                if left < items.count, items[left].score > items[largest].score { largest = left }
                if right < items.count, items[right].score > items[largest].score { largest = right }
                guard largest != parent else { break }
                items.swapAt(parent, largest)
                parent = largest
            }
        }
        return (top.score, top.node)
    }
}

/// A small deterministic PRNG (SplitMix64) so index builds are reproducible.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
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

