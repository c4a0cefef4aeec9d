import BerthaCore
import BerthaGGUF
import Foundation

/// What bertha records about a GGUF file when it registers it: identity, kind, quantization, sizes.
public struct GGUFFacts: Sendable, Equatable, Codable {
    /// `model`, or `adapter` for a LoRA adapter (`general.type = adapter`).
    public var kind: String
    public var architecture: String
    public var name: String?
    public var sizeLabel: String?
    /// llama.cpp's file type name (`Q4_1`, `Q4_K_M`, …) from `general.file_type`, else the dominant tensor type.
    public var quantization: String
    /// `general.file_type` as stored.
    public var fileType: Int?
    public var contextLength: Int?
    public var tensorCount: Int
    public var parameterCount: Int
    public var fileSize: Int
    public var sha256: String
    /// For adapters: `adapter.type` (lora) and `adapter.lora.alpha`.
    public var adapterType: String?
    public var loraAlpha: Double?
    /// For adapters bertha trained: the base model they were trained on (`bertha.base.uri`, `.sha256`).
    public var baseURI: String?
    public var baseSHA256: String?

    /// Reads and validates `path`, and hashes it.
    public init(path: String) throws(MLflowError) {
        let file: GGUFFile
        do throws(GGUFError) {
            file = try GGUFFile(path: path)
        } catch {
            throw MLflowError.localFile(path: path, reason: "not a valid GGUF file: \(error.message)")
        }
        let metadata = file.metadata
        kind = metadata.string("general.type") == "adapter" ? "adapter" : "model"
        architecture = metadata.architecture ?? "unknown"
        name = metadata.string("general.name")
        sizeLabel = metadata.string("general.size_label")
        fileType = metadata.int("general.file_type")
        quantization = fileType.flatMap { Self.fileTypeNames[$0] } ?? Self.dominantType(file)
        contextLength = metadata.int("\(architecture).context_length")
        tensorCount = file.tensors.count
        parameterCount = file.parameterCount
        fileSize = file.fileSize
        adapterType = metadata.string("adapter.type")
        loraAlpha = metadata.float("adapter.lora.alpha")
        baseURI = metadata.string(AdapterBase.uriKey)
        baseSHA256 = metadata.string(AdapterBase.sha256Key)
        do throws(FileError) {
            sha256 = try SHA256Hex.ofFile(at: path)
        } catch {
            throw MLflowError.localFile(path: path, reason: error.message)
        }
    }

    /// The facts as run parameters, keys prefixed `gguf.`.
    public var params: [KeyValue] {
        var out: [(String, String?)] = [
            ("gguf.type", kind), ("gguf.architecture", architecture), ("gguf.name", name), ("gguf.size_label", sizeLabel),
            ("gguf.quantization", quantization), ("gguf.file_type", fileType.map(String.init)),
            ("gguf.context_length", contextLength.map(String.init)), ("gguf.tensor_count", String(tensorCount)),
            ("gguf.parameter_count", String(parameterCount)), ("gguf.file_size", String(fileSize)), ("gguf.sha256", sha256),
        ]
        out.append(("gguf.adapter_type", adapterType))
        out.append(("gguf.lora_alpha", loraAlpha.map { String($0) }))
        out.append(("gguf.base_uri", baseURI))
        out.append(("gguf.base_sha256", baseSHA256))
        return out.compactMap { key, value in value.map { KeyValue(key: key, value: $0) } }
    }

    /// The ggml type holding the most tensor bytes, for files without `general.file_type`.
    static func dominantType(_ file: GGUFFile) -> String {
        var bytes: [String: Int] = [:]
        for tensor in file.tensors { bytes["\(tensor.type)", default: 0] += tensor.byteCount }
        return bytes.max { $0.value < $1.value }?.key ?? "unknown"
    }

    /// llama.cpp's `llama_ftype` names (`LLAMA_FTYPE_MOSTLY_*`).
    static let fileTypeNames: [Int: String] = [
        0: "F32", 1: "F16", 2: "Q4_0", 3: "Q4_1", 7: "Q8_0", 8: "Q5_0", 9: "Q5_1", 10: "Q2_K", 11: "Q3_K_S", 12: "Q3_K_M",
        13: "Q3_K_L", 14: "Q4_K_S", 15: "Q4_K_M", 16: "Q5_K_S", 17: "Q5_K_M", 18: "Q6_K", 19: "IQ2_XXS", 20: "IQ2_XS",
        21: "Q2_K_S", 22: "IQ3_XS", 23: "IQ3_XXS", 24: "IQ1_S", 25: "IQ4_NL", 26: "IQ3_S", 27: "IQ3_M", 28: "IQ2_S",
        29: "IQ2_M", 30: "IQ4_XS", 31: "IQ1_M", 32: "BF16", 36: "TQ1_0", 37: "TQ2_0",
    ]
}
