/// `embeddings:` — the embedding model used by ingest and RAG.
public struct EmbeddingsSection: ConfigSection {
    public static let name = "embeddings"
    public static let help = "The embedding model (BERT architecture) for ingest, RAG and /v1/embeddings."

    public var model = "models/all-MiniLM-L6-v2"
    public var batchSize = 32
    public var threads = 0

    public init() {}

    public static let fields: [ConfigField<Self>] = [
        .init("model", \.model, help: "GGUF file or Hugging Face folder (config.json, model.safetensors, tokenizer.json)"),
        .init("batch_size", \.batchSize, help: "sentences embedded per forward pass", validate: Check.range(1...4096)),
        .init("threads", \.threads, help: "compute threads; 0 means one per core", validate: Check.range(0...1024)),
    ]
}
