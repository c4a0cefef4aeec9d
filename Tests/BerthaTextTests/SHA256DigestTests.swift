import BerthaTestSupport
import Testing
@testable import BerthaText

@Suite("SHA-256")
struct SHA256DigestTests {
    @Test("matches the FIPS 180-4 test vectors", arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
    ])
    func vectors(input: String, expected: String) {
        #expect(SHA256Digest.hex(of: Array(input.utf8)) == expected)
    }

    @Test("agrees with Python's hashlib across block-boundary lengths")
    func hashlib() throws {
        let lengths = [55, 56, 63, 64, 65, 119, 1000, 4097]
        let output = try runPython("""
            import hashlib
            for n in \(lengths): print(hashlib.sha256(bytes((i * 7 + 3) % 256 for i in range(n))).hexdigest())
            """)
        let expected = output.split(separator: "\n").map(String.init)
        let ours = lengths.map { n in SHA256Digest.hex(of: (0..<n).map { UInt8(($0 * 7 + 3) % 256) }) }
        #expect(ours == expected)
    }
}
