/// Splits text into the words byte-level BPE merges within, the way llama.cpp's
/// `unicode_regex_split` does for each `tokenizer.ggml.pre`.
///
/// The regular expressions of the original tokenizers are implemented by hand over code points
/// (no regex engine), matching llama.cpp's custom splitters case for case:
/// - `gpt2`: `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`
/// - `llama3`: case-insensitive contractions, `[^\r\n\p{L}\p{N}]?\p{L}+`, `\p{N}{1,3}`,
///   ` ?[^\s\p{L}\p{N}]+[\r\n]*`, `\s*[\r\n]+`, `\s+(?!\S)`, `\s+`
/// - `qwen2`: as `llama3` with single digits (`\p{N}`)
/// - `smollm` (also StarCoder and friends): every digit split off first, then `gpt2`.
public struct PreTokenizer: Sendable, Equatable {
    /// The splitting rules.
    public enum Kind: String, Sendable, Equatable, CaseIterable {
        case gpt2, llama3, qwen2, smollm
    }

    public let kind: Kind

    /// The splitter for `tokenizer.ggml.pre`. Names llama.cpp maps to the same rules map here too;
    /// unknown names fall back to `gpt2`, as llama.cpp does with a warning.
    public init(name: String) {
        switch name {
        case "llama3", "llama-v3", "llama-bpe", "falcon3", "dbrx", "smaug-bpe", "pixtral", "gpt-4o", "llama4":
            kind = .llama3
        case "qwen2", "deepseek-r1-qwen", "stablelm2", "hunyuan", "megrez":
            kind = .qwen2
        case "smollm", "starcoder", "refact", "command-r", "codeshell", "exaone", "minerva-7b":
            kind = .smollm
        default:
            kind = .gpt2
        }
    }

    public init(kind: Kind) { self.kind = kind }

    /// Splits `text` into words.
    /// - Returns: the words as ranges of `codepoints` (the text's Unicode scalars), in order,
    ///   covering the whole text.
    func split(_ codepoints: [UInt32], classes: [_CodepointClass]) -> [Range<Int>] {
        var words: [Range<Int>] = []
        words.reserveCapacity(codepoints.count / 3 + 1)
        let whole = 0..<codepoints.count
        switch kind {
        case .gpt2:
            Self.splitGPT2(codepoints, classes, whole, into: &words)
        case .llama3:
            Self.splitLlama3(codepoints, classes, whole, maxDigits: 3, into: &words)
        case .qwen2:
            Self.splitLlama3(codepoints, classes, whole, maxDigits: 1, into: &words)
        case .smollm:
            // `\p{N}` first: each digit is its own piece and the text between keeps its place.
            var start = 0
            for i in whole where classes[i].contains(.number) {
                if start < i { Self.splitGPT2(codepoints, classes, start..<i, into: &words) }
                words.append(i..<(i + 1))
                start = i + 1
            }
            if start < codepoints.count { Self.splitGPT2(codepoints, classes, start..<codepoints.count, into: &words) }
        }
        return words
    }

    private static let apostrophe: UInt32 = 0x27, space: UInt32 = 0x20, cr: UInt32 = 0x0D, lf: UInt32 = 0x0A

