import ArgumentParser
import BerthaCore
import BerthaEmbeddings
import BerthaIngest
import BerthaObjectStore
import BerthaVectorStore
import Foundation

struct Ingest: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Load, chunk, embed and index documents from disk, archives, S3 or bucket events; or query the index.",
        discussion: """
            Sources: files and directories (archives inside are expanded), s3://bucket/prefix, and bucket \
            notifications (MinIO, Argo Events minio or webhook source, SeaweedFS) from --event FILE or - (stdin): \
            created objects are ingested, removed ones deleted from the store. Unchanged documents are skipped; \
            changed ones have all their chunks replaced.
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("Files, directories, s3://bucket/prefix, or - for an event payload on stdin.",
                                 valueName: "source"))
    var sources: [String] = []

    @Option(help: ArgumentHelp("A bucket-notification payload to act on (repeatable).", valueName: "file"))
    var event: [String] = []

    @Option(help: ArgumentHelp("The vector store (vector_store.url).", valueName: "embedded:DIR|milvus://HOST:PORT/COLLECTION"))
    var store: String?

    @Option(help: "Chunk size in embedding-model tokens (ingest.chunk_size).")
    var chunkSize: Int?

    @Option(help: "Tokens shared by neighbouring chunks (ingest.chunk_overlap).")
    var chunkOverlap: Int?

    @Option(help: ArgumentHelp("Only files matching this glob (repeatable; ingest.include).", valueName: "glob"))
    var include: [String] = []

    @Option(help: ArgumentHelp("Skip files matching this glob (repeatable; ingest.exclude).", valueName: "glob"))
    var exclude: [String] = []

    @Flag(help: "Load and chunk, compare with the store, but embed and write nothing.")
    var dryRun = false

    @Option(help: ArgumentHelp("Print the chunks nearest to this text instead of ingesting.", valueName: "text"))
    var query: String?

    @Option(name: .customShort("k"), help: "Chunks --query returns (vector_store.top_k).")
    var topK: Int?

    @Option(help: "Lowest cosine similarity --query returns (vector_store.score_threshold).")
    var minScore: Double?

    func validate() throws {
        if query != nil {
            guard sources.isEmpty, event.isEmpty else { throw ValidationError("--query takes no sources or --event") }
        } else {
            guard !sources.isEmpty || !event.isEmpty else {
                throw ValidationError("give a source (PATH, s3://bucket/prefix, -) or --event FILE, or --query TEXT")
            }
        }
        guard sources.filter({ $0 == "-" }).count <= 1 else { throw ValidationError("- (stdin) may be given once") }
        if let topK, topK < 1 { throw ValidationError("-k must be at least 1") }
    }

    func run() async throws {
        var flags = FlagOverrides()
        flags.add("vector_store.url", store, flag: "--store")
        flags.add("ingest.chunk_size", chunkSize, flag: "--chunk-size")
        flags.add("ingest.chunk_overlap", chunkOverlap, flag: "--chunk-overlap")
        flags.add("ingest.include", list: include, flag: "--include")
        flags.add("ingest.exclude", list: exclude, flag: "--exclude")
        flags.add("vector_store.top_k", topK, flag: "-k")
        flags.add("vector_store.score_threshold", minScore, flag: "--min-score")
        let config = try global.loadConfig(flags).config

        if let query {
            let embedder = try Self.loadEmbedder(config.embeddings)
            let vectorStore = try await VectorStores.open(config.vectorStore, readOnly: true)
            let hits = try await Retriever(embedder: embedder, store: vectorStore)
                .retrieve(query: query, k: config.vectorStore.topK, minScore: Float(config.vectorStore.scoreThreshold))
            if global.json {
                try printJSON(hits)
            } else if hits.isEmpty {
                print("no chunk scored at least \(config.vectorStore.scoreThreshold)")
            } else {
                for (rank, hit) in hits.enumerated() { print(Self.describe(hit, rank: rank + 1)) }
            }
            return
        }

        // Parse every source before loading the model, so a typo costs nothing.
        var parsed: [IngestSource] = []
        for source in sources where source != "-" { parsed.append(try IngestSource(parsing: source)) }
        for file in event {
            let data: Data
            do { data = try Data(contentsOf: URL(fileURLWithPath: file)) } catch {
                throw IngestError.invalidSource(file, reason: "cannot read the event file")
            }
            parsed.append(try IngestSource.events(payload: data))
        }
        if sources.contains("-") {
            parsed.append(try IngestSource.events(payload: FileHandle.standardInput.readDataToEndOfFile()))
        }

        let embedder = try Self.loadEmbedder(config.embeddings)
        let vectorStore = try await VectorStores.open(config.vectorStore, readOnly: dryRun)
        let s3 = config.s3
        let pipeline = try IngestPipeline(
            embedder: embedder, store: vectorStore, options: IngestOptions(config.ingest, embeddings: config.embeddings, dryRun: dryRun),
            objectStores: { bucket in try S3ObjectStore(section: s3, bucket: bucket) })
        let style = global.style
        let summary = try await pipeline.run(parsed) { total in
            ProgressReporter("ingest", total: Double(total), unit: "sources", style: style)
        }
        if global.json {
            try printJSON(summary)
        } else {
            print(summary.line)
        }
        if let first = summary.failures.first {
            throw IngestError.sourcesFailed(count: summary.failures.count, first: "\(first.error) (\(first.source))")
        }
    }

    /// The embedding model `embeddings:` names (a GGUF file or a Hugging Face folder).
    static func loadEmbedder(_ section: EmbeddingsSection) throws -> any TextEmbedder {
        try EmbeddingModels.open(section: section)
    }

    /// `1. 0.734  file:///…/dns.md #4 § Section` then the chunk's first line of text.
    static func describe(_ hit: RetrievedChunk, rank: Int) -> String {
        var head = String(format: "%d. %.3f  %@", rank, hit.score, hit.source)
        if let index = hit.chunkIndex { head += " #\(index)" }
        if let page = hit.page { head += " p.\(page)" }
        if let section = hit.section { head += "  § \(section)" }
        let flat = hit.text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        let excerpt = flat.count > 240 ? flat.prefix(240) + "…" : flat[...]
        return head + "\n   " + excerpt
    }
}
