import BerthaCore
import BerthaText
import BerthaVectorStore
import Foundation

/// Throughput and latency measurements behind `bertha bench --chunking` and `bertha bench --store`.
public enum IngestBenchmark {
    /// Chunking throughput over a set of documents.
    public struct ChunkingResult: Sendable, Codable, Equatable {
        public var documents: Int
        public var bytes: Int
        public var chunks: Int
        /// Median of the repetitions.
        public var seconds: Double
        public var megabytesPerSecond: Double
    }

    /// Search latency of the embedded store at one size.
    public struct SearchResult: Sendable, Codable, Equatable {
        public var vectors: Int
        public var dimension: Int
        /// "exact" or "hnsw": what the store used at this size.
        public var method: String
        /// Seconds to write the vectors (and, for HNSW, to build the graph at the first search).
        public var writeSeconds: Double
        public var indexSeconds: Double
        public var medianMilliseconds: Double
        public var p95Milliseconds: Double
        /// Share of the exact top 10 the store's search found (1 for exact search).
        public var recallAt10: Double
    }

    /// Chunks every document `reps` times with `splitter`; the median run gives the rate.
    public static func chunking(_ documents: [Document], splitter: any TextSplitter, reps: Int = 3) -> ChunkingResult {
        let bytes = documents.reduce(0) { $0 + $1.text.utf8.count }
        var times: [Double] = []
        var chunks = 0
        let clock = ContinuousClock()
        for _ in 0..<max(1, reps) {
            let start = clock.now
            chunks = documents.reduce(0) { $0 + splitter.chunks(of: $1).count }
            times.append(IngestPipeline.seconds(clock.now - start))
        }
        let median = times.sorted()[times.count / 2]
        return ChunkingResult(documents: documents.count, bytes: bytes, chunks: chunks, seconds: median,
                              megabytesPerSecond: median > 0 ? Double(bytes) / 1e6 / median : 0)
    }

    /// Fills a fresh embedded store in `directory` with `count` random unit vectors and times `queries`
    /// searches for k = 10 (exact below `options.hnswThreshold` vectors, HNSW above).
    public static func search(count: Int, dimension: Int = 384, queries: Int = 100, directory: URL,
                              options: EmbeddedVectorStore.Options = .init(), seed: UInt64 = 42) async throws -> SearchResult {
        var random = SeededRandom(seed: seed)
        func vector() -> [Float] { (0..<dimension).map { _ in random.unit() * 2 - 1 } }
        let store = try await EmbeddedVectorStore(directory: directory, options: options)
        let clock = ContinuousClock()
        let writeStart = clock.now
        let batch = 10_000
        for start in stride(from: 0, to: count, by: batch) {
            let records = (start..<min(start + batch, count)).map {
                VectorRecord(id: "v\($0)", documentID: "d\($0 / 100)", text: "", vector: vector())
            }
            try await store.upsert(records)
        }
        let writeSeconds = IngestPipeline.seconds(clock.now - writeStart)
        let probes = (0..<max(1, queries)).map { _ in vector() }
        // The first search builds the HNSW graph when the store uses one.
        let indexStart = clock.now
        _ = try await store.search(probes[0], k: 10)
        let indexSeconds = IngestPipeline.seconds(clock.now - indexStart)
        let usesHNSW = await store.usesHNSW
        var latencies: [Double] = []
        var found = 0
        for probe in probes {
            let start = clock.now
            let hits = try await store.search(probe, k: 10)
            latencies.append(IngestPipeline.seconds(clock.now - start) * 1000)
            if usesHNSW {
                let exact = Set(try await store.exactSearch(probe, k: 10).map(\.record.id))
                found += hits.filter { exact.contains($0.record.id) }.count
            }
        }
        await store.close()
        latencies.sort()
        return SearchResult(vectors: count, dimension: dimension, method: usesHNSW ? "hnsw" : "exact",
                            writeSeconds: writeSeconds, indexSeconds: usesHNSW ? indexSeconds : 0,
                            medianMilliseconds: latencies[latencies.count / 2],
                            p95Milliseconds: latencies[min(latencies.count - 1, latencies.count * 95 / 100)],
                            recallAt10: usesHNSW ? Double(found) / Double(probes.count * 10) : 1)
    }
}

