/// The document formats bertha loads, and what it recognises in order to skip.
public enum ContentType: String, Sendable, Hashable, CaseIterable, Codable {
    case plainText = "text/plain"
    case markdown = "text/markdown"
    case html = "text/html"
    case json = "application/json"
    case jsonLines = "application/jsonl"
    case csv = "text/csv"
    case pdf = "application/pdf"
    /// tar, tar.gz, tar.zst, zip: expanded into their entries rather than loaded.
    case archive = "application/x-archive"
    /// Anything else that is not text: skipped with a warning.
    case binary = "application/octet-stream"
}
