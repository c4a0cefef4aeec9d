/// `vector_store:` — where chunks and their embeddings live.
public struct VectorStoreSection: ConfigSection {
    public static let name = "vector_store"
    public static let help = "The vector store: embedded (a directory) or Milvus."

    public var url = "embedded:data/store"
    public var collection = "bertha"
    public var token = ""
    public var topK = 4
    public var scoreThreshold = 0.3
    // The graph is rebuilt in each process on its first search (not persisted yet): ~30 CPU-s at
    // 20k rows, ~340 at 100k, while an exact scan of 100k × 384 takes ~21 ms on 2 threads. Below
    // 100k the build never pays for itself in one process (docs/vectorstore.md).
    public var hnswThreshold = 100_000
    public var hnswM = 24
    public var hnswEfConstruction = 160
    public var hnswEfSearch = 400
    public var compactionThreshold = 0.3

    public init() {}

    public static let fields: [ConfigField<Self>] = [
        .init("url", \.url, help: "embedded:DIR or milvus://HOST:PORT[/COLLECTION] (milvus+https:// for TLS)",
              validate: validateURL),
        .init("collection", \.collection, help: "Milvus collection name when the URL does not give one",
              validate: validateCollection),
        .init("token", \.token, help: "Milvus credentials as user:password or an API token", secret: true,
              env: ["MILVUS_TOKEN"]),
        .init("top_k", \.topK, help: "chunks retrieved per query", validate: Check.range(1...1000)),
        .init("score_threshold", \.scoreThreshold, help: "minimum cosine similarity of a retrieved chunk",
              validate: Check.range(-1.0...1.0)),
        .init("hnsw_threshold", \.hnswThreshold,
              help: "live vectors before the embedded store searches through an HNSW index (0: always exact)",
              validate: Check.atLeast(0)),
        .init("hnsw_m", \.hnswM, help: "HNSW links per node (layer 0 keeps twice as many)", validate: Check.range(4...128)),
        .init("hnsw_ef_construction", \.hnswEfConstruction, help: "HNSW beam width while building",
              validate: Check.range(8...4096)),
        .init("hnsw_ef_search", \.hnswEfSearch, help: "HNSW beam width while searching (higher: better recall, slower)",
              validate: Check.range(1...4096)),
        .init("compaction_threshold", \.compactionThreshold,
              help: "fraction of deleted rows in the embedded store that triggers compaction",
              validate: Check.range(0.0...1.0)),
    ]

    /// The store URL's scheme and, for embedded, a non-empty directory.
    public static let validateURL: @Sendable (String) -> String? = { url in
        if url.hasPrefix("embedded:") {
            return url.count > "embedded:".count ? nil : "embedded: needs a directory, e.g. embedded:data/store"
        }
        let schemes = ["milvus://", "milvus+https://", "milvus+http://"]
        guard let scheme = schemes.first(where: url.hasPrefix), url.count > scheme.count else {
            return "must be embedded:DIR, milvus://HOST:PORT[/COLLECTION] or milvus+https://HOST:PORT[/COLLECTION], got '\(Redactor.maskURLCredentials(url))'"
        }
        return nil
    }

    /// Milvus' collection-name rule: a letter or '_', then letters, digits and '_', at most 255.
    public static let validateCollection: @Sendable (String) -> String? = { name in
        let scalars = Array(name.unicodeScalars)
        let valid = !scalars.isEmpty && scalars.count <= 255
            && scalars.allSatisfy { $0.isASCII && ($0 == "_" || $0.properties.isAlphabetic || ("0"..."9").contains($0)) }
            && !("0"..."9").contains(scalars[0])
        return valid ? nil : "must start with a letter or '_' and hold only letters, digits and '_', got '\(name)'"
    }
}
