import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Writes files so that a reader (or a crash) sees either the old file or the whole new one.
///
/// The data goes to a temporary file in the destination's directory (same filesystem, so the
/// rename is atomic), is fsync'd, then renamed over the destination; the directory is fsync'd
/// too so the rename itself survives a power cut.
public enum AtomicFile {
    /// Atomically replaces `url` with `data`, creating parent directories.
    /// - Throws: `FileError` naming the path.
    public static func write(_ data: Data, to url: URL) throws(FileError) {
        try withTemporaryFile(for: url) { tmp in
            guard FileManager.default.createFile(atPath: tmp.path, contents: data) else {
                throw FileError.cannotWrite(path: url.path, reason: "cannot create temporary file \(tmp.lastPathComponent)")
            }
        }
    }

    /// Atomically replaces `url` with `text` encoded as UTF-8.
    public static func write(_ text: String, to url: URL) throws(FileError) {
        try write(Data(text.utf8), to: url)
    }

    /// Calls `body` with a temporary path next to `url`; when `body` returns, the temporary file is
    /// fsync'd and renamed to `url`. When `body` throws, the temporary file is removed and `url`
    /// is untouched. Use it for large outputs written in a stream (downloads, model files).
    public static func withTemporaryFile<T>(for url: URL, _ body: (URL) throws -> T) throws(FileError) -> T {
        let dir = url.deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        } catch {
            throw FileError.cannotWrite(path: url.path, reason: "cannot create directory \(dir.path)")
        }
        let tmp = dir.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())-\(UUID().uuidString.prefix(8))")
        let value: T
        do {
            value = try body(tmp)
        } catch let error as FileError {
            try? FileManager.default.removeItem(at: tmp)
            throw error
        } catch {
            try? FileManager.default.removeItem(at: tmp)
            throw FileError.cannotWrite(path: url.path, reason: describeError(error).line)
        }
        try commit(tmp, to: url)
        return value
    }

    /// fsyncs `tmp`, renames it to `url` and fsyncs the directory.
    public static func commit(_ tmp: URL, to url: URL) throws(FileError) {
        fsyncPath(tmp.path)
        guard rename(tmp.path, url.path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: tmp)
            throw FileError.cannotWrite(path: url.path, reason: reason)
        }
        fsyncPath(url.deletingLastPathComponent().path)
    }

    /// fsync on a path (file or directory); best effort, since some filesystems refuse it on directories.
    public static func fsyncPath(_ path: String) {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        close(fd)
    }
}

/// A file could not be read or written.
public enum FileError: BerthaError, Equatable {
    case cannotWrite(path: String, reason: String)
    case cannotRead(path: String, reason: String)
    case notFound(path: String)

    public var message: String {
        switch self {
        case .cannotWrite(_, let reason): "cannot write file: \(reason)"
        case .cannotRead(_, let reason): "cannot read file: \(reason)"
        case .notFound: "no such file"
        }
    }

    public var location: String? {
        switch self {
        case .cannotWrite(let path, _), .cannotRead(let path, _), .notFound(let path): path
        }
    }

    public var exitCode: BerthaExitCode {
        if case .notFound = self { return .usage }
        return .failure
    }
}
