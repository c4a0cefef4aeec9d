import BerthaTestSupport
import Foundation
import Testing
@testable import BerthaText

@Suite("File sources and archives")
struct SourceAndArchiveTests {
    @Test("walks directories recursively, skipping hidden files and directories, applying globs")
    func directoryWalk() throws {
        let dir = try TemporaryDirectory("bertha-walk")
        defer { dir.remove() }
        let files = ["a.md", "sub/b.txt", "sub/deeper/c.md", ".hidden.md", ".git/config.md", "sub/.cache/d.md", "drafts/e.md"]
        for file in files {
            let url = dir.path(file)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data("text of \(file)".utf8).write(to: url)
        }
        let all = try FileSource(root: dir.url, filter: PathFilter(), archiveLimits: Corpus.testLimits).items()
        #expect(all.map(\.path) == ["a.md", "drafts/e.md", "sub/b.txt", "sub/deeper/c.md"])
        #expect(all.first?.uri == dir.path("a.md").absoluteString)
        #expect(all.first.map { String(decoding: $0.data, as: UTF8.self) } == "text of a.md")

        let filtered = try FileSource(root: dir.url, filter: PathFilter(include: ["*.md"], exclude: ["drafts/**"]),
                                      archiveLimits: Corpus.testLimits).items()
        #expect(filtered.map(\.path) == ["a.md", "sub/deeper/c.md"])
    }

    /// Builds an archive of the corpus with Python's tarfile/zipfile (and zstd for .tar.zst).
    private func buildCorpusArchive(_ kind: String, in dir: TemporaryDirectory) throws -> URL {
        let corpus = try Corpus.directory()
        let out = dir.path("corpus.\(kind)")
        try runPython("""
            import os, sys, tarfile, zipfile, subprocess
            src, out, kind = sys.argv[1], sys.argv[2], sys.argv[3]
            names = sorted(os.listdir(src))
            if kind == "zip":
                with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
                    for n in names: z.write(os.path.join(src, n), "docs/" + n)
            else:
                tar_path = out[:-4] if kind == "tar.zst" else out
                mode = "w:gz" if kind == "tar.gz" else "w"
                with tarfile.open(tar_path, mode) as t:
                    t.add(src, arcname="./docs")
                if kind == "tar.zst":
                    subprocess.run(["zstd", "-q", "-f", "--rm", tar_path, "-o", out], check=True)
            """, arguments: [corpus.path, out.path, kind])
        return out
    }

    @Test("reads tar, tar.gz, tar.zst and zip archives of the corpus entry by entry, byte for byte",
          arguments: ["tar", "tar.gz", "tar.zst", "zip"])
    func corpusArchive(kind: String) throws {
        let dir = try TemporaryDirectory("bertha-archive")
        defer { dir.remove() }
        let archive = try buildCorpusArchive(kind, in: dir)
        let entries = try ArchiveReader(limits: Corpus.testLimits).entries(ofFile: archive)
        let corpusFiles = try Corpus.files()
        #expect(entries.map(\.path).sorted() == corpusFiles.map { "docs/" + $0.lastPathComponent })
        for entry in entries {
            let original = try Data(contentsOf: try Corpus.directory().appendingPathComponent(String(entry.path.dropFirst(5))))
            #expect(entry.data == original, "entry \(entry.path)")
        }
        // The directory walker expands the archive in place and names entries inside it.
        let items = try FileSource(root: dir.url, filter: PathFilter(include: ["*.md"]), archiveLimits: Corpus.testLimits).items()
        #expect(items.count == corpusFiles.filter { $0.pathExtension == "md" }.count)
        #expect(items.allSatisfy { $0.uri.hasPrefix(archive.absoluteString + "!/docs/") })
        // The same archive fetched as an object expands from memory.
        let object = SourceItem(uri: "s3://kb/corpus.\(kind)", path: "corpus.\(kind)", data: try Data(contentsOf: archive))
        let fromMemory = try object.expanded(filter: PathFilter(include: ["*.md"]), limits: Corpus.testLimits)
        #expect(fromMemory.map(\.data) == items.map(\.data))
        #expect(fromMemory.first?.uri.hasPrefix("s3://kb/corpus.\(kind)!/docs/") == true)
    }

