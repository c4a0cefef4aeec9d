import BerthaCore
import BerthaGGUF
import BerthaKernels
import Foundation

/// Folds a LoRA adapter into its base model: a full GGUF where every adapted weight is
/// W + (alpha / rank) · B A, re-encoded in the base tensor's own type (Q4_1 stays Q4_1, Q4_K
/// stays Q4_K), and every other tensor and all metadata are copied byte for byte. What llama.cpp's
/// `llama-export-lora` does, for the types `Quantize` encodes; the result serves without `--lora`.
public enum AdapterMerger {
    /// What a merge wrote.
    public struct Summary: Sendable, Codable, Equatable {
        public var path: String
        /// Base tensors the adapter changed.
        public var mergedTensors: Int
        public var bytes: Int
        /// How much of the LoRA delta Δ the written tensors kept: ⟨W' − W, Δ⟩ / ⟨Δ, Δ⟩ over all
        /// merged tensors, with W and W' decoded. ~1 in F16; far less in 4-bit types, whose step is
        /// larger than a small adapter's delta, so re-encoding rounds most of it away.
        public var deltaRetained: Double
    }

    /// The tensor types a merged tensor can be written in.
    public static var encodableTypes: [GGMLType] { Quantize.supportedTypes }

    /// Metadata keys recording what the merged file was made from.
    public static let baseSHA256Key = "bertha.merged.base_sha256"
    public static let adapterSHA256Key = "bertha.merged.adapter_sha256"

    /// Writes base + adapter to `path` (atomically: nothing is left behind on failure).
    /// - Parameter adaptedType: the type the adapted tensors are written in; nil keeps each base
    ///   tensor's own type. Re-encoding in a 4-bit type rounds most of a small LoRA delta away
    ///   (SmolLM2 Q4_1, rank-2 q,v adapter: 10% kept, see `Summary.deltaRetained`); `.f16` keeps it.
    /// - Throws: `FineTuneError.unreadable` naming the file for an unreadable base or adapter, an
    ///   adapter that does not fit the base, or a tensor type without an encoder; `.cannotWrite`.
    public static func merge(base basePath: String, adapter adapterPath: String, to path: String,
                             adaptedType: GGMLType? = nil) throws(FineTuneError) -> Summary {
        let base: GGUFFile, adapter: GGUFFile
        do {
            base = try GGUFFile(path: basePath)
            adapter = try GGUFFile(path: adapterPath)
        } catch {
            throw .unreadable(path: error.path, reason: error.message)
        }
        func unfit(_ why: String) -> FineTuneError { .unreadable(path: adapterPath, reason: "cannot merge into \(basePath): \(why)") }
        guard adapter.metadata.string("general.type") == "adapter", adapter.metadata.string("adapter.type") == "lora" else {
            throw unfit("not a LoRA adapter (general.type=adapter, adapter.type=lora)")
        }
        guard adapter.metadata.string("general.architecture") == base.metadata.string("general.architecture") else {
            throw unfit("architecture \(adapter.metadata.string("general.architecture") ?? "?") vs the base's \(base.metadata.string("general.architecture") ?? "?")")
        }
        guard let alpha = adapter.metadata.float("adapter.lora.alpha") else { throw unfit("no adapter.lora.alpha") }

        var pairs: [String: (a: GGUFTensorInfo, b: GGUFTensorInfo)] = [:]
        for a in adapter.tensors where a.name.hasSuffix(".lora_a") {
            let name = String(a.name.dropLast(".lora_a".count))
            guard let b = adapter.tensor(name + ".lora_b") else { throw unfit("\(a.name) without \(name).lora_b") }
            guard let w = base.tensor(name) else { throw unfit("\(name) is not a tensor of the base") }
            guard a.shape.count == 2, b.shape.count == 2, w.shape.count == 2, a.shape[1] == b.shape[0],
                  a.shape[0] == w.shape[0], b.shape[1] == w.shape[1] else {
                throw unfit("\(name): lora_a \(a.shape) and lora_b \(b.shape) do not fit \(w.shape)")
            }
            guard Quantize.supportedTypes.contains(adaptedType ?? w.type) else { throw unfit("bertha cannot encode \(adaptedType ?? w.type) (\(name))") }
            guard adaptedType.map({ w.shape[0] % $0.blockSize == 0 }) ?? true else { throw unfit("\(name) rows are not whole \(adaptedType!) blocks") }
            pairs[name] = (a, b)
        }
        guard !pairs.isEmpty else { throw unfit("it adapts no tensor") }

        var writer = GGUFWriter(metadata: base.metadata, alignment: base.alignment, version: base.version)
        var retention = DeltaRetention()
        do {
            writer.metadata[baseSHA256Key] = .string(try SHA256Hex.ofFile(at: basePath))
            writer.metadata[adapterSHA256Key] = .string(try SHA256Hex.ofFile(at: adapterPath))
        } catch {
            throw .unreadable(path: error.location ?? basePath, reason: error.message)
        }
        do {
            for tensor in base.tensors {
                if let pair = pairs[tensor.name] {
                    let type = adaptedType ?? tensor.type
                    let data = try merged(tensor, in: base, a: floats(pair.a, of: adapter), b: floats(pair.b, of: adapter),
                                          rank: pair.a.shape[1], scale: Float(alpha) / Float(pair.a.shape[1]), as: type,
                                          retention: &retention)
                    try writer.addTensor(name: tensor.name, shape: tensor.shape, type: type, data: data)
                } else {
                    try writer.addTensor(tensor, of: base)
                }
            }
            try writer.write(to: path)
        } catch let error as GGUFError {
            throw .cannotWrite(path: path, reason: error.message)
        } catch let error as KernelError {
            throw unfit(error.message)
        } catch {
            throw .cannotWrite(path: path, reason: "\(error)")
        }
        let bytes = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        return Summary(path: path, mergedTensors: pairs.count, bytes: bytes, deltaRetained: retention.ratio)
    }

