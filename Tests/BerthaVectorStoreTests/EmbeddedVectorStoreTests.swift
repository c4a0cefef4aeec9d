import BerthaTestSupport
import Foundation
import Testing
@testable import BerthaVectorStore

@Suite("Embedded vector store")
struct EmbeddedVectorStoreTests {
    let dimension = 32

    @Test("search returns the nearest records, best first, with their cosine similarity")
    func searchMatchesBruteForceCosine() async throws {
        let dir = try TemporaryDirectory("vs-search")
        defer { dir.remove() }
        var fixtures = VectorFixtures(seed: 1)
        let records = fixtures.records(document: "a", count: 200, dimension: dimension)
        let store = try await EmbeddedVectorStore(directory: dir.url)
        try await store.upsert(records)
        #expect(try await store.count() == 200)
        for _ in 0..<5 {
            let query = fixtures.vector(dimension)
            let expected = records.map { ($0.id, VectorFixtures.cosine(query, $0.vector)) }.sorted { $0.1 > $1.1 }.prefix(7)
            let hits = try await store.search(query, k: 7)
            #expect(hits.map(\.record.id) == expected.map(\.0))
            for (hit, reference) in zip(hits, expected) {
                #expect(abs(Double(hit.score) - reference.1) < 1e-5)
            }
        }
        // The stored vector is the normalised input.
        let first = try #require(try await store.search(records[0].vector, k: 1).first)
        #expect(first.record.id == records[0].id)
        #expect(abs(first.score - 1) < 1e-5)
        #expect(abs(VectorFixtures.cosine(first.record.vector, records[0].vector) - 1) < 1e-6)
        #expect(first.record.metadata == records[0].metadata)
        #expect(first.record.text == records[0].text)
    }

    @Test("upserting an existing id replaces the record instead of duplicating it")
    func upsertReplacesByID() async throws {
        let dir = try TemporaryDirectory("vs-upsert")
        defer { dir.remove() }
        var fixtures = VectorFixtures(seed: 2)
        let store = try await EmbeddedVectorStore(directory: dir.url)
        var records = fixtures.records(document: "a", count: 10, dimension: dimension)
        try await store.upsert(records)
        records[3].text = "rewritten"
        records[3].vector = fixtures.vector(dimension)
        try await store.upsert([records[3]])
        #expect(try await store.count() == 10)
        let hit = try #require(try await store.search(records[3].vector, k: 1).first)
        #expect(hit.record.id == records[3].id)
        #expect(hit.record.text == "rewritten")
    }

    @Test("filters restrict results by metadata equality, document ids and minimum score")
    func filters() async throws {
        let dir = try TemporaryDirectory("vs-filter")
        defer { dir.remove() }
        var fixtures = VectorFixtures(seed: 3)
        let store = try await EmbeddedVectorStore(directory: dir.url)
        let a = fixtures.records(document: "a", count: 30, dimension: dimension, metadata: ["source": "s3://b/a.txt"])
        let b = fixtures.records(document: "b", count: 30, dimension: dimension, metadata: ["source": "s3://b/b.txt"])
        try await store.upsert(a + b)
        let query = fixtures.vector(dimension)
        let onlyB = try await store.search(query, k: 100, filter: SearchFilter(metadata: ["source": "s3://b/b.txt"]), minScore: nil)
        #expect(onlyB.count == 30)
        #expect(onlyB.allSatisfy { $0.record.documentID == "b" })
        let byDocument = try await store.search(query, k: 5, filter: SearchFilter(documentIDs: ["a"]), minScore: nil)
        let expectedA = a.map { ($0.id, VectorFixtures.cosine(query, $0.vector)) }.sorted { $0.1 > $1.1 }.prefix(5).map(\.0)
        #expect(byDocument.map(\.record.id) == expectedA)
        let both = SearchFilter(metadata: ["chunk_index": "4"], documentIDs: ["a", "b"])
        #expect(Set(try await store.search(query, k: 10, filter: both, minScore: nil).map(\.record.id)) == ["a#4", "b#4"])
        let floor: Float = 0.1
        let above = try await store.search(query, k: 60, filter: .none, minScore: floor)
        let expectedAbove = (a + b).filter { VectorFixtures.cosine(query, $0.vector) >= Double(floor) }
        #expect(above.count == expectedAbove.count)
        #expect(above.allSatisfy { $0.score >= floor })
    }

