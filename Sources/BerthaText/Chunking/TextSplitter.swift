import BerthaCore

/// Turns documents into chunks of at most `chunkSize` tokens.
public protocol TextSplitter: Sendable {
    var chunkSize: Int { get }
    var chunkOverlap: Int { get }
    /// The chunk ranges of `text[range]`, in order, each trimmed of surrounding whitespace.
    func chunkRanges(in text: String, range: Range<String.Index>) -> [Range<String.Index>]
}

extension TextSplitter {
    /// Splits a bare string (no document bookkeeping), mostly for tests and previews.
    public func split(_ text: String) -> [String] {
        chunkRanges(in: text, range: text.startIndex..<text.endIndex).map { String(text[$0]) }
    }

    /// Chunks a document. Pages are chunked separately so each chunk has one page number; each chunk
    /// carries the heading of the section it starts in.
    public func chunks(of document: Document) -> [Chunk] {
        let text = document.text
        let utf8 = text.utf8
        var segments: [Range<String.Index>] = []
        if document.pages.isEmpty {
            segments = [text.startIndex..<text.endIndex]
        } else {
            for page in document.pages where !page.byteRange.isEmpty {
                let lower = utf8.index(utf8.startIndex, offsetBy: page.byteRange.lowerBound)
                let upper = utf8.index(utf8.startIndex, offsetBy: page.byteRange.upperBound)
                segments.append(lower..<upper)
            }
        }
        var chunks: [Chunk] = []
        for segment in segments {
            for range in chunkRanges(in: text, range: segment) {
                let start = utf8.distance(from: utf8.startIndex, to: range.lowerBound)
                let end = utf8.distance(from: utf8.startIndex, to: range.upperBound)
                chunks.append(Chunk(documentID: document.id, sourceURI: document.sourceURI, index: chunks.count,
                                    text: String(text[range]), byteRange: start..<end,
                                    pageNumber: document.pageNumber(at: start), sectionHeading: document.heading(at: start),
                                    metadata: document.metadata))
            }
        }
        return chunks
    }
}

/// Builds the splitter `ingest.splitter` names.
public enum TextSplitters {
    public static func make(_ section: IngestSection, counter: any TokenCounter) throws -> any TextSplitter {
        switch section.splitter {
        case "token": try TokenSplitter(chunkSize: section.chunkSize, chunkOverlap: section.chunkOverlap, counter: counter)
        default: try SentenceSplitter(chunkSize: section.chunkSize, chunkOverlap: section.chunkOverlap, counter: counter)
        }
    }
}

/// A contiguous piece of text with its token count; `isSentence` pieces are whole sentences or paragraphs.
struct SplitPiece {
    var range: Range<String.Index>
    var isSentence: Bool
    var tokens: Int
}

/// Range-splitting helpers shared by the splitters. Every function returns ranges that tile its input.
enum RangeSplitting {
    /// Cuts before each occurrence of `separator`, which starts the following piece.
    static func bySeparator(_ text: String, _ range: Range<String.Index>, _ separator: String) -> [Range<String.Index>] {
        var out: [Range<String.Index>] = []
        var start = range.lowerBound
        var search = range.lowerBound
        while search < range.upperBound, let hit = text[search..<range.upperBound].range(of: separator) {
            if hit.lowerBound > start { out.append(start..<hit.lowerBound); start = hit.lowerBound }
            search = hit.upperBound
        }
        if start < range.upperBound { out.append(start..<range.upperBound) }
        return out
    }

    /// Cuts after each clause punctuation mark (LlamaIndex's secondary regex `[^,.;。？！]+[,.;。？！]?`).
    static func byClause(_ text: String, _ range: Range<String.Index>) -> [Range<String.Index>] {
        cutAfter(text, range) { $0 == "," || $0 == "." || $0 == ";" || $0 == "。" || $0 == "？" || $0 == "！" }
    }

