import Crypto
import Foundation

/// SHA-256 as lower-case hex, the form bertha uses for content hashes, chunk ids, model cache
/// keys and MLflow tags. One place, on swift-crypto.
public enum SHA256Hex {
    /// The digest of `bytes`.
    public static func of<Bytes: DataProtocol>(_ bytes: Bytes) -> String {
        hex(SHA256.hash(data: bytes))
    }

    /// The digest of the UTF-8 bytes of `text`.
    public static func of(_ text: String) -> String {
        of(Data(text.utf8))
    }

    /// The digest of a file, read in 4 MiB blocks so large models never sit in memory at once.
    /// - Throws: `FileError` naming the path.
    public static func ofFile(at path: String) throws(FileError) -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw FileError.notFound(path: path) }
        defer { try? handle.close() }
        var hasher = SHA256()
        do {
            while let block = try handle.read(upToCount: 4 << 20), !block.isEmpty {
                hasher.update(data: block)
            }
        } catch {
            throw FileError.cannotRead(path: path, reason: error.localizedDescription)
        }
        return hex(hasher.finalize())
    }

    private static func hex(_ digest: SHA256.Digest) -> String {
        digest.map { byte in
            let s = String(byte, radix: 16)
            return byte < 16 ? "0" + s : s
        }.joined()
    }
}