    @Test("refuses ../ and absolute entry paths, naming the archive and the entry", arguments: [
        ("../evil.txt", "tar.gz"), ("docs/../../evil.txt", "zip"), ("/etc/evil.txt", "tar.gz"), ("/abs/evil.txt", "zip"),
    ])
    func unsafePaths(entry: String, kind: String) throws {
        let dir = try TemporaryDirectory("bertha-evil")
        defer { dir.remove() }
        let archive = dir.path("evil.\(kind)")
        try runPython("""
            import io, sys, tarfile, zipfile
            out, kind, name = sys.argv[1], sys.argv[2], sys.argv[3]
            data = b"pwned"
            if kind == "zip":
                with zipfile.ZipFile(out, "w") as z:
                    z.writestr("ok.txt", b"fine")
                    info = zipfile.ZipInfo("x"); info.filename = name
                    z.writestr(info, data)
            else:
                with tarfile.open(out, "w:gz") as t:
                    for n, d in (("ok.txt", b"fine"), (name, data)):
                        info = tarfile.TarInfo(n); info.size = len(d)
                        t.addfile(info, io.BytesIO(d))
            """, arguments: [archive.path, kind, entry])
        let error = #expect(throws: TextError.self) {
            try ArchiveReader(limits: Corpus.testLimits).entries(ofFile: archive)
        }
        #expect(error == .unsafeArchivePath(archive: archive.path, entry: entry))
        #expect(error?.description.contains(archive.path) == true)
        #expect(error?.description.contains(entry) == true)
    }

    @Test("rejects a zip bomb by the per-entry limit without inflating it into memory")
    func zipBomb() throws {
        let dir = try TemporaryDirectory("bertha-bomb")
        defer { dir.remove() }
        let bomb = dir.path("bomb.zip")
        // 400 MB of zeros deflate to ~400 KB.
        try runPython("""
            import sys, zipfile
            with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
                with z.open("zeros.txt", "w", force_zip64=True) as f:
                    block = bytes(1 << 20)
                    for _ in range(400): f.write(block)
            """, arguments: [bomb.path])
        let bombSize = try FileManager.default.attributesOfItem(atPath: bomb.path)[.size] as? Int ?? 0
        #expect(bombSize < 4 << 20)
        let before = maxResidentBytes()
        let limits = ArchiveLimits(maxEntries: 10, maxTotalBytes: 1 << 30, maxEntryBytes: 8 << 20)
        #expect(throws: TextError.archiveEntryTooLarge(archive: bomb.path, entry: "zeros.txt", limit: 8 << 20)) {
            try ArchiveReader(limits: limits).entries(ofFile: bomb)
        }
        let totalLimits = ArchiveLimits(maxEntries: 10, maxTotalBytes: 16 << 20, maxEntryBytes: 1 << 30)
        #expect(throws: TextError.archiveTooLarge(archive: bomb.path, limit: 16 << 20)) {
            try ArchiveReader(limits: totalLimits).entries(ofFile: bomb)
        }
        // Peak memory grew by far less than the 400 MB the bomb expands to.
        #expect(maxResidentBytes() - before < 100 << 20)
    }

    @Test("a zip streamed through a pipe (sizes in data descriptors) and read from memory is refused too")
    func streamedZipBomb() throws {
        let dir = try TemporaryDirectory("bertha-bomb2")
        defer { dir.remove() }
        let bomb = dir.path("streamed.zip")
        // Written to a pipe, zipfile cannot seek back: sizes go to a data descriptor after the data.
        try runPython("""
            import sys, zipfile, subprocess
            p = subprocess.Popen(["sh", "-c", "cat > " + sys.argv[1]], stdin=subprocess.PIPE)
            with zipfile.ZipFile(p.stdin, "w", zipfile.ZIP_DEFLATED) as z:
                with z.open("zeros.txt", "w", force_zip64=True) as f:
                    for _ in range(64): f.write(bytes(1 << 20))
            p.stdin.close(); p.wait()
            """, arguments: [bomb.path])
        let data = try Data(contentsOf: bomb)
        let limits = ArchiveLimits(maxEntries: 10, maxTotalBytes: 1 << 30, maxEntryBytes: 4 << 20)
        #expect(throws: TextError.archiveEntryTooLarge(archive: "bomb-in-memory", entry: "zeros.txt", limit: 4 << 20)) {
            try ArchiveReader(limits: limits).forEachEntry(ofData: data, name: "bomb-in-memory") { _ in }
        }
    }

    @Test("stops at the entry-count limit")
    func entryCount() throws {
        let dir = try TemporaryDirectory("bertha-many")
        defer { dir.remove() }
        let archive = dir.path("many.zip")
        try runPython("""
            import sys, zipfile
            with zipfile.ZipFile(sys.argv[1], "w") as z:
                for i in range(50): z.writestr(f"f{i}.txt", b"x")
            """, arguments: [archive.path])
        let limits = ArchiveLimits(maxEntries: 20, maxTotalBytes: 1 << 20, maxEntryBytes: 1 << 20)
        #expect(throws: TextError.tooManyArchiveEntries(archive: archive.path, limit: 20)) {
            try ArchiveReader(limits: limits).entries(ofFile: archive)
        }
    }

    private func maxResidentBytes() -> Int {
        var usage = rusage()
        #if os(Linux)
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return usage.ru_maxrss * 1024
        #else
        getrusage(RUSAGE_SELF, &usage)
        return usage.ru_maxrss
        #endif
    }
}
