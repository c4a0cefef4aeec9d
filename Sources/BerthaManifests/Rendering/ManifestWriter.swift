import BerthaCore
import Foundation

/// Writes rendered files under a directory, creating subdirectories, each file atomically.
public enum ManifestWriter {
    public static func write(_ files: [(path: String, contents: String)], to directory: URL) throws(FileError) {
        for file in files {
            let url = directory.appendingPathComponent(file.path)
            do {
                try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            } catch {
                throw FileError.cannotWrite(path: url.deletingLastPathComponent().path, reason: error.localizedDescription)
            }
            try AtomicFile.write(file.contents, to: url)
        }
    }
}
