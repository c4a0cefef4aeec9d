import BerthaCore
import BerthaEmbeddings
import BerthaObjectStore
import BerthaText
import BerthaVectorStore
import Foundation
import Logging

/// Gives the object store of a bucket named by an `s3://` source or a bucket event.
public typealias ObjectStoreProvider = @Sendable (_ bucket: String) throws -> any ObjectStore

/// sources → loaders → chunks → embeddings → vector store, keeping the store in step with the sources.
///
/// **Idempotence.** Every document is stored with a fingerprint: the SHA-256 of its extracted text, its
/// metadata, the splitter and its sizes and the embedding model. A document whose fingerprint the
/// store already holds is left alone (no chunking, no embedding); any other is written with
/// `replaceDocument`, which swaps all its chunks in one step (one manifest commit in the embedded
/// store), so a run that fails or is killed leaves every document either as before or as after.
/// Documents an object no longer yields (a JSONL record or an archive entry that went away) and the
/// documents of removed objects are deleted.
///
/// **Concurrency.** Sources are listed first; then up to `IngestOptions.lookahead` of them are read,
/// loaded and chunked in child tasks while the current one is embedded and written, in source order.
public struct IngestPipeline: Sendable {
    public let embedder: any TextEmbedder
    public let store: any VectorStore
    public let options: IngestOptions
    /// Chunk size and overlap actually used (capped at the model's input length).
    public let chunkSize: Int
    public let chunkOverlap: Int
    private let objectStores: ObjectStoreProvider?
    private let splitter: any TextSplitter
    private let filter: PathFilter
    private let loader: DocumentLoader
    private let logger: Logger

    /// - Parameters:
    ///   - objectStores: the store of a bucket, for `s3://` sources and bucket events; nil when there is none.
    /// - Throws: `IngestError.invalidChunking` or `TextError.invalidGlob` for settings that cannot work.
    public init(embedder: any TextEmbedder, store: any VectorStore, options: IngestOptions,
                objectStores: ObjectStoreProvider? = nil, logger: Logger = Logger(label: "bertha.ingest")) throws {
        self.embedder = embedder
        self.store = store
        self.options = options
        self.objectStores = objectStores
        self.logger = logger
        // The model adds [CLS] and [SEP]; a longer chunk would be truncated silently when embedded.
        let modelLimit = embedder.maxTokens > 2 ? embedder.maxTokens - 2 : options.chunkSize
        var size = options.chunkSize, overlap = options.chunkOverlap
        if size > modelLimit {
            logger.warning("chunk size exceeds what the embedding model reads; using its limit",
                           metadata: ["chunk_size": "\(size)", "model": "\(embedder.modelName)", "limit": "\(modelLimit)"])
            size = modelLimit
            overlap = min(overlap, size / 4)
        }
        guard overlap < size else {
            throw IngestError.invalidChunking(reason: "chunk overlap \(overlap) must be below the chunk size \(size)")
        }
        chunkSize = size
        chunkOverlap = overlap
        var section = IngestSection()
        section.splitter = options.splitter
        section.chunkSize = size
        section.chunkOverlap = overlap
        do {
            splitter = try TextSplitters.make(section, counter: EmbedderTokenCounter(embedder))
        } catch {
            throw IngestError.invalidChunking(reason: (error as? TextError)?.message ?? "\(error)")
        }
        filter = try PathFilter(include: options.include, exclude: options.exclude)
        loader = DocumentLoader(jsonTextField: options.jsonTextField)
    }

    // MARK: running

