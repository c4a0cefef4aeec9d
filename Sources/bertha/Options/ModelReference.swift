import BerthaCore
import BerthaMLflow

/// Turns a model reference from a flag or `model.path` into a local file: registry and object-store
/// URIs (`models:/`, `runs:/`, `s3://`, `mlflow-artifacts:/`) through `ModelResolver` and its cache,
/// plain paths as they are.
enum ModelReference {
    /// - Returns: the local path, and the resolution when the reference was a URI.
    static func localPath(_ reference: String, config: BerthaConfig) async throws -> (path: String, resolved: ResolvedModel?) {
        guard ModelURI.isRemote(reference) else { return (reference, nil) }
        let resolved = try await ModelResolver(config: config).resolve(reference)
        return (resolved.path, resolved)
    }
}
