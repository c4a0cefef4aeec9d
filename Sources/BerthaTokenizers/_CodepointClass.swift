/// The character classes the BPE pre-tokenizers test (`\p{L}`, `\p{N}`, `\s`), as bit flags.
///
/// Looked up per code point in the hot loop of every pre-tokenizer, so the Basic Multilingual
/// Plane is tabulated once; other planes ask the standard library each time.
struct _CodepointClass: OptionSet, Sendable {
    let rawValue: UInt8
    static let letter = _CodepointClass(rawValue: 1)
    static let number = _CodepointClass(rawValue: 2)
    static let whitespace = _CodepointClass(rawValue: 4)
    /// In range (every real code point): llama.cpp's "has flags", false only past the fragment's end.
    static let present = _CodepointClass(rawValue: 8)
    static let punctuation = _CodepointClass(rawValue: 16)
    static let mark = _CodepointClass(rawValue: 32)
    static let control = _CodepointClass(rawValue: 64)

    static func of(_ value: UInt32) -> _CodepointClass {
        if value < 0x10000 { return _CodepointClass(rawValue: _bmpClasses[Int(value)]) }
        return compute(value)
    }

    static func compute(_ value: UInt32) -> _CodepointClass {
        guard let scalar = Unicode.Scalar(value) else { return [.present] }
        var flags: _CodepointClass = [.present]
        let properties = scalar.properties
        switch properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
            flags.insert(.letter)
        case .decimalNumber, .letterNumber, .otherNumber:
            flags.insert(.number)
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation:
            flags.insert(.punctuation)
        case .nonspacingMark, .spacingMark, .enclosingMark:
            flags.insert(.mark)
        case .control, .format, .surrogate, .privateUse, .unassigned:
            flags.insert(.control)
        default:
            break
        }
        if properties.isWhitespace { flags.insert(.whitespace) }
        return flags
    }
}

/// Classes of U+0000…U+FFFF, computed on first use (immutable afterwards).
private let _bmpClasses: [UInt8] = (0..<0x10000).map { _CodepointClass.compute(UInt32($0)).rawValue }
