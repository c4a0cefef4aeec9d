import BerthaCore
import BerthaObjectStore
import BerthaTestSupport
import BerthaText
import BerthaVectorStore
import Foundation
import Testing
@testable import BerthaIngest

/// A scratch copy of the corpus and an embedded store beside it.
struct Workspace {
    let dir: TemporaryDirectory
    var docs: URL { dir.path("docs") }
    var storeURL: URL { dir.path("store") }

    init(copyCorpus: Bool = true) throws {
        dir = try TemporaryDirectory("bertha-ingest")
        if copyCorpus { try FileManager.default.copyItem(at: try TestEnvironment.fixture("corpus/docs"), to: docs) }
    }

    func openStore(readOnly: Bool = false) async throws -> EmbeddedVectorStore {
        try await EmbeddedVectorStore(directory: storeURL, readOnly: readOnly)
    }

    func remove() { dir.remove() }

    static var corpusFiles: [String] {
        get throws {
            try FileManager.default.contentsOfDirectory(atPath: try TestEnvironment.fixture("corpus/docs").path).sorted()
        }
    }
}

func pipeline(_ store: any VectorStore, embedder: HashingEmbedder = HashingEmbedder(), chunkSize: Int = 128, overlap: Int = 16,
              dryRun: Bool = false, include: [String] = [], objects: ObjectStoreProvider? = nil) throws -> IngestPipeline {
    let options = IngestOptions(chunkSize: chunkSize, chunkOverlap: overlap, include: include,
                                archiveLimits: ArchiveLimits(maxEntries: 1000, maxTotalBytes: 64 << 20, maxEntryBytes: 8 << 20),
                                batchSize: 16, dryRun: dryRun)
    return try IngestPipeline(embedder: embedder, store: store, options: options, objectStores: objects)
}

/// Record ids per document, read back from a store opened fresh.
func chunkIDs(_ url: URL) async throws -> [String: Set<String>] {
    let store = try await EmbeddedVectorStore(directory: url, readOnly: true)
    var out: [String: Set<String>] = [:]
    for id in try await store.documentIDs(withPrefix: "") {
        out[id] = Set(await store.documentState(id)?.recordIDs ?? [])
    }
    return out
}

@Suite("Ingest pipeline (test embedder, embedded store)")
struct IngestPipelineTests {
    @Test("ingests the corpus: one document per file, every chunk stored with its source, within the chunk size")
    func ingestCorpus() async throws {
        let ws = try Workspace()
        defer { ws.remove() }
        let store = try await ws.openStore()
        let lines = LineSink()
        let summary = try await pipeline(store).run([.path(ws.docs)]) { total in
            ProgressReporter("ingest", total: Double(total), unit: "sources", style: OutputStyle(interactive: false),
                             logInterval: 0, sink: lines.append)
        }
        #expect(summary.added == 17)
        #expect(summary.updated == 0 && summary.unchanged == 0 && summary.failed == 0 && summary.deleted == 0)
        #expect(summary.chunks > 17 * 3)
        #expect(try await store.count() == summary.chunks)
        let ids = try await store.documentIDs(withPrefix: "")
        #expect(ids == (try Workspace.corpusFiles).map { ws.docs.appendingPathComponent($0).absoluteString })
        // Every stored chunk carries its source and index and fits the chunk size in model tokens.
        let embedder = HashingEmbedder()
        let hits = try await store.search(embedder.vector("dns lookup"), k: 500)
        #expect(hits.count == 500 || hits.count == summary.chunks)
        for hit in hits {
            #expect(hit.record.metadata["source"] == hit.record.documentID)
            #expect(Int(hit.record.metadata["chunk_index"] ?? "") != nil)
            #expect(embedder.tokenCount(hit.record.text[...]) <= 128)
        }
        // Markdown headings become the chunk's section.
        #expect(hits.contains { $0.record.documentID.hasSuffix("nodejs-dns.md") && $0.record.metadata["section"] != nil })
        // Progress reached every source and reports chunks.
        #expect(lines.text.contains("17/17"))
        #expect(lines.text.contains("\(summary.chunks) chunks"))
        #expect(lines.text.contains("emb/s"))
    }