    /// Ingests `sources` in order and returns what was done.
    ///
    /// A source that cannot be read or loaded (a missing file, a refused archive, bad JSON) is recorded in
    /// the summary's `failures` and the run goes on; the caller decides what a failure means. Failures of
    /// the embedding model or the vector store, and unreachable services, end the run with their error.
    /// - Parameter progress: given the number of listed sources (files, objects, events), returns the
    ///   reporter to advance once per source, with documents, chunks and embeddings/s as its detail.
    public func run(_ sources: [IngestSource],
                    progress makeProgress: (@Sendable (_ sources: Int) -> ProgressReporter)? = nil) async throws -> IngestSummary {
        let clock = ContinuousClock()
        let started = clock.now
        var summary = IngestSummary()
        summary.dryRun = options.dryRun
        var units: [WorkUnit] = []
        for source in sources {
            do {
                units += try await listUnits(source)
            } catch {
                try record(failure: error, source: Self.describe(source), in: &summary)
            }
        }
        var stats = RunStats()
        let progress = makeProgress?(units.count)
        let lookahead = max(1, options.lookahead)
        try await withThrowingTaskGroup(of: (Int, PreparedUnit).self) { group in
            var started = 0
            var ready: [Int: PreparedUnit] = [:]
            for index in units.indices {
                while started < units.count, started <= index + lookahead {
                    let unit = units[started], number = started
                    group.addTask { (number, try await self.prepare(unit)) }
                    started += 1
                }
                while ready[index] == nil {
                    guard let (number, prepared) = try await group.next() else { break }
                    ready[number] = prepared
                }
                guard var prepared = ready.removeValue(forKey: index) else { continue }
                // Prepared ahead, it compared with the store before an earlier unit of this run deleted
                // one of its documents (a removal and a re-creation of one key in the same payload).
                if prepared.documents.contains(where: { $0.chunks == nil && stats.deleted.contains($0.id) }) {
                    prepared = try await prepare(units[index])
                }
                try await consume(prepared, summary: &summary, stats: &stats)
                progress?.advance(detail: stats.detail(summary: summary))
            }
        }
        progress?.finish(detail: stats.detail(summary: summary))
        summary.seconds = Self.seconds(clock.now - started)
        return summary
    }

    /// The store fingerprint of `document` under this pipeline's chunking and model.
    public func fingerprint(of document: Document) -> String {
        var text = "bertha-ingest/1\u{0}\(document.contentHash)\u{0}\(options.splitter)\u{0}\(chunkSize)\u{0}\(chunkOverlap)"
        text += "\u{0}\(embedder.modelName)\u{0}\(embedder.dimension)"
        for (key, value) in document.metadata.sorted(by: { $0.key < $1.key }) { text += "\u{0}\(key)=\(value)" }
        return SHA256Hex.of(text)
    }

    // MARK: listing

    /// One step of a run, in order: a file, an object, or the removal of an object's documents.
    enum WorkUnit: Sendable {
        case file(FileSource, SourceFile)
        case object(bucket: String, key: String, path: String, fromEvent: Bool)
        case removal(uri: String)
    }

    private func listUnits(_ source: IngestSource) async throws -> [WorkUnit] {
        switch source {
        case .path(let url):
            let walker = FileSource(root: url, filter: filter, archiveLimits: options.archiveLimits)
            return try walker.files().map { .file(walker, $0) }
        case .objects(let bucket, let prefix):
            let objects = try objectStore(bucket, uri: "s3://\(bucket)/\(prefix)")
            let listing = try await objects.list(prefix: prefix, delimiter: nil)
            return listing.objects.compactMap { info in
                var path = String(info.key.dropFirst(prefix.count).drop { $0 == "/" })
                if path.isEmpty { path = String(info.key.split(separator: "/").last ?? Substring(info.key)) }
                guard !info.key.hasSuffix("/"), !PathFilter.isHidden(path), wanted(path) else { return nil }
                return .object(bucket: bucket, key: info.key, path: path, fromEvent: false)
            }
        case .events(let events):
            return events.compactMap { event in
                switch event.kind {
                case .removed: return .removal(uri: event.uri)
                case .created:
                    guard !PathFilter.isHidden(event.key), wanted(event.key) else { return nil }
                    return .object(bucket: event.bucket, key: event.key, path: event.key, fromEvent: true)
                }
            }
        }
    }

    /// The include/exclude decision before reading: archives are read unless excluded (their entries are filtered).
    private func wanted(_ path: String) -> Bool {
        FileSource.hasArchiveExtension(path) ? !filter.exclude.contains { $0.matches(path) } : filter.accepts(path)
    }

    private func objectStore(_ bucket: String, uri: String) throws -> any ObjectStore {
        guard let objectStores else { throw IngestError.noObjectStore(uri: uri) }
        return try objectStores(bucket)
    }

    // MARK: preparing (child tasks)

