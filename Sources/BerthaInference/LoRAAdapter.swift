import BerthaGGUF
import BerthaKernels
import Foundation

/// A projection of a transformer block that a LoRA adapter can adapt.
public enum LoRATarget: String, CaseIterable, Sendable, Codable {
    case q, k, v, o, gate, up, down

    /// The base tensor's block suffix.
    var block: TensorName.Block {
        switch self {
        case .q: .query
        case .k: .key
        case .v: .value
        case .o: .attentionOutput
        case .gate: .gate
        case .up: .up
        case .down: .down
        }
    }

    /// The base tensor name in layer `layer` (`blk.3.attn_q.weight`): llama.cpp keys adapter
    /// tensors by it (`blk.3.attn_q.weight.lora_a`).
    public func tensorName(layer: Int) -> String { TensorName.block(layer, block) }

    /// (output, input) widths of the projection in a model of `c`.
    public func shape(_ c: ModelConfiguration) -> (rows: Int, cols: Int) {
        switch self {
        case .q: (c.queryDimension, c.embeddingLength)
        case .k: (c.keyDimension, c.embeddingLength)
        case .v: (c.valueDimension, c.embeddingLength)
        case .o: (c.embeddingLength, c.headCount * c.valueHeadDimension)
        case .gate, .up: (c.feedForwardLength, c.embeddingLength)
        case .down: (c.embeddingLength, c.feedForwardLength)
        }
    }
}

/// A LoRA adapter applied at inference time: for every adapted projection `W` (rows × cols),
/// `y = W x + (alpha / rank) · B (A x)` with `A` (rank × cols) and `B` (rows × rank).
///
/// The file format is llama.cpp's (`general.type = adapter`, `adapter.type = lora`,
/// `adapter.lora.alpha`, tensors `<base>.lora_a` with ggml shape [cols, rank] and `<base>.lora_b`
/// with [rank, rows]). The matrices are kept transposed (Aᵀ, Bᵀ) so both products are plain
/// row-major `Gemm` calls over a batch of tokens.
public final class LoRAAdapter: @unchecked Sendable {
    /// One adapted projection: Aᵀ (cols × rank) and Bᵀ (rank × rows), scale folded into Bᵀ.
    struct Pair {
        let aT: UnsafeMutablePointer<Float>
        let bT: UnsafeMutablePointer<Float>
        let rank: Int
        let rows: Int
        let cols: Int
    }

    /// `adapter.lora.alpha`.
    public let alpha: Float
    /// The adapted projections, `[layer][target]`.
    private var pairs: [[LoRATarget: Pair]]
    /// Where the adapter came from (logs, `/v1/models`).
    public let source: String

    /// The number of adapted projections.
    public var count: Int { pairs.reduce(0) { $0 + $1.count } }

    /// An adapter from matrices in llama.cpp's layout.
    /// - Parameters:
    ///   - alpha: LoRA alpha; each pair is scaled by alpha / its rank.
    ///   - layers: the model's block count.
    ///   - matrices: (layer, target, A row-major rank × cols, B row-major rows × rank, rank).
    ///   - configuration: the base model, for the shapes.
    ///   - source: a name for logs.
    public init(alpha: Float, configuration c: ModelConfiguration,
                matrices: [(layer: Int, target: LoRATarget, a: [Float], b: [Float], rank: Int)], source: String = "<memory>") {
        self.alpha = alpha
        self.source = source
        pairs = Array(repeating: [:], count: c.blockCount)
        for m in matrices {
            let (rows, cols) = m.target.shape(c)
            precondition(m.a.count == m.rank * cols && m.b.count == rows * m.rank, "LoRA \(m.target) shape")
            m.a.withUnsafeBufferPointer { a in
                m.b.withUnsafeBufferPointer { b in
                    pairs[m.layer][m.target] = Self.pair(a: a.baseAddress!, b: b.baseAddress!, rank: m.rank, rows: rows, cols: cols,
                                                         scale: alpha / Float(m.rank))
                }
            }
        }
    }

