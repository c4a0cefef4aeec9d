import BerthaCore
import BerthaObjectStore
import Foundation
import Logging

/// A model reference resolved to a verified local file.
public struct ResolvedModel: Sendable, Equatable, Codable {
    /// The local GGUF file (in the cache, or the plain path as given).
    public var path: String
    public var sha256: String
    /// The reference as given.
    public var uri: String
    /// For registry references: the registered model, version and alias.
    public var name: String?
    public var version: String?
    public var alias: String?
    /// The run that produced the file, when known.
    public var runID: String?
    /// The artifact or object the file was fetched from.
    public var source: String?
    /// True when the file was already in the cache (nothing was downloaded).
    public var cached: Bool
}

/// Resolves `models:/NAME@ALIAS`, `models:/NAME/VERSION`, `runs:/RUN/path`, `s3://bucket/key`,
/// `mlflow-artifacts:/…` and plain paths to a local file.
///
/// Remote files land in a content-addressed cache (`<cache>/<sha256>`): a download goes to a
/// temporary file, is hashed, checked against the sha256 the registry recorded (the version's
/// `bertha.sha256` tag), and only then renamed into place, so a cache entry is always complete and
/// verified. A registry version whose sha256 is already cached costs one REST call and no download.
public struct ModelResolver: Sendable {
    public let client: MLflowClient
    public let cacheDirectory: URL
    /// The `s3:` section, for `s3://` references.
    public let s3Section: S3Section
    private let logger = Logger(label: "bertha.resolve")

    public init(client: MLflowClient, cacheDirectory: URL, s3Section: S3Section = S3Section()) {
        self.client = client
        self.cacheDirectory = cacheDirectory
        self.s3Section = s3Section
    }

    /// A resolver configured by `mlflow:`, `s3:` and `model.cache_dir` (`BERTHA_MODEL_CACHE_DIR`).
    public init(config: BerthaConfig) throws(MLflowError) {
        self.init(client: try MLflowClient(config: config), cacheDirectory: Self.expandTilde(config.model.cacheDir),
                  s3Section: config.s3)
    }

    /// `~/…` expanded against the home directory.
    public static func expandTilde(_ path: String) -> URL {
        if path == "~" || path.hasPrefix("~/") {
            let home = FileManager.default.homeDirectoryForCurrentUser.path
            return URL(fileURLWithPath: home + path.dropFirst())
        }
        return URL(fileURLWithPath: path)
    }

    /// The version `alias` of `name` points at now (one REST call): what a server polls to notice a new champion.
    public func currentVersion(name: String, alias: String) async throws(MLflowError) -> ModelVersion? {
        try await client.version(name: name, alias: alias)
    }

    /// Resolves a reference to a local, verified file.
    /// - Throws: `MLflowError` (`invalidURI`, `notFound`, `checksumMismatch`, `unreachable`, …).
    public func resolve(_ reference: String) async throws(MLflowError) -> ResolvedModel {
        switch try ModelURI(reference) {
        case .file(let path):
            guard FileManager.default.fileExists(atPath: path) else { throw MLflowError.notFound("model file \(path)") }
            return ResolvedModel(path: path, sha256: try hash(path), uri: reference, cached: true)
        case .alias(let name, let alias):
            guard let version = try await client.version(name: name, alias: alias) else {
                throw MLflowError.notFound("alias '\(alias)' of registered model '\(name)'")
            }
            return try await fetch(version, uri: reference, alias: alias)
        case .version(let name, let number):
            let version: ModelVersion
            do throws(MLflowError) {
                version = try await client.modelVersion(name: name, version: number)
            } catch where error.errorCode == "RESOURCE_DOES_NOT_EXIST" {
                throw MLflowError.notFound("model version \(name)/\(number)")
            }
            return try await fetch(version, uri: reference, alias: nil)
        case .run(let runID, let path):
            let run = try await client.run(id: runID)
            let root = run.info.artifactURI + "/" + path
            let file = try await ggufFile(in: root, named: nil)
            var resolved = try await download(file.uri, expected: nil, refKey: "\(file.uri)\n\(file.size ?? -1)", reference: reference)
            resolved.runID = runID
            return resolved
        case .artifact(let uri):
            let file = try await ggufFile(in: uri, named: nil)
            return try await download(file.uri, expected: nil, refKey: "\(file.uri)\n\(file.size ?? -1)", reference: reference)
        case .s3(let bucket, let key):
            let store = try s3Store(bucket: bucket)
            let info: ObjectInfo?
            do throws(S3Error) {
                info = try await store.head(key: key)
            } catch {
                throw MLflowError.objectStore(error)
            }
            guard let info else { throw MLflowError.notFound("object \(reference)") }
            return try await download(reference, expected: nil, refKey: "\(reference)\n\(info.etag ?? "")\n\(info.size)",
                                      reference: reference, store: store, key: key)
        }
    }

    // MARK: - registry versions

