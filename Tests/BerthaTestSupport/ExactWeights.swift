import BerthaGGUF
import BerthaKernels
import Foundation

/// The exact reference of the numerical tests: a GGUF file with every quantized tensor expanded to
/// F32, held in memory.
///
/// The engine computes quantized products against 8-bit activations; over these weights (and with
/// an F32 KV cache) it rounds nothing beyond float arithmetic, so its logits are the model's own:
/// for SmolLM2 and Gemma 3 they equal transformers' fp32 forward pass over the same GGUF to 1e-4.
/// Tests measure how far the default engine, or llama.cpp, strays from this.
public enum ExactWeights {
    /// One copy per model file for the whole test process: a copy of Gemma 3 270M takes about 1 GB
    /// and 10 s (mostly the kernel zeroing fresh pages), and several suites use the same models.
    private static let cache = Cache()

    private final class Cache: @unchecked Sendable {
        let lock = NSLock()
        var files: [String: GGUFFile] = [:]
    }

    /// `file` with its block-quantized tensors dequantized to F32 (the others as they are).
    public static func dequantizedCopy(of file: GGUFFile) throws -> GGUFFile {
        cache.lock.lock()
        defer { cache.lock.unlock() }
        if let copy = cache.files[file.path] { return copy }
        var writer = GGUFWriter(metadata: file.metadata, alignment: file.alignment, version: file.version)
        for tensor in file.tensors {
            guard tensor.type.blockSize > 1 else {
                try writer.addTensor(tensor, of: file)
                continue
            }
            let raw = file.data(tensor)
            let count = tensor.elementCount
            var failure: KernelError?
            let bytes = [UInt8](unsafeUninitializedCapacity: count * 4) { buffer, initialized in
                do throws(KernelError) {
                    let floats = UnsafeMutableRawPointer(buffer.baseAddress!).bindMemory(to: Float.self, capacity: count)
                    try Dequantize.row(tensor.type, raw.baseAddress!, floats, count: count)
                    initialized = count * 4
                } catch {
                    failure = error
                    initialized = 0
                }
            }
            if let failure { throw failure }
            try writer.addTensor(name: tensor.name, shape: tensor.shape, type: .f32, data: bytes)
        }
        let copy = try GGUFFile(bytes: writer.encoded(), path: file.path + " (dequantized)")
        cache.files[file.path] = copy
        return copy
    }
}
