import BerthaGGUF
import BerthaKernels

/// A vector parameter (norm weight, bias) as floats: a pointer into the mapping when the file
/// stores F32, else an owned dequantized copy.
struct VectorWeight: @unchecked Sendable {
    /// `count` floats.
    let pointer: UnsafePointer<Float>
    let count: Int
}

/// The tensors of one transformer block. Matrices stay in their GGUF type, zero-copy.
struct BlockWeights: @unchecked Sendable {
    /// (dim)
    let attentionNorm: VectorWeight
    /// (qDim, dim), (kDim, dim), (vDim, dim)
    let query, key, value: WeightMatrix
    /// (qDim), (kDim), (vDim) — Qwen2 only
    let queryBias, keyBias, valueBias: VectorWeight?
    /// (headDim) — Gemma 3 only
    let queryNorm, keyNorm: VectorWeight?
    /// (dim, qDim)
    let attentionOutput: WeightMatrix
    /// (dim) — Gemma 3 only
    let postAttentionNorm: VectorWeight?
    /// (dim)
    let feedForwardNorm: VectorWeight
    /// (ffn, dim), (ffn, dim), (dim, ffn)
    let gate, up, down: WeightMatrix
    /// (dim) — Gemma 3 only
    let postFeedForwardNorm: VectorWeight?
}

/// All weights of a decoder model, mapped from its GGUF file.
///
/// Matrices point into the file's mapping (which this object keeps alive); only non-F32 vectors
/// are copied, dequantized.
public final class ModelWeights: @unchecked Sendable {
    /// The file the weights live in; kept so the mapping outlives every pointer.
    public let file: GGUFFile
    /// The hyperparameters.
    public let configuration: ModelConfiguration
    /// (vocab, dim): one row per token, also the output matrix when `output.weight` is absent.
    let tokenEmbedding: WeightMatrix
    /// (dim)
    let outputNorm: VectorWeight
    /// (vocab, dim)
    let output: WeightMatrix
    /// Per-dimension RoPE frequency divisors (Llama 3.1 `rope_freqs`), (ropeDim / 2), or nil.
    let ropeFrequencyFactors: VectorWeight?
    let blocks: [BlockWeights]
    private var owned: [UnsafeMutablePointer<Float>] = []

    /// Loads the weights of the model in `file`.
    /// - Throws: `InferenceError` for an unsupported architecture, missing metadata or tensors,
    ///   wrong shapes or types without kernels.
    public init(file: GGUFFile) throws(InferenceError) {
        self.file = file
        let config = try ModelRegistry.configuration(of: file)
        configuration = config
        let dim = config.embeddingLength
        tokenEmbedding = try Self.matrix(file, TensorName.tokenEmbedding, rows: config.vocabularySize, cols: dim)
        if file.tensor(TensorName.output) != nil {
            output = try Self.matrix(file, TensorName.output, rows: config.vocabularySize, cols: dim)
        } else {
            output = tokenEmbedding
        }
        var owned: [UnsafeMutablePointer<Float>] = []
        outputNorm = try Self.vector(file, TensorName.outputNorm, count: dim, owned: &owned)
        ropeFrequencyFactors = file.tensor(TensorName.ropeFrequencies) == nil ? nil
            : try Self.vector(file, TensorName.ropeFrequencies, count: config.ropeDimension / 2, owned: &owned)
        var blocks: [BlockWeights] = []
        blocks.reserveCapacity(config.blockCount)
        for layer in 0..<config.blockCount {
            func m(_ t: TensorName.Block, _ rows: Int, _ cols: Int) throws(InferenceError) -> WeightMatrix {
                try Self.matrix(file, TensorName.block(layer, t), rows: rows, cols: cols)
            }
            func v(_ t: TensorName.Block, _ count: Int) throws(InferenceError) -> VectorWeight {
                try Self.vector(file, TensorName.block(layer, t), count: count, owned: &owned)
            }
            func optional(_ t: TensorName.Block, _ count: Int, required: Bool) throws(InferenceError) -> VectorWeight? {
                if !required && file.tensor(TensorName.block(layer, t)) == nil { return nil }
                return try v(t, count)
            }
            let ffn = config.feedForwardLength
            blocks.append(BlockWeights(
                attentionNorm: try v(.attentionNorm, dim),
                query: try m(.query, config.queryDimension, dim),
                key: try m(.key, config.keyDimension, dim),
                value: try m(.value, config.valueDimension, dim),
                queryBias: try optional(.queryBias, config.queryDimension, required: config.hasQKVBias),
                keyBias: try optional(.keyBias, config.keyDimension, required: config.hasQKVBias),
                valueBias: try optional(.valueBias, config.valueDimension, required: config.hasQKVBias),
                queryNorm: config.hasQKNorm ? try v(.queryNorm, config.headDimension) : nil,
                keyNorm: config.hasQKNorm ? try v(.keyNorm, config.headDimension) : nil,
                attentionOutput: try m(.attentionOutput, dim, config.headCount * config.valueHeadDimension),
                postAttentionNorm: config.hasPostNorms ? try v(.postAttentionNorm, dim) : nil,
                feedForwardNorm: try v(.feedForwardNorm, dim),
                gate: try m(.gate, ffn, dim),
                up: try m(.up, ffn, dim),
                down: try m(.down, dim, ffn),
                postFeedForwardNorm: config.hasPostNorms ? try v(.postFeedForwardNorm, dim) : nil))
        }
        self.blocks = blocks
        self.owned = owned
    }

