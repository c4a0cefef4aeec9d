import BerthaCore
import BerthaGGUF
import Foundation

/// The metadata keys with which `bertha retrain` ties a LoRA adapter GGUF to the model it was
/// trained on, so a registered adapter version is enough to serve: the base comes with it.
public enum AdapterBase {
    /// An immutable reference to the base: `models:/NAME/VERSION` when it came from the registry,
    /// else the path it was read from.
    public static let uriKey = "bertha.base.uri"
    /// sha256 of the base file; checked when the base is resolved again.
    public static let sha256Key = "bertha.base.sha256"
}

/// What a server or a retrain loads: a full model, and the adapter on top when the reference
/// named an adapter.
public struct ServableModel: Sendable, Equatable {
    /// The full model (the adapter's base when `adapter` is set).
    public var model: ResolvedModel
    /// The LoRA adapter the reference named, if it named one.
    public var adapter: ResolvedModel?

    /// The file the reference itself named (the adapter, or the model).
    public var named: ResolvedModel { adapter ?? model }
}

extension ModelResolver {
    /// Resolves `reference` like `resolve(_:)`; when it names a LoRA adapter (`general.type =
    /// adapter`), also resolves the base model the adapter records under `bertha.base.uri` and checks
    /// its sha256.
    /// - Throws: `MLflowError.localFile` for an adapter that names no base, `.checksumMismatch` when
    ///   the base found is not the one the adapter was trained on, and whatever `resolve` throws.
    public func resolveServable(_ reference: String) async throws(MLflowError) -> ServableModel {
        let named = try await resolve(reference)
        let metadata: GGUFMetadata
        do throws(GGUFError) {
            metadata = try GGUFFile(path: named.path).metadata
        } catch {
            throw MLflowError.localFile(path: named.path, reason: "not a valid GGUF file (\(reference)): \(error.message)")
        }
        guard metadata.string("general.type") == "adapter" else { return ServableModel(model: named, adapter: nil) }
        guard let baseURI = metadata.string(AdapterBase.uriKey), !baseURI.isEmpty else {
            throw MLflowError.localFile(path: named.path, reason: "\(reference) is a LoRA adapter that names no base model "
                                        + "(\(AdapterBase.uriKey)); load the base with --model and the adapter with --lora")
        }
        let base = try await resolve(baseURI)
        if let expected = metadata.string(AdapterBase.sha256Key), !expected.isEmpty, expected != base.sha256 {
            throw MLflowError.checksumMismatch(uri: baseURI, expected: expected, actual: base.sha256)
        }
        let baseMetadata = try? GGUFFile(path: base.path).metadata
        if baseMetadata?.string("general.type") == "adapter" {
            throw MLflowError.localFile(path: base.path, reason: "the base \(baseURI) of adapter \(reference) is itself an adapter")
        }
        return ServableModel(model: base, adapter: named)
    }
}
