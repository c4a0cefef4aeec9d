import BerthaCore
import BerthaGGUF
import BerthaInference
import BerthaTokenizers
import Foundation

/// Opens embedding models: a GGUF file in llama.cpp's `bert` layout, or a Hugging Face /
/// sentence-transformers folder (`config.json`, `model.safetensors`, `tokenizer.json`, and
/// optionally `1_Pooling/config.json` and `sentence_bert_config.json`).
public enum EmbeddingModels {
    /// Longest input in tokens when the model does not say (GGUF files do not record
    /// sentence-transformers' `max_seq_length`): 256, sentence-transformers' value for
    /// all-MiniLM-L6-v2, so both formats of that model give the same vectors for long inputs.
    public static let defaultMaxTokens = 256

    /// Opens the model `embeddings.model` names, with its batch size and threads.
    /// - Parameter section: the `embeddings:` configuration.
    /// - Returns: the model, ready to embed.
    /// - Throws: `EmbeddingError`, or the error of the file reader at fault (`GGUFError`,
    ///   `SafeTensorsError`, `InferenceError`, `TokenizerError`), each naming the file.
    public static func open(section: EmbeddingsSection) throws -> any TextEmbedder {
        try open(path: section.model, threads: section.threads, batchSize: section.batchSize)
    }

    /// Opens the model at `path`: a folder is read as Hugging Face files, anything else as GGUF.
    /// - Parameters:
    ///   - path: the GGUF file or the folder.
    ///   - threads: compute threads (0: one per core).
    ///   - batchSize: inputs per forward pass.
    ///   - maxTokens: longest input in tokens, specials included; nil for the model's own
    ///     (`sentence_bert_config.json`'s `max_seq_length`, else `defaultMaxTokens`), capped at its positions.
    /// - Returns: the model.
    /// - Throws: as `open(section:)`.
    public static func open(path: String, threads: Int = 0, batchSize: Int = 32, maxTokens: Int? = nil) throws -> BertEmbedder {
        let start = Date()
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw EmbeddingError.modelNotFound(path: path)
        }
        let url = URL(fileURLWithPath: path)
        let weights: BertWeights, tokenizer: any Tokenizer, declaredMax: Int?, name: String
        if isDirectory.boolValue {
            (weights, tokenizer, declaredMax) = try openFolder(url)
            name = url.standardizedFileURL.lastPathComponent
        } else {
            let file = try GGUFFile(path: path)
            weights = try BertWeights(gguf: file)
            let vocabulary = try TokenizerVocabulary(gguf: file)
            guard vocabulary.model == .wordPiece else {
                throw EmbeddingError.unsupportedTokenizer(path: path, model: vocabulary.model.rawValue)
            }
            tokenizer = try makeTokenizer(vocabulary, source: path)
            declaredMax = nil
            name = url.deletingPathExtension().lastPathComponent
        }
        let encoder = BertEncoder(weights: weights, threads: threads)
        return BertEmbedder(encoder: encoder, tokenizer: tokenizer, modelName: name, path: path,
                            maxTokens: maxTokens ?? declaredMax ?? defaultMaxTokens, batchSize: batchSize,
                            loadSeconds: Date().timeIntervalSince(start))
    }

    /// Reads a Hugging Face folder.
    private static func openFolder(_ folder: URL) throws -> (BertWeights, any Tokenizer, Int?) {
        func required(_ name: String, _ role: String) throws -> URL {
            let file = folder.appendingPathComponent(name)
            guard FileManager.default.fileExists(atPath: file.path) else {
                throw EmbeddingError.missingFile(path: file.path, role: role)
            }
            return file
        }
        let configURL = try required("config.json", "config.json (the model configuration)")
        let weightsURL = try required("model.safetensors", "model.safetensors (the weights; PyTorch .bin files are not read)")
        let tokenizerURL = try required("tokenizer.json", "tokenizer.json (the WordPiece tokenizer)")

        let pooling = try readPooling(folder)
        let configData = try read(configURL)
        let configuration = try BertConfiguration(huggingFaceConfig: configData, source: configURL.path, pooling: pooling)
        let file = try SafeTensorsFile(path: weightsURL.path)
        let weights = try BertWeights(safeTensors: file, configuration: configuration)

        let vocabulary = try TokenizerVocabulary(huggingFaceJSON: try read(tokenizerURL), source: tokenizerURL.path)
        guard vocabulary.count == configuration.vocabularySize else {
            throw EmbeddingError.invalidFile(path: tokenizerURL.path,
                                             reason: "\(vocabulary.count) tokens, but config.json has vocab_size \(configuration.vocabularySize)")
        }
        let tokenizer = try makeTokenizer(vocabulary, source: tokenizerURL.path)
        return (weights, tokenizer, try readMaxSequenceLength(folder))
    }

    /// sentence-transformers' pooling module config (`1_Pooling/config.json`); mean when absent.
    private static func readPooling(_ folder: URL) throws -> BertConfiguration.Pooling {
        let file = folder.appendingPathComponent("1_Pooling/config.json")
        guard FileManager.default.fileExists(atPath: file.path) else { return .mean }
        let object = try readObject(file)
        let enabled = object.filter { $0.key.hasPrefix("pooling_mode_") && ($0.value as? Bool) == true }.map(\.key).sorted()
        switch enabled {
        case ["pooling_mode_mean_tokens"]: return .mean
        case ["pooling_mode_cls_token"]: return .cls
        case []: throw EmbeddingError.unsupportedPooling(path: file.path, mode: "none")
        default:
            throw EmbeddingError.unsupportedPooling(path: file.path, mode: enabled.joined(separator: "+"))
        }
    }

    /// `max_seq_length` from `sentence_bert_config.json`, when the folder has one.
    private static func readMaxSequenceLength(_ folder: URL) throws -> Int? {
        let file = folder.appendingPathComponent("sentence_bert_config.json")
        guard FileManager.default.fileExists(atPath: file.path) else { return nil }
        let object = try readObject(file)
        guard let value = object["max_seq_length"] else { return nil }
        guard let length = (value as? NSNumber)?.intValue, length > 1 else {
            throw EmbeddingError.invalidFile(path: file.path, reason: "max_seq_length \(value) is not a length")
        }
        return length
    }

    /// A JSON object file; anything else is `EmbeddingError.invalidFile` naming it.
    private static func readObject(_ url: URL) throws -> [String: Any] {
        let data = try read(url)
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw EmbeddingError.invalidFile(path: url.path, reason: "not a JSON object")
        }
        return object
    }

    private static func read(_ url: URL) throws -> Data {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw EmbeddingError.invalidFile(path: url.path, reason: "cannot be read")
        }
        return data
    }
}
