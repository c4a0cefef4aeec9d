import BerthaCore
import CArchive
import Foundation

/// Limits that stop a hostile archive (a zip bomb, a million empty entries) before it eats memory.
public struct ArchiveLimits: Sendable, Hashable {
    public var maxEntries: Int
    public var maxTotalBytes: Int
    public var maxEntryBytes: Int

    public init(maxEntries: Int, maxTotalBytes: Int, maxEntryBytes: Int) {
        self.maxEntries = maxEntries
        self.maxTotalBytes = maxTotalBytes
        self.maxEntryBytes = maxEntryBytes
    }

    public init(_ section: IngestSection) {
        self.init(maxEntries: section.maxArchiveEntries, maxTotalBytes: section.maxArchiveBytes,
                  maxEntryBytes: section.maxEntryBytes)
    }
}

/// One regular file inside an archive, its bytes read into memory (never written to disk).
public struct ArchiveEntry: Sendable, Hashable {
    /// The entry's relative path, `./` stripped.
    public var path: String
    public var data: Data
}

/// Reads tar (plain, gzip, bzip2, xz, zstd), zip and 7z archives with libarchive, streaming each entry
/// into memory under `ArchiveLimits`. Entries with absolute paths or `..` components are refused with
/// an error naming the archive and the entry, because a consumer that later writes them out would
/// escape its directory.
public struct ArchiveReader: Sendable {
    public var limits: ArchiveLimits

    public init(limits: ArchiveLimits) {
        self.limits = limits
    }

    /// True when `bytes` start like an archive this reader opens (zip, gzip, bzip2, xz, zstd, 7z, tar).
    public static func looksLikeArchive(_ bytes: Data) -> Bool {
        let b = [UInt8](bytes.prefix(512))
        func starts(_ magic: [UInt8]) -> Bool { b.count >= magic.count && Array(b[0..<magic.count]) == magic }
        if starts([0x50, 0x4B, 0x03, 0x04]) || starts([0x50, 0x4B, 0x05, 0x06]) { return true }   // zip
        if starts([0x1F, 0x8B]) || starts([0x42, 0x5A, 0x68]) { return true }                       // gzip, bzip2
        if starts([0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00]) || starts([0x28, 0xB5, 0x2F, 0xFD]) { return true } // xz, zstd
        if starts([0x37, 0x7A, 0xBC, 0xAF, 0x27, 0x1C]) { return true }                              // 7z
        return b.count >= 262 && Array(b[257..<262]) == Array("ustar".utf8)                          // tar
    }

    /// Reads every regular entry of the archive file at `url`, calling `body` for each in archive order.
    public func forEachEntry(ofFile url: URL, _ body: (ArchiveEntry) throws -> Void) throws {
        let name = url.path
        try withReader(name: name, open: { archive in
            archive_read_open_filename(archive, url.path, 64 * 1024)
        }, body)
    }

    /// Reads every regular entry of an archive held in memory; `name` labels errors (its URI).
    public func forEachEntry(ofData data: Data, name: String, _ body: (ArchiveEntry) throws -> Void) throws {
        try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            try withReader(name: name, open: { archive in
                archive_read_open_memory(archive, raw.baseAddress, raw.count)
            }, body)
        }
    }

    /// All regular entries of the archive file at `url`.
    public func entries(ofFile url: URL) throws -> [ArchiveEntry] {
        var out: [ArchiveEntry] = []
        try forEachEntry(ofFile: url) { out.append($0) }
        return out
    }

    private func withReader(name: String, open: (OpaquePointer) -> Int32,
                            _ body: (ArchiveEntry) throws -> Void) throws {
        guard let archive = archive_read_new() else {
            throw TextError.archiveOpen(archive: name, reason: "libarchive could not allocate a reader")
        }
        defer { archive_read_free(archive) }
        archive_read_support_filter_all(archive)
        archive_read_support_format_tar(archive)
        archive_read_support_format_gnutar(archive)
        archive_read_support_format_zip(archive)
        archive_read_support_format_7zip(archive)
        guard open(archive) == ARCHIVE_OK else {
            throw TextError.archiveOpen(archive: name, reason: errorString(archive))
        }
        var entryCount = 0
        var totalBytes = 0
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        var header: OpaquePointer?
        while true {
            let status = archive_read_next_header(archive, &header)
            if status == ARCHIVE_EOF { break }
            guard status == ARCHIVE_OK || status == ARCHIVE_WARN, let entry = header else {
                throw TextError.archiveRead(archive: name, entry: nil, reason: errorString(archive))
            }
            entryCount += 1
            if entryCount > limits.maxEntries {
                throw TextError.tooManyArchiveEntries(archive: name, limit: limits.maxEntries)
            }
            let rawPath = entryPath(entry)
            let path = try Self.safePath(rawPath, archive: name)
            // Directories, links and devices carry no document bytes.
            guard archive_entry_filetype(entry) == 0o100000 else { continue }  // AE_IFREG, a cast macro Swift cannot import
            if archive_entry_size_is_set(entry) != 0 {
                let declared = Int(archive_entry_size(entry))
                if declared > limits.maxEntryBytes {
                    throw TextError.archiveEntryTooLarge(archive: name, entry: path, limit: limits.maxEntryBytes)
                }
                if totalBytes + declared > limits.maxTotalBytes {
                    throw TextError.archiveTooLarge(archive: name, limit: limits.maxTotalBytes)
                }
            }
            // Declared sizes can lie (zip bombs do), so the limits are enforced on the bytes actually inflated.
            var data = Data()
            while true {
                let n = buffer.withUnsafeMutableBytes { archive_read_data(archive, $0.baseAddress, $0.count) }
                if n == 0 { break }
                guard n > 0 else {
                    throw TextError.archiveRead(archive: name, entry: path, reason: errorString(archive))
                }
                if data.count + n > limits.maxEntryBytes {
                    throw TextError.archiveEntryTooLarge(archive: name, entry: path, limit: limits.maxEntryBytes)
                }
                if totalBytes + n > limits.maxTotalBytes {
                    throw TextError.archiveTooLarge(archive: name, limit: limits.maxTotalBytes)
                }
                totalBytes += n
                data.append(contentsOf: buffer[0..<n])
            }
            try body(ArchiveEntry(path: path, data: data))
        }
    }

    private func entryPath(_ entry: OpaquePointer) -> String {
        if let utf8 = archive_entry_pathname_utf8(entry) { return String(cString: utf8) }
        if let plain = archive_entry_pathname(entry) { return String(decoding: Data(bytes: plain, count: strlen(plain)), as: UTF8.self) }
        return ""
    }

    /// The entry path normalised (`./` prefixes dropped), or an error when it could escape a directory.
    static func safePath(_ raw: String, archive: String) throws -> String {
        let windowsDrive = raw.count >= 2 && raw.dropFirst().first == ":" && raw.first?.isLetter == true
        let components = raw.split(whereSeparator: { $0 == "/" || $0 == "\\" })
        if raw.hasPrefix("/") || raw.hasPrefix("\\") || windowsDrive || components.contains("..") {
            throw TextError.unsafeArchivePath(archive: archive, entry: raw)
        }
        return components.filter { $0 != "." }.joined(separator: "/")
    }

    private func errorString(_ archive: OpaquePointer) -> String {
        archive_error_string(archive).map { String(cString: $0) } ?? "unknown libarchive error"
    }
}
