/// The committed state of an embedded store: which segments exist, which of their rows are dead,
/// and the documents' content hashes. Replaced atomically as one file, so it is the commit point.
struct EmbeddedManifest: Codable, Equatable {
    static let currentFormat = 1

    struct Segment: Codable, Equatable {
        var file: String
        var rows: Int
        var bytes: Int
        var checksum: String
    }

    var format = currentFormat
    /// Increases with every commit; names new segment files so they never collide.
    var generation = 0
    /// Nil until the first record fixes it.
    var dimension: Int?
    var segments: [Segment] = []
    /// Segment file → indices of its rows that were deleted or replaced (tombstones).
    var tombstones: [String: [Int]] = [:]
    /// Documents stored through `replaceDocument`, by id.
    var documents: [String: DocumentState] = [:]
}
