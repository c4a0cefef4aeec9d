import Foundation

/// JSON and JSON Lines: each record (the top-level object, each element of a top-level array, each
/// line) becomes a document whose text is the record's `textField`; the record's other scalar fields
/// (strings, numbers, booleans) become metadata. A bare string record is its own text.
public enum JSONLoader {
    public static func load(data: Data, uri: String, lines: Bool, textField: String) throws -> [Document] {
        if lines {
            var docs: [Document] = []
            var lineNumber = 0
            for line in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
                lineNumber += 1
                guard line.contains(where: { !($0 == 0x20 || $0 == 0x09 || $0 == 0x0D) }) else { continue }
                let value: Any
                do {
                    value = try JSONSerialization.jsonObject(with: Data(line), options: [.fragmentsAllowed])
                } catch {
                    throw TextError.invalidJSON(source: uri, line: lineNumber, reason: error.localizedDescription)
                }
                docs.append(try record(value, uri: uri, id: "\(uri)#\(lineNumber)", textField: textField, line: lineNumber))
            }
            return docs
        }
        let value: Any
        do {
            value = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        } catch {
            throw TextError.invalidJSON(source: uri, line: nil, reason: error.localizedDescription)
        }
        if let array = value as? [Any] {
            return try array.enumerated().map { try record($1, uri: uri, id: "\(uri)#\($0 + 1)", textField: textField, line: nil) }
        }
        return [try record(value, uri: uri, id: uri, textField: textField, line: nil)]
    }

    private static func record(_ value: Any, uri: String, id: String, textField: String, line: Int?) throws -> Document {
        if let text = value as? String {
            return Document(id: id, sourceURI: uri, contentType: line == nil ? .json : .jsonLines, text: text)
        }
        guard let object = value as? [String: Any] else {
            throw TextError.invalidJSON(source: uri, line: line, reason: "a record must be an object or a string")
        }
        guard let text = object[textField] as? String else {
            throw TextError.missingTextField(source: line.map { "\(uri):\($0)" } ?? uri, field: textField)
        }
        var metadata: [String: String] = [:]
        for (key, field) in object where key != textField {
            if let s = field as? String { metadata[key] = s }
            else if let n = field as? NSNumber {
                // JSONSerialization hands booleans over as NSNumber; keep them as true/false.
                let type = String(cString: n.objCType)
                metadata[key] = type == "c" || type == "B" ? (n.boolValue ? "true" : "false") : n.stringValue
            }
        }
        return Document(id: id, sourceURI: uri, contentType: line == nil ? .json : .jsonLines, text: text, metadata: metadata)
    }
}
