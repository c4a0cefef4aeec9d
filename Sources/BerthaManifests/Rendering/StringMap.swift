/// A string-to-string map that keeps its keys in the order they were written, so labels,
/// annotations and ConfigMap data serialize the same way on every run (Swift dictionaries don't).
public struct StringMap: Encodable, Sendable, Equatable, ExpressibleByDictionaryLiteral {
    public struct Entry: Sendable, Equatable {
        public var key: String
        public var value: String
    }

    public private(set) var entries: [Entry]

    public init(dictionaryLiteral elements: (String, String)...) {
        entries = elements.map { Entry(key: $0.0, value: $0.1) }
    }

    public init(_ pairs: [(String, String)]) {
        entries = pairs.map { Entry(key: $0.0, value: $0.1) }
    }

    public subscript(key: String) -> String? {
        get { entries.first { $0.key == key }?.value }
        set {
            if let index = entries.firstIndex(where: { $0.key == key }) {
                if let newValue { entries[index].value = newValue } else { entries.remove(at: index) }
            } else if let newValue {
                entries.append(Entry(key: key, value: newValue))
            }
        }
    }

    /// This map with `other`'s keys added or replaced.
    public func merging(_ other: StringMap) -> StringMap {
        var result = self
        for entry in other.entries { result[entry.key] = entry.value }
        return result
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: DynamicKey.self)
        for entry in entries { try container.encode(entry.value, forKey: DynamicKey(entry.key)) }
    }
}

/// A coding key made from any string (label keys like `app.kubernetes.io/name`).
struct DynamicKey: CodingKey {
    let stringValue: String
    var intValue: Int? { nil }
    init(_ string: String) { stringValue = string }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
