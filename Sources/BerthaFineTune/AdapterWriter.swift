import BerthaGGUF
import BerthaInference
import BerthaMLflow

/// Writes trained LoRA parameters as a llama.cpp LoRA adapter GGUF.
///
/// Layout (llama.cpp's `llama-adapter.cpp` and `convert_lora_to_gguf.py`): `general.type =
/// adapter`, `general.architecture` of the base, `adapter.type = lora`, `adapter.lora.alpha`
/// (f32); per adapted base tensor `<name>.lora_a` with ggml shape [in, rank] and `<name>.lora_b`
/// with [rank, out], F32. llama.cpp scales the branch by alpha / rank, as bertha does.
public enum AdapterWriter {
    /// The adapter as GGUF metadata and tensors.
    /// - Parameters:
    ///   - baseURI, baseSHA256: the model trained on (`bertha.base.uri`, `bertha.base.sha256`), so a
    ///     registered adapter version can be served without naming its base.
    public static func writer(_ parameters: LoRAParameters, architecture: String, baseName: String? = nil,
                              baseURI: String? = nil, baseSHA256: String? = nil) throws(GGUFError) -> GGUFWriter {
        var w = GGUFWriter()
        w.metadata["general.architecture"] = .string(architecture)
        w.metadata["general.type"] = .string("adapter")
        if let baseName { w.metadata["general.name"] = .string("\(baseName) LoRA") }
        w.metadata["adapter.type"] = .string("lora")
        w.metadata["adapter.lora.alpha"] = .float32(parameters.configuration.alpha)
        if let baseURI { w.metadata[AdapterBase.uriKey] = .string(baseURI) }
        if let baseSHA256 { w.metadata[AdapterBase.sha256Key] = .string(baseSHA256) }
        let r = parameters.configuration.rank
        for slot in parameters.slots {
            let name = slot.target.tensorName(layer: slot.layer)
            try w.addTensor(name: name + ".lora_a", shape: [slot.cols, r],
                            values: Array(parameters.values[slot.aOffset..<slot.aOffset + r * slot.cols]))
            try w.addTensor(name: name + ".lora_b", shape: [r, slot.rows],
                            values: Array(parameters.values[slot.bOffset..<slot.bOffset + slot.rows * r]))
        }
        return w
    }

    /// Writes the adapter to `path` atomically.
    public static func write(_ parameters: LoRAParameters, architecture: String, baseName: String? = nil,
                             baseURI: String? = nil, baseSHA256: String? = nil, to path: String) throws(FineTuneError) {
        do {
            try writer(parameters, architecture: architecture, baseName: baseName, baseURI: baseURI, baseSHA256: baseSHA256)
                .write(to: path)
        } catch {
            throw .cannotWrite(path: path, reason: error.description)
        }
    }
}
