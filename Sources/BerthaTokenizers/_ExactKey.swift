/// A token text compared byte for byte. Swift's `String` equality is canonical equivalence, so
/// `"e\u{301}"` would find the token `"é"`; tokenizers must not (llama.cpp compares bytes).
struct _ExactKey: Hashable, Sendable {
    let text: String

    init(_ text: String) { self.text = text }

    static func == (a: _ExactKey, b: _ExactKey) -> Bool { a.text.utf8.elementsEqual(b.text.utf8) }

    func hash(into hasher: inout Hasher) {
        var copy = text
        copy.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    }
}

/// Token text → first id with that exact text.
struct _TokenIndex: Sendable {
    private let ids: [_ExactKey: Int32]

    init(_ tokens: [String]) {
        var ids: [_ExactKey: Int32] = [:]
        ids.reserveCapacity(tokens.count)
        for (index, token) in tokens.enumerated() where ids[_ExactKey(token)] == nil { ids[_ExactKey(token)] = Int32(index) }
        self.ids = ids
    }

    subscript(_ text: String) -> Int32? { ids[_ExactKey(text)] }
}
