import BerthaCore
import BerthaTestSupport
import Foundation
import Testing
@testable import BerthaText
import BerthaTokenizers

@Suite("Sentence tokenizer")
struct SentenceTokenizerTests {
    private func sentences(_ text: String) -> [String] {
        SentenceTokenizer().sentenceRanges(in: text[...]).map { String(text[$0]).trimmingCharacters(in: .whitespacesAndNewlines) }
    }

    @Test("splits at sentence punctuation, keeping abbreviations, initials, decimals and versions intact", arguments: [
        ("It costs 3.50 dollars. Then it rose!  Why? Nobody knows.",
         ["It costs 3.50 dollars.", "Then it rose!", "Why?", "Nobody knows."]),
        ("Dr. Smith met J. R. Tolkien at 5 p.m. in the U.S. office. They talked.",
         ["Dr. Smith met J. R. Tolkien at 5 p.m. in the U.S. office.", "They talked."]),
        ("Use e.g. the path module. See Fig. 3 for details.", ["Use e.g. the path module.", "See Fig. 3 for details."]),
        ("Version 1.2.3 of node.js is out. \"Great,\" he said. (Really.) Fine.",
         ["Version 1.2.3 of node.js is out.", "\"Great,\" he said.", "(Really.)", "Fine."]),
        ("# Heading\n\nA paragraph without a stop\n\nNext one", ["# Heading", "A paragraph without a stop", "Next one"]),
        ("一句话。第二句话！", ["一句话。", "第二句话！"]),
    ])
    func split(text: String, expected: [String]) {
        #expect(sentences(text) == expected)
    }

    @Test("sentence ranges tile the text exactly")
    func tiles() throws {
        for file in try Corpus.files() {
            let text = try String(contentsOf: file, encoding: .utf8)
            let ranges = SentenceTokenizer().sentenceRanges(in: text[...])
            #expect(ranges.map { String(text[$0]) }.joined() == text)
        }
    }
}

@Suite("Sentence and token splitters")
struct SplitterTests {
    /// 30 sentences of exactly 4 words each.
    private let shortSentences = (1...30).map { "Sentence number \($0) here." }.joined(separator: " ")

    @Test("merges whole sentences up to the size and overlaps by trailing sentences within the overlap")
    func mergeAndOverlap() throws {
        let splitter = try SentenceSplitter(chunkSize: 20, chunkOverlap: 5, counter: WordCounter())
        let chunks = splitter.split(shortSentences)
        // 5 sentences (20 words) fill a chunk; the last sentence (4 words <= 5) carries into the next,
        // so each later chunk holds 1 carried + 4 new sentences.
        #expect(chunks.first == (1...5).map { "Sentence number \($0) here." }.joined(separator: " "))
        #expect(chunks[1] == (5...9).map { "Sentence number \($0) here." }.joined(separator: " "))
        #expect(chunks.count == 8)
        #expect(chunks.last == (29...30).map { "Sentence number \($0) here." }.joined(separator: " "))
        let noOverlap = try SentenceSplitter(chunkSize: 20, chunkOverlap: 0, counter: WordCounter()).split(shortSentences)
        #expect(noOverlap.count == 6)
        #expect(noOverlap[1].hasPrefix("Sentence number 6 here."))
    }

    @Test("paragraphs (\\n\\n\\n) split before sentences; long sentences fall back to clauses and words")
    func fallbacks() throws {
        let splitter = try SentenceSplitter(chunkSize: 6, chunkOverlap: 0, counter: WordCounter())
        #expect(splitter.split("One two three.\n\n\nFour five six seven.") == ["One two three.", "Four five six seven."])
        let long = "alpha beta gamma, delta epsilon zeta eta theta iota kappa lambda mu nu xi"
        let chunks = splitter.split(long)
        // The clause and the words are pieces of the same merge, as in LlamaIndex.
        #expect(chunks == ["alpha beta gamma, delta epsilon zeta", "eta theta iota kappa lambda mu", "nu xi"])
    }

    @Test("rejects an overlap not below the size")
    func badOverlap() {
        #expect(throws: TextError.self) { try SentenceSplitter(chunkSize: 10, chunkOverlap: 10, counter: WordCounter()) }
        #expect(throws: TextError.self) { try TokenSplitter(chunkSize: 10, chunkOverlap: -1, counter: WordCounter()) }
    }

