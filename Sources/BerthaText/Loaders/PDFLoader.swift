import Foundation

/// PDF text through poppler's `pdftotext`, run as a subprocess. Reading order (no `-layout`) is used:
/// `-layout` pads columns with runs of spaces that split words badly for embeddings. pdftotext ends
/// each page with a form feed, which gives the page boundaries.
public struct PDFLoader: Sendable {
    /// The `pdftotext` executable; found on PATH when nil.
    public var executable: URL?

    public init(executable: URL? = nil) {
        self.executable = executable
    }

    public func load(data: Data, uri: String, id: String) async throws -> Document {
        guard let tool = executable ?? Self.findOnPath("pdftotext") else {
            throw TextError.pdfToolFailed(source: uri, reason: "pdftotext not found on PATH (install poppler-utils)")
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bertha-pdf-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("in.pdf"), output = dir.appendingPathComponent("out.txt")
        let errors = dir.appendingPathComponent("stderr")
        try data.write(to: input)
        _ = FileManager.default.createFile(atPath: errors.path, contents: nil)
        let process = Process()
        process.executableURL = tool
        process.arguments = ["-enc", "UTF-8", "-eol", "unix", input.path, output.path]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = try FileHandle(forWritingTo: errors)
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: TextError.pdfToolFailed(source: uri, reason: error.localizedDescription))
            }
        }
        guard status == 0, let raw = try? Data(contentsOf: output) else {
            let message = (try? String(contentsOf: errors, encoding: .utf8))?.oneLineTrimmed ?? ""
            throw TextError.pdfToolFailed(source: uri, reason: "exit status \(status): \(message)")
        }
        return Self.document(fromPdftotext: String(decoding: raw, as: UTF8.self), uri: uri, id: id)
    }

    /// Builds the paged document from pdftotext's output (pages ended by form feeds).
    static func document(fromPdftotext raw: String, uri: String, id: String) -> Document {
        var pages = raw.split(separator: "\u{0C}", omittingEmptySubsequences: false).map(String.init)
        // The form feed after the last page leaves an empty tail.
        if pages.count > 1, pages.last?.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty == true { pages.removeLast() }
        var text = ""
        var ranges: [DocumentPage] = []
        for (n, page) in pages.enumerated() {
            let body = page.trimmingCharacters(in: .whitespacesAndNewlines)
            if !text.isEmpty && !body.isEmpty { text += "\n\n" }
            let start = text.utf8.count
            text += body
            ranges.append(DocumentPage(number: n + 1, byteRange: start..<text.utf8.count))
        }
        return Document(id: id, sourceURI: uri, contentType: .pdf, text: text, pages: ranges)
    }

    static func findOnPath(_ name: String) -> URL? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(dir)).appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return nil
    }
}

extension String {
    fileprivate var oneLineTrimmed: String {
        split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
    }
}