    static func splitGPT2(_ cpts: [UInt32], _ cls: [_CodepointClass], _ range: Range<Int>,
                          into words: inout [Range<Int>]) {
        let end = range.upperBound
        func flags(_ i: Int) -> _CodepointClass { i < end ? cls[i] : [] }
        func cpt(_ i: Int) -> UInt32? { i < end ? cpts[i] : nil }
        var previous = range.lowerBound
        func add(_ upTo: Int) {
            if upTo > previous { words.append(previous..<upTo) }
            previous = upTo
        }
        var pos = range.lowerBound
        while pos < end {
            let c = cpts[pos]
            let f = cls[pos]
            if c == apostrophe, pos + 1 < end {
                let n = cpts[pos + 1]
                if n == 0x73 || n == 0x74 || n == 0x6D || n == 0x64 { // s t m d
                    pos += 2; add(pos); continue
                }
                if pos + 2 < end {
                    let nn = cpts[pos + 2]
                    if (n == 0x72 && nn == 0x65) || (n == 0x76 && nn == 0x65) || (n == 0x6C && nn == 0x6C) { // re ve ll
                        pos += 3; add(pos); continue
                    }
                }
            }
            var f2 = c == space ? flags(pos + 1) : f
            if f2.contains(.letter) {
                if c == space { pos += 1 }
                while flags(pos).contains(.letter) { pos += 1 }
                add(pos); continue
            }
            if f2.contains(.number) {
                if c == space { pos += 1 }
                while flags(pos).contains(.number) { pos += 1 }
                add(pos); continue
            }
            if f2.isDisjoint(with: [.whitespace, .letter, .number]), f2.contains(.present) {
                if c == space { pos += 1 }
                while f2.isDisjoint(with: [.whitespace, .letter, .number]), f2.contains(.present) {
                    pos += 1
                    f2 = flags(pos)
                }
                add(pos); continue
            }
            var spaces = 0
            while flags(pos + spaces).contains(.whitespace) { spaces += 1 }
            if spaces > 1, cpt(pos + spaces) != nil { // \s+(?!\S): leave the last space to the next word
                pos += spaces - 1; add(pos); continue
            }
            if spaces > 0 {
                pos += spaces; add(pos); continue
            }
            pos += 1; add(pos)
        }
    }

    static func splitLlama3(_ cpts: [UInt32], _ cls: [_CodepointClass], _ range: Range<Int>, maxDigits: Int,
                            into words: inout [Range<Int>]) {
        let end = range.upperBound
        func flags(_ i: Int) -> _CodepointClass { i < end ? cls[i] : [] }
        func cpt(_ i: Int) -> UInt32? { i < end ? cpts[i] : nil }
        func lower(_ c: UInt32) -> UInt32 { (0x41...0x5A).contains(c) ? c + 0x20 : c }
        var previous = range.lowerBound
        func add(_ upTo: Int) {
            if upTo > previous { words.append(previous..<upTo) }
            previous = upTo
        }
        var pos = range.lowerBound
        while pos < end {
            let c = cpts[pos]
            let f = cls[pos]
            if c == apostrophe, pos + 1 < end {
                let n = lower(cpts[pos + 1])
                if n == 0x73 || n == 0x74 || n == 0x6D || n == 0x64 {
                    pos += 2; add(pos); continue
                }
                if pos + 2 < end {
                    let nn = lower(cpts[pos + 2])
                    if (n == 0x72 && nn == 0x65) || (n == 0x76 && nn == 0x65) || (n == 0x6C && nn == 0x6C) {
                        pos += 3; add(pos); continue
                    }
                }
            }
            // [^\r\n\p{L}\p{N}]?\p{L}+
            if !(c == cr || c == lf || f.contains(.number)) {
                if f.contains(.letter) || flags(pos + 1).contains(.letter) {
                    pos += 1
                    while flags(pos).contains(.letter) { pos += 1 }
                    add(pos); continue
                }
            }
            // \p{N}{1,maxDigits}
            if f.contains(.number) {
                var start = pos
                while flags(pos).contains(.number) {
                    pos += 1
                    if pos - start >= maxDigits { add(pos); start = pos }
                }
                add(pos); continue
            }
            // ' ?[^\s\p{L}\p{N}]+[\r\n]*'
            var f2 = c == space ? flags(pos + 1) : f
            if f2.isDisjoint(with: [.whitespace, .letter, .number]), f.contains(.present) {
                if c == space { pos += 1 }
                while f2.isDisjoint(with: [.whitespace, .letter, .number]), f2.contains(.present) {
                    pos += 1
                    f2 = flags(pos)
                }
                while let next = cpt(pos), next == cr || next == lf { pos += 1 }
                add(pos); continue
            }
            var spaces = 0
            var lastNewlineEnd = 0
            while flags(pos + spaces).contains(.whitespace) {
                let w = cpts[pos + spaces]
                if w == cr || w == lf { lastNewlineEnd = pos + spaces + 1 }
                spaces += 1
            }
            if lastNewlineEnd > 0 { // \s*[\r\n]+
                pos = lastNewlineEnd; add(pos); continue
            }
            if spaces > 1, cpt(pos + spaces) != nil {
                pos += spaces - 1; add(pos); continue
            }
            if spaces > 0 {
                pos += spaces; add(pos); continue
            }
            pos += 1; add(pos)
        }
    }
}
