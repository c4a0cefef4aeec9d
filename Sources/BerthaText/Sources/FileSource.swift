import Foundation

/// One input to load: its URI, the relative path filters and content sniffing look at, and its bytes.
public struct SourceItem: Sendable, Hashable {
    public var uri: String
    /// Relative `/`-separated path (inside the walked directory or the archive).
    public var path: String
    public var data: Data

    public init(uri: String, path: String, data: Data) {
        self.uri = uri
        self.path = path
        self.data = data
    }
}

/// A file a `FileSource` walk found: its URL and its `/`-separated path relative to the walked root.
public struct SourceFile: Sendable, Hashable {
    public var url: URL
    public var path: String

    public init(url: URL, path: String) {
        self.url = url
        self.path = path
    }
}

/// Walks a file or directory tree (recursively, in sorted order, hidden files and directories skipped)
/// and yields the files that pass the include/exclude globs. Archives met on the way are expanded in
/// memory, their entries filtered like files and named `<archive URI>!/<entry>`.
public struct FileSource: Sendable {
    public var root: URL
    public var filter: PathFilter
    public var archiveReader: ArchiveReader
    public var expandArchives: Bool

    public init(root: URL, filter: PathFilter, archiveLimits: ArchiveLimits, expandArchives: Bool = true) {
        self.root = root.standardizedFileURL
        self.filter = filter
        self.archiveReader = ArchiveReader(limits: archiveLimits)
        self.expandArchives = expandArchives
    }

    /// Calls `body` for every accepted file or archive entry.
    public func forEachItem(_ body: (SourceItem) throws -> Void) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root.path, isDirectory: &isDirectory) else {
            throw TextError.unreadable(path: root.path, reason: "no such file or directory")
        }
        if isDirectory.boolValue {
            for file in try files() { try visitFile(file.url, relative: file.path, body) }
        } else {
            // A file named explicitly is read even if hidden; only the globs apply, to its name.
            try visitFile(root, relative: root.lastPathComponent, body)
        }
    }

    /// Every accepted item, collected.
    public func items() throws -> [SourceItem] {
        var out: [SourceItem] = []
        try forEachItem { out.append($0) }
        return out
    }

    /// The files the walk visits, in order, without reading them: ingest lists first and reads each
    /// file only when it gets to it, so a large tree is never held in memory at once. Files the globs
    /// reject are left out, except archives, whose entries are filtered when `items(of:)` expands them.
    public func files() throws -> [SourceFile] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root.path, isDirectory: &isDirectory) else {
            throw TextError.unreadable(path: root.path, reason: "no such file or directory")
        }
        var out: [SourceFile] = []
        if isDirectory.boolValue {
            try walkFiles(root, relative: "") { out.append($0) }
        } else {
            out.append(SourceFile(url: root, path: root.lastPathComponent))
        }
        // The same decisions `visitFile` makes before reading, so the listing and the reading agree.
        return out.filter { file in
            Self.hasArchiveExtension(file.path) && expandArchives
                ? !filter.exclude.contains(where: { $0.matches(file.path) })
                : filter.accepts(file.path)
        }
    }

    /// The items of one file `files()` listed: the file itself, or an archive's accepted entries.
    public func items(of file: SourceFile) throws -> [SourceItem] {
        var out: [SourceItem] = []
        try visitFile(file.url, relative: file.path) { out.append($0) }
        return out
    }

    private func walkFiles(_ directory: URL, relative: String, _ body: (SourceFile) -> Void) throws {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        } catch {
            throw TextError.unreadable(path: directory.path, reason: error.localizedDescription)
        }
        for name in names where !name.hasPrefix(".") {
            let url = directory.appendingPathComponent(name)
            let path = relative.isEmpty ? name : relative + "/" + name
            let values = try? url.resourceValues(forKeys: [.isDirectoryKey, .isSymbolicLinkKey])
            if values?.isDirectory == true {
                // Symlinked directories are not followed: they can loop.
                if values?.isSymbolicLink != true { try walkFiles(url, relative: path, body) }
            } else {
                body(SourceFile(url: url, path: path))
            }
        }
    }

    private func visitFile(_ url: URL, relative: String, _ body: (SourceItem) throws -> Void) throws {
        let archiveByName = Self.hasArchiveExtension(relative)
        if archiveByName && expandArchives {
            guard !filter.exclude.contains(where: { $0.matches(relative) }) else { return }
            try expandArchive(url, body)
            return
        }
        guard filter.accepts(relative) else { return }
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw TextError.unreadable(path: url.path, reason: error.localizedDescription)
        }
        if expandArchives && ArchiveReader.looksLikeArchive(data) && !Self.isPlainCompressedDocument(relative) {
            try expandArchive(url, body)
            return
        }
        try body(SourceItem(uri: url.absoluteString, path: relative, data: data))
    }

    private func expandArchive(_ url: URL, _ body: (SourceItem) throws -> Void) throws {
        let archiveURI = url.absoluteString
        try archiveReader.forEachEntry(ofFile: url) { entry in
            guard !PathFilter.isHidden(entry.path), filter.accepts(entry.path) else { return }
            try body(SourceItem(uri: archiveURI + "!/" + entry.path, path: entry.path, data: entry.data))
        }
    }

    /// Extensions bertha expands as archives.
    public static let archiveExtensions = [".tar", ".tar.gz", ".tgz", ".tar.zst", ".tzst", ".tar.bz2", ".tbz2",
                                           ".tar.xz", ".txz", ".zip", ".7z"]

    public static func hasArchiveExtension(_ path: String) -> Bool {
        let lower = path.lowercased()
        return archiveExtensions.contains { lower.hasSuffix($0) }
    }

    /// Office formats are zip files too, but they are documents, not archives of documents.
    private static func isPlainCompressedDocument(_ path: String) -> Bool {
        let lower = path.lowercased()
        return [".docx", ".xlsx", ".pptx", ".odt", ".ods", ".odp", ".epub", ".jar"].contains { lower.hasSuffix($0) }
    }
}

extension SourceItem {
    /// The item itself, or, when it is an archive (by name or magic bytes), its entries read from memory
    /// and filtered like files. For objects fetched by URI (`s3://bucket/corpus.tar.gz`), which the
    /// directory walker never sees.
    public func expanded(filter: PathFilter, limits: ArchiveLimits) throws -> [SourceItem] {
        guard FileSource.hasArchiveExtension(path) || ArchiveReader.looksLikeArchive(data) else {
            return filter.accepts(path) ? [self] : []
        }
        var out: [SourceItem] = []
        try ArchiveReader(limits: limits).forEachEntry(ofData: data, name: uri) { entry in
            guard !PathFilter.isHidden(entry.path), filter.accepts(entry.path) else { return }
            out.append(SourceItem(uri: uri + "!/" + entry.path, path: entry.path, data: entry.data))
        }
        return out
    }
}
