import BerthaCore
/// A piece of a document sized for the embedding model, the unit bertha embeds and stores.
public struct Chunk: Sendable, Hashable, Codable {
    /// Lower-case hex SHA-256 of document id, chunk index and text (NUL separated): the same
    /// document re-ingested gives the same ids, and any change of text gives new ones.
    public var id: String
    public var documentID: String
    public var sourceURI: String
    /// Position of the chunk within its document, from 0.
    public var index: Int
    public var text: String
    /// UTF-8 byte range of `text` in the document text.
    public var byteRange: Range<Int>
    public var pageNumber: Int?
    public var sectionHeading: String?
    /// The document's metadata, carried so a vector store can filter on it.
    public var metadata: [String: String]

    public init(documentID: String, sourceURI: String, index: Int, text: String, byteRange: Range<Int>,
                pageNumber: Int? = nil, sectionHeading: String? = nil, metadata: [String: String] = [:]) {
        self.id = Chunk.id(documentID: documentID, index: index, text: text)
        self.documentID = documentID
        self.sourceURI = sourceURI
        self.index = index
        self.text = text
        self.byteRange = byteRange
        self.pageNumber = pageNumber
        self.sectionHeading = sectionHeading
        self.metadata = metadata
    }

    /// The deterministic chunk id; NUL separators keep ("a1", 0) and ("a", 10) apart.
    public static func id(documentID: String, index: Int, text: String) -> String {
        var bytes = Array(documentID.utf8)
        bytes.append(0)
        bytes.append(contentsOf: String(index).utf8)
        bytes.append(0)
        bytes.append(contentsOf: text.utf8)
        return SHA256Hex.of(bytes)
    }
}
