import BerthaCore
import Foundation

/// bertha's own vector store: a directory of immutable segment files plus `manifest.json`.
///
/// A write appends one new segment (written to a temporary name, fsync'd, renamed) and then commits
/// by replacing the manifest atomically (`AtomicFile.commit`). Until the manifest rename, nothing a
/// reader or a reopened store sees has changed; a crash at any point therefore leaves the last
/// committed state, and the next writer removes the orphaned files. Deletes and replacements are
/// tombstones in the manifest; once dead rows pass `Options.compactionThreshold` of all rows the
/// live rows are rewritten into one segment.
///
/// Search is exact (a SIMD dot product over contiguous rows, split across cores when large) until
/// the collection holds `Options.hnswThreshold` live records; then an HNSW graph is built in memory
/// at the first search and kept up to date by later writes. It is not persisted: every process
/// rebuilds it on its first search. Filtered searches are always exact.
///
/// One writer at a time (a `flock` on `writer.lock`); any number of read-only openers.
public actor EmbeddedVectorStore: VectorStore {
    /// Tuning for one store.
    public struct Options: Sendable, Equatable {
        /// Live records before search switches to HNSW; 0 keeps search exact.
        public var hnswThreshold: Int
        public var hnsw: HNSWParameters
        /// Fraction of dead rows (tombstones) that triggers compaction.
        public var compactionThreshold: Double
        /// Rows above which exact search is split across all cores.
        public var parallelSearchRows: Int

        public init(hnswThreshold: Int = 100_000, hnsw: HNSWParameters = .init(),
                    compactionThreshold: Double = 0.3, parallelSearchRows: Int = 32_768) {
            self.hnswThreshold = hnswThreshold
            self.hnsw = hnsw
            self.compactionThreshold = compactionThreshold
            self.parallelSearchRows = parallelSearchRows
        }
    }

    /// Where a test can stop a commit to simulate a crash.
    enum FailurePoint: Sendable {
        /// The new segment is on disk, the manifest not yet written.
        case afterSegment
        /// The new manifest is written to its temporary file and fsync'd, not yet renamed.
        case beforeManifestRename
    }

    public nonisolated let directory: URL
    public nonisolated let isReadOnly: Bool
    private let options: Options
    private var lock: WriterLock?
    private var closed = false

    private var manifest: EmbeddedManifest
    /// All rows of all segments in manifest order, unit length, (rows, dimension).
    private var vectors: [Float] = []
    private var rows: [SegmentFile.Row] = []
    private var alive: [Bool] = []
    /// Which segment file and index each row came from, to record tombstones.
    private var origin: [(segment: Int, row: Int)] = []
    private var rowByID: [String: Int] = [:]
    private var rowsByDocument: [String: Set<Int>] = [:]
    private var liveCount = 0
    private var index: HNSWIndex?
    /// manifest.json's identity when the committed state was loaded (readers reload when it changes).
    private var loadedStamp: String?
    /// Set after a simulated crash: the in-memory state no longer matches disk, so the store refuses work.
    private var poisoned = false
    private var failurePoint: FailurePoint?

    /// Makes the next commit stop at `point` as if the process died there (tests only).
    func injectFailure(at point: FailurePoint?) { failurePoint = point }

    private var manifestURL: URL { directory.appendingPathComponent("manifest.json") }
    private var segmentsDirectory: URL { directory.appendingPathComponent("segments", isDirectory: true) }

    /// Opens (creating when writable) the store in `directory`.
    /// - Parameter readOnly: open without the writer lock; writes then throw `readOnly`.
    /// - Throws: `VectorStoreError.locked` naming the directory and holder pid when another writer has it.
    public init(directory: URL, options: Options = .init(), readOnly: Bool = false) async throws(VectorStoreError) {
        self.directory = directory
        self.options = options
        self.isReadOnly = readOnly
        if readOnly {
            lock = nil
        } else {
            do {
                try FileManager.default.createDirectory(at: directory.appendingPathComponent("segments"), withIntermediateDirectories: true)
            } catch {
                throw .io(path: directory.path, reason: "cannot create the store directory")
            }
            lock = try WriterLock(directory: directory)
        }
        manifest = EmbeddedManifest()
        try loadCommittedState()
        if !readOnly { removeOrphans() }
    }

    // MARK: VectorStore

    public func upsert(_ records: [VectorRecord]) async throws {
        try commitChange(documentID: nil, state: nil, records: records)
    }

    public func replaceDocument(_ documentID: String, contentHash: String, records: [VectorRecord]) async throws {
        for record in records where record.documentID != documentID {
            throw VectorStoreError.wrongDocument(recordID: record.id, expected: documentID, actual: record.documentID)
        }
        let state = DocumentState(documentID: documentID, contentHash: contentHash, recordIDs: records.map(\.id))
        try commitChange(documentID: documentID, state: state, records: records)
    }

    public func deleteDocument(_ documentID: String) async throws {
        guard rowsByDocument[documentID] != nil || manifest.documents[documentID] != nil else { return }
        try commitChange(documentID: documentID, state: nil, records: [])
    }

    public func documentHash(_ documentID: String) async throws -> String? {
        try checkUsable()
        return manifest.documents[documentID]?.contentHash
    }

    public func documentIDs(withPrefix prefix: String) async throws -> [String] {
        try checkUsable()
        // Documents written by replaceDocument have a state; records upserted alone only have rows.
        let known = Set(manifest.documents.keys).union(rowsByDocument.keys)
        return known.filter { $0.hasPrefix(prefix) }.sorted()
    }

    /// The stored state of `documentID` (hash and record ids), or nil.
    public func documentState(_ documentID: String) -> DocumentState? {
        manifest.documents[documentID]
    }

    public func search(_ vector: [Float], k: Int, filter: SearchFilter = .none, minScore: Float? = nil) async throws -> [ScoredRecord] {
        try checkUsable()
        guard k > 0, liveCount > 0, let dimension = manifest.dimension else { return [] }
        guard vector.count == dimension else {
            throw VectorStoreError.dimensionMismatch(recordID: "query", expected: dimension, actual: vector.count)
        }
        guard let query = VectorMath.normalized(vector) else { throw VectorStoreError.invalidVector(recordID: "query") }
        let hits: [(score: Float, index: Int)]
        if filter.isEmpty, options.hnswThreshold > 0, liveCount >= options.hnswThreshold {
            hits = approximateSearch(query, k: k)
        } else {
            hits = exactSearch(query, k: k, filter: filter)
        }
        return hits.compactMap { hit in
            if let minScore, hit.score < minScore { return nil }
            return ScoredRecord(record: record(at: hit.index), score: hit.score)
        }
    }

    /// Exact search regardless of the HNSW threshold: the reference the index is measured against.
    public func exactSearch(_ vector: [Float], k: Int) throws -> [ScoredRecord] {
        guard let dimension = manifest.dimension, vector.count == dimension,
              let query = VectorMath.normalized(vector) else { return [] }
        return exactSearch(query, k: k, filter: .none).map { ScoredRecord(record: record(at: $0.index), score: $0.score) }
    }

    public func count() async throws -> Int {
        try checkUsable()
        return liveCount
    }

    /// Removes every segment and document; the directory and lock stay, so the writer keeps the store.
    public func drop() async throws {
        try checkWritable()
        var next = EmbeddedManifest()
        next.generation = manifest.generation + 1
        try writeManifest(next)
        let oldSegments = manifest.segments
        manifest = next
        resetMemory()
        for segment in oldSegments { try? FileManager.default.removeItem(at: segmentsDirectory.appendingPathComponent(segment.file)) }
    }

    /// Releases the writer lock; the store refuses further work. Dropping the last reference does the same.
    public func close() {
        lock = nil
        closed = true
    }

    /// Whether search currently goes through the HNSW graph (built lazily at the first search).
    public var usesHNSW: Bool { index != nil }

    /// The number of rows on disk, live and dead; `count()` is the live ones.
    public var storedRows: Int { rows.count }

    /// The segment files the manifest names, oldest first.
    public var segmentFiles: [String] { manifest.segments.map(\.file) }

    // MARK: loading

    private func loadCommittedState() throws(VectorStoreError) {
        // A reader racing a compaction can find a segment already deleted; reread the manifest then.
        var attempt = 0
        while true {
            attempt += 1
            do {
                try loadOnce()
                return
            } catch let error {
                if case .corrupt(_, let reason) = error, reason.hasPrefix("missing segment"), isReadOnly, attempt < 3 { continue }
                throw error
            }
        }
    }

    private func loadOnce() throws(VectorStoreError) {
        resetMemory()
        // Taken before reading: a commit racing the read makes the next check load again.
        loadedStamp = Self.manifestStamp(manifestURL)
        guard FileManager.default.fileExists(atPath: manifestURL.path) else {
            manifest = EmbeddedManifest()
            return
        }
        let data: Data
        do { data = try Data(contentsOf: manifestURL) } catch {
            throw .corrupt(path: manifestURL.path, reason: "cannot read the manifest")
        }
        let loaded: EmbeddedManifest
        do { loaded = try JSONDecoder().decode(EmbeddedManifest.self, from: data) } catch {
            throw .corrupt(path: manifestURL.path, reason: "the manifest is not valid JSON")
        }
        guard loaded.format == EmbeddedManifest.currentFormat else {
            throw .corrupt(path: manifestURL.path, reason: "manifest format \(loaded.format) is not supported (expected \(EmbeddedManifest.currentFormat))")
        }
        manifest = loaded
        for (number, entry) in loaded.segments.enumerated() {
            let url = segmentsDirectory.appendingPathComponent(entry.file)
            guard let bytes = try? Data(contentsOf: url) else {
                throw .corrupt(path: url.path, reason: "missing segment \(entry.file) named by the manifest")
            }
            guard bytes.count == entry.bytes, SegmentFile.checksum(bytes) == entry.checksum else {
                throw .corrupt(path: url.path, reason: "segment \(entry.file) does not match the size and checksum the manifest recorded")
            }
            let segment = try SegmentFile.decode(bytes, path: url.path)
            guard segment.dimension == loaded.dimension, segment.rows.count == entry.rows else {
                throw .corrupt(path: url.path, reason: "segment \(entry.file) disagrees with the manifest on dimension or rows")
            }
            let dead = Set(loaded.tombstones[entry.file] ?? [])
            appendRows(segment, segmentNumber: number, dead: dead)
        }
    }

    private func resetMemory() {
        vectors = []
        rows = []
        alive = []
        origin = []
        rowByID = [:]
        rowsByDocument = [:]
        liveCount = 0
        index = nil
    }

    private func appendRows(_ segment: SegmentFile, segmentNumber: Int, dead: Set<Int>) {
        let first = rows.count
        vectors.append(contentsOf: segment.vectors)
        for (i, row) in segment.rows.enumerated() {
            let number = first + i
            rows.append(row)
            origin.append((segmentNumber, i))
            let isAlive = !dead.contains(i)
            alive.append(isAlive)
            if isAlive {
                rowByID[row.id] = number
                rowsByDocument[row.doc, default: []].insert(number)
                liveCount += 1
            }
        }
    }

    /// Files a crashed writer left behind: segments the manifest does not name and temporary files.
    private func removeOrphans() {
        let named = Set(manifest.segments.map(\.file))
        let fm = FileManager.default
        for name in (try? fm.contentsOfDirectory(atPath: segmentsDirectory.path)) ?? [] where !named.contains(name) {
            try? fm.removeItem(at: segmentsDirectory.appendingPathComponent(name))
        }
        for name in (try? fm.contentsOfDirectory(atPath: directory.path)) ?? [] where name.hasPrefix(".manifest.json.tmp") {
            try? fm.removeItem(at: directory.appendingPathComponent(name))
        }
    }

    // MARK: writing

    private func checkUsable() throws(VectorStoreError) {
        if poisoned { throw .io(path: directory.path, reason: "an earlier commit failed; reopen the store") }
        if closed { throw .io(path: directory.path, reason: "the store was closed") }
        if isReadOnly { try refreshIfCommitted() }
    }

    /// A reader (the server answering with RAG) follows the writer (`bertha ingest` in another
    /// process): every commit renames a new manifest into place, so a changed inode, size or
    /// modification time of manifest.json means new committed state. One stat per call.
    private func refreshIfCommitted() throws(VectorStoreError) {
        let stamp = Self.manifestStamp(manifestURL)
        guard stamp != loadedStamp else { return }
        try loadCommittedState()
    }

    static func manifestStamp(_ url: URL) -> String? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: url.path) else { return nil }
        let inode = (attributes[.systemFileNumber] as? NSNumber)?.uint64Value ?? 0
        let size = (attributes[.size] as? NSNumber)?.uint64Value ?? 0
        let modified = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
        return "\(inode)|\(size)|\(modified)"
    }

    private func checkWritable() throws(VectorStoreError) {
        try checkUsable()
        if isReadOnly { throw .readOnly(directory: directory.path) }
    }

    /// One commit: append `records` as a new segment, tombstone what they replace (and, when
    /// `documentID` is set, every other row of that document), set or clear the document's state.
    private func commitChange(documentID: String?, state: DocumentState?, records: [VectorRecord]) throws(VectorStoreError) {
        try checkWritable()
        let dimension = manifest.dimension ?? records.first?.vector.count
        var seen = Set<String>()
        var segmentVectors: [Float] = []
        segmentVectors.reserveCapacity(records.count * (dimension ?? 0))
        for record in records {
            guard seen.insert(record.id).inserted else { throw .duplicateID(record.id) }
            guard let dimension, record.vector.count == dimension else {
                throw .dimensionMismatch(recordID: record.id, expected: dimension ?? 0, actual: record.vector.count)
            }
            guard let unit = VectorMath.normalized(record.vector) else { throw .invalidVector(recordID: record.id) }
            segmentVectors.append(contentsOf: unit)
        }
        // Rows that die in this commit: older versions of the ids, and the document's other rows.
        var dying = Set(records.compactMap { rowByID[$0.id] })
        if let documentID { dying.formUnion(rowsByDocument[documentID] ?? []) }

        var next = manifest
        next.generation += 1
        next.dimension = dimension
        if let documentID { next.documents[documentID] = state }
        for row in dying {
            let file = manifest.segments[origin[row].segment].file
            next.tombstones[file, default: []].append(origin[row].row)
        }
        var newSegment: SegmentFile?
        if !records.isEmpty, let dimension {
            let segment = SegmentFile(dimension: dimension,
                                      rows: records.map { .init(id: $0.id, doc: $0.documentID, text: $0.text, meta: $0.metadata) },
                                      vectors: segmentVectors)
            next.segments.append(try writeSegment(segment, generation: next.generation))
            newSegment = segment
        }
        if failurePoint == .afterSegment { poisoned = true; throw .io(path: directory.path, reason: "injected failure after the segment write") }
        try writeManifest(next)

        // Committed: mirror it in memory.
        manifest = next
        for row in dying { kill(row) }
        if let newSegment {
            appendRows(newSegment, segmentNumber: manifest.segments.count - 1, dead: [])
            if index != nil { extendIndex() }
        }
        try compactIfNeeded()
    }

    private func kill(_ row: Int) {
        guard alive[row] else { return }
        alive[row] = false
        liveCount -= 1
        let record = rows[row]
        if rowByID[record.id] == row { rowByID[record.id] = nil }
        rowsByDocument[record.doc]?.remove(row)
        if rowsByDocument[record.doc]?.isEmpty == true { rowsByDocument[record.doc] = nil }
    }

    private func writeSegment(_ segment: SegmentFile, generation: Int) throws(VectorStoreError) -> EmbeddedManifest.Segment {
        let name = String(format: "seg-%08d.bvs", generation)
        let url = segmentsDirectory.appendingPathComponent(name)
        let data: Data
        do { data = try segment.encoded() } catch {
            throw .io(path: url.path, reason: "cannot encode the segment metadata")
        }
        do {
            try AtomicFile.write(data, to: url)
        } catch {
            throw .io(path: url.path, reason: error.message)
        }
        return .init(file: name, rows: segment.rows.count, bytes: data.count, checksum: SegmentFile.checksum(data))
    }

    private func writeManifest(_ next: EmbeddedManifest) throws(VectorStoreError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data: Data
        do { data = try encoder.encode(next) } catch {
            throw .io(path: manifestURL.path, reason: "cannot encode the manifest")
        }
        let tmp = directory.appendingPathComponent(".manifest.json.tmp-\(getpid())-\(next.generation)")
        guard FileManager.default.createFile(atPath: tmp.path, contents: data) else {
            throw .io(path: tmp.path, reason: "cannot create the temporary manifest")
        }
        AtomicFile.fsyncPath(tmp.path)
        if failurePoint == .beforeManifestRename {
            // A real crash would leave the temporary file; so does the simulation.
            poisoned = true
            throw .io(path: manifestURL.path, reason: "injected failure before the manifest rename")
        }
        do {
            try AtomicFile.commit(tmp, to: manifestURL)
        } catch {
            throw .io(path: manifestURL.path, reason: error.message)
        }
    }

    /// Rewrites the live rows into one segment once tombstones pass the threshold.
    private func compactIfNeeded() throws(VectorStoreError) {
        let dead = rows.count - liveCount
        guard dead > 0, Double(dead) / Double(max(rows.count, 1)) > options.compactionThreshold,
              let dimension = manifest.dimension else { return }
        var next = manifest
        next.generation += 1
        next.tombstones = [:]
        next.segments = []
        var kept: [SegmentFile.Row] = []
        var keptVectors: [Float] = []
        kept.reserveCapacity(liveCount)
        keptVectors.reserveCapacity(liveCount * dimension)
        for row in rows.indices where alive[row] {
            kept.append(rows[row])
            keptVectors.append(contentsOf: vectors[(row * dimension)..<((row + 1) * dimension)])
        }
        let segment = SegmentFile(dimension: dimension, rows: kept, vectors: keptVectors)
        if !kept.isEmpty { next.segments = [try writeSegment(segment, generation: next.generation)] }
        try writeManifest(next)
        let oldFiles = manifest.segments.map(\.file)
        manifest = next
        resetMemory()
        if !kept.isEmpty { appendRows(segment, segmentNumber: 0, dead: []) }
        for file in oldFiles where !next.segments.contains(where: { $0.file == file }) {
            try? FileManager.default.removeItem(at: segmentsDirectory.appendingPathComponent(file))
        }
    }

    // MARK: search

    private func record(at row: Int) -> VectorRecord {
        let dimension = manifest.dimension ?? 0
        let stored = rows[row]
        return VectorRecord(id: stored.id, documentID: stored.doc, text: stored.text,
                            vector: Array(vectors[(row * dimension)..<((row + 1) * dimension)]), metadata: stored.meta)
    }

    private func exactSearch(_ query: [Float], k: Int, filter: SearchFilter) -> [(score: Float, index: Int)] {
        let dimension = query.count
        let rowCount = rows.count
        // Candidate rows: all live rows, or those of the filtered documents when that is narrower.
        var candidates: [Int]?
        if let documentIDs = filter.documentIDs {
            candidates = documentIDs.flatMap { rowsByDocument[$0] ?? [] }.sorted()
        }
        let rowsRef = rows, aliveRef = alive
        let accepts: @Sendable (Int) -> Bool = { row in
            aliveRef[row] && (filter.metadata.isEmpty || filter.matches(documentID: rowsRef[row].doc, metadata: rowsRef[row].meta))
        }
        return query.withUnsafeBufferPointer { q in
            vectors.withUnsafeBufferPointer { all in
                guard let qp = q.baseAddress, let base = all.baseAddress else { return [] }
                if let candidates {
                    var top = TopK(k)
                    for row in candidates where accepts(row) {
                        top.insert(VectorMath.dot(qp, base + row * dimension, dimension), row)
                    }
                    return top.sorted()
                }
                let parts = rowCount >= options.parallelSearchRows ? max(1, ProcessInfo.processInfo.activeProcessorCount) : 1
                let results = PartialResults(parts)
                // The buffers outlive the scan: concurrentPerform returns only when every part is done.
                nonisolated(unsafe) let queryPointer = qp, rowsPointer = base
                let scan: @Sendable (Int) -> Void = { part in
                    let start = rowCount * part / parts, end = rowCount * (part + 1) / parts
                    var top = TopK(k)
                    for row in start..<end where aliveRef[row] {
                        let score = VectorMath.dot(queryPointer, rowsPointer + row * dimension, dimension)
                        if score > top.threshold, filter.metadata.isEmpty || accepts(row) { top.insert(score, row) }
                    }
                    results.set(part, top.heap)
                }
                if parts == 1 { scan(0) } else { DispatchQueue.concurrentPerform(iterations: parts, execute: scan) }
                var merged = TopK(k)
                for hit in results.all() { merged.insert(hit.score, hit.index) }
                return merged.sorted()
            }
        }
    }

    private func approximateSearch(_ query: [Float], k: Int) -> [(score: Float, index: Int)] {
        if index == nil {
            index = HNSWIndex(dimension: query.count, parameters: options.hnsw)
            extendIndex()
        }
        guard let graph = index else { return [] }
        let ef = max(options.hnsw.efSearch, k)
        // Dead rows are walked through but never kept, so the beam holds `ef` live rows.
        let hits = query.withUnsafeBufferPointer { q in
            vectors.withUnsafeBufferPointer { all in
                alive.withUnsafeBufferPointer { live in
                    graph.search(q.baseAddress!, ef: ef, vectors: all.baseAddress!, alive: live.baseAddress!)
                }
            }
        }
        return hits.prefix(k).map { (score: $0.score, index: $0.node) }
    }

    /// Inserts rows `first...` into the graph (on all cores when there are many).
    private func extendIndex() {
        guard let graph = index else { return }
        vectors.withUnsafeBufferPointer { all in
            guard let base = all.baseAddress else { return }
            graph.add(upTo: rows.count, vectors: base)
        }
    }
}

/// Per-thread top-k lists of a parallel scan; each slot is written by exactly one iteration.
private final class PartialResults: @unchecked Sendable {
    private var slots: [[(score: Float, index: Int)]]
    private let lock = NSLock()

    init(_ count: Int) { slots = Array(repeating: [], count: count) }

    func set(_ slot: Int, _ hits: [(score: Float, index: Int)]) {
        lock.lock()
        slots[slot] = hits
        lock.unlock()
    }

    func all() -> [(score: Float, index: Int)] { slots.flatMap { $0 } }
}
