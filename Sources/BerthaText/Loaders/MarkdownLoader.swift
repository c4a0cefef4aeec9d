import Foundation

/// Markdown: the text is kept as written (headings and emphasis help embedding models), YAML/TOML front
/// matter is dropped, and ATX (`## Title`) and setext headings become sections. Headings inside fenced
/// code blocks are code, not headings.
public enum MarkdownLoader {
    public static func load(text raw: String, uri: String, id: String) -> Document {
        let text = dropFrontMatter(raw)
        var sections: [DocumentSection] = []
        var starts: [(heading: String, level: Int, offset: Int)] = []
        var offset = 0
        var fence: Substring?
        var previous: (line: Substring, offset: Int)?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let lineBytes = line.utf8.count + 1
            defer { offset += lineBytes }
            let trimmed = line.drop(while: { $0 == " " })
            if let open = fence {
                if trimmed.hasPrefix(open) { fence = nil }
                previous = nil
                continue
            }
            if trimmed.hasPrefix("```") || trimmed.hasPrefix("~~~") {
                fence = trimmed.prefix(3)
                previous = nil
                continue
            }
            if let (level, heading) = atxHeading(trimmed), line.prefix(while: { $0 == " " }).count < 4 {
                starts.append((heading, level, offset))
                previous = nil
                continue
            }
            let underline = trimmed.trimmingCharacters(in: .whitespaces)
            if let prev = previous, !underline.isEmpty, underline.allSatisfy({ $0 == "=" }) || underline.allSatisfy({ $0 == "-" }),
               !prev.line.trimmingCharacters(in: .whitespaces).isEmpty {
                starts.append((prev.line.trimmingCharacters(in: .whitespaces), underline.first == "=" ? 1 : 2, prev.offset))
                previous = nil
                continue
            }
            previous = (line, offset)
        }
        let total = text.utf8.count
        for (i, start) in starts.enumerated() {
            let end = i + 1 < starts.count ? starts[i + 1].offset : total
            sections.append(DocumentSection(heading: start.heading, level: start.level, byteRange: start.offset..<max(start.offset, end)))
        }
        return Document(id: id, sourceURI: uri, contentType: .markdown, text: text, sections: sections)
    }

    static func atxHeading(_ line: Substring) -> (Int, String)? {
        let hashes = line.prefix(while: { $0 == "#" }).count
        guard (1...6).contains(hashes) else { return nil }
        let rest = line.dropFirst(hashes)
        guard rest.isEmpty || rest.first == " " || rest.first == "\t" else { return nil }
        var title = rest.trimmingCharacters(in: .whitespaces)
        // A closing run of #s is decoration.
        while title.hasSuffix("#") { title.removeLast() }
        title = title.trimmingCharacters(in: .whitespaces)
        guard !title.isEmpty else { return nil }
        return (hashes, title)
    }

    static func dropFrontMatter(_ text: String) -> String {
        for (open, closes) in [("---\n", ["\n---\n", "\n...\n", "\n---"]), ("+++\n", ["\n+++\n", "\n+++"])] {
            guard text.hasPrefix(open) else { continue }
            let body = text.dropFirst(open.count - 1)
            for close in closes {
                if let range = body.range(of: close), close.hasSuffix("\n") || range.upperBound == body.endIndex {
                    return String(body[range.upperBound...])
                }
            }
        }
        return text
    }
}

