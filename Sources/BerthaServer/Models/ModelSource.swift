import BerthaCore
import Foundation

/// A model file ready to load, and how it is named and versioned while served.
public struct ModelRef: Sendable, Equatable, Codable {
    /// Local path of the GGUF file.
    public var path: String
    /// The name clients pass as `model` (registered model name, or the file's stem).
    public var name: String
    /// Registry version, or "local" for a plain file.
    public var version: String
    /// sha256 of the file the reference named (the adapter when there is one).
    public var sha256: String
    /// A LoRA adapter GGUF applied on top of `path` (a registered adapter version, or `--lora`).
    public var adapterPath: String?

    public init(path: String, name: String, version: String, sha256: String, adapterPath: String? = nil) {
        self.path = path
        self.name = name
        self.version = version
        self.sha256 = sha256
        self.adapterPath = adapterPath
    }
}

/// Where the served model comes from: a local file, or a registry alias (`models:/NAME@ALIAS`).
///
/// The server polls `currentVersion()` every `--watch-interval` and calls `resolve()` (which may
/// download) only when the answer differs from the one the serving model was resolved at.
public protocol ModelSource: Sendable {
    /// Fetches the model the source points at now.
    /// - Throws: when it cannot be found or downloaded; the serving model is then kept.
    func resolve() async throws -> ModelRef
    /// A cheap token that changes when `resolve()` would return another model (a registry version,
    /// or a file's identity); compared, never interpreted.
    func currentVersion() async throws -> String
}

/// A GGUF file on disk. Follows symlinks, so pointing `current.gguf` at another file is a new
/// version; the file's device, inode, size and modification time are the cheap version token.
public struct LocalFileModelSource: ModelSource {
    public let path: String
    /// A LoRA adapter applied on top (`serve --lora`); it is part of the version token.
    public let adapter: String?

    public init(path: String, adapter: String? = nil) {
        self.path = path
        self.adapter = adapter
    }

    public func currentVersion() async throws -> String {
        let model = try Self.identity(path)
        guard let adapter else { return model }
        return model + "+" + (try Self.identity(adapter))
    }

    static func identity(_ path: String) throws -> String {
        let resolved = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        let attributes: [FileAttributeKey: Any]
        do {
            attributes = try FileManager.default.attributesOfItem(atPath: resolved)
        } catch {
            throw FileError.notFound(path: path)
        }
        let inode = (attributes[.systemFileNumber] as? NSNumber)?.uint64Value ?? 0
        let device = (attributes[.systemNumber] as? NSNumber)?.uint64Value ?? 0
        let size = (attributes[.size] as? NSNumber)?.uint64Value ?? 0
        let modified = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
        return "\(resolved)|\(device):\(inode)|\(size)|\(modified)"
    }

    public func resolve() async throws -> ModelRef {
        let resolved = URL(fileURLWithPath: path).resolvingSymlinksInPath()
        guard FileManager.default.fileExists(atPath: resolved.path) else { throw FileError.notFound(path: path) }
        var adapterPath: String?
        if let adapter {
            let resolvedAdapter = URL(fileURLWithPath: adapter).resolvingSymlinksInPath()
            guard FileManager.default.fileExists(atPath: resolvedAdapter.path) else { throw FileError.notFound(path: adapter) }
            adapterPath = resolvedAdapter.path
        }
        let sha256 = try SHA256Hex.ofFile(at: adapterPath ?? resolved.path)
        return ModelRef(path: resolved.path, name: resolved.deletingPathExtension().lastPathComponent,
                        version: "local", sha256: sha256, adapterPath: adapterPath)
    }
}
