/// One training row: several tokenized examples packed back to back, each attending only to
/// itself (positions restart at 0 in every segment).
public struct PackedSequence: Sendable, Equatable {
    /// Token ids.
    public var tokens: [Int32] = []
    /// Position of each token inside its example.
    public var positions: [Int] = []
    /// Which example of the row each token belongs to.
    public var segments: [Int] = []
    /// Whether token t is a target the loss is computed on (an assistant token).
    public var targets: [Bool] = []

    public init() {}

    /// The number of tokens.
    public var count: Int { tokens.count }

    /// Positions t whose next token is a target of the same example: the rows whose logits the
    /// loss reads.
    public var lossPositions: [Int] {
        guard count > 1 else { return [] }
        return (0..<(count - 1)).filter { targets[$0 + 1] && segments[$0 + 1] == segments[$0] }
    }

    /// Appends one example (`mask[i]`: token i is trained on).
    mutating func append(_ ids: [Int32], mask: [Bool]) {
        let segment = (segments.last ?? -1) + 1
        for (i, id) in ids.enumerated() {
            tokens.append(id)
            positions.append(i)
            segments.append(segment)
            targets.append(mask[i])
        }
    }
}
