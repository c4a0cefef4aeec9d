/// Splits text into sentences by punctuation, in the spirit of Punkt (which LlamaIndex uses): a sentence
/// ends at `.`, `!`, `?` (or `。！？`) plus any closing quotes and brackets, when whitespace and then a
/// plausible sentence start follow. Decimals (`3.14`), versions and URLs never split because no
/// whitespace follows their dots; abbreviations (`e.g.`, `Dr.`, `Fig.`), initials (`J. Smith`) and a
/// lower-case next word do not end a sentence. A blank line always does, so headings and list items
/// without final punctuation do not glue onto the next paragraph.
///
/// Each returned range keeps its trailing whitespace, so the ranges tile the input exactly.
public struct SentenceTokenizer: Sendable {
    public var abbreviations: Set<String>

    public static let defaultAbbreviations: Set<String> = [
        "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "rev", "gen", "col", "capt", "lt", "sgt", "hon", "mt",
        "e.g", "i.e", "cf", "vs", "viz", "al", "etc", "fig", "figs", "eq", "eqs", "no", "nos", "vol", "vols", "pp",
        "p", "ch", "sec", "ca", "approx", "dept", "est", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep",
        "sept", "oct", "nov", "dec", "inc", "ltd", "co", "corp", "u.s", "u.k", "a.m", "p.m", "ph.d", "resp", "incl",
    ]

    public init(abbreviations: Set<String> = SentenceTokenizer.defaultAbbreviations) {
        self.abbreviations = abbreviations
    }

    public func sentenceRanges(in text: Substring) -> [Range<String.Index>] {
        let scalars = text.unicodeScalars
        let end = scalars.endIndex
        var ranges: [Range<String.Index>] = []
        var sentenceStart = scalars.startIndex
        var i = scalars.startIndex

        func cut(at k: String.Index) {
            if sentenceStart < k { ranges.append(sentenceStart..<k) }
            sentenceStart = k
        }

        while i < end {
            let c = scalars[i]
            if c == "\n" {
                var j = scalars.index(after: i)
                while j < end, scalars[j] == " " || scalars[j] == "\t" || scalars[j] == "\r" { j = scalars.index(after: j) }
                if j < end, scalars[j] == "\n" {
                    var k = j
                    while k < end, scalars[k].properties.isWhitespace { k = scalars.index(after: k) }
                    if k < end { cut(at: k) }
                    i = k
                    continue
                }
                i = j
                continue
            }
            guard Self.isTerminator(c) else {
                i = scalars.index(after: i)
                continue
            }
            var j = scalars.index(after: i)
            while j < end, Self.isTerminator(scalars[j]) || Self.isCloser(scalars[j]) { j = scalars.index(after: j) }
            guard j < end else { break }
            let fullWidth = c == "。" || c == "！" || c == "？"
            if !fullWidth && !scalars[j].properties.isWhitespace {
                i = j
                continue
            }
            var k = j
            while k < end, scalars[k].properties.isWhitespace { k = scalars.index(after: k) }
            guard k < end else { break }
            if fullWidth || isBoundary(text, terminatorAt: i, terminator: c, next: scalars[k]) { cut(at: k) }
            i = k
        }
        if sentenceStart < end { ranges.append(sentenceStart..<end) }
        return ranges
    }

    private func isBoundary(_ text: Substring, terminatorAt i: String.Index, terminator: Unicode.Scalar,
                            next: Unicode.Scalar) -> Bool {
        // A lower-case continuation is almost never a new sentence ("e.g. this", "Yahoo! is").
        if next.properties.isLowercase { return false }
        guard terminator == "." else { return true }
        let scalars = text.unicodeScalars
        var w = i
        while w > scalars.startIndex {
            let prev = scalars.index(before: w)
            let s = scalars[prev]
            if s.properties.isWhitespace || s == "(" || s == "[" || s == "\"" || s == "“" || s == "'" { break }
            w = prev
        }
        let word = String(text[w..<i])
        if word.isEmpty { return true }
        let lower = word.lowercased()
        if abbreviations.contains(lower) && lower != "etc" && lower != "inc" && lower != "ltd" && lower != "co" {
            return false
        }
        // A lone capital is an initial: "J. R. R. Tolkien".
        if word.unicodeScalars.count == 1, let only = word.unicodeScalars.first, only.properties.isUppercase { return false }
        return true
    }

    static func isTerminator(_ c: Unicode.Scalar) -> Bool {
        c == "." || c == "!" || c == "?" || c == "。" || c == "！" || c == "？" || c == "‽" || c == "…"
    }

    static func isCloser(_ c: Unicode.Scalar) -> Bool {
        c == ")" || c == "]" || c == "}" || c == "\"" || c == "'" || c == "”" || c == "’" || c == "»" || c == "」" || c == "*" || c == "_" || c == "`"
    }
}
