import BerthaCore
import Foundation

/// Opens the store `vector_store:` names.
public enum VectorStores {
    /// Opens `config.url` (`embedded:DIR`, `milvus://…`, `milvus+https://…`); `readOnly` applies to the
    /// embedded store (no writer lock). Milvus uses the URL's collection or `config.collection`.
    public static func open(_ config: VectorStoreSection, readOnly: Bool = false) async throws -> any VectorStore {
        switch try VectorStoreLocation(parsing: config.url) {
        case .embedded(let directory):
            let options = EmbeddedVectorStore.Options(
                hnswThreshold: config.hnswThreshold,
                hnsw: HNSWParameters(m: config.hnswM, efConstruction: config.hnswEfConstruction, efSearch: config.hnswEfSearch),
                compactionThreshold: config.compactionThreshold)
            return try await EmbeddedVectorStore(directory: directory, options: options, readOnly: readOnly)
        case .milvus(let baseURL, let collection):
            let name = collection ?? config.collection
            guard VectorStoreLocation.isValidCollectionName(name) else {
                throw VectorStoreError.invalidURL(config.url, reason: "collection name \(name) must start with a letter or _ and hold only letters, digits and _")
            }
            return MilvusVectorStore(baseURL: baseURL, collection: name, token: config.token)
        }
    }
}
