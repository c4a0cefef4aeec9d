import BerthaTestSupport
import Foundation
import Testing
@testable import BerthaText

@Suite("Document loaders")
struct LoaderTests {
    private func load(_ path: String, _ text: String, textField: String = "text") async throws -> LoadOutcome {
        try await DocumentLoader(jsonTextField: textField).load(SourceItem(uri: "file:///t/\(path)", path: path, data: Data(text.utf8)))
    }

    private func documents(_ outcome: LoadOutcome) -> [Document] {
        if case .documents(let docs) = outcome { return docs }
        return []
    }

    @Test("every corpus document loads as text, Markdown files with their headings as sections")
    func corpus() async throws {
        let docs = try await Corpus.documents()
        let files = try Corpus.files()
        #expect(docs.count == files.count)
        for doc in docs {
            let file = try #require(files.first { doc.sourceURI.hasSuffix("/" + $0.lastPathComponent) })
            #expect(!doc.text.isEmpty)
            #expect(doc.contentHash.count == 64)
            if file.pathExtension == "md" {
                #expect(doc.contentType == .markdown)
                #expect(!doc.sections.isEmpty, "\(file.lastPathComponent) has headings")
                // Every section starts at its heading line.
                for section in doc.sections {
                    let start = doc.text.utf8.index(doc.text.utf8.startIndex, offsetBy: section.byteRange.lowerBound)
                    let line = doc.text[start...].prefix(while: { $0 != "\n" })
                    #expect(line.contains(section.heading), "\(section.heading) at its offset in \(file.lastPathComponent)")
                }
            } else {
                #expect(doc.contentType == .plainText)
                #expect(doc.text == (try String(contentsOf: file, encoding: .utf8)))
            }
        }
        let quantize = try #require(docs.first { $0.sourceURI.hasSuffix("llama-cpp-quantize.md") })
        #expect(quantize.sections.first?.heading == "quantize")
        #expect(quantize.sections.first?.level == 1)
    }

    @Test("Markdown: front matter dropped, ATX and setext headings found, fenced code ignored")
    func markdown() async throws {
        let text = """
            ---
            title: Guide
            tags: [a, b]
            ---
            # Install

            Run the installer.

            ```sh
            # not a heading
            make install
            ```

            Usage
            -----
            Call it. ## not a heading either
            ### Flags ###
            The flags.
            """
        let doc = try #require(documents(try await load("guide.md", text)).first)
        #expect(!doc.text.contains("title: Guide"))
        #expect(doc.text.hasPrefix("# Install"))
        #expect(doc.sections.map(\.heading) == ["Install", "Usage", "Flags"])
        #expect(doc.sections.map(\.level) == [1, 2, 3])
        #expect(doc.heading(at: doc.text.utf8.count - 2) == "Flags")
        let usage = doc.sections[1].byteRange
        let usageText = String(decoding: Array(doc.text.utf8)[usage], as: UTF8.self)
        #expect(usageText.hasPrefix("Usage\n-----\nCall it."))
    }

