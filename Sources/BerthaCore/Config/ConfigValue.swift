import Foundation

/// A type a configuration key can hold. Values arrive as text (a YAML scalar, an environment
/// variable, a flag) or as a YAML list; each type says how to read both and how to print itself.
public protocol ConfigValue: Sendable, Equatable {
    /// How the type is named in errors: "an integer", "a boolean".
    static var typeName: String { get }
    /// Parses one scalar. Returns nil when the text is not of this type.
    init?(configText: String)
    /// Parses a YAML list. Only list types accept one.
    init?(configList: [String])
    /// The value as `bertha config print` and the README show it.
    var configText: String { get }
    /// The value as a YAML scalar or flow sequence (strings quoted where YAML would misread them).
    var yamlText: String { get }
}

extension ConfigValue {
    public init?(configList: [String]) { nil }
    public var yamlText: String { configText }
}

extension String: ConfigValue {
    public static var typeName: String { "a string" }
    public init?(configText: String) { self = configText }
    public var configText: String { self }
    public var yamlText: String { ConfigRenderer.quoteScalar(self) }
}

extension Int: ConfigValue {
    public static var typeName: String { "an integer" }
    public init?(configText: String) {
        let text = configText.replacingOccurrences(of: "_", with: "")
        if let value = Int(text) { self = value; return }
        // Byte sizes read naturally with a suffix: 64Ki, 16Mi, 1Gi.
        let units: [(String, Int)] = [("Ki", 1 << 10), ("Mi", 1 << 20), ("Gi", 1 << 30)]
        for (suffix, factor) in units where text.hasSuffix(suffix) {
            guard let base = Int(text.dropLast(suffix.count)) else { return nil }
            let (product, overflow) = base.multipliedReportingOverflow(by: factor)
            if overflow { return nil }
            self = product
            return
        }
        return nil
    }
    public var configText: String { String(self) }
}

extension Double: ConfigValue {
    public static var typeName: String { "a number" }
    public init?(configText: String) {
        guard let value = Double(configText), value.isFinite else { return nil }
        self = value
    }
    public var configText: String {
        self == rounded() && abs(self) < 1e15 ? String(Int(self)) : String(self)
    }
}

extension Bool: ConfigValue {
    public static var typeName: String { "a boolean (true or false)" }
    public init?(configText: String) {
        switch configText.lowercased() {
        case "true", "yes", "on", "1": self = true
        case "false", "no", "off", "0": self = false
        default: return nil
        }
    }
    public var configText: String { self ? "true" : "false" }
}

extension Array: ConfigValue where Element == String {
    public static var typeName: String { "a list of strings" }
    /// From an environment variable or flag: comma-separated, empty text is the empty list.
    public init?(configText: String) {
        self = configText.isEmpty ? [] : configText.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
    }
    public init?(configList: [String]) { self = configList }
    public var configText: String { joined(separator: ",") }
    public var yamlText: String { "[" + map(ConfigRenderer.quoteScalar).joined(separator: ", ") + "]" }
}
