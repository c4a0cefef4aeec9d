// Acceptance tests of issue #5 with the real all-MiniLM-L6-v2 model.
import BerthaCore
import BerthaEmbeddings
import BerthaTestSupport
import BerthaText
import BerthaVectorStore
import Foundation
import Testing
@testable import BerthaIngest

/// `Tests/Fixtures/corpus/questions.json`.
struct CorpusQuestions: Decodable {
    struct Question: Decodable {
        var id: String
        var question: String
        var expected_doc: String
        var answer_snippet: String
    }

    var questions: [Question]

    static func load() throws -> [Question] {
        try JSONDecoder().decode(CorpusQuestions.self, from: Data(contentsOf: try TestEnvironment.fixture("corpus/questions.json"))).questions
    }
}

func realEmbedder() throws -> any TextEmbedder {
    var section = EmbeddingsSection()
    section.model = try TestEnvironment.model("all-MiniLM-L6-v2").path
    return try EmbeddingModels.open(section: section)
}

/// For every question, the expected document among the sources of the top 3 chunks.
func checkQuestions(_ retriever: Retriever, corpus: URL) async throws {
    for question in try CorpusQuestions.load() {
        let expected = corpus.deletingLastPathComponent().appendingPathComponent(question.expected_doc).standardizedFileURL
        let hits = try await retriever.retrieve(query: question.question, k: 3)
        #expect(hits.contains { URL(string: $0.documentID)?.standardizedFileURL.path == expected.path },
                "\(question.id): \(question.question) → \(hits.map { URL(string: $0.documentID)?.lastPathComponent ?? "" })")
    }
}

@Suite("Corpus acceptance with all-MiniLM-L6-v2 (embedded store, Milvus 2.3.5, CLI)", .serialized)
struct CorpusAcceptanceTests {
    @Test("embedded store: every question finds its document in the top 3; a rerun is a no-op")
    func embedded() async throws {
        let ws = try Workspace()
        defer { ws.remove() }
        let embedder = try realEmbedder()
        let options = IngestOptions(IngestSection())
        let first = try await IngestPipeline(embedder: embedder, store: try await ws.openStore(), options: options).run([.path(ws.docs)])
        #expect(first.added == 17 && first.failed == 0)
        let store = try await ws.openStore()
        try await checkQuestions(Retriever(embedder: embedder, store: store), corpus: ws.docs)
        let again = try await IngestPipeline(embedder: embedder, store: store, options: options).run([.path(ws.docs)])
        #expect(again.isNoOp && again.unchanged == 17)
    }

    @Test("Milvus 2.3.5: every question finds its document in the top 3")
    func milvus() async throws {
        let ws = try Workspace()
        defer { ws.remove() }
        let embedder = try realEmbedder()
        let store = MilvusVectorStore(baseURL: URL(string: TestServices.milvusURL)!,
                                      collection: "bertha_corpus_\(UUID().uuidString.prefix(8).lowercased())")
        defer { Task { try? await store.drop() } }
        let summary = try await IngestPipeline(embedder: embedder, store: store, options: IngestOptions(IngestSection())).run([.path(ws.docs)])
        #expect(summary.added == 17)
        try await eventually("all chunks") { try await store.count() == summary.chunks }
        try await checkQuestions(Retriever(embedder: embedder, store: store), corpus: ws.docs)
    }

    @Test("kill -9 during `bertha ingest`: the store opens consistent and the next run finishes the rest")
    func killDuringIngest() async throws {
        let ws = try Workspace()
        defer { ws.remove() }
        let bertha = try TestEnvironment.berthaExecutable()
        let model = try TestEnvironment.model("all-MiniLM-L6-v2").path
        let arguments = ["ingest", ws.docs.path, "--store", "embedded:" + ws.storeURL.path, "--set", "embeddings.model=" + model]
        let child = try BackgroundProcess(bertha, arguments)
        // Wait for the first committed documents, then kill without warning.
        let manifest = ws.storeURL.appendingPathComponent("manifest.json")
        try await eventually("a first commit") { FileManager.default.fileExists(atPath: manifest.path) }
        try await Task.sleep(for: .milliseconds(300))
        try await child.stop(signal: SIGKILL)

        let store = try await ws.openStore()
        let documents = try await store.documentIDs(withPrefix: "")
        var rows = 0
        for id in documents { rows += await store.documentState(id)?.recordIDs.count ?? 0 }
        #expect(try await store.count() == rows)
        await store.close()

        let result = try runProcess(bertha, arguments + ["--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let summary = try JSONDecoder().decode(IngestSummary.self, from: Data(result.stdout.utf8))
        #expect(summary.unchanged == documents.count && summary.added == 17 - documents.count)
        let query = try runProcess(bertha, ["ingest", "--query", "How do I compile Redis with TLS support?", "-k", "3",
                                            "--store", "embedded:" + ws.storeURL.path, "--set", "embeddings.model=" + model])
        #expect(query.status == 0, "\(query.stderr)")
        #expect(query.stdout.contains("redis-readme.md"))
    }
}
