/// HTML to text: only text content is kept; `script`, `style`, `noscript`, `template`, `svg` and comments
/// are dropped; block elements end lines (paragraph-like ones with a blank line); whitespace collapses
/// as a browser renders it except inside `pre`; character references are decoded. `h1`–`h6` become
/// sections and `<title>` goes to metadata.
public enum HTMLLoader {
    private static let skipped: Set<String> = ["script", "style", "noscript", "template", "svg", "head-script", "iframe", "object"]
    private static let paragraphBlocks: Set<String> = [
        "p", "div", "section", "article", "header", "footer", "main", "nav", "aside", "blockquote", "pre", "table",
        "ul", "ol", "dl", "form", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "body", "html", "details", "summary",
        "address", "fieldset",
    ]
    private static let lineBlocks: Set<String> = ["br", "li", "tr", "dt", "dd", "figcaption", "caption", "option", "title"]
    private static let cellElements: Set<String> = ["td", "th"]

    public static func load(text html: String, uri: String, id: String) -> Document {
        var out = Emitter()
        var metadata: [String: String] = [:]
        var sections: [(heading: String, level: Int, offset: Int)] = []
        var heading: (level: Int, offset: Int, text: String)?
        var title: String?
        var inTitle = false
        var preDepth = 0
        let chars = Array(html.unicodeScalars)
        var i = 0
        var textStart = 0

        func flushText(_ end: Int) {
            guard textStart < end else { return }
            let raw = String(String.UnicodeScalarView(chars[textStart..<end]))
            let decoded = decodeEntities(raw)
            if inTitle { title = (title ?? "") + decoded; return }
            let before = out.count
            out.text(decoded, preformatted: preDepth > 0)
            if heading != nil {
                if heading?.text.isEmpty == true { heading?.offset = out.firstTextOffset(since: before) }
                heading?.text += decoded
            }
        }

        while i < chars.count {
            guard chars[i] == "<" else { i += 1; continue }
            flushText(i)
            // Comments, doctypes and processing instructions.
            if matches(chars, i, "<!--") {
                i = find(chars, "-->", from: i + 4).map { $0 + 3 } ?? chars.count
                textStart = i
                continue
            }
            if matches(chars, i, "<!") || matches(chars, i, "<?") {
                i = find(chars, ">", from: i).map { $0 + 1 } ?? chars.count
                textStart = i
                continue
            }
            guard let close = find(chars, ">", from: i) else { textStart = i; break }
            let inner = String(String.UnicodeScalarView(chars[(i + 1)..<close]))
            let isEnd = inner.hasPrefix("/")
            let name = String(inner.drop(while: { $0 == "/" }).prefix(while: { $0.isLetter || $0.isNumber })).lowercased()
            if name.isEmpty {
                // A bare "<" in text, e.g. "a < b".
                i += 1
                continue
            }
            i = close + 1
            if !isEnd && skipped.contains(name) && !inner.hasSuffix("/") {
                let closing = Array("</\(name)".unicodeScalars)
                var j = i
                while j < chars.count {
                    if chars[j] == "<", j + closing.count <= chars.count,
                       String(String.UnicodeScalarView(chars[j..<(j + closing.count)])).lowercased() == "</\(name)" { break }
                    j += 1
                }
                i = find(chars, ">", from: j).map { $0 + 1 } ?? chars.count
                textStart = i
                continue
            }
            if name == "title" { inTitle = !isEnd }
            if name == "pre" { preDepth = max(0, preDepth + (isEnd ? -1 : 1)) }
            if name.count == 2, name.first == "h", let level = Int(String(name.dropFirst())), (1...6).contains(level) {
                if isEnd, let open = heading {
                    let text = open.text.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
                    if !text.isEmpty { sections.append((text, open.level, open.offset)) }
                    heading = nil
                } else if !isEnd {
                    out.breakLine(blank: true)
                    heading = (level, out.count, "")
                }
            }
            if paragraphBlocks.contains(name) { out.breakLine(blank: true) }
            else if lineBlocks.contains(name) { out.breakLine(blank: false) }
            else if cellElements.contains(name), !isEnd { out.space() }
            textStart = i
        }
        flushText(chars.count)
        if let title, !title.isEmpty {
            metadata["title"] = title.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
        }
        let text = out.result
        let total = text.utf8.count
        var docSections: [DocumentSection] = []
        for (n, s) in sections.enumerated() {
            let start = min(s.offset, total)
            let end = n + 1 < sections.count ? min(sections[n + 1].offset, total) : total
            docSections.append(DocumentSection(heading: s.heading, level: s.level, byteRange: start..<max(start, end)))
        }
        return Document(id: id, sourceURI: uri, contentType: .html, text: text, sections: docSections, metadata: metadata)
    }

