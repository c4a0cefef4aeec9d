@testable import BerthaGGUF
import BerthaCore
import Testing

@Suite("UTF-8 validation of GGUF strings")
struct UTF8ValidationTests {
    static let cases: [([UInt8], Bool)] = [
        ([], true), (Array("plain ascii, longer than eight bytes".utf8), true), (Array("ü€𝄞🦙 日本語".utf8), true),
        ([0xEF, 0xBF, 0xBD], true),                 // U+FFFD itself is valid
        ([0xF4, 0x8F, 0xBF, 0xBF], true),           // U+10FFFF
        ([0xED, 0x9F, 0xBF], true),                 // U+D7FF, just below the surrogates
        ([0x80], false), ([0xBF], false),           // lone continuation bytes
        ([0xC0, 0x80], false), ([0xC1, 0xBF], false), // overlong 2-byte
        ([0xE0, 0x80, 0x80], false), ([0xE0, 0x9F, 0xBF], false), // overlong 3-byte
        ([0xF0, 0x80, 0x80, 0x80], false), ([0xF0, 0x8F, 0xBF, 0xBF], false), // overlong 4-byte
        ([0xED, 0xA0, 0x80], false), ([0xED, 0xBF, 0xBF], false), // surrogates
        ([0xF4, 0x90, 0x80, 0x80], false), ([0xF5, 0x80, 0x80, 0x80], false), ([0xFF], false), // above U+10FFFF
        ([0xC3], false), ([0xE2, 0x82], false), ([0xF0, 0x9F, 0xA6], false), // truncated at the end
        ([0xC3, 0x28], false), ([0xE2, 0x28, 0xA1], false), ([0xE2, 0x82, 0x28], false), // bad continuation
        (Array("12345678".utf8) + [0xC3, 0xA9] + Array("abcdefgh".utf8), true),
        (Array("1234567".utf8) + [0xFF] + Array("abcdefgh".utf8), false),
    ]

    @Test("edge cases agree with RFC 3629", arguments: cases)
    func edgeCases(bytes: [UInt8], valid: Bool) {
        #expect(bytes.withUnsafeBytes(isValidUTF8) == valid)
    }

    @Test("random byte strings agree with the standard library's validation")
    func agreesWithStandardLibrary() {
        var rng = SeededRandom(seed: 2024)
        // Bias towards bytes that form (and almost form) multi-byte sequences.
        let alphabet: [UInt8] = [0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC2, 0xDF, 0xE0, 0xE1,
                                 0xED, 0xEE, 0xEF, 0xF0, 0xF1, 0xF4, 0xF5, 0xFF]
        for _ in 0..<50_000 {
            let length = Int.random(in: 0...12, using: &rng)
            let bytes = (0..<length).map { _ in
                Bool.random(using: &rng) ? alphabet.randomElement(using: &rng)! : UInt8.random(in: 0...255, using: &rng)
            }
            let expected = String(validating: bytes, as: UTF8.self) != nil
            #expect(bytes.withUnsafeBytes(isValidUTF8) == expected, "\(bytes)")
        }
    }
}
