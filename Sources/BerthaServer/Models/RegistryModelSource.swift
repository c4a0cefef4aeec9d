import BerthaMLflow
import Foundation

/// A model in the MLflow registry, by alias or version (`models:/NAME@ALIAS`, `models:/NAME/VERSION`),
/// or any other reference `ModelResolver` understands. Polling an alias costs one REST call; the
/// file is downloaded (into the content-addressed cache) only when the alias moved.
public struct RegistryModelSource: ModelSource {
    public let reference: String
    public let resolver: ModelResolver

    public init(reference: String, resolver: ModelResolver) {
        self.reference = reference
        self.resolver = resolver
    }

    public func currentVersion() async throws -> String {
        if case .alias(let name, let alias) = try ModelURI(reference) {
            guard let version = try await resolver.currentVersion(name: name, alias: alias) else {
                throw MLflowError.notFound("alias '\(alias)' of registered model '\(name)'")
            }
            return "\(name)/\(version.version)"
        }
        // A fixed version or a file never moves on its own.
        return reference
    }

    /// The version's file; a registered LoRA adapter comes with the base model it names, and is
    /// served on top of it under the adapter's name and version.
    public func resolve() async throws -> ModelRef {
        let servable = try await resolver.resolveServable(reference)
        let named = servable.named
        let stem = URL(fileURLWithPath: named.path).deletingPathExtension().lastPathComponent
        return ModelRef(path: servable.model.path, name: named.name ?? stem, version: named.version ?? "local",
                        sha256: named.sha256, adapterPath: servable.adapter?.path)
    }
}
