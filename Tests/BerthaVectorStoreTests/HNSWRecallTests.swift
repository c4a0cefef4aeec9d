import BerthaTestSupport
import Foundation
import Testing
@testable import BerthaVectorStore

@Suite("HNSW index")
struct HNSWRecallTests {
    @Test("recall@10 against exact search is at least 0.95 on 10k random 384-dim vectors")
    func recall() async throws {
        let dir = try TemporaryDirectory("vs-hnsw")
        defer { dir.remove() }
        let dimension = 384, rows = 10_000, queries = 100
        var fixtures = VectorFixtures(seed: 42)
        let store = try await EmbeddedVectorStore(directory: dir.url, options: .init(hnswThreshold: 5_000))
        var batch: [VectorRecord] = []
        for i in 0..<rows {
            batch.append(VectorRecord(id: "r\(i)", documentID: "d\(i / 100)", text: "", vector: fixtures.vector(dimension)))
            if batch.count == 2_500 {
                try await store.upsert(batch)
                batch.removeAll()
            }
        }
        var found = 0
        for _ in 0..<queries {
            let query = fixtures.vector(dimension)
            let approximate = try await store.search(query, k: 10)
            let exact = try await store.exactSearch(query, k: 10)
            #expect(exact.count == 10)
            found += Set(approximate.map(\.record.id)).intersection(exact.map(\.record.id)).count
        }
        #expect(await store.usesHNSW)
        let recall = Double(found) / Double(queries * 10)
        #expect(recall >= 0.95, "recall@10 = \(recall)")
    }

    @Test("a graph built on two threads finds ef live rows with recall@10 ≥ 0.95, never a dead one")
    func concurrentBuild() {
        let dimension = 64, rows = 8_000, queries = 100, k = 10
        var fixtures = VectorFixtures(seed: 44)
        let data = (0..<rows).flatMap { _ in VectorMath.normalized(fixtures.vector(dimension))! }
        // Every third row is dead: the search walks through it and must still return k live rows.
        let alive = (0..<rows).map { $0 % 3 != 0 }
        let index = HNSWIndex(dimension: dimension, parameters: HNSWParameters(m: 16, efConstruction: 100, efSearch: 100))
        data.withUnsafeBufferPointer { all in
            // Two batches: the second extends a built graph, as later upserts do.
            index.add(upTo: rows / 2, vectors: all.baseAddress!, threads: 2)
            index.add(upTo: rows, vectors: all.baseAddress!, threads: 2)
        }
        #expect(index.count == rows)
        var found = 0
        for _ in 0..<queries {
            let query = VectorMath.normalized(fixtures.vector(dimension))!
            var exact = TopK(k)
            let hits = query.withUnsafeBufferPointer { q in
                data.withUnsafeBufferPointer { all in
                    // The exact reference is a full scan (the test target is unoptimised; the kernel is -O).
                    for row in 0..<rows where alive[row] {
                        exact.insert(VectorMath.dot(q.baseAddress!, all.baseAddress! + row * dimension, dimension), row)
                    }
                    return alive.withUnsafeBufferPointer {
                        index.search(q.baseAddress!, ef: 100, vectors: all.baseAddress!, alive: $0.baseAddress!)
                    }
                }
            }
            #expect(hits.count == 100)
            #expect(hits.allSatisfy { alive[$0.node] })
            #expect(zip(hits, hits.dropFirst()).allSatisfy { $0.score >= $1.score })
            found += Set(hits.prefix(k).map(\.node)).intersection(exact.heap.map(\.index)).count
        }
        let recall = Double(found) / Double(queries * k)
        #expect(recall >= 0.95, "recall@10 = \(recall)")
    }

    @Test("the index follows later writes and never returns deleted records")
    func followsWrites() async throws {
        let dir = try TemporaryDirectory("vs-hnsw-w")
        defer { dir.remove() }
        var fixtures = VectorFixtures(seed: 43)
        let store = try await EmbeddedVectorStore(directory: dir.url, options: .init(hnswThreshold: 100, compactionThreshold: 0.9))
        try await store.upsert((0..<500).map { VectorRecord(id: "r\($0)", documentID: "d\($0 % 10)", text: "", vector: fixtures.vector(16)) })
        _ = try await store.search(fixtures.vector(16), k: 1)
        #expect(await store.usesHNSW)
        let added = VectorRecord(id: "late", documentID: "late", text: "", vector: fixtures.vector(16))
        try await store.upsert([added])
        #expect(try await store.search(added.vector, k: 1).first?.record.id == "late")
        try await store.deleteDocument("late")
        #expect(try await store.search(added.vector, k: 5).allSatisfy { $0.record.id != "late" })
        try await store.deleteDocument("d3")
        #expect(try await store.search(fixtures.vector(16), k: 100).allSatisfy { $0.record.documentID != "d3" })
    }
}
