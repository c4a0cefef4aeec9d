import BerthaCore
import Foundation

/// What loading one source gave: documents, or a reason it was skipped (not an error: a directory of
/// mixed files is expected to hold some that are not documents).
public enum LoadOutcome: Sendable {
    case documents([Document])
    case skipped(reason: String)
}

/// Picks the loader for a source by its sniffed content type and runs it.
public struct DocumentLoader: Sendable {
    public var jsonTextField: String
    public var pdf: PDFLoader

    public init(jsonTextField: String = "text", pdf: PDFLoader = PDFLoader()) {
        self.jsonTextField = jsonTextField
        self.pdf = pdf
    }

    public init(_ section: IngestSection) {
        self.init(jsonTextField: section.jsonTextField)
    }

    public func load(_ item: SourceItem) async throws -> LoadOutcome {
        let type = ContentSniffer.detect(path: item.path, data: item.data)
        switch type {
        case .binary:
            return .skipped(reason: "binary content (NUL bytes or not UTF-8 text)")
        case .archive:
            return .skipped(reason: "nested archive (archives are expanded one level deep)")
        case .pdf:
            return .documents([try await pdf.load(data: item.data, uri: item.uri, id: item.uri)])
        case .json, .jsonLines:
            return .documents(try JSONLoader.load(data: item.data, uri: item.uri, lines: type == .jsonLines,
                                                  textField: jsonTextField))
        case .plainText, .markdown, .html, .csv:
            guard let text = TextDecoding.decode(item.data) else {
                return .skipped(reason: "binary content (NUL bytes or not UTF-8 text)")
            }
            switch type {
            case .markdown: return .documents([MarkdownLoader.load(text: text, uri: item.uri, id: item.uri)])
            case .html: return .documents([HTMLLoader.load(text: text, uri: item.uri, id: item.uri)])
            case .csv: return .documents([try CSVLoader.load(text: text, uri: item.uri, id: item.uri)])
            default: return .documents([Document(id: item.uri, sourceURI: item.uri, contentType: .plainText, text: text)])
            }
        }
    }
}