    /// Cuts before each run of whitespace, which starts the following piece.
    static func byWords(_ text: String, _ range: Range<String.Index>) -> [Range<String.Index>] {
        let scalars = text.unicodeScalars
        var out: [Range<String.Index>] = []
        var start = range.lowerBound
        var i = range.lowerBound
        var previousWasSpace = true
        while i < range.upperBound {
            let isSpace = scalars[i].properties.isWhitespace
            if isSpace && !previousWasSpace && i > start { out.append(start..<i); start = i }
            previousWasSpace = isSpace
            i = scalars.index(after: i)
        }
        if start < range.upperBound { out.append(start..<range.upperBound) }
        return out
    }

    /// One piece per character (grapheme cluster).
    static func byCharacters(_ text: String, _ range: Range<String.Index>) -> [Range<String.Index>] {
        var out: [Range<String.Index>] = []
        var i = range.lowerBound
        while i < range.upperBound {
            let next = text.index(after: i)
            out.append(i..<min(next, range.upperBound))
            i = next
        }
        return out
    }

    private static func cutAfter(_ text: String, _ range: Range<String.Index>, _ isCut: (Unicode.Scalar) -> Bool) -> [Range<String.Index>] {
        let scalars = text.unicodeScalars
        var out: [Range<String.Index>] = []
        var start = range.lowerBound
        var i = range.lowerBound
        while i < range.upperBound {
            let next = scalars.index(after: i)
            if isCut(scalars[i]) && next > start { out.append(start..<next); start = next }
            i = next
        }
        if start < range.upperBound { out.append(start..<range.upperBound) }
        return out
    }

    /// Trims whitespace off both ends of `range`.
    static func trimmed(_ text: String, _ range: Range<String.Index>) -> Range<String.Index> {
        let scalars = text.unicodeScalars
        var lower = range.lowerBound, upper = range.upperBound
        while lower < upper, scalars[lower].properties.isWhitespace { lower = scalars.index(after: lower) }
        while upper > lower {
            let before = scalars.index(before: upper)
            guard scalars[before].properties.isWhitespace else { break }
            upper = before
        }
        return lower..<upper
    }
}

/// Merges pieces into chunks the way LlamaIndex's SentenceSplitter `_merge` does: pieces are added
/// while the running token count fits; a closed chunk seeds the next with its trailing pieces whose
/// tokens sum to at most `overlap`. Unlike LlamaIndex, overlap pieces are dropped again (oldest first)
/// when the next piece would not fit beside them, so no chunk exceeds `size` (LlamaIndex notes the
/// overflow as a known issue).
struct ChunkMerger {
    var size: Int
    var overlap: Int

    func merge(_ pieces: [SplitPiece], text: String) -> [Range<String.Index>] {
        var chunks: [Range<String.Index>] = []
        var current: [SplitPiece] = []
        var currentTokens = 0
        var isNew = true
        // Pieces in `current` that came from the previous chunk's tail.
        var carried = 0

        func close() {
            guard let first = current.first, let last = current.last else { return }
            let range = RangeSplitting.trimmed(text, first.range.lowerBound..<last.range.upperBound)
            if !range.isEmpty { chunks.append(range) }
            let previous = current
            current = []
            currentTokens = 0
            isNew = true
            carried = 0
            var index = previous.count - 1
            // Carry the tail only if it is not the whole chunk; otherwise the next chunk would repeat it.
            while index > 0, currentTokens + previous[index].tokens <= overlap {
                currentTokens += previous[index].tokens
                current.insert(previous[index], at: 0)
                carried += 1
                index -= 1
            }
        }

        var i = 0
        while i < pieces.count {
            let piece = pieces[i]
            if currentTokens + piece.tokens > size && !isNew {
                close()
                continue
            }
            while carried > 0 && currentTokens + piece.tokens > size {
                currentTokens -= current.removeFirst().tokens
                carried -= 1
            }
            if piece.isSentence || currentTokens + piece.tokens <= size || isNew {
                currentTokens += piece.tokens
                current.append(piece)
                isNew = false
                i += 1
            } else {
                close()
            }
        }
        if !isNew { close() }
        return chunks
    }
}
