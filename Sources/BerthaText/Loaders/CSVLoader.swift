import Foundation

/// CSV (RFC 4180: `"`-quoted fields may hold commas, newlines and `""`): the first row is the header,
/// and each further row becomes a block of `header: value` lines (empty values left out), blocks
/// separated by a blank line. Each row is a section headed `row N` so a chunk can say where it came from.
public enum CSVLoader {
    public static func load(text: String, uri: String, id: String) throws -> Document {
        let rows = try parse(text, source: uri)
        guard let header = rows.first else {
            return Document(id: id, sourceURI: uri, contentType: .csv, text: "")
        }
        var out = ""
        var sections: [DocumentSection] = []
        for (n, row) in rows.dropFirst().enumerated() {
            var lines: [String] = []
            for (column, value) in row.enumerated() {
                let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
                guard !trimmed.isEmpty else { continue }
                let name = column < header.count && !header[column].isEmpty ? header[column] : "column \(column + 1)"
                lines.append("\(name): \(trimmed)")
            }
            guard !lines.isEmpty else { continue }
            if !out.isEmpty { out += "\n\n" }
            let start = out.utf8.count
            out += lines.joined(separator: "\n")
            sections.append(DocumentSection(heading: "row \(n + 1)", level: 0, byteRange: start..<out.utf8.count))
        }
        return Document(id: id, sourceURI: uri, contentType: .csv, text: out, sections: sections)
    }

    /// Splits CSV text into rows of fields.
    public static func parse(_ text: String, source: String) throws -> [[String]] {
        var rows: [[String]] = []
        var row: [String] = []
        var field = ""
        var quoted = false
        var fieldWasQuoted = false
        var chars = text.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar? = chars.next()
        while let c = pending {
            pending = chars.next()
            if quoted {
                if c == "\"" {
                    if pending == "\"" { field.unicodeScalars.append("\""); pending = chars.next() }
                    else { quoted = false }
                } else {
                    field.unicodeScalars.append(c)
                }
                continue
            }
            switch c {
            case "\"" where field.isEmpty && !fieldWasQuoted:
                quoted = true
                fieldWasQuoted = true
            case ",":
                row.append(field); field = ""; fieldWasQuoted = false
            case "\n":
                row.append(field); field = ""; fieldWasQuoted = false
                if !(row.count == 1 && row[0].isEmpty) { rows.append(row) }
                row = []
            default:
                field.unicodeScalars.append(c)
            }
        }
        if quoted { throw TextError.invalidCSV(source: source, row: rows.count + 1, reason: "unterminated quoted field") }
        if !field.isEmpty || !row.isEmpty || fieldWasQuoted {
            row.append(field)
            rows.append(row)
        }
        return rows
    }
}
