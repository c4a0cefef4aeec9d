import BerthaCore
import Foundation

/// An object store over a local directory: key `a/b.txt` is the file `<root>/a/b.txt`.
/// Used for development without S3 and by tests that need a store but not the network.
public struct LocalObjectStore: ObjectStore {
    public let root: URL

    public init(root: URL) { self.root = root.standardizedFileURL }

    public var displayName: String { root.path }

    private func url(_ key: String) throws(S3Error) -> URL {
        let url = root.appendingPathComponent(key).standardizedFileURL
        // A key with ".." must not escape the store.
        guard url.path.hasPrefix(root.path + "/") else {
            throw S3Error.localFile(path: key, reason: "key escapes the store's directory")
        }
        return url
    }

    public func ensureBucket() async throws(S3Error) {
        do { try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true) } catch {
            throw S3Error.localFile(path: root.path, reason: "cannot create directory: \(error.localizedDescription)")
        }
    }

    public func put(file: URL, key: String, contentType: String?) async throws(S3Error) {
        let target = try url(key)
        do {
            try AtomicFile.withTemporaryFile(for: target) { tmp in try FileManager.default.copyItem(at: file, to: tmp) }
        } catch { throw S3Error.localFile(path: target.path, reason: error.message) }
    }

    public func put(data: Data, key: String, contentType: String?) async throws(S3Error) {
        let target = try url(key)
        do { try AtomicFile.write(data, to: target) } catch { throw S3Error.localFile(path: target.path, reason: error.message) }
    }

    public func get(key: String, to destination: URL, range: ClosedRange<Int>?) async throws(S3Error) {
        let source = try url(key)
        guard FileManager.default.fileExists(atPath: source.path) else { throw S3Error.notFound(bucket: root.path, key: key) }
        do {
            try AtomicFile.withTemporaryFile(for: destination) { tmp in
                if let range {
                    let handle = try FileHandle(forReadingFrom: source)
                    defer { try? handle.close() }
                    try handle.seek(toOffset: UInt64(range.lowerBound))
                    let data = try handle.read(upToCount: range.count) ?? Data()
                    try data.write(to: tmp)
                } else {
                    try FileManager.default.copyItem(at: source, to: tmp)
                }
            }
        } catch { throw S3Error.localFile(path: destination.path, reason: error.message) }
    }

    public func getData(key: String) async throws(S3Error) -> Data {
        let source = try url(key)
        guard let data = FileManager.default.contents(atPath: source.path) else {
            throw S3Error.notFound(bucket: root.path, key: key)
        }
        return data
    }

    public func head(key: String) async throws(S3Error) -> ObjectInfo? {
        let source = try url(key)
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: source.path),
              (attributes[.type] as? FileAttributeType) == .typeRegular else { return nil }
        return ObjectInfo(key: key, size: (attributes[.size] as? Int) ?? 0, lastModified: attributes[.modificationDate] as? Date)
    }

    public func list(prefix: String, delimiter: String?) async throws(S3Error) -> ObjectListing {
        guard let enumerator = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey]) else {
            return ObjectListing()
        }
        var keys: [String] = []
        for case let file as URL in enumerator {
            guard (try? file.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true else { continue }
            let key = String(file.standardizedFileURL.path.dropFirst(root.path.count + 1))
            if key.hasPrefix(prefix), !key.split(separator: "/").contains(where: { $0.hasPrefix(".") && $0.contains(".tmp-") }) {
                keys.append(key)
            }
        }
        var listing = ObjectListing()
        var prefixes = Set<String>()
        for key in keys.sorted() {
            if let delimiter, !delimiter.isEmpty, let cut = key.dropFirst(prefix.count).range(of: delimiter) {
                prefixes.insert(String(key[..<cut.upperBound]))
                continue
            }
            if let info = try await head(key: key) { listing.objects.append(info) }
        }
        listing.commonPrefixes = prefixes.sorted()
        return listing
    }

    public func delete(key: String) async throws(S3Error) {
        let target = try url(key)
        guard FileManager.default.fileExists(atPath: target.path) else { return }
        do { try FileManager.default.removeItem(at: target) } catch {
            throw S3Error.localFile(path: target.path, reason: "cannot delete: \(error.localizedDescription)")
        }
    }
}
