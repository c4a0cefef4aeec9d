import Foundation

/// Decides a source's content type from its extension and, where that says nothing, its first bytes.
public enum ContentSniffer {
    private static let byExtension: [String: ContentType] = [
        "txt": .plainText, "text": .plainText, "log": .plainText, "rst": .plainText, "adoc": .plainText,
        "md": .markdown, "markdown": .markdown, "mdx": .markdown,
        "html": .html, "htm": .html, "xhtml": .html,
        "json": .json, "jsonl": .jsonLines, "ndjson": .jsonLines,
        "csv": .csv, "pdf": .pdf,
    ]

    public static func detect(path: String, data: Data) -> ContentType {
        let head = data.prefix(1024)
        if head.starts(with: Array("%PDF-".utf8)) { return .pdf }
        if ArchiveReader.looksLikeArchive(data) || FileSource.hasArchiveExtension(path) { return .archive }
        let name = path.split(separator: "/").last.map(String.init) ?? path
        if let dot = name.lastIndex(of: "."), let type = byExtension[name[name.index(after: dot)...].lowercased()] {
            // A .txt full of NULs is still binary.
            return TextDecoding.isBinary(data) ? .binary : type
        }
        if TextDecoding.isBinary(data) { return .binary }
        let start = String(decoding: head, as: UTF8.self).drop(while: { $0.isWhitespace }).lowercased()
        if start.hasPrefix("<!doctype html") || start.hasPrefix("<html") { return .html }
        if start.hasPrefix("{") || start.hasPrefix("[") {
            if (try? JSONSerialization.jsonObject(with: data)) != nil { return .json }
            return .jsonLines
        }
        return .plainText
    }
}

/// UTF-8 decoding with a binary check: bertha never ingests bytes that are not text.
enum TextDecoding {
    /// True for data with NUL bytes or that is neither valid UTF-8 nor plausibly Latin-1 text.
    static func isBinary(_ data: Data) -> Bool {
        decode(data) == nil
    }

    /// The data as text (CRLF normalised to LF, BOM dropped), or nil when it is binary.
    static func decode(_ data: Data) -> String? {
        var bytes = data[...]
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
        if bytes.contains(0) { return nil }
        var text: String
        if let utf8 = String(validating: bytes, as: UTF8.self) {
            text = utf8
        } else {
            // Legacy 8-bit text decodes as Latin-1 when it holds no control bytes; anything else is binary.
            let controls = bytes.filter { $0 < 0x20 && $0 != 0x09 && $0 != 0x0A && $0 != 0x0D && $0 != 0x0C }
            guard controls.isEmpty else { return nil }
            text = String(bytes.map { Character(Unicode.Scalar($0)) })
        }
        if text.contains("\r") {
            text = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
        }
        return text
    }
}
