/// `ingest:` — `bertha ingest`.
public struct IngestSection: ConfigSection {
    public static let name = "ingest"
    public static let help = "Loading, chunking and indexing documents."

    public var splitter = "sentence"
    public var chunkSize = 512
    public var chunkOverlap = 64
    public var include: [String] = []
    public var exclude: [String] = []
    public var jsonTextField = "text"
    public var maxArchiveEntries = 100_000
    public var maxArchiveBytes = 4 << 30
    public var maxEntryBytes = 512 << 20

    public init() {}

    public static let fields: [ConfigField<Self>] = [
        .init("splitter", \.splitter, help: "sentence (LlamaIndex SentenceSplitter semantics) or token",
              validate: Check.oneOf(["sentence", "token"])),
        .init("chunk_size", \.chunkSize, help: "chunk size in embedding-model tokens", validate: Check.range(16...8192)),
        .init("chunk_overlap", \.chunkOverlap, help: "tokens shared by neighbouring chunks", validate: Check.range(0...4096)),
        .init("include", \.include, help: "glob patterns a file must match (empty: all)"),
        .init("exclude", \.exclude, help: "glob patterns that skip a file"),
        .init("json_text_field", \.jsonTextField, help: "field holding the text in JSON/JSONL documents"),
        .init("max_archive_entries", \.maxArchiveEntries, help: "entries an archive may hold", validate: Check.atLeast(1)),
        .init("max_archive_bytes", \.maxArchiveBytes, help: "total uncompressed bytes an archive may expand to",
              validate: Check.atLeast(1)),
        .init("max_entry_bytes", \.maxEntryBytes, help: "uncompressed bytes one archive entry may hold",
              validate: Check.atLeast(1)),
    ]
}
