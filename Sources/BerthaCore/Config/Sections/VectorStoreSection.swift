/// `vector_store:` — where chunks and their embeddings live.
public struct VectorStoreSection: ConfigSection {
    public static let name = "vector_store"
    public static let help = "The vector store: embedded (a directory) or Milvus."

    public var url = "embedded:data/store"
    public var collection = "bertha"
    public var token = ""
    public var topK = 4
    public var scoreThreshold = 0.3
    public var hnswThreshold = 20_000

    public init() {}

    public static let fields: [ConfigField<Self>] = [
        .init("url", \.url, help: "embedded:DIR or milvus://HOST:PORT[/COLLECTION] (milvus+https:// for TLS)"),
        .init("collection", \.collection, help: "collection name when the URL does not give one"),
        .init("token", \.token, help: "Milvus credentials as user:password or an API token", secret: true,
              env: ["MILVUS_TOKEN"]),
        .init("top_k", \.topK, help: "chunks retrieved per query", validate: Check.range(1...1000)),
        .init("score_threshold", \.scoreThreshold, help: "minimum cosine similarity of a retrieved chunk",
              validate: Check.range(-1.0...1.0)),
        .init("hnsw_threshold", \.hnswThreshold, help: "vectors in a collection before the embedded store builds an HNSW index",
              validate: Check.atLeast(0)),
    ]
}
