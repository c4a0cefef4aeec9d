import ArgumentParser
import BerthaCore
import BerthaIngest
import BerthaText
import BerthaTokenizers
import BerthaVectorStore
import Foundation

extension Bench {
    /// `--store` and `--chunking`: the vector store and chunking measurements of ingest.
    func runIngestBenchmarks() async throws {
        let config = try global.loadConfig().config
        var report: [String: AnyEncodable] = [:]
        if let chunking {
            let counter = TokenizerTokenCounter(try loadTokenizer(path: config.embeddings.model))
            let splitter = try TextSplitters.make(config.ingest, counter: counter)
            let source = FileSource(root: URL(fileURLWithPath: chunking), filter: try PathFilter(), archiveLimits: ArchiveLimits(config.ingest))
            var documents: [Document] = []
            for item in try source.items() {
                if case .documents(let loaded) = try await DocumentLoader(config.ingest).load(item) { documents += loaded }
            }
            let result = IngestBenchmark.chunking(documents, splitter: splitter, reps: reps)
            report["chunking"] = AnyEncodable(result)
            if !global.json {
                print(String(format: "chunking: %d documents, %.3f MB, %d chunks of ≤%d tokens: %.3f s (median of %d), %.2f MB/s",
                             result.documents, Double(result.bytes) / 1e6, result.chunks, config.ingest.chunkSize,
                             result.seconds, reps, result.megabytesPerSecond))
            }
        }
        var searches: [IngestBenchmark.SearchResult] = []
        for count in store {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bertha-bench-store-\(UUID().uuidString.prefix(8))")
            defer { try? FileManager.default.removeItem(at: directory) }
            let vs = config.vectorStore
            let options = EmbeddedVectorStore.Options(
                hnswThreshold: vs.hnswThreshold,
                hnsw: HNSWParameters(m: vs.hnswM, efConstruction: vs.hnswEfConstruction, efSearch: vs.hnswEfSearch))
            let result = try await IngestBenchmark.search(count: count, directory: directory, options: options)
            searches.append(result)
            if !global.json {
                print(String(format: "store: %d × %d, %@: search k=10 median %.2f ms, p95 %.2f ms; write %.1f s, index build %.1f s, recall@10 %.3f",
                             result.vectors, result.dimension, result.method, result.medianMilliseconds, result.p95Milliseconds,
                             result.writeSeconds, result.indexSeconds, result.recallAt10))
            }
        }
        if !searches.isEmpty { report["store"] = AnyEncodable(searches) }
        if global.json { try printJSON(report) }
    }
}

/// Type-erased `Encodable`, for reports that mix result types.
struct AnyEncodable: Encodable {
    private let encodeValue: (any Encoder) throws -> Void

    init<T: Encodable>(_ value: T) { encodeValue = value.encode }

    func encode(to encoder: any Encoder) throws { try encodeValue(encoder) }
}