    deinit { for pointer in owned { pointer.deallocate() } }

    /// Bytes of all matrices read per decoded token (a lower bound of the memory traffic).
    public var matrixBytes: Int {
        var total = output.byteCount
        for b in blocks {
            total += b.query.byteCount + b.key.byteCount + b.value.byteCount + b.attentionOutput.byteCount
            total += b.gate.byteCount + b.up.byteCount + b.down.byteCount
        }
        return total
    }

    private static func tensor(_ file: GGUFFile, _ name: String, shape: [Int]) throws(InferenceError) -> GGUFTensorInfo {
        guard let info = file.tensor(name) else { throw .missingTensor(name, file: file.path) }
        // GGUF lists the fastest dimension first; trailing 1s are not significant.
        var actual = info.shape
        while actual.count > shape.count, actual.last == 1 { actual.removeLast() }
        guard actual == shape else { throw .tensorShape(name, expected: shape, actual: info.shape) }
        return info
    }

    private static func matrix(_ file: GGUFFile, _ name: String, rows: Int, cols: Int) throws(InferenceError) -> WeightMatrix {
        let info = try tensor(file, name, shape: [cols, rows])
        guard let base = file.data(info).baseAddress else { throw .missingTensor(name, file: file.path) }
        do {
            return try WeightMatrix(type: info.type, data: base, rows: rows, cols: cols, name: name)
        } catch {
            throw .unsupportedTensorType(name, type: String(describing: info.type))
        }
    }

    private static func vector(_ file: GGUFFile, _ name: String, count: Int,
                               owned: inout [UnsafeMutablePointer<Float>]) throws(InferenceError) -> VectorWeight {
        let info = try tensor(file, name, shape: [count])
        guard let base = file.data(info).baseAddress else { throw .missingTensor(name, file: file.path) }
        if info.type == .f32 && Int(bitPattern: base) % MemoryLayout<Float>.alignment == 0 {
            return VectorWeight(pointer: base.assumingMemoryBound(to: Float.self), count: count)
        }
        let copy = UnsafeMutablePointer<Float>.allocate(capacity: count)
        do {
            try Dequantize.row(info.type, base, copy, count: count)
        } catch {
            copy.deallocate()
            throw .unsupportedTensorType(name, type: String(describing: info.type))
        }
        owned.append(copy)
        return VectorWeight(pointer: UnsafePointer(copy), count: count)
    }
}
