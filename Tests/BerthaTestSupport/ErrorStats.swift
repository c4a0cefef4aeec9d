/// Running max and rms of signed errors (logits against a reference, and the like).
public struct ErrorStats: Sendable {
    private var squares = 0.0, count = 0.0
    public private(set) var max = 0.0

    public init() {}

    public mutating func add(_ error: Double) {
        squares += error * error
        count += 1
        max = Swift.max(max, abs(error))
    }

    public var rms: Double { count > 0 ? (squares / count).squareRoot() : 0 }
}
