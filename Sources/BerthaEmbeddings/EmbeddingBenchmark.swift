import BerthaCore
import BerthaInference
import Foundation

/// Measures sentence-embedding throughput the way sentence-transformers is usually measured:
/// N sentences of ~140 characters, embedded in batches, sentences per second over repeated runs
/// after a warm-up batch.
public enum EmbeddingBenchmark {
    /// The JSON report `bertha bench --embeddings` prints and writes.
    public struct Report: Codable, Sendable {
        public let model: String
        public let path: String
        public let dimension: Int
        public let threads: Int
        public let batch_size: Int
        public let sentences: Int
        /// Mean characters per sentence.
        public let mean_characters: Double
        /// Mean tokens per sentence, `[CLS]` and `[SEP]` included.
        public let mean_tokens: Double
        public let reps: Int
        public let load_ms: Double
        public let sentences_per_second: Benchmark.Stat
        public let tokens_per_second: Benchmark.Stat
        public let peak_rss_bytes: Int?
    }

    /// Runs the benchmark.
    /// - Parameters:
    ///   - embedder: the model (its batch size and threads are used).
    ///   - sentences: the inputs of every run.
    ///   - reps: timed runs over all sentences.
    ///   - onRun: called after each run (index -1 is the warm-up batch) with its sentences/s.
    /// - Returns: the report.
    /// - Throws: what the model throws.
    public static func run(_ embedder: BertEmbedder, sentences: [String], reps: Int,
                           onRun: (Int, Double) -> Void = { _, _ in }) async throws -> Report {
        let tokens = sentences.reduce(0) { $0 + embedder.tokenIDs($1).count }
        var rates: [Double] = []
        for rep in -1..<reps {
            let batch = rep < 0 ? Array(sentences.prefix(embedder.batchSize)) : sentences
            let start = DispatchTime.now().uptimeNanoseconds
            _ = try await embedder.embed(batch)
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            let rate = Double(batch.count) / max(seconds, 1e-9)
            if rep >= 0 { rates.append(rate) }
            onRun(rep, rate)
        }
        let count = max(sentences.count, 1)
        let tokensPerSentence = Double(tokens) / Double(count)
        return Report(model: embedder.modelName, path: embedder.path, dimension: embedder.dimension,
                      threads: embedder.threads, batch_size: embedder.batchSize, sentences: sentences.count,
                      mean_characters: Double(sentences.reduce(0) { $0 + $1.count }) / Double(count),
                      mean_tokens: tokensPerSentence, reps: reps, load_ms: embedder.loadSeconds * 1000,
                      sentences_per_second: Benchmark.Stat(rates),
                      tokens_per_second: Benchmark.Stat(rates.map { $0 * tokensPerSentence }),
                      peak_rss_bytes: Benchmark.peakRSS())
    }

    /// `count` deterministic English sentences of about `characters` characters (the same list
    /// for the same arguments on every machine, so other tools can be measured on it too).
    public static func sentences(count: Int, characters: Int = 140, seed: UInt64 = 42) -> [String] {
        var rng = SeededRandom(seed: seed)
        return (0..<count).map { _ in
            var words: [String] = []
            var length = 0
            while length < characters - 4 {
                let list = rng.next() % 3 == 0 ? technical : common
                let word = list[Int(rng.next() % UInt64(list.count))]
                words.append(word)
                length += word.count + 1
            }
            var sentence = words.joined(separator: " ")
            sentence = sentence.prefix(1).uppercased() + sentence.dropFirst()
            if rng.next() % 4 == 0, let space = sentence.firstIndex(of: " ") {
                sentence.insert(",", at: space)
            }
            return sentence + (rng.next() % 5 == 0 ? "?" : ".")
        }
    }

    private static let common = """
        the of and to in is was for that with as on by at from this be are or an which it were have has \
        not but all can their one more other its these new some when also into only time than first after \
        about many most people year could work during such would between world state city part made used \
        well where while through both before being under since however three system group number high life \
        long small large early known found later around several public history area family water music \
        season against government local often company second common school best around south north house
        """.split(separator: " ").map(String.init)

    private static let technical = """
        embedding tokenizer retrieval inference quantization kubernetes deployment workflow transformer \
        attention latency throughput benchmark vector database collection manifest alertmanager prometheus \
        registry artifact checkpoint gradient optimizer learning evaluation sentence paragraph document \
        pipeline container orchestration replica autoscaler endpoint configuration repository archive \
        compression encryption authentication authorization certificate bandwidth memory processor \
        networking storage filesystem snapshot migration monitoring observability telemetry dashboard
        """.split(separator: " ").map(String.init)
}