    /// A tensor's values as floats, whatever type the adapter stored it in.
    private static func floats(_ tensor: GGUFTensorInfo, of file: GGUFFile) throws -> [Float] {
        let out = UnsafeMutablePointer<Float>.allocate(capacity: tensor.elementCount)
        defer { out.deallocate() }
        try Dequantize.row(tensor.type, file.data(tensor).baseAddress!, out, count: tensor.elementCount)
        return Array(UnsafeBufferPointer(start: out, count: tensor.elementCount))
    }

    /// Accumulates ⟨W' − W, Δ⟩ and ⟨Δ, Δ⟩.
    struct DeltaRetention {
        var kept = 0.0, total = 0.0
        var ratio: Double { total > 0 ? kept / total : 1 }
    }

    /// Row o of W gains scale · Σ_r B[o][r] A[r][·]; A is `rank` rows of `cols` (ggml [cols, rank]),
    /// B is `rows` rows of `rank` (ggml [rank, rows]). Returns W + Δ encoded as `type`.
    private static func merged(_ w: GGUFTensorInfo, in base: GGUFFile, a: [Float], b: [Float], rank: Int, scale: Float,
                               as type: GGMLType, retention: inout DeltaRetention) throws -> [UInt8] {
        let cols = w.rowLength, rowBytes = w.rowByteCount
        let outRowBytes = type.rowBytes(cols)!, outBytes = outRowBytes * w.rows
        let source = base.data(w).baseAddress!
        let out = UnsafeMutableRawPointer.allocate(byteCount: outBytes, alignment: 16)
        defer { out.deallocate() }
        let x = UnsafeMutablePointer<Float>.allocate(capacity: 3 * cols)
        defer { x.deallocate() }
        let delta = x + cols, written = x + 2 * cols
        for o in 0..<w.rows {
            try Dequantize.row(w.type, source + o * rowBytes, x, count: cols)
            delta.update(repeating: 0, count: cols)
            for r in 0..<rank {
                let coefficient = scale * b[o * rank + r]
                let ar = r * cols
                for i in 0..<cols { delta[i] += coefficient * a[ar + i] }
            }
            for i in 0..<cols { written[i] = x[i] }  // W, kept to measure what survives
            for i in 0..<cols { x[i] += delta[i] }
            try Quantize.row(type, x, out + o * outRowBytes, count: cols)
            try Dequantize.row(type, out + o * outRowBytes, x, count: cols)
            for i in 0..<cols {
                retention.kept += Double(x[i] - written[i]) * Double(delta[i])
                retention.total += Double(delta[i]) * Double(delta[i])
            }
        }
        return Array(UnsafeRawBufferPointer(start: out, count: outBytes))
    }
}
