import Foundation
import Yams

/// Serializes typed objects to YAML. Keys come out in declaration order (synthesized `Encodable`
/// encodes properties in order, `StringMap`/`FreeformValue` keep insertion order), so output is
/// byte-for-byte stable and can be checked in as a golden file.
public enum YAMLDocuments {
    /// One YAML document.
    public static func encode<T: Encodable>(_ value: T) throws(ManifestError) -> String {
        let encoder = YAMLEncoder()
        encoder.options.indent = 2
        encoder.options.width = -1
        encoder.options.sortKeys = false
        // Embedded files (the pods' bertha.yaml, Argo's artifact repository) stay readable as blocks.
        encoder.options.newLineScalarStyle = .literal
        do {
            return try encoder.encode(value)
        } catch {
            throw ManifestError.encoding(type: String(describing: T.self), reason: "\(error)")
        }
    }

    /// Several documents as one stream, separated by `---`.
    public static func stream(_ documents: [any Encodable & Sendable]) throws(ManifestError) -> String {
        var parts: [String] = []
        for document in documents { parts.append(try encode(AnyEncodable(document))) }
        return parts.map { "---\n" + $0 }.joined()
    }
}

/// Lets a heterogeneous list of kinds go through one generic encoder.
struct AnyEncodable: Encodable {
    let value: any Encodable
    init(_ value: any Encodable) { self.value = value }
    func encode(to encoder: Encoder) throws { try value.encode(to: encoder) }
}
