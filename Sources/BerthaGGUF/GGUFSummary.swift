/// What `bertha inspect` reports about a GGUF file: identity, sizes, tensor type histogram,
/// hyperparameters, tokenizer and chat template. Encodes as a stable JSON document (the field
/// names below are the contract; absent facts are omitted, never guessed).
public struct GGUFSummary: Sendable, Encodable, Equatable {
    /// Tensors of one ggml type: how many and how many bytes.
    public struct TypeUsage: Sendable, Encodable, Equatable {
        public let type: String
        public let tensors: Int
        public let bytes: Int
    }

    /// The architecture's main hyperparameters (`<arch>.context_length` and friends).
    public struct Hyperparameters: Sendable, Encodable, Equatable {
        public let contextLength: Int?
        public let embeddingLength: Int?
        public let layers: Int?
        public let heads: Int?
        public let kvHeads: Int?
        public let feedForwardLength: Int?
    }

    /// The tokenizer the file embeds (`tokenizer.ggml.*`).
    public struct Tokenizer: Sendable, Encodable, Equatable {
        public let model: String?
        public let pre: String?
        public let vocabSize: Int?
        public let bosTokenID: Int?
        public let eosTokenID: Int?
    }

    /// One tensor's name, type and shape (ggml order, innermost first).
    public struct Tensor: Sendable, Encodable, Equatable {
        public let name: String
        public let type: String
        public let shape: [Int]
        public let offset: Int
        public let bytes: Int
    }

    public let path: String
    public let architecture: String?
    public let name: String?
    /// `general.size_label`, or one derived from the parameter count like gguf-py does (`135M`).
    public let sizeLabel: String
    public let fileSize: Int
    public let parameterCount: Int
    public let version: UInt32
    public let alignment: Int
    public let tensorCount: Int
    public let metadataKeyCount: Int
    /// Types by bytes, largest first.
    public let tensorTypes: [TypeUsage]
    public let hyperparameters: Hyperparameters
    public let tokenizer: Tokenizer
    public let chatTemplate: String?
    /// Every tensor, in file order, when asked for.
    public let tensors: [Tensor]?

    /// Summarises `file`.
    /// - Parameters:
    ///   - file: an opened GGUF file.
    ///   - includeTensors: list every tensor too.
    public init(_ file: GGUFFile, includeTensors: Bool = false) {
        let metadata = file.metadata
        path = file.path
        architecture = metadata.architecture
        name = metadata.string("general.name")
        fileSize = file.fileSize
        parameterCount = file.parameterCount
        sizeLabel = metadata.string("general.size_label") ?? Self.sizeLabel(parameterCount)
        version = file.version
        alignment = file.alignment
        tensorCount = file.tensors.count
        metadataKeyCount = metadata.count

        var usage: [GGMLType: (count: Int, bytes: Int)] = [:]
        for tensor in file.tensors {
            usage[tensor.type, default: (0, 0)].count += 1
            usage[tensor.type, default: (0, 0)].bytes += tensor.byteCount
        }
        tensorTypes = usage
            .sorted { $0.value.bytes != $1.value.bytes ? $0.value.bytes > $1.value.bytes : $0.key.rawValue < $1.key.rawValue }
            .map { TypeUsage(type: $0.key.description, tensors: $0.value.count, bytes: $0.value.bytes) }

        // Some architectures store per-layer head counts as arrays; report the largest.
        func count(_ suffix: String) -> Int? {
            let key = metadata.arch(suffix)
            return metadata.int(key) ?? metadata.ints(key)?.max()
        }
        hyperparameters = Hyperparameters(
            contextLength: count("context_length"), embeddingLength: count("embedding_length"),
            layers: count("block_count"), heads: count("attention.head_count"),
            kvHeads: count("attention.head_count_kv"), feedForwardLength: count("feed_forward_length"))

        tokenizer = Tokenizer(
            model: metadata.string("tokenizer.ggml.model"), pre: metadata.string("tokenizer.ggml.pre"),
            vocabSize: metadata.array("tokenizer.ggml.tokens")?.count,
            bosTokenID: metadata.int("tokenizer.ggml.bos_token_id"),
            eosTokenID: metadata.int("tokenizer.ggml.eos_token_id"))
        chatTemplate = metadata.string("tokenizer.chat_template")
        tensors = includeTensors
            ? file.tensors.map { Tensor(name: $0.name, type: $0.type.description, shape: $0.shape, offset: $0.offset, bytes: $0.byteCount) }
            : nil
    }

    /// A parameter count in gguf-py's size-label notation: `135M`, `1.5B`, `270M`.
    public static func sizeLabel(_ count: Int) -> String {
        let units: [(Double, String)] = [(1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")]
        for (scale, suffix) in units where Double(count) >= scale {
            let scaled = Double(count) / scale
            let rounded = scaled < 10 ? (scaled * 10).rounded() / 10 : scaled.rounded()
            let text = rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
            return text + suffix
        }
        return String(count)
    }
}
