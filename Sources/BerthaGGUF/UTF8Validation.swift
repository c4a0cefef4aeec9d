/// Whether `bytes` are well-formed UTF-8 (RFC 3629: no overlongs, no surrogates, nothing above
/// U+10FFFF).
///
/// Hand-written because the standard library's `String(validating:as:)` is generic and, unspecialized
/// across the module boundary, spends most of its time in metadata lookups: a third of the parse
/// of a 262,144-token vocabulary. ASCII, the bulk of every vocabulary, is checked eight bytes at a time.
func isValidUTF8(_ bytes: UnsafeRawBufferPointer) -> Bool {
    let count = bytes.count
    var i = 0
    while i < count {
        // ASCII fast path: eight bytes with no high bit set.
        if i + 8 <= count, bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self) & 0x8080_8080_8080_8080 == 0 {
            i += 8
            continue
        }
        let lead = bytes[i]
        if lead < 0x80 {
            i += 1
            continue
        }
        // The allowed range of the second byte depends on the lead byte; the rest are 80...BF.
        let length: Int
        var low: UInt8 = 0x80, high: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; low = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; high = 0x9F
        case 0xF0: length = 4; low = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; high = 0x8F
        default: return false
        }
        guard i + length <= count else { return false }
        let second = bytes[i + 1]
        guard second >= low, second <= high else { return false }
        for k in 2..<length where bytes[i + k] & 0xC0 != 0x80 { return false }
        i += length
    }
    return true
}
