/// A value whose shape the API leaves open (Helm values, a Workflow embedded in a Sensor trigger,
/// Alertmanager's plain config): still typed, still ordered, never a string template.
public indirect enum FreeformValue: Encodable, Sendable, Equatable,
    ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral {
    case string(String)
    case int(Int)
    case double(Double)
    case bool(Bool)
    case array([FreeformValue])
    case object([(key: String, value: FreeformValue)])

    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: FreeformValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, FreeformValue)...) {
        self = .object(elements.map { (key: $0.0, value: $0.1) })
    }

    public static func == (lhs: FreeformValue, rhs: FreeformValue) -> Bool {
        switch (lhs, rhs) {
        case let (.string(a), .string(b)): a == b
        case let (.int(a), .int(b)): a == b
        case let (.double(a), .double(b)): a == b
        case let (.bool(a), .bool(b)): a == b
        case let (.array(a), .array(b)): a == b
        case let (.object(a), .object(b)): a.map(\.key) == b.map(\.key) && a.map(\.value) == b.map(\.value)
        default: false
        }
    }

    public func encode(to encoder: Encoder) throws {
        switch self {
        case .string(let value): var c = encoder.singleValueContainer(); try c.encode(value)
        case .int(let value): var c = encoder.singleValueContainer(); try c.encode(value)
        case .double(let value): var c = encoder.singleValueContainer(); try c.encode(value)
        case .bool(let value): var c = encoder.singleValueContainer(); try c.encode(value)
        case .array(let values):
            var c = encoder.unkeyedContainer()
            for value in values { try c.encode(value) }
        case .object(let pairs):
            var c = encoder.container(keyedBy: DynamicKey.self)
            for pair in pairs { try c.encode(pair.value, forKey: DynamicKey(pair.key)) }
        }
    }
}
