import BerthaCore
/// One loaded document: the text a loader extracted from a source, with where its sections and pages lie.
///
/// Offsets are UTF-8 byte offsets into `text`, so they stay valid whatever Unicode view a consumer uses.
public struct Document: Sendable, Hashable, Codable {
    /// Stable id: the source URI, with `#<n>` appended for the n-th record of a multi-record file (JSONL).
    public var id: String
    /// Where the document came from: `file:///…`, `s3://bucket/key`, or `<archive URI>!/<entry>`.
    public var sourceURI: String
    public var contentType: ContentType
    public var text: String
    /// Headed regions in order (Markdown headings, CSV rows); empty when the format has none.
    public var sections: [DocumentSection]
    /// Pages in order (PDF); empty for formats without pages.
    public var pages: [DocumentPage]
    /// Scalar fields a structured loader kept beside the text (JSON fields other than the text field).
    public var metadata: [String: String]
    /// Lower-case hex SHA-256 of `text` in UTF-8: changes exactly when the extracted text changes.
    public var contentHash: String

    public init(id: String, sourceURI: String, contentType: ContentType, text: String,
                sections: [DocumentSection] = [], pages: [DocumentPage] = [], metadata: [String: String] = [:]) {
        self.id = id
        self.sourceURI = sourceURI
        self.contentType = contentType
        self.text = text
        self.sections = sections
        self.pages = pages
        self.metadata = metadata
        self.contentHash = SHA256Hex.of(text)
    }

    /// The heading of the last section starting at or before `offset`.
    public func heading(at offset: Int) -> String? {
        var found: String?
        for section in sections {
            if section.byteRange.lowerBound <= offset { found = section.heading } else { break }
        }
        return found
    }

    /// The number of the page holding `offset`.
    public func pageNumber(at offset: Int) -> Int? {
        pages.last(where: { $0.byteRange.lowerBound <= offset })?.number
    }
}

/// A headed region of a document.
public struct DocumentSection: Sendable, Hashable, Codable {
    public var heading: String
    /// Heading depth (1 for `#`); 0 when the format has no levels.
    public var level: Int
    /// UTF-8 byte range in the document text, heading line included.
    public var byteRange: Range<Int>

    public init(heading: String, level: Int, byteRange: Range<Int>) {
        self.heading = heading
        self.level = level
        self.byteRange = byteRange
    }
}

/// One page of a paged document.
public struct DocumentPage: Sendable, Hashable, Codable {
    /// 1-based page number as the reader shows it.
    public var number: Int
    public var byteRange: Range<Int>

    public init(number: Int, byteRange: Range<Int>) {
        self.number = number
        self.byteRange = byteRange
    }
}