    struct PreparedDocument: Sendable {
        var id: String
        var fingerprint: String
        var previous: String?
        /// Nil when the store already holds this fingerprint.
        var chunks: [Chunk]?
    }

    struct PreparedUnit: Sendable {
        var source: String
        /// The object whose documents these are; its other documents in the store are stale.
        var objectURI: String?
        var documents: [PreparedDocument] = []
        var skips: [IngestSummary.Skip] = []
        var failure: (any Error)?
        var removal: String?
    }

    /// Reads, loads and chunks one unit. Source errors are kept in the result; store errors are thrown.
    private func prepare(_ unit: WorkUnit) async throws -> PreparedUnit {
        let items: [SourceItem]
        var prepared: PreparedUnit
        switch unit {
        case .removal(let uri):
            return PreparedUnit(source: uri, removal: uri)
        case .file(let walker, let file):
            prepared = PreparedUnit(source: file.url.absoluteString, objectURI: file.url.absoluteString)
            do { items = try walker.items(of: file) } catch { prepared.failure = error; return prepared }
        case .object(let bucket, let key, let path, let fromEvent):
            let uri = "s3://\(bucket)/\(key)"
            prepared = PreparedUnit(source: uri, objectURI: uri)
            do {
                let data = try await objectStore(bucket, uri: uri).getData(key: key)
                items = try SourceItem(uri: uri, path: path, data: data).expanded(filter: filter, limits: options.archiveLimits)
            } catch let error as S3Error where fromEvent && Self.isMissingObject(error) {
                // Removed again before this event was handled: a later removal event follows.
                prepared.objectURI = nil
                prepared.skips.append(.init(source: uri, reason: "the object no longer exists"))
                return prepared
            } catch {
                prepared.failure = error
                return prepared
            }
        }
        var documents: [Document] = []
        for item in items {
            do {
                switch try await loader.load(item) {
                case .documents(let loaded): documents += loaded
                case .skipped(let reason): prepared.skips.append(.init(source: item.uri, reason: reason))
                }
            } catch {
                prepared.failure = error
                return prepared
            }
        }
        for document in documents {
            try Task.checkCancellation()
            let fingerprint = fingerprint(of: document)
            let previous = try await store.documentHash(document.id)
            let chunks = previous == fingerprint ? nil : splitter.chunks(of: document)
            prepared.documents.append(PreparedDocument(id: document.id, fingerprint: fingerprint, previous: previous, chunks: chunks))
        }
        return prepared
    }

    static func isMissingObject(_ error: S3Error) -> Bool {
        switch error {
        case .notFound: true
        case .service(let code, _, let status, _, _, _): code == "NoSuchKey" || status == 404
        default: false
        }
    }

    // MARK: consuming (in order, in the parent task)

    struct RunStats {
        var documents = 0
        var embedded = 0
        var embedSeconds = 0.0
        /// Documents this run deleted.
        var deleted: Set<String> = []

        func detail(summary: IngestSummary) -> String {
            var text = "\(documents) docs, \(summary.chunks) chunks"
            if embedSeconds > 0 { text += String(format: ", %.1f emb/s", Double(embedded) / embedSeconds) }
            return text
        }
    }