    @Test("HTML: script, style and comments dropped, blocks become lines, entities decoded, headings become sections")
    func html() async throws {
        let html = """
            <!DOCTYPE html>
            <html><head><title>The  Page</title>
            <style>body { color: red; } p::after { content: "<p>" }</style>
            <script type="text/javascript">var x = "<h1>fake</h1>"; if (a < b) { alert(1) }</script>
            </head>
            <body>
            <!-- a comment <p>hidden</p> -->
            <h1>Caf&eacute; &amp; Bar</h1>
            <p>First   paragraph with <b>bold</b>
            text &lt;tag&gt; &#8212; &#x41;.</p>
            <div>Second<br>line</div>
            <ul><li>one</li><li>two</li></ul>
            <h2>Prices</h2>
            <table><tr><td>tea</td><td>3&nbsp;€</td></tr></table>
            <pre>  keep   spacing</pre>
            <noscript>enable js</noscript>
            </body></html>
            """
        let doc = try #require(documents(try await load("page.html", html)).first)
        #expect(doc.contentType == .html)
        #expect(doc.metadata["title"] == "The Page")
        #expect(doc.text == """
            Café & Bar

            First paragraph with bold text <tag> — A.

            Second
            line

            one
            two

            Prices

            tea 3\u{00A0}€

              keep   spacing
            """)
        #expect(!doc.text.contains("alert") && !doc.text.contains("color") && !doc.text.contains("hidden"))
        #expect(doc.sections.map(\.heading) == ["Café & Bar", "Prices"])
        let prices = doc.sections[1].byteRange.lowerBound
        #expect(String(decoding: Array(doc.text.utf8)[prices...].prefix(6), as: UTF8.self) == "Prices")
    }

    @Test("CSV: RFC 4180 quoting with commas, quotes and newlines; rows become header: value blocks")
    func csv() async throws {
        let csv = "name,comment,price\r\n\"Smith, John\",\"said \"\"hi\"\"\nthen left\",3.50\r\nDoe,,4\r\n"
        let doc = try #require(documents(try await load("people.csv", csv)).first)
        #expect(doc.text == "name: Smith, John\ncomment: said \"hi\"\nthen left\nprice: 3.50\n\nname: Doe\nprice: 4")
        #expect(doc.sections.map(\.heading) == ["row 1", "row 2"])
        #expect(throws: TextError.invalidCSV(source: "x", row: 2, reason: "unterminated quoted field")) {
            try CSVLoader.parse("a,b\n\"open,1\n", source: "x")
        }
    }

    @Test("JSON and JSONL: the configured text field is the text, other scalars are metadata")
    func json() async throws {
        let single = try #require(documents(try await load("a.json", #"{"body":"Hello there.","author":"ann","year":2024,"draft":false,"tags":["x"]}"#, textField: "body")).first)
        #expect(single.text == "Hello there.")
        #expect(single.metadata == ["author": "ann", "year": "2024", "draft": "false"])
        #expect(single.id == "file:///t/a.json")

        let lines = documents(try await load("b.jsonl", "{\"text\":\"one\",\"n\":1}\n\n{\"text\":\"two\",\"n\":2}\n"))
        #expect(lines.map(\.text) == ["one", "two"])
        #expect(lines.map(\.id) == ["file:///t/b.jsonl#1", "file:///t/b.jsonl#3"])
        #expect(lines.map { $0.metadata["n"] } == ["1", "2"])

        let array = documents(try await load("c.json", #"[{"text":"a"},{"text":"b"}]"#))
        #expect(array.map(\.text) == ["a", "b"])

        await #expect(throws: TextError.missingTextField(source: "file:///t/d.jsonl:1", field: "text")) {
            _ = try await load("d.jsonl", #"{"content":"x"}"#)
        }
    }

    @Test("binary content is skipped, not ingested")
    func binary() async throws {
        let png = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52])
        let outcome = try await DocumentLoader().load(SourceItem(uri: "file:///t/x.txt", path: "x.txt", data: png))
        guard case .skipped(let reason) = outcome else { Issue.record("binary .txt was loaded"); return }
        #expect(reason.contains("binary"))
        let noExtension = try await DocumentLoader().load(SourceItem(uri: "file:///t/blob", path: "blob", data: Data((0..<256).map { UInt8($0) })))
        guard case .skipped = noExtension else { Issue.record("binary blob was loaded"); return }
        // Latin-1 text without control bytes is still text.
        let latin1 = try await DocumentLoader().load(SourceItem(uri: "file:///t/l.txt", path: "l.txt", data: Data([0x63, 0x61, 0x66, 0xE9])))
        #expect(documents(latin1).first?.text == "café")
    }

    @Test("PDF: text per page with page numbers, via pdftotext, on a three-page PDF")
    func pdf() async throws {
        let dir = try TemporaryDirectory("bertha-pdf")
        defer { dir.remove() }
        let file = dir.path("three.pdf")
        // A minimal but complete PDF (catalog, page tree, Helvetica, one content stream per page), written by hand
        // so the test needs no PDF library.
        try runPython("""
            import sys
            pages = [["Alpha particles are helium nuclei.", "They stop in paper."],
                     ["Beta decay emits electrons."],
                     ["Gamma rays need lead shielding.", "Page three ends here."]]
            objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
                    ("<< /Type /Pages /Kids [%s] /Count %d >>" % (" ".join("%d 0 R" % (4 + 2 * i) for i in range(len(pages))), len(pages))).encode(),
                    b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
            for i, lines in enumerate(pages):
                ops = "BT /F1 14 Tf 72 720 Td 20 TL " + " ".join("(%s) Tj T*" % l for l in lines) + " ET"
                objs.append(("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % (5 + 2 * i)).encode())
                objs.append(("<< /Length %d >>\\nstream\\n%s\\nendstream" % (len(ops), ops)).encode())
            out = bytearray(b"%PDF-1.4\\n")
            offsets = []
            for k, o in enumerate(objs):
                offsets.append(len(out))
                out += b"%d 0 obj\\n" % (k + 1) + o + b"\\nendobj\\n"
            xref = len(out)
            out += b"xref\\n0 %d\\n0000000000 65535 f \\n" % (len(objs) + 1)
            for off in offsets: out += b"%010d 00000 n \\n" % off
            out += b"trailer\\n<< /Size %d /Root 1 0 R >>\\nstartxref\\n%d\\n%%%%EOF\\n" % (len(objs) + 1, xref)
            open(sys.argv[1], "wb").write(out)
            """, arguments: [file.path])
        let item = SourceItem(uri: file.absoluteString, path: "three.pdf", data: try Data(contentsOf: file))
        let doc = try #require(documents(try await DocumentLoader().load(item)).first)
        #expect(doc.contentType == .pdf)
        #expect(doc.pages.map(\.number) == [1, 2, 3])
        let pageTexts = doc.pages.map { String(decoding: Array(doc.text.utf8)[$0.byteRange], as: UTF8.self) }
        #expect(pageTexts == ["Alpha particles are helium nuclei.\nThey stop in paper.", "Beta decay emits electrons.",
                              "Gamma rays need lead shielding.\nPage three ends here."])
        // Chunks keep their page numbers.
        let splitter = try SentenceSplitter(chunkSize: 6, chunkOverlap: 0, counter: WordCounter())
        let chunks = splitter.chunks(of: doc)
        let gamma = try #require(chunks.first { $0.text.contains("Gamma") })
        #expect(gamma.pageNumber == 3)
        #expect(chunks.first { $0.text.contains("Beta") }?.pageNumber == 2)
        #expect(chunks.first?.pageNumber == 1)
        #expect(Set(chunks.compactMap(\.pageNumber)) == [1, 2, 3])
    }

    @Test("a corrupt PDF is a clear pdftotext error naming the source")
    func corruptPDF() async throws {
        let item = SourceItem(uri: "file:///t/bad.pdf", path: "bad.pdf", data: Data("%PDF-1.4\nnot really".utf8))
        let error = await #expect(throws: TextError.self) { _ = try await DocumentLoader().load(item) }
        #expect(error?.location == "file:///t/bad.pdf")
    }
}
