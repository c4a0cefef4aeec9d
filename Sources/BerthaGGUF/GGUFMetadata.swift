/// A GGUF file's key/value metadata, in file order, with typed accessors.
///
/// Keys are unique (the reader rejects a file that repeats one). Setting a key that exists keeps
/// its position; setting a new one appends it, so a writer emits keys in the order they were set.
public struct GGUFMetadata: Sendable, Equatable {
    private var order: [String] = []
    private var values: [String: GGUFValue] = [:]

    /// An empty metadata set.
    public init() {}

    /// The keys in file order.
    public var keys: [String] { order }

    /// Number of key/value pairs.
    public var count: Int { order.count }

    /// The value stored under `key`; assigning nil removes the key.
    public subscript(key: String) -> GGUFValue? {
        get { values[key] }
        set {
            if let newValue {
                if values.updateValue(newValue, forKey: key) == nil { order.append(key) }
            } else if values.removeValue(forKey: key) != nil {
                order.removeAll { $0 == key }
            }
        }
    }

    /// Adds a key the caller has checked is new; returns false when it already exists.
    mutating func insertNew(_ key: String, _ value: GGUFValue) -> Bool {
        guard values[key] == nil else { return false }
        values[key] = value
        order.append(key)
        return true
    }

    /// The string stored under `key`, or nil when absent or not a string.
    public func string(_ key: String) -> String? {
        if case .string(let s) = values[key] { return s }
        return nil
    }

    /// The integer stored under `key`, whatever its width and signedness, or nil when absent,
    /// not an integer, or too large for `Int`.
    public func int(_ key: String) -> Int? { values[key]?.intValue }

    /// The number stored under `key` as a `Double`: any float, or any integer.
    public func float(_ key: String) -> Double? { values[key]?.doubleValue }

    /// The boolean stored under `key`.
    public func bool(_ key: String) -> Bool? {
        if case .bool(let b) = values[key] { return b }
        return nil
    }

    /// The array stored under `key`.
    public func array(_ key: String) -> GGUFArray? {
        if case .array(let a) = values[key] { return a }
        return nil
    }

    /// The string array stored under `key` (a vocabulary, merges).
    public func strings(_ key: String) -> [String]? {
        if case .strings(let s) = array(key) { return s }
        return nil
    }

    /// The float array stored under `key` (token scores); float64 elements are narrowed.
    public func floats(_ key: String) -> [Float]? { array(key)?.floats }

    /// The integer array stored under `key` (token types, per-layer head counts), any width.
    public func ints(_ key: String) -> [Int]? { array(key)?.ints }

    /// `general.architecture`: the key prefix of the model's hyperparameters (`llama`, `gemma3`).
    public var architecture: String? { string("general.architecture") }

    /// The architecture-scoped key `"<architecture>.<suffix>"`, e.g. `arch("context_length")`.
    /// With no architecture the suffix is returned unprefixed, which matches no real key.
    public func arch(_ suffix: String) -> String {
        guard let architecture else { return suffix }
        return "\(architecture).\(suffix)"
    }
}
