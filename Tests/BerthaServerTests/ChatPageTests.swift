import BerthaServer
import BerthaTestSupport
import Foundation
import Testing

/// Runs a child process on a plain thread: `runProcess` blocks in waitpid, and the server under
/// test needs the cooperative pool (two threads on CI) while the child talks to it.
func runOffPool(_ executable: URL, _ arguments: [String], environment: [String: String]? = nil) async throws -> ProcessResult {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread {
            continuation.resume(with: Result { try runProcess(executable, arguments, environment: environment) })
        }
    }
}

@Suite("Chat page in headless Chromium")
struct ChatPageTests {
    @Test("the page streams an answer, shows the model badge and the RAG sources, and 👎 moves bertha_feedback_total{score=down}")
    func chatPage() async throws {
        let dir = try TemporaryDirectory("bertha-page")
        defer { dir.remove() }
        let retriever = RAGRetriever(embedder: BagOfWordsEmbedder(), store: try await sampleStore(dir), topK: 2, minScore: 0.3)
        var slow = roomyBackend()
        // Slow enough that the browser sees the answer grow word by word.
        slow.delay = .milliseconds(120)
        let screenshot = TestEnvironment.repoRoot.appendingPathComponent(".build/artifacts/chat-page.png")
        try? FileManager.default.removeItem(at: screenshot)
        try await withServer(slow, retriever: retriever) { url, _ in
            let (status, html) = try await get(url, "")
            #expect(status == 200)
            #expect(html.contains("<title>bertha chat</title>"))
            #expect(!html.contains("http://") && !html.contains("https://"), "the page loads nothing from elsewhere")

            let script = TestEnvironment.repoRoot.appendingPathComponent("scripts/chat-page-check.py")
            let result = try await runOffPool(try TestEnvironment.python(), [script.path, url.absoluteString, screenshot.path])
            #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
            let seen = try json(Data(result.stdout.utf8))
            #expect(seen["badge"] as? String == "scripted · v7")
            #expect(seen["answer"] as? String == "Paris is the capital of France .")
            let partials = try #require(seen["partials"] as? [String])
            #expect(partials.count >= 3, "streamed in pieces: \(partials)")
            #expect((seen["id"] as? String)?.hasPrefix("chatcmpl-") == true)
            let sources = try #require(seen["sources"] as? [String])
            #expect(sources.first?.hasPrefix("docs/paris.md") == true, "\(sources)")
            #expect(seen["down_after"] as? Double == (seen["down_before"] as? Double ?? -1) + 1)
            let png = try Data(contentsOf: screenshot)
            #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]))
        }
    }
}