    private func fetch(_ version: ModelVersion, uri: String, alias: String?) async throws(MLflowError) -> ResolvedModel {
        let expected = version.tag(ModelRegistrar.sha256Tag)
        var resolved: ResolvedModel
        if let expected, let hit = cachedFile(expected) {
            resolved = ResolvedModel(path: hit.path, sha256: expected, uri: uri, source: version.source, cached: true)
        } else {
            guard var source = version.source, !source.isEmpty else {
                throw MLflowError.notFound("source of model version \(version.name)/\(version.version)")
            }
            if source.hasPrefix("runs:/") {
                guard case .run(let runID, let path) = try ModelURI(source) else { throw MLflowError.invalidURI(source, reason: "bad run URI") }
                source = try await client.run(id: runID).info.artifactURI + "/" + path
            }
            let file = try await ggufFile(in: source, named: version.tag(ModelRegistrar.fileTag))
            resolved = try await download(file.uri, expected: expected, refKey: nil, reference: uri)
        }
        resolved.name = version.name
        resolved.version = version.version
        resolved.alias = alias
        resolved.runID = version.runID
        return resolved
    }

    /// The GGUF file a source names: the source itself when it is a `.gguf`, `<source>/<name>` when the
    /// registry recorded the name, else the one `.gguf` in the source directory.
    private func ggufFile(in source: String, named name: String?) async throws(MLflowError) -> (uri: String, size: Int?) {
        let trimmed = source.hasSuffix("/") ? String(source.dropLast()) : source
        if trimmed.hasSuffix(".gguf") { return (trimmed, nil) }
        if let name { return (trimmed + "/" + name, nil) }
        let files = try await client.listArtifacts(trimmed)
        let ggufs = files.filter { !$0.isDir && $0.path.hasSuffix(".gguf") }
        guard ggufs.count == 1, let only = ggufs.first else {
            if files.isEmpty { return (trimmed, nil) }  // not a directory: the source is the file
            throw MLflowError.notFound("a single .gguf file in \(trimmed) (found \(ggufs.count))")
        }
        let last = only.path.split(separator: "/").last.map(String.init) ?? only.path
        return (trimmed + "/" + last, only.fileSize)
    }

    // MARK: - cache

    /// `<cache>/<sha256>` when it exists.
    public func cachedFile(_ sha256: String) -> URL? {
        let url = cacheDirectory.appendingPathComponent(sha256)
        return FileManager.default.fileExists(atPath: url.path) ? url : nil
    }

    /// Downloads `artifact` into the cache (unless `refKey` or `expected` finds it there), verifies it, and
    /// records which sha256 `refKey` maps to.
    private func download(_ artifact: String, expected: String?, refKey: String?, reference: String,
                          store: S3ObjectStore? = nil, key: String? = nil) async throws(MLflowError) -> ResolvedModel {
        let refFile = refKey.map { cacheDirectory.appendingPathComponent("refs").appendingPathComponent(SHA256Hex.of($0)) }
        if let refFile, let known = try? String(contentsOf: refFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines),
           let hit = cachedFile(known) {
            return ResolvedModel(path: hit.path, sha256: known, uri: reference, source: artifact, cached: true)
        }
        do {
            try FileManager.default.createDirectory(at: cacheDirectory.appendingPathComponent("refs"), withIntermediateDirectories: true)
        } catch {
            throw MLflowError.localFile(path: cacheDirectory.path, reason: "cannot create the model cache: \(error.localizedDescription)")
        }
        let partial = cacheDirectory.appendingPathComponent(".download-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: partial) }
        let started = Date()
        if let store, let key {
            do throws(S3Error) {
                try await store.get(key: key, to: partial)
            } catch {
                throw MLflowError.objectStore(error)
            }
        } else {
            try await client.downloadArtifact(artifact, to: partial)
        }
        let actual = try hash(partial.path)
        if let expected, expected != actual {
            throw MLflowError.checksumMismatch(uri: artifact, expected: expected, actual: actual)
        }
        let final = cacheDirectory.appendingPathComponent(actual)
        do {
            if FileManager.default.fileExists(atPath: final.path) {
                try FileManager.default.removeItem(at: partial)
            } else {
                try FileManager.default.moveItem(at: partial, to: final)
            }
        } catch {
            throw MLflowError.localFile(path: final.path, reason: "cannot store the download: \(error.localizedDescription)")
        }
        if let refFile {
            do throws(FileError) { try AtomicFile.write(actual + "\n", to: refFile) } catch {
                logger.warning("cannot record cache reference", metadata: ["error": "\(error.message)"])
            }
        }
        logger.info("downloaded", metadata: ["uri": "\(reference)", "sha256": "\(actual)",
                                             "seconds": "\(String(format: "%.1f", Date().timeIntervalSince(started)))"])
        return ResolvedModel(path: final.path, sha256: actual, uri: reference, source: artifact, cached: false)
    }

    private func hash(_ path: String) throws(MLflowError) -> String {
        do throws(FileError) {
            return try SHA256Hex.ofFile(at: path)
        } catch {
            throw MLflowError.localFile(path: path, reason: error.message)
        }
    }

    private func s3Store(bucket: String) throws(MLflowError) -> S3ObjectStore {
        do throws(S3Error) {
            return try S3ObjectStore(section: s3Section, bucket: bucket)
        } catch {
            throw MLflowError.objectStore(error)
        }
    }
}