    @Test("token splitter cuts by words with an exact word overlap")
    func tokenSplitter() throws {
        let words = (1...25).map { "w\($0)" }.joined(separator: " ")
        let chunks = try TokenSplitter(chunkSize: 10, chunkOverlap: 3, counter: WordCounter()).split(words)
        #expect(chunks[0] == (1...10).map { "w\($0)" }.joined(separator: " "))
        #expect(chunks[1] == (8...17).map { "w\($0)" }.joined(separator: " "))
        #expect(chunks[2] == (15...24).map { "w\($0)" }.joined(separator: " "))
        #expect(chunks[3] == (22...25).map { "w\($0)" }.joined(separator: " "))
        #expect(chunks.count == 4)
    }

    @Test("corpus chunks never exceed the size, point back into their document, and overlap within the limit",
          arguments: [(512, 64), (128, 32), (64, 0)])
    func corpusChunks(size: Int, overlap: Int) async throws {
        let counter = WordCounter()
        let splitter = try SentenceSplitter(chunkSize: size, chunkOverlap: overlap, counter: counter)
        for doc in try await Corpus.documents() {
            let chunks = splitter.chunks(of: doc)
            #expect(!chunks.isEmpty)
            let bytes = Array(doc.text.utf8)
            for (i, chunk) in chunks.enumerated() {
                #expect(chunk.index == i)
                #expect(counter.tokenCount(chunk.text[...]) <= size, "chunk \(i) of \(doc.id)")
                #expect(String(decoding: bytes[chunk.byteRange], as: UTF8.self) == chunk.text)
                #expect(chunk.documentID == doc.id && chunk.sourceURI == doc.sourceURI)
                #expect(chunk.sectionHeading == doc.heading(at: chunk.byteRange.lowerBound))
                if i > 0 {
                    let previous = chunks[i - 1]
                    #expect(chunk.byteRange.lowerBound > previous.byteRange.lowerBound)
                    #expect(chunk.byteRange.upperBound > previous.byteRange.upperBound)
                    if previous.byteRange.upperBound > chunk.byteRange.lowerBound {
                        let shared = String(decoding: bytes[chunk.byteRange.lowerBound..<previous.byteRange.upperBound], as: UTF8.self)
                        #expect(counter.tokenCount(shared[...]) <= overlap, "overlap of chunk \(i) of \(doc.id)")
                    }
                }
            }
            // Together the chunks cover every word of the document.
            let covered = chunks.reduce(into: IndexSet()) { $0.insert(integersIn: $1.byteRange) }
            for word in doc.text.split(whereSeparator: { $0.isWhitespace }).prefix(2000) {
                let offset = doc.text.utf8.distance(from: doc.text.startIndex, to: word.startIndex)
                #expect(covered.contains(offset))
            }
            if doc.contentType == .markdown { #expect(chunks.contains { $0.sectionHeading != nil }) }
        }
    }

    @Test("with an overlap, neighbouring corpus chunks do share text")
    func overlapHappens() async throws {
        let splitter = try SentenceSplitter(chunkSize: 128, chunkOverlap: 32, counter: WordCounter())
        var overlapping = 0, pairs = 0
        for doc in try await Corpus.documents() {
            let chunks = splitter.chunks(of: doc)
            for (a, b) in zip(chunks, chunks.dropFirst()) {
                pairs += 1
                if a.byteRange.upperBound > b.byteRange.lowerBound { overlapping += 1 }
            }
        }
        #expect(pairs > 100)
        #expect(overlapping * 2 > pairs, "\(overlapping) of \(pairs) neighbours overlap")
    }

    @Test("chunk ids are deterministic across runs and change when the text changes")
    func ids() async throws {
        let splitter = try SentenceSplitter(chunkSize: 128, chunkOverlap: 16, counter: WordCounter())
        let docs = try await Corpus.documents()
        let first = docs.flatMap { splitter.chunks(of: $0) }.map(\.id)
        let again = try await Corpus.documents().flatMap { splitter.chunks(of: $0) }.map(\.id)
        #expect(first == again)
        #expect(Set(first).count == first.count)
        #expect(first.allSatisfy { $0.count == 64 && $0.allSatisfy(\.isHexDigit) })

        let doc = try #require(docs.first { $0.sourceURI.hasSuffix("python-import-statement.txt") })
        let original = splitter.chunks(of: doc)
        var edited = doc.text
        edited.replace("import", with: "IMPORT", maxReplacements: 1)
        let changed = splitter.chunks(of: Document(id: doc.id, sourceURI: doc.sourceURI, contentType: doc.contentType, text: edited))
        #expect(changed[0].id != original[0].id)
        #expect(changed.last?.id == original.last?.id)
        #expect(Chunk.id(documentID: "d", index: 0, text: "t") ==
                SHA256Hex.of("d\u{0}0\u{0}t"))
        #expect(Document(id: "x", sourceURI: "x", contentType: .plainText, text: "abc").contentHash ==
                "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test("the splitter IngestSection names is built with its size and overlap")
    func fromConfig() throws {
        var section = IngestSection()
        #expect(try TextSplitters.make(section, counter: WordCounter()) is SentenceSplitter)
        #expect(try TextSplitters.make(section, counter: WordCounter()).chunkSize == 512)
        section.splitter = "token"
        section.chunkSize = 100
        section.chunkOverlap = 10
        let splitter = try TextSplitters.make(section, counter: WordCounter())
        #expect(splitter is TokenSplitter)
        #expect(splitter.chunkOverlap == 10)
    }

    @Test("throughput on the corpus (reported, not gated)")
    func throughput() async throws {
        let docs = try await Corpus.documents()
        let bytes = docs.reduce(0) { $0 + $1.text.utf8.count }
        let splitter = try SentenceSplitter(counter: WordCounter())
        let clock = ContinuousClock()
        var chunkCount = 0
        let elapsed = clock.measure {
            for doc in docs { chunkCount += splitter.chunks(of: doc).count }
        }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        print("SentenceSplitter 512/64 (word counter): \(bytes) bytes, \(chunkCount) chunks, " +
              String(format: "%.2f MB/s", Double(bytes) / 1e6 / seconds))
        #expect(chunkCount > 0)
    }
}

@Suite("Chunking with the real all-MiniLM-L6-v2 WordPiece tokenizer")
struct WordPieceChunkingTests {
    @Test("corpus chunks stay within the size in WordPiece tokens and overlap within the limit")
    func corpusWithWordPiece() async throws {
        let model = try TestEnvironment.model("all-MiniLM-L6-v2")
        let counter = TokenizerTokenCounter(try loadTokenizer(path: model.path))
        // The tokenizer really is WordPiece: "unaffable" is three pieces in the BERT vocabulary.
        #expect(counter.tokenCount("unaffable") > 1)
        let splitter = try SentenceSplitter(chunkSize: 256, chunkOverlap: 32, counter: counter)
        var chunkCount = 0, overlapping = 0
        let docs = try await Corpus.documents()
        let clock = ContinuousClock()
        let start = clock.now
        for doc in docs {
            let chunks = splitter.chunks(of: doc)
            chunkCount += chunks.count
            let bytes = Array(doc.text.utf8)
            for (i, chunk) in chunks.enumerated() {
                #expect(counter.tokenCount(chunk.text[...]) <= 256, "chunk \(i) of \(doc.id)")
                if i > 0, chunks[i - 1].byteRange.upperBound > chunk.byteRange.lowerBound {
                    overlapping += 1
                    let shared = String(decoding: bytes[chunk.byteRange.lowerBound..<chunks[i - 1].byteRange.upperBound], as: UTF8.self)
                    #expect(counter.tokenCount(shared[...]) <= 32, "overlap of chunk \(i) of \(doc.id)")
                }
            }
        }
        let elapsed = clock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let bytes = docs.reduce(0) { $0 + $1.text.utf8.count }
        print("SentenceSplitter 256/32 (WordPiece, incl. checks): \(bytes) bytes, \(chunkCount) chunks, " +
              String(format: "%.2f MB/s", Double(bytes) / 1e6 / seconds))
        #expect(chunkCount > 100)
        #expect(overlapping > chunkCount / 3)
    }
}

@Suite("Domain types")
struct DomainTypeTests {
    @Test("chunks round-trip through JSON with their ranges, page and heading")
    func codable() throws {
        let chunk = Chunk(documentID: "d", sourceURI: "s3://b/k.pdf", index: 2, text: "hello", byteRange: 10..<15,
                          pageNumber: 3, sectionHeading: "Intro", metadata: ["lang": "en"])
        let decoded = try JSONDecoder().decode(Chunk.self, from: JSONEncoder().encode(chunk))
        #expect(decoded == chunk)
        #expect(decoded.id == Chunk.id(documentID: "d", index: 2, text: "hello"))
    }
}
