import BerthaCore
import BerthaText

/// How documents are chunked and embedded, and whether anything is written.
public struct IngestOptions: Sendable {
    /// `sentence` (LlamaIndex SentenceSplitter semantics) or `token`.
    public var splitter: String
    /// Chunk size in the embedding model's tokens; capped at what the model reads (`maxTokens` − 2).
    public var chunkSize: Int
    public var chunkOverlap: Int
    public var include: [String]
    public var exclude: [String]
    public var jsonTextField: String
    public var archiveLimits: ArchiveLimits
    /// Chunks per `embed` call.
    public var batchSize: Int
    /// Load and chunk, compare with the store, but embed and write nothing.
    public var dryRun: Bool
    /// Sources loaded and chunked ahead of the one being embedded.
    public var lookahead: Int

    public init(splitter: String = "sentence", chunkSize: Int = 512, chunkOverlap: Int = 64,
                include: [String] = [], exclude: [String] = [], jsonTextField: String = "text",
                archiveLimits: ArchiveLimits = ArchiveLimits(IngestSection()), batchSize: Int = 32,
                dryRun: Bool = false, lookahead: Int = 2) {
        self.splitter = splitter
        self.chunkSize = chunkSize
        self.chunkOverlap = chunkOverlap
        self.include = include
        self.exclude = exclude
        self.jsonTextField = jsonTextField
        self.archiveLimits = archiveLimits
        self.batchSize = batchSize
        self.dryRun = dryRun
        self.lookahead = lookahead
    }

    /// The options `ingest:` and `embeddings:` configure.
    public init(_ ingest: IngestSection, embeddings: EmbeddingsSection = EmbeddingsSection(), dryRun: Bool = false) {
        self.init(splitter: ingest.splitter, chunkSize: ingest.chunkSize, chunkOverlap: ingest.chunkOverlap,
                  include: ingest.include, exclude: ingest.exclude, jsonTextField: ingest.jsonTextField,
                  archiveLimits: ArchiveLimits(ingest), batchSize: embeddings.batchSize, dryRun: dryRun)
    }
}