    @Test("replaceDocument swaps all of a document's records and remembers its hash; deleteDocument forgets both")
    func documentLifecycle() async throws {
        let dir = try TemporaryDirectory("vs-doc")
        defer { dir.remove() }
        var fixtures = VectorFixtures(seed: 4)
        let store = try await EmbeddedVectorStore(directory: dir.url)
        let v1 = fixtures.records(document: "doc", count: 8, dimension: dimension)
        let other = fixtures.records(document: "other", count: 4, dimension: dimension)
        try await store.replaceDocument("doc", contentHash: "h1", records: v1)
        try await store.replaceDocument("other", contentHash: "o1", records: other)
        #expect(try await store.documentHash("doc") == "h1")
        #expect(try await store.documentHash("missing") == nil)

        let v2 = Array(fixtures.records(document: "doc", count: 3, dimension: dimension))
            .map { VectorRecord(id: $0.id + "-v2", documentID: "doc", text: $0.text, vector: $0.vector) }
        try await store.replaceDocument("doc", contentHash: "h2", records: v2)
        #expect(try await store.count() == 7)
        #expect(try await store.documentHash("doc") == "h2")
        let docHits = try await store.search(fixtures.vector(dimension), k: 50, filter: SearchFilter(documentIDs: ["doc"]), minScore: nil)
        #expect(Set(docHits.map(\.record.id)) == Set(v2.map(\.id)))

        try await store.deleteDocument("doc")
        #expect(try await store.count() == 4)
        #expect(try await store.documentHash("doc") == nil)
        try await store.deleteDocument("never-there")
        await #expect(throws: VectorStoreError.wrongDocument(recordID: "other#0", expected: "doc", actual: "other")) {
            try await store.replaceDocument("doc", contentHash: "x", records: other)
        }
    }

    @Test("the committed state survives reopening, including tombstones and hashes")
    func reopen() async throws {
        let dir = try TemporaryDirectory("vs-reopen")
        defer { dir.remove() }
        var fixtures = VectorFixtures(seed: 5)
        let query = fixtures.vector(dimension)
        let before: [ScoredRecord]
        do {
            let store = try await EmbeddedVectorStore(directory: dir.url)
            try await store.replaceDocument("a", contentHash: "ha", records: fixtures.records(document: "a", count: 20, dimension: dimension))
            try await store.replaceDocument("b", contentHash: "hb", records: fixtures.records(document: "b", count: 20, dimension: dimension))
            try await store.upsert([VectorRecord(id: "a#1", documentID: "a", text: "new", vector: fixtures.vector(dimension))])
            before = try await store.search(query, k: 40)
            await store.close()
        }
        let reopened = try await EmbeddedVectorStore(directory: dir.url)
        #expect(try await reopened.count() == 40)
        #expect(try await reopened.search(query, k: 40) == before)
        #expect(try await reopened.documentHash("b") == "hb")
    }

    @Test("writes that do not fit the collection are rejected with the record named")
    func rejectsBadRecords() async throws {
        let dir = try TemporaryDirectory("vs-bad")
        defer { dir.remove() }
        let store = try await EmbeddedVectorStore(directory: dir.url)
        try await store.upsert([VectorRecord(id: "x", documentID: "d", text: "", vector: [1, 0, 0])])
        await #expect(throws: VectorStoreError.dimensionMismatch(recordID: "y", expected: 3, actual: 2)) {
            try await store.upsert([VectorRecord(id: "y", documentID: "d", text: "", vector: [1, 0])])
        }
        await #expect(throws: VectorStoreError.invalidVector(recordID: "z")) {
            try await store.upsert([VectorRecord(id: "z", documentID: "d", text: "", vector: [0, 0, 0])])
        }
        await #expect(throws: VectorStoreError.invalidVector(recordID: "n")) {
            try await store.upsert([VectorRecord(id: "n", documentID: "d", text: "", vector: [.nan, 1, 0])])
        }
        let twice = VectorRecord(id: "t", documentID: "d", text: "", vector: [0, 1, 0])
        await #expect(throws: VectorStoreError.duplicateID("t")) { try await store.upsert([twice, twice]) }
        #expect(try await store.count() == 1)
    }

    @Test("a second writer gets a lock error naming the directory and the holder's pid; readers may open")
    func singleWriter() async throws {
        let dir = try TemporaryDirectory("vs-lock")
        defer { dir.remove() }
        let writer = try await EmbeddedVectorStore(directory: dir.url)
        try await writer.upsert([VectorRecord(id: "x", documentID: "d", text: "hello", vector: [1, 2, 3])])
        let lockError = await openError(dir.url)
        #expect(lockError == .locked(directory: dir.url.path, holderPID: getpid()))
        #expect(lockError?.description.contains(dir.url.path) == true)
        #expect(lockError?.description.contains("pid \(getpid())") == true)
        let reader = try await EmbeddedVectorStore(directory: dir.url, readOnly: true)
        #expect(try await reader.count() == 1)
        await #expect(throws: VectorStoreError.readOnly(directory: dir.url.path)) {
            try await reader.upsert([VectorRecord(id: "y", documentID: "d", text: "", vector: [1, 0, 0])])
        }
        await writer.close()
        let next = try await EmbeddedVectorStore(directory: dir.url)
        #expect(try await next.count() == 1)
    }

    @Test("a reader opened before the writer's commits sees each commit: added, replaced, deleted")
    func readerFollowsWriter() async throws {
        let dir = try TemporaryDirectory("vs-follow")
        defer { dir.remove() }
        let writer = try await EmbeddedVectorStore(directory: dir.url)
        let reader = try await EmbeddedVectorStore(directory: dir.url, readOnly: true)
        #expect(try await reader.count() == 0)
        try await writer.replaceDocument("docs/a.md", contentHash: "h1", records: [
            VectorRecord(id: "a#0", documentID: "docs/a.md", text: "ferry", vector: [1, 0, 0]),
            VectorRecord(id: "a#1", documentID: "docs/a.md", text: "bell", vector: [0, 1, 0]),
        ])
        #expect(try await reader.count() == 2)
        #expect(try await reader.search([1, 0, 0], k: 1).first?.record.text == "ferry")
        #expect(try await reader.documentHash("docs/a.md") == "h1")
        try await writer.replaceDocument("docs/a.md", contentHash: "h2", records: [
            VectorRecord(id: "a#0", documentID: "docs/a.md", text: "boat", vector: [1, 0, 0]),
        ])
        #expect(try await reader.search([1, 0, 0], k: 5).map(\.record.text) == ["boat"])
        try await writer.deleteDocument("docs/a.md")
        #expect(try await reader.count() == 0)
        #expect(try await reader.documentIDs(withPrefix: "docs/").isEmpty)
    }

    @Test("a crash at any point of a commit reopens to the last committed state", arguments: [
        EmbeddedVectorStore.FailurePoint.afterSegment, .beforeManifestRename,
    ])
    func crashConsistency(point: EmbeddedVectorStore.FailurePoint) async throws {
        let dir = try TemporaryDirectory("vs-crash")
        defer { dir.remove() }
        var fixtures = VectorFixtures(seed: 6)
        let query = fixtures.vector(dimension)
        let committed: [ScoredRecord]
        do {
            let store = try await EmbeddedVectorStore(directory: dir.url)
            try await store.replaceDocument("a", contentHash: "h1", records: fixtures.records(document: "a", count: 10, dimension: dimension))
            committed = try await store.search(query, k: 10)
            await store.injectFailure(at: point)
            let replacement = fixtures.records(document: "a", count: 5, dimension: dimension).map {
                VectorRecord(id: $0.id + "-new", documentID: "a", text: "new", vector: $0.vector)
            }
            await #expect(throws: VectorStoreError.self) {
                try await store.replaceDocument("a", contentHash: "h2", records: replacement)
            }
            // The crashed process is gone: its in-memory state must not be used again.
            await #expect(throws: VectorStoreError.self) { try await store.count() }
            await store.close()
        }
        // What the crash left on disk: the new segment, and for the late failure the temporary manifest.
        let segments = try FileManager.default.contentsOfDirectory(atPath: dir.path("segments").path)
        #expect(segments.count == 2)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.url.path).filter { $0.hasPrefix(".manifest") }
        #expect(leftovers.count == (point == .beforeManifestRename ? 1 : 0))

        let reopened = try await EmbeddedVectorStore(directory: dir.url)
        #expect(try await reopened.search(query, k: 10) == committed)
        #expect(try await reopened.documentHash("a") == "h1")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path("segments").path).count == 1)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.url.path).filter { $0.hasPrefix(".manifest") }.isEmpty)
        // And it keeps working.
        try await reopened.replaceDocument("a", contentHash: "h3", records: fixtures.records(document: "a", count: 2, dimension: dimension))
        #expect(try await reopened.count() == 2)
    }

    @Test("a torn uncommitted segment is ignored; a damaged committed one is reported, not served")
    func tornAndDamagedSegments() async throws {
        let dir = try TemporaryDirectory("vs-torn")
        defer { dir.remove() }
        var fixtures = VectorFixtures(seed: 7)
        do {
            let store = try await EmbeddedVectorStore(directory: dir.url)
            try await store.upsert(fixtures.records(document: "a", count: 10, dimension: dimension))
            await store.close()
        }
        // A writer died halfway through writing the next segment.
        let torn = dir.path("segments/seg-00000002.bvs")
        try Data(repeating: 0x42, count: 123).write(to: torn)
        do {
            let store = try await EmbeddedVectorStore(directory: dir.url)
            #expect(try await store.count() == 10)
            #expect(!FileManager.default.fileExists(atPath: torn.path))
            await store.close()
        }
        // Flip one byte of the committed segment.
        let committed = dir.path("segments/seg-00000001.bvs")
        var bytes = try Data(contentsOf: committed)
        bytes[bytes.count / 2] ^= 0xff
        try bytes.write(to: committed)
        let damaged = await openError(dir.url)
        guard case .corrupt(let path, _) = damaged else {
            Issue.record("a damaged segment gave \(String(describing: damaged))")
            return
        }
        #expect(path == committed.path)
    }

    @Test("deleting past the threshold compacts the segments into one without losing live records")
    func compaction() async throws {
        let dir = try TemporaryDirectory("vs-compact")
        defer { dir.remove() }
        var fixtures = VectorFixtures(seed: 8)
        let store = try await EmbeddedVectorStore(directory: dir.url, options: .init(compactionThreshold: 0.3))
        for d in 0..<10 {
            try await store.replaceDocument("d\(d)", contentHash: "h", records: fixtures.records(document: "d\(d)", count: 10, dimension: dimension))
        }
        #expect(await store.segmentFiles.count == 10)
        let query = fixtures.vector(dimension)
        try await store.deleteDocument("d0")
        try await store.deleteDocument("d1")
        try await store.deleteDocument("d2")
        #expect(await store.segmentFiles.count == 10)  // 30% dead: not yet past the threshold
        #expect(await store.storedRows == 100)
        let before = try await store.search(query, k: 70)
        try await store.deleteDocument("d3")  // 40% dead
        #expect(await store.segmentFiles.count == 1)
        #expect(await store.storedRows == 60)
        #expect(try await store.count() == 60)
        #expect(try await store.search(query, k: 60) == before.filter { $0.record.documentID != "d3" })
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path("segments").path).count == 1)
        await store.close()
        let reopened = try await EmbeddedVectorStore(directory: dir.url)
        #expect(try await reopened.search(query, k: 60) == before.filter { $0.record.documentID != "d3" })
        #expect(try await reopened.documentHash("d9") == "h")
    }

    @Test("documentIDs(withPrefix:) lists replaced and upserted documents by prefix, sorted")
    func documentPrefixes() async throws {
        let dir = try TemporaryDirectory("vs-prefix")
        defer { dir.remove() }
        let store = try await EmbeddedVectorStore(directory: dir.url)
        var fixtures = VectorFixtures(seed: 14)
        try await store.replaceDocument("s3://b/k.jsonl#2", contentHash: "h", records: fixtures.records(document: "s3://b/k.jsonl#2", count: 2, dimension: dimension))
        try await store.replaceDocument("s3://b/k.jsonl#1", contentHash: "h", records: fixtures.records(document: "s3://b/k.jsonl#1", count: 1, dimension: dimension))
        try await store.upsert(fixtures.records(document: "s3://b/loose.txt", count: 1, dimension: dimension))
        #expect(try await store.documentIDs(withPrefix: "s3://b/k.jsonl") == ["s3://b/k.jsonl#1", "s3://b/k.jsonl#2"])
        #expect(try await store.documentIDs(withPrefix: "s3://b/").count == 3)
        try await store.deleteDocument("s3://b/k.jsonl#1")
        #expect(try await store.documentIDs(withPrefix: "s3://b/k") == ["s3://b/k.jsonl#2"])
    }

    @Test("drop empties the store")
    func drop() async throws {
        let dir = try TemporaryDirectory("vs-drop")
        defer { dir.remove() }
        var fixtures = VectorFixtures(seed: 9)
        let store = try await EmbeddedVectorStore(directory: dir.url)
        try await store.replaceDocument("a", contentHash: "h", records: fixtures.records(document: "a", count: 5, dimension: dimension))
        try await store.drop()
        #expect(try await store.count() == 0)
        #expect(try await store.documentHash("a") == nil)
        try await store.upsert(fixtures.records(document: "b", count: 2, dimension: 8))  // a new dimension is allowed
        #expect(try await store.count() == 2)
    }

    /// The error opening a writer on `directory` throws, or nil when it opens.
    func openError(_ directory: URL) async -> VectorStoreError? {
        do {
            let store = try await EmbeddedVectorStore(directory: directory)
            await store.close()
            return nil
        } catch {
            return error
        }
    }
}
