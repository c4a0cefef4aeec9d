import BerthaGGUF
import BerthaKernels

/// A tensor as a model file stores it: element type, shape innermost first (GGUF order), bytes.
public struct StoredTensor: @unchecked Sendable {
    public let type: GGMLType
    public let shape: [Int]
    /// The first byte; no alignment is assumed.
    public let data: UnsafeRawPointer

    public init(type: GGMLType, shape: [Int], data: UnsafeRawPointer) {
        self.type = type
        self.shape = shape
        self.data = data
    }
}

/// Floats owned by the weights (biases, norms, small embeddings), freed with them.
final class FloatBuffer: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Float>
    let count: Int

    init(count: Int) {
        self.count = count
        pointer = .allocate(capacity: max(count, 1))
        pointer.initialize(repeating: 0, count: max(count, 1))
    }

    deinit { pointer.deallocate() }

    var readOnly: UnsafePointer<Float> { UnsafePointer(pointer) }
}

/// The tensors of one BERT block: post-norm attention, then post-norm GELU feed-forward.
struct BertBlockWeights: @unchecked Sendable {
    /// Q, K and V stacked: (3 · width) outputs × width inputs, and their biases (3 · width).
    let qkv: PackedMatrix
    let qkvBias: FloatBuffer
    /// (width × width), bias (width)
    let attentionOutput: PackedMatrix
    let attentionOutputBias: FloatBuffer
    /// LayerNorm after attention + residual (width each)
    let attentionNormWeight, attentionNormBias: FloatBuffer
    /// (ffn × width), bias (ffn)
    let up: PackedMatrix
    let upBias: FloatBuffer
    /// (width × ffn), bias (width)
    let down: PackedMatrix
    let downBias: FloatBuffer
    /// LayerNorm after feed-forward + residual (width each)
    let outputNormWeight, outputNormBias: FloatBuffer
}

/// All weights of a BERT encoder, loaded from a GGUF file (llama.cpp's `bert` layout) or a
/// safetensors file (Hugging Face `BertModel` names, with or without the `bert.` prefix).
///
/// Matrices are converted to F32 once and repacked for the dense GEMM; the word embedding stays
/// in the file's mapping in its stored type (one row is converted per token); everything else is
/// copied to F32.
public final class BertWeights: @unchecked Sendable {
    /// The hyperparameters.
    public let configuration: BertConfiguration
    /// The file the weights came from (errors and logs).
    public let path: String
    /// Keeps the mapping of the word embedding alive.
    private let owner: AnyObject
    /// (vocab rows of width), in its stored type.
    let wordEmbedding: StoredTensor
    let wordRowBytes: Int
    /// (maxPositions × width)
    let positionEmbedding: FloatBuffer
    /// Row 0 of the token-type embedding (every input is one segment), or zeros when the model has none.
    let typeEmbedding: FloatBuffer
    /// Embedding LayerNorm (width each).
    let embeddingNormWeight, embeddingNormBias: FloatBuffer
    let blocks: [BertBlockWeights]

    /// Which table of names to look tensors up by.
    public enum Naming: Sendable {
        /// llama.cpp's GGUF names (`token_embd.weight`, `blk.N.attn_q.weight`).
        case gguf
        /// Hugging Face `BertModel` names behind `prefix` (`""` or `"bert."`).
        case huggingFace(prefix: String)
    }

    /// Loads the weights of a GGUF `bert` model.
    /// - Throws: `InferenceError` naming the file and the missing, misshapen or unsupported tensor.
    public convenience init(gguf file: GGUFFile) throws(InferenceError) {
        let configuration = try BertConfiguration(gguf: file)
        try self.init(configuration: configuration, path: file.path, owner: file, naming: .gguf) { name in
            guard let info = file.tensor(name), let base = file.data(info).baseAddress else { return nil }
            return StoredTensor(type: info.type, shape: info.shape, data: base)
        }
    }

