import BerthaTestSupport
import Foundation
@testable import BerthaText

/// Counts whitespace-separated words: a stand-in for the embedding model's WordPiece tokenizer that
/// makes expected chunk boundaries easy to work out by hand.
struct WordCounter: TokenCounter {
    func tokenCount(_ text: Substring) -> Int {
        // A byte scan: the splitter's own cost, not the counter's, should dominate the throughput test.
        var count = 0
        var inWord = false
        for byte in text.utf8 {
            let space = byte == 0x20 || byte == 0x0A || byte == 0x09 || byte == 0x0D || byte == 0x0C
            if !space && !inWord { count += 1 }
            inWord = !space
        }
        return count
    }
}

enum Corpus {
    /// `Tests/Fixtures/corpus/docs`, the 17-document corpus copied from shared/corpus.
    static func directory() throws -> URL { try TestEnvironment.fixture("corpus/docs") }

    static func files() throws -> [URL] {
        let dir = try directory()
        return try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted().map { dir.appendingPathComponent($0) }
    }

    static func documents() async throws -> [Document] {
        let source = FileSource(root: try directory(), filter: try PathFilter(), archiveLimits: testLimits)
        let loader = DocumentLoader()
        var docs: [Document] = []
        for item in try source.items() {
            if case .documents(let loaded) = try await loader.load(item) { docs += loaded }
        }
        return docs
    }

    static let testLimits = ArchiveLimits(maxEntries: 1000, maxTotalBytes: 64 << 20, maxEntryBytes: 16 << 20)
}