    /// Loads an adapter GGUF for a model of `configuration`.
    /// - Throws: `InferenceError` naming the file and the key or tensor that does not fit.
    public convenience init(path: String, configuration c: ModelConfiguration) throws {
        let file = try GGUFFile(path: path)
        let meta = file.metadata
        guard meta.string("general.type") == "adapter" else {
            throw InferenceError.invalidMetadata(key: "general.type", value: meta.string("general.type") ?? "(none)", file: path)
        }
        guard meta.string("adapter.type") == "lora" else {
            throw InferenceError.invalidMetadata(key: "adapter.type", value: meta.string("adapter.type") ?? "(none)", file: path)
        }
        if let arch = meta.architecture, arch != c.architecture {
            throw InferenceError.invalidMetadata(key: "general.architecture", value: "\(arch) (the model is \(c.architecture))", file: path)
        }
        guard let alpha = meta.float("adapter.lora.alpha") else {
            throw InferenceError.missingMetadata(key: "adapter.lora.alpha", file: path)
        }
        var matrices: [(layer: Int, target: LoRATarget, a: [Float], b: [Float], rank: Int)] = []
        for tensor in file.tensors where tensor.name.hasSuffix(".lora_a") {
            let base = String(tensor.name.dropLast(".lora_a".count))
            guard let (layer, target) = Self.parse(base, layers: c.blockCount) else {
                throw InferenceError.invalidParameter(name: "LoRA tensor in \(path)", value: "\(tensor.name) adapts no supported projection")
            }
            guard let bInfo = file.tensor(base + ".lora_b") else { throw InferenceError.missingTensor(base + ".lora_b", file: path) }
            let (rows, cols) = target.shape(c)
            guard tensor.shape.count == 2, tensor.shape[0] == cols else {
                throw InferenceError.tensorShape(tensor.name, expected: [cols, bInfo.shape.first ?? 0], actual: tensor.shape)
            }
            let rank = tensor.shape[1]
            guard bInfo.shape == [rank, rows] else { throw InferenceError.tensorShape(bInfo.name, expected: [rank, rows], actual: bInfo.shape) }
            matrices.append((layer, target, try Self.floats(file, tensor), try Self.floats(file, bInfo), rank))
        }
        self.init(alpha: Float(alpha), configuration: c, matrices: matrices, source: path)
    }

    deinit {
        for layer in pairs { for p in layer.values { p.aT.deallocate(); p.bT.deallocate() } }
    }

    /// Whether `layer` has an adapted `target`.
    public func adapts(layer: Int, _ target: LoRATarget) -> Bool { pairs[layer][target] != nil }

    /// `y (n × rows) += scale · (x Aᵀ) Bᵀ` for the adapted projection, if any.
    /// - Parameters:
    ///   - x: n × cols activations (the projection's input).
    ///   - y: n × rows outputs of the base projection, updated in place.
    public func apply(layer: Int, _ target: LoRATarget, _ x: UnsafePointer<Float>, rows n: Int,
                      _ y: UnsafeMutablePointer<Float>, pool: WorkerPool) {
        guard let p = pairs[layer][target] else { return }
        let u = UnsafeMutablePointer<Float>.allocate(capacity: n * p.rank)
        defer { u.deallocate() }
        Gemm.multiply(.init(x, rows: n, cols: p.cols), .init(p.aT, rows: p.cols, cols: p.rank), into: u, pool: nil)
        Gemm.multiply(.init(u, rows: n, cols: p.rank), .init(p.bT, rows: p.rank, cols: p.rows), into: y,
                      accumulate: true, pool: pool)
    }

    private static func pair(a: UnsafePointer<Float>, b: UnsafePointer<Float>, rank: Int, rows: Int, cols: Int, scale: Float) -> Pair {
        let aT = UnsafeMutablePointer<Float>.allocate(capacity: cols * rank)
        Gemm.transpose(a, rows: rank, cols: cols, into: aT)
        let bT = UnsafeMutablePointer<Float>.allocate(capacity: rank * rows)
        Gemm.transpose(b, rows: rows, cols: rank, into: bT)
        for i in 0..<(rank * rows) { bT[i] *= scale }
        return Pair(aT: aT, bT: bT, rank: rank, rows: rows, cols: cols)
    }

    /// `blk.N.attn_q.weight` → (N, .q).
    static func parse(_ name: String, layers: Int) -> (Int, LoRATarget)? {
        let parts = name.split(separator: ".", maxSplits: 2)
        guard parts.count == 3, parts[0] == "blk", let layer = Int(parts[1]), layer >= 0, layer < layers else { return nil }
        guard let target = LoRATarget.allCases.first(where: { $0.block.rawValue == parts[2] }) else { return nil }
        return (layer, target)
    }

    private static func floats(_ file: GGUFFile, _ info: GGUFTensorInfo) throws -> [Float] {
        var out = [Float](repeating: 0, count: info.elementCount)
        guard let base = file.data(info).baseAddress else { throw InferenceError.missingTensor(info.name, file: file.path) }
        do {
            try out.withUnsafeMutableBufferPointer { o throws(KernelError) in
                try Dequantize.row(info.type, base, o.baseAddress!, count: info.elementCount)
            }
        } catch {
            throw InferenceError.unsupportedTensorType(info.name, type: String(describing: info.type))
        }
        return out
    }
}
