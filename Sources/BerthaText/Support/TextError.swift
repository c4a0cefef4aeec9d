import BerthaCore

/// What can go wrong while reading sources, loading documents and chunking them.
public enum TextError: BerthaError, Equatable {
    case unreadable(path: String, reason: String)
    case archiveOpen(archive: String, reason: String)
    case archiveRead(archive: String, entry: String?, reason: String)
    case unsafeArchivePath(archive: String, entry: String)
    case tooManyArchiveEntries(archive: String, limit: Int)
    case archiveEntryTooLarge(archive: String, entry: String, limit: Int)
    case archiveTooLarge(archive: String, limit: Int)
    case invalidGlob(pattern: String, reason: String)
    case invalidEventPayload(reason: String)
    case invalidJSON(source: String, line: Int?, reason: String)
    case missingTextField(source: String, field: String)
    case invalidCSV(source: String, row: Int, reason: String)
    case pdfToolFailed(source: String, reason: String)
    case invalidChunking(reason: String)
    case unsupportedURI(uri: String)

    public var message: String {
        switch self {
        case .unreadable(_, let reason): "cannot read: \(reason)"
        case .archiveOpen(_, let reason): "cannot open archive: \(reason)"
        case .archiveRead(_, _, let reason): "cannot read archive: \(reason)"
        case .unsafeArchivePath(_, let entry):
            "archive entry \"\(entry)\" has an absolute path or a .. component; refusing it"
        case .tooManyArchiveEntries(_, let limit):
            "archive holds more than \(limit) entries (ingest.max_archive_entries)"
        case .archiveEntryTooLarge(_, let entry, let limit):
            "archive entry \"\(entry)\" expands beyond \(limit) bytes (ingest.max_entry_bytes)"
        case .archiveTooLarge(_, let limit):
            "archive expands beyond \(limit) bytes in total (ingest.max_archive_bytes)"
        case .invalidGlob(let pattern, let reason): "invalid glob pattern \"\(pattern)\": \(reason)"
        case .invalidEventPayload(let reason): "unrecognised bucket event payload: \(reason)"
        case .invalidJSON(_, _, let reason): "invalid JSON: \(reason)"
        case .missingTextField(_, let field): "JSON record has no string field \"\(field)\" (ingest.json_text_field)"
        case .invalidCSV(_, let row, let reason): "invalid CSV at row \(row): \(reason)"
        case .pdfToolFailed(_, let reason): "pdftotext failed: \(reason)"
        case .invalidChunking(let reason): "invalid chunking settings: \(reason)"
        case .unsupportedURI(let uri): "no fetcher for URI \(uri)"
        }
    }

    public var location: String? {
        switch self {
        case .unreadable(let path, _): path
        case .archiveOpen(let archive, _), .tooManyArchiveEntries(let archive, _), .archiveTooLarge(let archive, _):
            archive
        case .archiveRead(let archive, let entry, _): entry.map { "\(archive)!/\($0)" } ?? archive
        case .unsafeArchivePath(let archive, _), .archiveEntryTooLarge(let archive, _, _): archive
        case .invalidJSON(let source, let line, _): line.map { "\(source):\($0)" } ?? source
        case .missingTextField(let source, _), .pdfToolFailed(let source, _): source
        case .invalidCSV(let source, _, _): source
        case .unsupportedURI(let uri): uri
        case .invalidGlob, .invalidEventPayload, .invalidChunking: nil
        }
    }

    public var exitCode: BerthaExitCode {
        switch self {
        case .invalidGlob, .invalidChunking: .usage
        default: .failure
        }
    }
}
