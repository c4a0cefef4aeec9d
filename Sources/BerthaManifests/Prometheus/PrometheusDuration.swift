/// A Prometheus duration (`90s`, `15m`, `1h30m`), kept as written and as seconds.
public struct PrometheusDuration: Sendable, Equatable {
    public let text: String
    public let seconds: Int

    private static let units: [(String, Int)] = [
        ("ms", 0), ("y", 365 * 86_400), ("w", 7 * 86_400), ("d", 86_400), ("h", 3600), ("m", 60), ("s", 1),
    ]

    /// Parses `text`; nil when it is not a duration Prometheus accepts.
    public init?(_ text: String) {
        var rest = Substring(text)
        var total = 0
        guard !rest.isEmpty else { return nil }
        while !rest.isEmpty {
            let digits = rest.prefix { $0.isASCII && $0.isNumber }
            guard !digits.isEmpty, let number = Int(digits) else { return nil }
            rest = rest.dropFirst(digits.count)
            guard let (unit, factor) = Self.units.first(where: { rest.hasPrefix($0.0) }) else { return nil }
            rest = rest.dropFirst(unit.count)
            // Sub-second parts round away: rule windows and `for:` are whole seconds here.
            total += factor == 0 ? 0 : number * factor
        }
        self.text = text
        seconds = total
    }

    /// Parses the value of a configuration key.
    public static func parse(_ text: String, key: String) throws(ManifestError) -> PrometheusDuration {
        guard let duration = PrometheusDuration(text) else { throw .invalidDuration(key: key, value: text) }
        return duration
    }
}
