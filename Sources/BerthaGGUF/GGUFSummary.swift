import Foundation

/// What `bertha inspect` reports about a GGUF file: identity, sizes, tensor type histogram,
/// hyperparameters, tokenizer and chat template. Encodes as a stable JSON document (the field
/// names below are the contract; absent facts are omitted, never guessed).
public struct GGUFSummary: Sendable, Encodable, Equatable {
    /// Tensors of one ggml type: how many and how many bytes.
    public struct TypeUsage: Sendable, Encodable, Equatable {
        /// ggml's type name (`Q4_K`).
        public let type: String
        /// Tensors of this type.
        public let tensors: Int
        /// Their data in bytes.
        public let bytes: Int
    }

    /// The architecture's main hyperparameters (`<arch>.context_length` and friends).
    public struct Hyperparameters: Sendable, Encodable, Equatable {
        /// `<arch>.context_length`: the context the model was trained for.
        public let contextLength: Int?
        /// `<arch>.embedding_length`: the hidden size.
        public let embeddingLength: Int?
        /// `<arch>.block_count`: transformer layers.
        public let layers: Int?
        /// `<arch>.attention.head_count` (the largest, when stored per layer).
        public let heads: Int?
        /// `<arch>.attention.head_count_kv` (the largest, when stored per layer).
        public let kvHeads: Int?
        /// `<arch>.feed_forward_length` (the largest, when stored per layer).
        public let feedForwardLength: Int?
    }

    /// The tokenizer the file embeds (`tokenizer.ggml.*`).
    public struct Tokenizer: Sendable, Encodable, Equatable {
        /// `tokenizer.ggml.model`: `gpt2` (byte-level BPE), `llama` (SentencePiece), `bert` (WordPiece)…
        public let model: String?
        /// `tokenizer.ggml.pre`: the pre-tokenizer's regex family (`smollm`, `llama3`, `default`).
        public let pre: String?
        /// Entries in `tokenizer.ggml.tokens`.
        public let vocabSize: Int?
        /// `tokenizer.ggml.bos_token_id`.
        public let bosTokenID: Int?
        /// `tokenizer.ggml.eos_token_id`.
        public let eosTokenID: Int?
    }

    /// One tensor's name, type and shape (ggml order, innermost first).
    public struct Tensor: Sendable, Encodable, Equatable {
        /// The tensor's name.
        public let name: String
        /// ggml's type name.
        public let type: String
        /// Dimensions, innermost first.
        public let shape: [Int]
        /// Absolute offset of its data in the file.
        public let offset: Int
        /// Bytes of data.
        public let bytes: Int
    }

    /// The file's path as given.
    /// One metadata key: scalars with their value, arrays with their element type and length
    /// (a vocabulary is not repeated here; read it with `GGUFMetadata`).
    public struct MetadataEntry: Sendable, Encodable, Equatable {
        /// The key.
        public let key: String
        /// The stored value.
        public let value: GGUFValue

        enum CodingKeys: String, CodingKey { case key, type, value, elementType, count }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(key, forKey: .key)
            try container.encode(value.type.description, forKey: .type)
            switch value {
            case .uint8(let v): try container.encode(v, forKey: .value)
            case .int8(let v): try container.encode(v, forKey: .value)
            case .uint16(let v): try container.encode(v, forKey: .value)
            case .int16(let v): try container.encode(v, forKey: .value)
            case .uint32(let v): try container.encode(v, forKey: .value)
            case .int32(let v): try container.encode(v, forKey: .value)
            case .uint64(let v): try container.encode(v, forKey: .value)
            case .int64(let v): try container.encode(v, forKey: .value)
            // JSON has no NaN or infinity: those travel as strings.
            case .float32(let v): try v.isFinite ? container.encode(v, forKey: .value) : container.encode("\(v)", forKey: .value)
            case .float64(let v): try v.isFinite ? container.encode(v, forKey: .value) : container.encode("\(v)", forKey: .value)
            case .bool(let v): try container.encode(v, forKey: .value)
            case .string(let v): try container.encode(v, forKey: .value)
            case .array(let a):
                try container.encode(a.elementType.description, forKey: .elementType)
                try container.encode(a.count, forKey: .count)
            }
        }
    }

    /// The file's path as given.
    public let path: String
    /// `general.architecture`.
    public let architecture: String?
    /// `general.name`.
    public let name: String?
    /// `general.size_label`, or one derived from the parameter count like gguf-py does (`135M`).
    public let sizeLabel: String
    /// Bytes on disk.
    public let fileSize: Int
    /// Weights over all tensors.
    public let parameterCount: Int
    /// GGUF version (2 or 3).
    public let version: UInt32
    /// Tensor data alignment.
    public let alignment: Int
    /// Number of tensors.
    public let tensorCount: Int
    /// Number of metadata keys.
    public let metadataKeyCount: Int
    /// Types by bytes, largest first.
    public let tensorTypes: [TypeUsage]
    /// The architecture's main hyperparameters.
    public let hyperparameters: Hyperparameters
    /// The embedded tokenizer.
    public let tokenizer: Tokenizer
    /// `tokenizer.chat_template` (Jinja), in full.
    public let chatTemplate: String?
    /// Every tensor, in file order, when asked for.
    public let tensors: [Tensor]?
    /// Every metadata key, in file order, when asked for.
    public let metadata: [MetadataEntry]?

    /// Summarises `file`.
    /// - Parameters:
    ///   - file: an opened GGUF file.
    ///   - includeTensors: list every tensor too.
    ///   - includeMetadata: list every metadata key too.
    public init(_ file: GGUFFile, includeTensors: Bool = false, includeMetadata: Bool = false) {
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
        self.metadata = includeMetadata
            ? metadata.keys.compactMap { key in metadata[key].map { MetadataEntry(key: key, value: $0) } }
            : nil
    }

    /// A parameter count in gguf-py's size-label notation (`model_weight_count_rounded_notation`):
    /// at least two significant digits, so `135M`, `7.2B`, `0.50K`.
    public static func sizeLabel(_ count: Int) -> String {
        let value = Double(count)
        let (scaled, suffix): (Double, String) =
            value > 1e12 ? (value * 1e-12, "T") : value > 1e9 ? (value * 1e-9, "B") : value > 1e6 ? (value * 1e-6, "M") : (value * 1e-3, "K")
        let integerDigits = String(Int(scaled.rounded(.toNearestOrEven))).drop { $0 == "0" }.count
        let decimals = max(2 - integerDigits, 0)
        return String(format: "%.\(decimals)f", scaled) + suffix
    }
}