    /// Builds the output with whitespace decided lazily, so byte offsets taken while emitting stay exact.
    private struct Emitter {
        var result = ""
        var count = 0
        var pendingNewlines = 0
        var pendingSpace = false

        mutating func breakLine(blank: Bool) {
            pendingNewlines = max(pendingNewlines, blank ? 2 : 1)
            pendingSpace = false
        }

        mutating func space() { if pendingNewlines == 0 { pendingSpace = true } }

        mutating func text(_ s: String, preformatted: Bool) {
            if preformatted {
                guard !s.isEmpty else { return }
                flushPending()
                append(s)
                return
            }
            // HTML collapses only ASCII whitespace; a no-break space is content.
            let words = s.split(omittingEmptySubsequences: false, whereSeparator: Self.isHTMLSpace)
            for (n, word) in words.enumerated() {
                // Every piece after the first had whitespace before it.
                if n > 0 { pendingSpace = true }
                guard !word.isEmpty else { continue }
                flushPending()
                append(String(word))
                pendingSpace = false
            }
        }

        static func isHTMLSpace(_ c: Character) -> Bool {
            c == " " || c == "\n" || c == "\t" || c == "\r" || c == "\u{0C}"
        }

        /// The offset where text emitted after `before` starts (pending whitespace went in first).
        func firstTextOffset(since before: Int) -> Int {
            var offset = before
            for byte in result.utf8.dropFirst(before) {
                if byte == 0x20 || byte == 0x0A { offset += 1 } else { break }
            }
            return offset
        }

        private mutating func flushPending() {
            if count > 0 {
                if pendingNewlines > 0 { append(String(repeating: "\n", count: pendingNewlines)) }
                else if pendingSpace { append(" ") }
            }
            pendingNewlines = 0
            pendingSpace = false
        }

        private mutating func append(_ s: String) {
            result += s
            count += s.utf8.count
        }
    }

    private static func matches(_ chars: [Unicode.Scalar], _ at: Int, _ literal: String) -> Bool {
        let lit = Array(literal.unicodeScalars)
        guard at + lit.count <= chars.count else { return false }
        for k in 0..<lit.count where chars[at + k] != lit[k] { return false }
        return true
    }

    private static func find(_ chars: [Unicode.Scalar], _ literal: String, from: Int) -> Int? {
        var j = from
        while j < chars.count {
            if matches(chars, j, literal) { return j }
            j += 1
        }
        return nil
    }

    private static let namedEntities: [String: String] = [
        "amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'", "nbsp": "\u{00A0}", "copy": "©", "reg": "®",
        "trade": "™", "mdash": "—", "ndash": "–", "hellip": "…", "lsquo": "‘", "rsquo": "’", "ldquo": "“",
        "rdquo": "”", "laquo": "«", "raquo": "»", "middot": "·", "bull": "•", "deg": "°", "times": "×",
        "divide": "÷", "euro": "€", "pound": "£", "yen": "¥", "cent": "¢", "sect": "§", "para": "¶",
        "shy": "\u{00AD}", "eacute": "é", "egrave": "è", "agrave": "à", "aacute": "á", "uuml": "ü", "ouml": "ö",
        "auml": "ä", "szlig": "ß", "ccedil": "ç", "ntilde": "ñ", "larr": "←", "rarr": "→", "uarr": "↑", "darr": "↓",
        "le": "≤", "ge": "≥", "ne": "≠", "plusmn": "±", "micro": "µ", "frac12": "½", "thinsp": "\u{2009}",
        "ensp": "\u{2002}", "emsp": "\u{2003}", "zwj": "\u{200D}", "zwnj": "\u{200C}",
    ]

    /// Decodes `&name;`, `&#NNN;` and `&#xHH;`; unknown references stay as written.
    public static func decodeEntities(_ s: String) -> String {
        guard s.contains("&") else { return s }
        var out = ""
        var rest = s[...]
        while let amp = rest.firstIndex(of: "&") {
            out += rest[..<amp]
            let after = rest[rest.index(after: amp)...]
            guard let semi = after.prefix(12).firstIndex(of: ";") else {
                out += "&"
                rest = after
                continue
            }
            let name = after[..<semi]
            var replacement: String?
            if name.hasPrefix("#x") || name.hasPrefix("#X") {
                replacement = UInt32(name.dropFirst(2), radix: 16).flatMap(Unicode.Scalar.init).map { String(Character($0)) }
            } else if name.hasPrefix("#") {
                replacement = UInt32(name.dropFirst()).flatMap(Unicode.Scalar.init).map { String(Character($0)) }
            } else {
                replacement = namedEntities[String(name)]
            }
            if let replacement {
                out += replacement
                rest = after[after.index(after: semi)...]
            } else {
                out += "&"
                rest = after
            }
        }
        out += rest
        return out
    }
}
