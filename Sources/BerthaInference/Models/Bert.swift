import BerthaGGUF
import Foundation

/// The hyperparameters of a BERT encoder (all-MiniLM-L6-v2 and other sentence-transformers
/// models): post-norm blocks of bidirectional attention and a GELU feed-forward, learned absolute
/// positions, one pooled vector per input.
///
/// Decoded from llama.cpp's GGUF `bert` metadata (`init(gguf:)`) or a Hugging Face `config.json`
/// (`init(huggingFaceConfig:source:pooling:)`).
public struct BertConfiguration: Sendable, Codable, Equatable {
    /// How token vectors become one sentence vector.
    public enum Pooling: String, Sendable, Codable {
        /// Mean over every token of the input, `[CLS]` and `[SEP]` included (sentence-transformers' default).
        case mean
        /// The `[CLS]` token's vector.
        case cls
    }

    /// Width of the hidden state (`hidden_size`, `bert.embedding_length`).
    public var width: Int
    /// Number of encoder blocks.
    public var blockCount: Int
    /// Attention heads.
    public var headCount: Int
    /// Hidden width of the feed-forward block.
    public var feedForwardLength: Int
    /// Rows of the position embedding: the longest input in tokens.
    public var maxPositions: Int
    /// Rows of the token-type (segment) embedding.
    public var typeVocabularySize: Int
    /// Rows of the word embedding.
    public var vocabularySize: Int
    /// Epsilon of every LayerNorm (1e-12 for BERT).
    public var layerNormEpsilon: Float
    /// Sentence pooling.
    public var pooling: Pooling

    /// Width of one head.
    public var headDimension: Int { width / headCount }

    /// A configuration from its parts (tests build tiny random models with it).
    public init(width: Int, blockCount: Int, headCount: Int, feedForwardLength: Int, maxPositions: Int,
                typeVocabularySize: Int, vocabularySize: Int, layerNormEpsilon: Float, pooling: Pooling) {
        self.width = width
        self.blockCount = blockCount
        self.headCount = headCount
        self.feedForwardLength = feedForwardLength
        self.maxPositions = maxPositions
        self.typeVocabularySize = typeVocabularySize
        self.vocabularySize = vocabularySize
        self.layerNormEpsilon = layerNormEpsilon
        self.pooling = pooling
    }

    /// llama.cpp's `bert.pooling_type` values.
    static let ggufPooling: [Int: Pooling] = [1: .mean, 2: .cls]

    /// Reads `bert.*` metadata. Vocabulary and token-type counts come from the embedding tensors.
    /// - Throws: `InferenceError` naming the file and the missing or unusable key.
    public init(gguf file: GGUFFile) throws(InferenceError) {
        guard let architecture = file.metadata.architecture else {
            throw .missingMetadata(key: "general.architecture", file: file.path)
        }
        guard architecture == "bert" else {
            throw .invalidMetadata(key: "general.architecture", value: "'\(architecture)' (an embedding model must be 'bert')",
                                   file: file.path)
        }
        let reader = MetadataReader(metadata: file.metadata, architecture: architecture, file: file.path)
        if file.metadata.bool("bert.attention.causal") == true {
            throw .invalidMetadata(key: "bert.attention.causal", value: "true (BERT attends bidirectionally)", file: file.path)
        }
        let poolingType = file.metadata.int("bert.pooling_type") ?? 1
        guard let pooling = Self.ggufPooling[poolingType] else {
            throw .invalidMetadata(key: "bert.pooling_type", value: "\(poolingType) (supported: 1 mean, 2 cls)", file: file.path)
        }
        guard let words = file.tensor(BertTensor.Global.wordEmbedding.gguf) else {
            throw .missingTensor(BertTensor.Global.wordEmbedding.gguf, file: file.path)
        }
        let types = file.tensor(BertTensor.Global.typeEmbedding.gguf)?.rows ?? 0
        self.init(width: try reader.int("embedding_length"),
                  blockCount: try reader.int("block_count"),
                  headCount: try reader.int("attention.head_count"),
                  feedForwardLength: try reader.int("feed_forward_length"),
                  maxPositions: try reader.int("context_length"),
                  typeVocabularySize: types,
                  vocabularySize: words.rows,
                  layerNormEpsilon: reader.float("attention.layer_norm_epsilon", default: 1e-12),
                  pooling: pooling)
        try validate(file: file.path, prefix: "bert.")
    }

    /// The fields of a Hugging Face BERT `config.json` bertha reads.
    private struct HuggingFaceConfig: Decodable {
        let model_type: String?
        let hidden_size: Int
        let num_hidden_layers: Int
        let num_attention_heads: Int
        let intermediate_size: Int
        let max_position_embeddings: Int
        let vocab_size: Int
        let type_vocab_size: Int?
        let layer_norm_eps: Double?
        let hidden_act: String?
        let position_embedding_type: String?
    }