    @Test("a rerun over unchanged documents is a no-op: nothing embedded, nothing committed")
    func rerunIsNoOp() async throws {
        let ws = try Workspace()
        defer { ws.remove() }
        let first = try await pipeline(try await ws.openStore()).run([.path(ws.docs)])
        let manifest = try Data(contentsOf: ws.storeURL.appendingPathComponent("manifest.json"))
        let embedder = HashingEmbedder()
        let second = try await pipeline(try await ws.openStore(), embedder: embedder).run([.path(ws.docs)])
        #expect(second.isNoOp)
        #expect(second.unchanged == 17 && second.chunks == 0)
        #expect(embedder.calls.value == 0)
        #expect(try Data(contentsOf: ws.storeURL.appendingPathComponent("manifest.json")) == manifest)
        #expect(try await ws.openStore(readOnly: true).count() == first.chunks)
    }

    @Test("changing one file replaces exactly that document's chunks; a new chunk size re-chunks everything")
    func modifiedFile() async throws {
        let ws = try Workspace()
        defer { ws.remove() }
        _ = try await pipeline(try await ws.openStore()).run([.path(ws.docs)])
        let before = try await chunkIDs(ws.storeURL)
        let changed = ws.docs.appendingPathComponent("redis-readme.md")
        var text = try String(contentsOf: changed, encoding: .utf8)
        text += "\n\nAppendix: bertha keeps this index in step with the files.\n"
        try text.write(to: changed, atomically: true, encoding: .utf8)

        let summary = try await pipeline(try await ws.openStore()).run([.path(ws.docs)])
        #expect(summary.updated == 1 && summary.unchanged == 16 && summary.added == 0)
        let after = try await chunkIDs(ws.storeURL)
        #expect(after.keys == before.keys)
        for (doc, ids) in after where doc != changed.absoluteString { #expect(ids == before[doc], "\(doc)") }
        let old = try #require(before[changed.absoluteString]), new = try #require(after[changed.absoluteString])
        #expect(old != new)
        // Only the tail changed: the chunks before it keep their ids.
        #expect(!old.intersection(new).isEmpty)
        #expect(try await ws.openStore(readOnly: true).count() == after.values.reduce(0) { $0 + $1.count })

        let rechunked = try await pipeline(try await ws.openStore(), chunkSize: 96).run([.path(ws.docs)])
        #expect(rechunked.updated == 17)
    }

    @Test("dry run reports what would happen and writes nothing")
    func dryRun() async throws {
        let ws = try Workspace()
        defer { ws.remove() }
        let embedder = HashingEmbedder()
        let summary = try await pipeline(try await ws.openStore(), embedder: embedder, dryRun: true).run([.path(ws.docs)])
        #expect(summary.dryRun && summary.added == 17 && summary.chunks > 0)
        #expect(embedder.calls.value == 0)
        #expect(try await ws.openStore(readOnly: true).count() == 0)
        #expect(summary.line.hasPrefix("dry run: documents: 17 added"))
    }

    @Test("a model failing mid-run leaves every document whole: the finished ones stored, the rest absent")
    func failureMidRun() async throws {
        let ws = try Workspace()
        defer { ws.remove() }
        var failing = HashingEmbedder()
        failing.failOnCall = 12
        await #expect(throws: HashingEmbedder.Failure.self) {
            _ = try await pipeline(try await ws.openStore(), embedder: failing).run([.path(ws.docs)])
        }
        let store = try await ws.openStore(readOnly: true)
        let stored = try await store.documentIDs(withPrefix: "")
        #expect(!stored.isEmpty && stored.count < 17)
        // Each stored document has all its chunks: the same ids a clean ingest of that file gives.
        let clean = try Workspace(copyCorpus: false)
        defer { clean.remove() }
        _ = try await pipeline(try await clean.openStore()).run([.path(ws.docs)])
        let reference = try await chunkIDs(clean.storeURL)
        let partial = try await chunkIDs(ws.storeURL)
        for (doc, ids) in partial { #expect(ids == reference[doc], "\(doc)") }
        #expect(try await store.count() == partial.values.reduce(0) { $0 + $1.count })
        // The next run finishes the job without touching what is done.
        let resumed = try await pipeline(try await ws.openStore()).run([.path(ws.docs)])
        #expect(resumed.unchanged == stored.count && resumed.added == 17 - stored.count)
        #expect(try await chunkIDs(ws.storeURL) == reference)
    }

    @Test("JSONL records are documents; records that disappear from the file are deleted")
    func jsonlShrinks() async throws {
        let ws = try Workspace(copyCorpus: false)
        defer { ws.remove() }
        try FileManager.default.createDirectory(at: ws.docs, withIntermediateDirectories: true)
        let file = ws.docs.appendingPathComponent("faq.jsonl")
        let records = (1...4).map { #"{"text":"Answer number \#($0) explains topic \#($0).","lang":"en"}"# }
        try records.joined(separator: "\n").write(to: file, atomically: true, encoding: .utf8)
        let first = try await pipeline(try await ws.openStore()).run([.path(ws.docs)])
        #expect(first.added == 4)
        try records.prefix(2).joined(separator: "\n").write(to: file, atomically: true, encoding: .utf8)
        let second = try await pipeline(try await ws.openStore()).run([.path(ws.docs)])
        #expect(second.unchanged == 2 && second.deleted == 2)
        let store = try await ws.openStore(readOnly: true)
        #expect(try await store.documentIDs(withPrefix: "") == ["\(file.absoluteString)#1", "\(file.absoluteString)#2"])
        let hit = try #require(try await store.search(HashingEmbedder().vector("answer number 1"), k: 1).first)
        #expect(hit.record.metadata["lang"] == "en")
    }

    @Test("binary files are skipped with a reason; unreadable sources fail alone and the rest is ingested")
    func skipsAndFailures() async throws {
        let ws = try Workspace(copyCorpus: false)
        defer { ws.remove() }
        try FileManager.default.createDirectory(at: ws.docs, withIntermediateDirectories: true)
        try Data([0, 1, 2, 3, 0, 0xFF]).write(to: ws.docs.appendingPathComponent("blob.bin"))
        try "A plain note about rivers.".write(to: ws.docs.appendingPathComponent("note.txt"), atomically: true, encoding: .utf8)
        try #"{"text": 1"#.write(to: ws.docs.appendingPathComponent("broken.json"), atomically: true, encoding: .utf8)
        let missing = ws.dir.path("nope")
        let summary = try await pipeline(try await ws.openStore()).run([.path(missing), .path(ws.docs)])
        #expect(summary.added == 1 && summary.skipped == 1 && summary.failed == 2)
        #expect(summary.skips.first?.source.hasSuffix("blob.bin") == true)
        #expect(summary.failures.map(\.source) == [missing.path, ws.docs.appendingPathComponent("broken.json").absoluteString])
        #expect(summary.failures[0].error.contains("no such file or directory"))
        #expect(summary.failures[1].error.contains("invalid JSON"))
    }

    @Test("sources parse from the command line")
    func parseSources() throws {
        #expect(try IngestSource(parsing: "s3://docs/manuals/") == .objects(bucket: "docs", prefix: "manuals/"))
        #expect(try IngestSource(parsing: "s3://docs") == .objects(bucket: "docs", prefix: ""))
        #expect(try IngestSource(parsing: "/tmp/x") == .path(URL(fileURLWithPath: "/tmp/x")))
        #expect(try IngestSource(parsing: "file:///tmp/y") == .path(URL(fileURLWithPath: "/tmp/y")))
        #expect(throws: IngestError.invalidSource("s3://", reason: "s3:// needs a bucket, e.g. s3://docs/manuals/")) {
            try IngestSource(parsing: "s3://")
        }
        #expect(throws: IngestError.self) { try IngestSource(parsing: "http://example.com/a.txt") }
    }

    @Test("a chunk size beyond the model's input is capped to it; an overlap not below the size is refused")
    func chunkLimits() async throws {
        let ws = try Workspace(copyCorpus: false)
        defer { ws.remove() }
        let store = try await ws.openStore()
        var small = HashingEmbedder()
        small.maxTokens = 66
        let capped = try pipeline(store, embedder: small, chunkSize: 512, overlap: 64)
        #expect(capped.chunkSize == 64 && capped.chunkOverlap == 16)
        #expect(throws: IngestError.self) { try pipeline(store, chunkSize: 100, overlap: 100) }
    }
}

/// Collects progress lines.
final class LineSink: @unchecked Sendable {
    private var lines: [String] = []
    private let lock = NSLock()

    var append: @Sendable (String) -> Void { { [self] line in lock.lock(); lines.append(line); lock.unlock() } }

    var text: String {
        lock.lock()
        defer { lock.unlock() }
        return lines.joined()
    }
}