    /// Loads the weights of a Hugging Face BERT from its safetensors file.
    /// - Parameters:
    ///   - file: the opened `model.safetensors`.
    ///   - configuration: from the folder's `config.json`.
    /// - Throws: `InferenceError` naming the file and the missing, misshapen or unsupported tensor.
    public convenience init(safeTensors file: SafeTensorsFile, configuration: BertConfiguration) throws(InferenceError) {
        let prefix = file.tensor(BertTensor.Global.wordEmbedding.huggingFace) == nil
            && file.tensor("bert." + BertTensor.Global.wordEmbedding.huggingFace) != nil ? "bert." : ""
        try self.init(configuration: configuration, path: file.path, owner: file, naming: .huggingFace(prefix: prefix)) {
            (name: String) throws(InferenceError) -> StoredTensor? in
            guard let tensor = file.tensor(name), let base = file.data(tensor).baseAddress else { return nil }
            guard let type = tensor.dtype.ggmlType, [.f32, .f16, .bf16].contains(type) else {
                throw .unsupportedTensorType(name, type: tensor.dtype.rawValue)
            }
            return StoredTensor(type: type, shape: tensor.ggmlShape, data: base)
        }
    }

    /// Loads the weights through `lookup`, which returns the tensor of a name or nil.
    /// - Parameters:
    ///   - configuration: the hyperparameters the shapes are checked against.
    ///   - path: the file, for errors.
    ///   - owner: an object that keeps the tensors' bytes alive.
    ///   - naming: the name table.
    ///   - lookup: the tensor named by its argument, or nil when absent.
    /// - Throws: `InferenceError` naming the missing, misshapen or unsupported tensor.
    public init(configuration: BertConfiguration, path: String, owner: AnyObject, naming: Naming,
                lookup: (String) throws(InferenceError) -> StoredTensor?) throws(InferenceError) {
        self.configuration = configuration
        self.path = path
        self.owner = owner
        let width = configuration.width, ffn = configuration.feedForwardLength

        func globalName(_ t: BertTensor.Global) -> String {
            switch naming {
            case .gguf: t.gguf
            case .huggingFace(let prefix): prefix + t.huggingFace
            }
        }
        func blockName(_ t: BertTensor.Block, _ layer: Int) -> String {
            switch naming {
            case .gguf: t.gguf(layer)
            case .huggingFace(let prefix): prefix + t.huggingFace(layer)
            }
        }
        func tensor(_ name: String, shape: [Int]) throws(InferenceError) -> StoredTensor {
            guard let t = try lookup(name) else { throw .missingTensor(name, file: path) }
            var actual = t.shape
            while actual.count > shape.count, actual.last == 1 { actual.removeLast() }
            guard actual == shape else { throw .tensorShape(name, expected: shape, actual: t.shape) }
            guard Dequantize.supportedTypes.contains(t.type) else {
                throw .unsupportedTensorType(name, type: String(describing: t.type))
            }
            return t
        }
        func floats(_ name: String, rows: Int, cols: Int, firstRows: Int? = nil) throws(InferenceError) -> FloatBuffer {
            let t = try tensor(name, shape: rows == 1 ? [cols] : [cols, rows])
            let kept = firstRows ?? rows
            let buffer = FloatBuffer(count: kept * cols)
            guard let rowBytes = t.type.rowBytes(cols) else { throw .unsupportedTensorType(name, type: String(describing: t.type)) }
            for r in 0..<kept {
                do throws(KernelError) {
                    try PackedMatrix.convertRow(t.type, t.data + r * rowBytes, buffer.pointer + r * cols, count: cols)
                } catch {
                    throw .unsupportedTensorType(name, type: String(describing: t.type))
                }
            }
            return buffer
        }
        /// Several (rows × width) matrices stacked into one packed matrix (Q, K, V → QKV).
        func packed(_ names: [String], rows: Int, cols: Int) throws(InferenceError) -> PackedMatrix {
            var parts: [(StoredTensor, Int)] = []
            for name in names {
                let t = try tensor(name, shape: [cols, rows])
                guard let rowBytes = t.type.rowBytes(cols) else {
                    throw .unsupportedTensorType(name, type: String(describing: t.type))
                }
                parts.append((t, rowBytes))
            }
            do throws(KernelError) {
                return try PackedMatrix(rows: rows * names.count, cols: cols) { (r: Int, dst: UnsafeMutablePointer<Float>) throws(KernelError) in
                    let (t, rowBytes) = parts[r / rows]
                    try PackedMatrix.convertRow(t.type, t.data + (r % rows) * rowBytes, dst, count: cols)
                }
            } catch {
                throw .unsupportedTensorType(names.joined(separator: ", "), type: error.message)
            }
        }
        func stacked(_ names: [String], count: Int) throws(InferenceError) -> FloatBuffer {
            let buffer = FloatBuffer(count: count * names.count)
            for (i, name) in names.enumerated() {
                let part = try floats(name, rows: 1, cols: count)
                (buffer.pointer + i * count).update(from: part.pointer, count: count)
            }
            return buffer
        }

        let wordName = globalName(.wordEmbedding)
        wordEmbedding = try tensor(wordName, shape: [width, configuration.vocabularySize])
        guard let wordRowBytes = wordEmbedding.type.rowBytes(width) else {
            throw .unsupportedTensorType(wordName, type: String(describing: wordEmbedding.type))
        }
        self.wordRowBytes = wordRowBytes
        positionEmbedding = try floats(globalName(.positionEmbedding), rows: configuration.maxPositions, cols: width)
        if configuration.typeVocabularySize > 0 {
            typeEmbedding = try floats(globalName(.typeEmbedding), rows: configuration.typeVocabularySize, cols: width,
                                       firstRows: 1)
        } else {
            typeEmbedding = FloatBuffer(count: width)
        }
        embeddingNormWeight = try floats(globalName(.normWeight), rows: 1, cols: width)
        embeddingNormBias = try floats(globalName(.normBias), rows: 1, cols: width)

        var blocks: [BertBlockWeights] = []
        for layer in 0..<configuration.blockCount {
            func name(_ t: BertTensor.Block) -> String { blockName(t, layer) }
            func vector(_ t: BertTensor.Block, _ count: Int) throws(InferenceError) -> FloatBuffer {
                try floats(name(t), rows: 1, cols: count)
            }
            blocks.append(BertBlockWeights(
                qkv: try packed([name(.queryWeight), name(.keyWeight), name(.valueWeight)], rows: width, cols: width),
                qkvBias: try stacked([name(.queryBias), name(.keyBias), name(.valueBias)], count: width),
                attentionOutput: try packed([name(.attentionOutputWeight)], rows: width, cols: width),
                attentionOutputBias: try vector(.attentionOutputBias, width),
                attentionNormWeight: try vector(.attentionNormWeight, width),
                attentionNormBias: try vector(.attentionNormBias, width),
                up: try packed([name(.upWeight)], rows: ffn, cols: width),
                upBias: try vector(.upBias, ffn),
                down: try packed([name(.downWeight)], rows: width, cols: ffn),
                downBias: try vector(.downBias, width),
                outputNormWeight: try vector(.outputNormWeight, width),
                outputNormBias: try vector(.outputNormBias, width)))
        }
        self.blocks = blocks
    }

    /// Writes the word embedding of `token` (width floats) into `dst`.
    func wordRow(_ token: Int32, into dst: UnsafeMutablePointer<Float>) {
        let src = wordEmbedding.data + Int(token) * wordRowBytes
        do throws(KernelError) {
            try PackedMatrix.convertRow(wordEmbedding.type, src, dst, count: configuration.width)
        } catch {
            // The type was checked against Dequantize.supportedTypes when the weights were loaded.
            preconditionFailure("word embedding type \(wordEmbedding.type) passed the load check but cannot be converted")
        }
    }
}