    /// Reads a Hugging Face `config.json` of a `BertModel`.
    /// - Parameters:
    ///   - data: the file's bytes.
    ///   - source: its path, for errors.
    ///   - pooling: the sentence pooling (from sentence-transformers' `1_Pooling/config.json`).
    /// - Throws: `InferenceError.invalidMetadata` / `.missingMetadata` naming the file and field.
    public init(huggingFaceConfig data: Data, source: String, pooling: Pooling) throws(InferenceError) {
        let config: HuggingFaceConfig
        do {
            config = try JSONDecoder().decode(HuggingFaceConfig.self, from: data)
        } catch let DecodingError.keyNotFound(key, _) {
            throw .missingMetadata(key: key.stringValue, file: source)
        } catch let DecodingError.typeMismatch(_, context) {
            throw .invalidMetadata(key: context.codingPath.map(\.stringValue).joined(separator: "."),
                                   value: "of the wrong type (\(context.debugDescription))", file: source)
        } catch {
            throw .invalidMetadata(key: "(file)", value: "not a JSON object (\(error.localizedDescription))", file: source)
        }
        if let type = config.model_type, type != "bert" {
            throw .invalidMetadata(key: "model_type", value: "'\(type)' (supported: bert)", file: source)
        }
        if let act = config.hidden_act, act != "gelu" {
            throw .invalidMetadata(key: "hidden_act", value: "'\(act)' (supported: gelu)", file: source)
        }
        if let position = config.position_embedding_type, position != "absolute" {
            throw .invalidMetadata(key: "position_embedding_type", value: "'\(position)' (supported: absolute)", file: source)
        }
        self.init(width: config.hidden_size, blockCount: config.num_hidden_layers, headCount: config.num_attention_heads,
                  feedForwardLength: config.intermediate_size, maxPositions: config.max_position_embeddings,
                  typeVocabularySize: config.type_vocab_size ?? 2, vocabularySize: config.vocab_size,
                  layerNormEpsilon: Float(config.layer_norm_eps ?? 1e-12), pooling: pooling)
        try validate(file: source, prefix: "")
    }

    private func validate(file: String, prefix: String) throws(InferenceError) {
        let positive: [(String, Int)] = [
            ("hidden_size", width), ("num_hidden_layers", blockCount), ("num_attention_heads", headCount),
            ("intermediate_size", feedForwardLength), ("max_position_embeddings", maxPositions),
            ("vocab_size", vocabularySize),
        ]
        for (key, value) in positive where value <= 0 {
            throw .invalidMetadata(key: prefix.isEmpty ? key : prefix + key, value: String(value), file: file)
        }
        guard width % headCount == 0 else {
            throw .invalidMetadata(key: prefix.isEmpty ? "num_attention_heads" : prefix + "attention.head_count",
                                   value: "\(headCount) (does not divide the width \(width))", file: file)
        }
        guard layerNormEpsilon > 0 else {
            throw .invalidMetadata(key: prefix.isEmpty ? "layer_norm_eps" : prefix + "attention.layer_norm_epsilon",
                                   value: String(layerNormEpsilon), file: file)
        }
    }
}

/// BERT's tensor names in both layouts, one table: llama.cpp's GGUF names (`blk.N.attn_q.weight`)
/// and Hugging Face's (`encoder.layer.N.attention.self.query.weight`, optionally under `bert.`).
enum BertTensor {
    enum Global: CaseIterable {
        case wordEmbedding, positionEmbedding, typeEmbedding, normWeight, normBias

        var gguf: String {
            switch self {
            case .wordEmbedding: "token_embd.weight"
            case .positionEmbedding: "position_embd.weight"
            case .typeEmbedding: "token_types.weight"
            case .normWeight: "token_embd_norm.weight"
            case .normBias: "token_embd_norm.bias"
            }
        }

        var huggingFace: String {
            switch self {
            case .wordEmbedding: "embeddings.word_embeddings.weight"
            case .positionEmbedding: "embeddings.position_embeddings.weight"
            case .typeEmbedding: "embeddings.token_type_embeddings.weight"
            case .normWeight: "embeddings.LayerNorm.weight"
            case .normBias: "embeddings.LayerNorm.bias"
            }
        }
    }

    enum Block: CaseIterable {
        case queryWeight, queryBias, keyWeight, keyBias, valueWeight, valueBias
        case attentionOutputWeight, attentionOutputBias, attentionNormWeight, attentionNormBias
        case upWeight, upBias, downWeight, downBias, outputNormWeight, outputNormBias

        func gguf(_ layer: Int) -> String {
            let suffix = switch self {
            case .queryWeight: "attn_q.weight"
            case .queryBias: "attn_q.bias"
            case .keyWeight: "attn_k.weight"
            case .keyBias: "attn_k.bias"
            case .valueWeight: "attn_v.weight"
            case .valueBias: "attn_v.bias"
            case .attentionOutputWeight: "attn_output.weight"
            case .attentionOutputBias: "attn_output.bias"
            case .attentionNormWeight: "attn_output_norm.weight"
            case .attentionNormBias: "attn_output_norm.bias"
            case .upWeight: "ffn_up.weight"
            case .upBias: "ffn_up.bias"
            case .downWeight: "ffn_down.weight"
            case .downBias: "ffn_down.bias"
            case .outputNormWeight: "layer_output_norm.weight"
            case .outputNormBias: "layer_output_norm.bias"
            }
            return "blk.\(layer).\(suffix)"
        }

        func huggingFace(_ layer: Int) -> String {
            let suffix = switch self {
            case .queryWeight: "attention.self.query.weight"
            case .queryBias: "attention.self.query.bias"
            case .keyWeight: "attention.self.key.weight"
            case .keyBias: "attention.self.key.bias"
            case .valueWeight: "attention.self.value.weight"
            case .valueBias: "attention.self.value.bias"
            case .attentionOutputWeight: "attention.output.dense.weight"
            case .attentionOutputBias: "attention.output.dense.bias"
            case .attentionNormWeight: "attention.output.LayerNorm.weight"
            case .attentionNormBias: "attention.output.LayerNorm.bias"
            case .upWeight: "intermediate.dense.weight"
            case .upBias: "intermediate.dense.bias"
            case .downWeight: "output.dense.weight"
            case .downBias: "output.dense.bias"
            case .outputNormWeight: "output.LayerNorm.weight"
            case .outputNormBias: "output.LayerNorm.bias"
            }
            return "encoder.layer.\(layer).\(suffix)"
        }
    }
}