    private func consume(_ unit: PreparedUnit, summary: inout IngestSummary, stats: inout RunStats) async throws {
        for skip in unit.skips {
            logger.warning("skipped", metadata: ["source": "\(skip.source)", "reason": "\(skip.reason)"])
        }
        summary.skipped += unit.skips.count
        summary.skips += unit.skips
        if let failure = unit.failure {
            try record(failure: failure, source: unit.source, in: &summary)
            return
        }
        if let uri = unit.removal {
            let gone = try await deleteDocuments(of: uri, keeping: [])
            stats.deleted.formUnion(gone)
            summary.deleted += gone.count
            return
        }
        // Embed every changed document of the unit together, so many small records fill whole batches.
        let changed = unit.documents.filter { $0.chunks?.isEmpty == false }
        let chunks = changed.flatMap { $0.chunks ?? [] }
        var vectors: [[Float]] = []
        if !options.dryRun, !chunks.isEmpty {
            let clock = ContinuousClock()
            let start = clock.now
            vectors = try await embed(chunks.map(\.text))
            stats.embedSeconds += Self.seconds(clock.now - start)
            stats.embedded += chunks.count
        }
        var offset = 0
        for document in unit.documents {
            stats.documents += 1
            guard let documentChunks = document.chunks else {
                summary.unchanged += 1
                continue
            }
            if documentChunks.isEmpty {
                // A document without text has nothing to retrieve; an earlier version of it goes.
                summary.skipped += 1
                summary.skips.append(.init(source: document.id, reason: "no text"))
                if document.previous != nil {
                    if !options.dryRun { try await store.deleteDocument(document.id) }
                    stats.deleted.insert(document.id)
                    summary.deleted += 1
                }
                continue
            }
            if !options.dryRun {
                let records = documentChunks.enumerated().map { i, chunk in
                    Self.record(for: chunk, vector: vectors[offset + i])
                }
                try await store.replaceDocument(document.id, contentHash: document.fingerprint, records: records)
            }
            offset += documentChunks.count
            summary.chunks += documentChunks.count
            if document.previous == nil { summary.added += 1 } else { summary.updated += 1 }
        }
        if let objectURI = unit.objectURI {
            let kept = Set(unit.documents.filter { $0.chunks?.isEmpty != true }.map(\.id))
            let gone = try await deleteDocuments(of: objectURI, keeping: kept)
            stats.deleted.formUnion(gone)
            summary.deleted += gone.count
        }
    }

    /// Deletes the stored documents that came from the object at `uri` (the object itself, its records
    /// `uri#n`, its archive entries `uri!/path`), except `kept`. Returns their ids.
    private func deleteDocuments(of uri: String, keeping kept: Set<String>) async throws -> [String] {
        let stale = try await store.documentIDs(withPrefix: uri).filter { id in
            !kept.contains(id) && (id == uri || id.hasPrefix(uri + "#") || id.hasPrefix(uri + "!/"))
        }
        if !options.dryRun {
            for id in stale { try await store.deleteDocument(id) }
        }
        return stale
    }

    private func embed(_ texts: [String]) async throws -> [[Float]] {
        var vectors: [[Float]] = []
        vectors.reserveCapacity(texts.count)
        let size = max(1, options.batchSize)
        for start in stride(from: 0, to: texts.count, by: size) {
            try Task.checkCancellation()
            let batch = Array(texts[start..<min(start + size, texts.count)])
            let embedded = try await embedder.embed(batch)
            guard embedded.count == batch.count else {
                throw IngestError.embedderMismatch(model: embedder.modelName,
                                                   reason: "\(embedded.count) vectors for \(batch.count) texts")
            }
            if let bad = embedded.first(where: { $0.count != embedder.dimension }) {
                throw IngestError.embedderMismatch(model: embedder.modelName,
                                                   reason: "a \(bad.count)-dimensional vector, expected \(embedder.dimension)")
            }
            vectors += embedded
        }
        return vectors
    }

    /// The stored form of a chunk: its text, vector and where it came from.
    static func record(for chunk: Chunk, vector: [Float]) -> VectorRecord {
        var metadata = chunk.metadata
        metadata[VectorRecord.MetadataKey.source] = chunk.sourceURI
        metadata[VectorRecord.MetadataKey.chunkIndex] = String(chunk.index)
        if let page = chunk.pageNumber { metadata[VectorRecord.MetadataKey.page] = String(page) }
        if let section = chunk.sectionHeading { metadata[VectorRecord.MetadataKey.section] = section }
        return VectorRecord(id: chunk.id, documentID: chunk.documentID, text: chunk.text, vector: vector, metadata: metadata)
    }

    private func record(failure error: any Error, source: String, in summary: inout IngestSummary) throws {
        let (line, code) = describeError(error)
        // A service that is down fails every later source too: stop instead of listing them all.
        if code == .unreachable || error is CancellationError { throw error }
        logger.error("failed", metadata: ["source": "\(source)", "error": "\(line)"])
        summary.failed += 1
        summary.failures.append(.init(source: source, error: line))
    }

    static func describe(_ source: IngestSource) -> String {
        switch source {
        case .path(let url): url.path
        case .objects(let bucket, let prefix): "s3://\(bucket)/\(prefix)"
        case .events(let events): "\(events.count) bucket events"
        }
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
