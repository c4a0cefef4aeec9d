/// Turns a stream of token ids into text as it is generated, emitting only whole UTF-8
/// characters: a character split over several byte tokens (an emoji as `<0xF0><0x9F>…`) comes out
/// once its last byte arrives.
public struct StreamingDetokenizer: Sendable {
    private let tokenizer: any Tokenizer
    private let unparseSpecial: Bool
    private var pending: [UInt8] = []

    /// A detokenizer for `tokenizer`'s output.
    /// - Parameter unparseSpecial: render control tokens as their text.
    public init(tokenizer: any Tokenizer, unparseSpecial: Bool = false) {
        self.tokenizer = tokenizer
        self.unparseSpecial = unparseSpecial
    }

    /// Adds one token and returns the text it completes (possibly empty).
    public mutating func append(_ id: Int32) -> String {
        pending.append(contentsOf: tokenizer.pieceBytes(id, unparseSpecial: unparseSpecial))
        let complete = Self.completePrefixLength(pending)
        guard complete > 0 else { return "" }
        let text = String(decoding: pending[..<complete], as: UTF8.self)
        pending.removeFirst(complete)
        return text
    }

    /// The bytes still waiting for the rest of their character, rendered (with U+FFFD for the
    /// incomplete tail) — call at the end of generation.
    public mutating func flush() -> String {
        defer { pending.removeAll() }
        return String(decoding: pending, as: UTF8.self)
    }

    /// Length of the longest prefix that does not end inside a UTF-8 sequence. Invalid bytes count
    /// as complete (they decode to U+FFFD) so a broken stream never stalls.
    static func completePrefixLength(_ bytes: [UInt8]) -> Int {
        var index = bytes.count
        // Walk back over at most 3 continuation bytes to the last lead byte.
        var back = 0
        while back < 3, index - back - 1 >= 0, bytes[index - back - 1] & 0xC0 == 0x80 { back += 1 }
        let leadIndex = index - back - 1
        guard leadIndex >= 0 else { return bytes.count }
        let lead = bytes[leadIndex]
        let needed: Int
        switch lead {
        case 0xC0...0xDF: needed = 2
        case 0xE0...0xEF: needed = 3
        case 0xF0...0xF7: needed = 4
        default: return bytes.count
        }
        if back + 1 < needed { index = leadIndex }
        return index
    }
}
