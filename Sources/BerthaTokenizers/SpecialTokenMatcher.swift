/// Finds special-token text (`<|im_start|>`, `<start_of_turn>`) inside raw text, like llama.cpp's
/// `tokenizer_st_partition`: control and unknown tokens only when special parsing is on,
/// user-defined tokens always.
///
/// A byte trie scanned once over the text, taking the longest token at each position, so the
/// cost does not grow with the number of special tokens (Gemma 3 has thousands).
struct SpecialTokenMatcher: Sendable {
    /// A piece of the input: raw text to tokenize, or a special token already resolved.
    enum Fragment: Equatable {
        case text(Range<Int>)
        case token(Int32)
    }

    private struct Node: Sendable {
        var children: [UInt8: Int32] = [:]
        var token: Int32 = -1
        var alwaysMatched = false
    }

    private var nodes: [Node] = [Node()]

    init(vocabulary: TokenizerVocabulary) {
        for (index, text) in vocabulary.tokens.enumerated() where !text.isEmpty {
            let type = vocabulary.type(of: Int32(index))
            guard type == .control || type == .userDefined || type == .unknown else { continue }
            var node = 0
            for byte in text.utf8 {
                if let next = nodes[node].children[byte] {
                    node = Int(next)
                } else {
                    nodes.append(Node())
                    nodes[node].children[byte] = Int32(nodes.count - 1)
                    node = nodes.count - 1
                }
            }
            // Two tokens with the same text: the first id wins, as in llama.cpp's text-to-id map.
            if nodes[node].token < 0 {
                nodes[node].token = Int32(index)
                nodes[node].alwaysMatched = type == .userDefined
            }
        }
    }

    /// True when the vocabulary has no token this matcher could ever find.
    var isEmpty: Bool { nodes.count == 1 }

    /// Splits `bytes` into raw-text runs and special tokens.
    func partition(_ bytes: [UInt8], parseSpecial: Bool) -> [Fragment] {
        if isEmpty { return bytes.isEmpty ? [] : [.text(0..<bytes.count)] }
        var fragments: [Fragment] = []
        var textStart = 0
        var position = 0
        while position < bytes.count {
            var node = 0
            var best: (token: Int32, length: Int)?
            var cursor = position
            while cursor < bytes.count, let next = nodes[node].children[bytes[cursor]] {
                node = Int(next)
                cursor += 1
                let candidate = nodes[node]
                if candidate.token >= 0, parseSpecial || candidate.alwaysMatched {
                    best = (candidate.token, cursor - position)
                }
            }
            if let best {
                if textStart < position { fragments.append(.text(textStart..<position)) }
                fragments.append(.token(best.token))
                position += best.length
                textStart = position
            } else {
                position += 1
            }
        }
        if textStart < bytes.count { fragments.append(.text(textStart..<bytes.count)) }
        return fragments
    }
}
