import BerthaCore
import BerthaTestSupport
import Foundation
import Testing

@Suite("AtomicFile")
struct AtomicFileTests {
    @Test("write replaces the file and leaves no temporary behind")
    func replaces() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let target = dir.path("nested/out.json")
        try AtomicFile.write("first", to: target)
        try AtomicFile.write("second", to: target)
        #expect(try String(contentsOf: target, encoding: .utf8) == "second")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path("nested").path) == ["out.json"])
    }

    @Test("a failing writer leaves the old file untouched and removes its temporary")
    func failureKeepsOld() throws {
        struct Boom: Error {}
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let target = dir.path("model.gguf")
        try AtomicFile.write("old", to: target)
        #expect(throws: FileError.self) {
            try AtomicFile.withTemporaryFile(for: target) { tmp in
                try Data("half-writ".utf8).write(to: tmp)
                throw Boom()
            }
        }
        #expect(try String(contentsOf: target, encoding: .utf8) == "old")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.url.path) == ["model.gguf"])
    }
}

@Suite("SHA256Hex")
struct SHA256HexTests {
    @Test("digests match the FIPS 180-4 vectors for text and for a file read in blocks")
    func vectors() throws {
        #expect(SHA256Hex.of("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256Hex.of("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let file = dir.path("million-a")
        try Data(repeating: UInt8(ascii: "a"), count: 1_000_000).write(to: file)
        #expect(try SHA256Hex.ofFile(at: file.path) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }
}
