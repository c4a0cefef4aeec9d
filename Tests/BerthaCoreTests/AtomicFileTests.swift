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
