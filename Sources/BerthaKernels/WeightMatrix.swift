import BerthaGGUF
import CBerthaKernels

/// A row-major weight matrix in its GGUF storage type: `rows` rows of `cols` weights, each row
/// `type.rowBytes(cols)` bytes of ggml blocks, rows back to back.
///
/// A GGUF tensor with shape `[cols, rows]` (ggml lists the fastest dimension first) maps onto it
/// directly, so the memory can stay mmapped. The matrix does not own `data`: whoever mapped the
/// file keeps it alive.
public struct WeightMatrix: @unchecked Sendable {
    /// The types with dot kernels: what SmolLM2, Gemma 3, Qwen2 and BERT GGUFs use.
    public static let supportedTypes: [GGMLType] = [.f32, .f16, .bf16, .q8_0, .q4_0, .q4_1, .q5_0, .q5_1, .q4_K, .q5_K, .q6_K]

    public let type: GGMLType
    public let data: UnsafeRawPointer
    public let rows: Int
    public let cols: Int
    /// Bytes from one row to the next.
    public let rowBytes: Int
    let kernel: DotKernel

    /// Wraps `rows × cols` weights of `type` at `data`.
    /// - Parameters:
    ///   - type: the GGUF tensor type.
    ///   - data: the first byte of row 0; must stay valid while the matrix is used.
    ///   - rows: output dimension (ggml's ne[1]).
    ///   - cols: input dimension (ggml's ne[0]); a multiple of the type's block size.
    ///   - name: the tensor name, used only in errors.
    /// - Throws: `KernelError` when the type has no kernel or the shape does not fit the type.
    public init(type: GGMLType, data: UnsafeRawPointer, rows: Int, cols: Int, name: String? = nil) throws(KernelError) {
        guard rows > 0, cols > 0, cols <= Int(Int32.max), rows <= Int(Int32.max) else {
            throw .invalidShape(rows: rows, cols: cols, tensor: name)
        }
        guard let kernel = DotKernel.best(for: type) else { throw .unsupportedType(type, tensor: name) }
        guard let rowBytes = type.rowBytes(cols), kernel.activation.bytes(cols: cols) != nil else {
            throw .rowNotWholeBlocks(cols: cols, type: type, tensor: name)
        }
        guard rowBytes.multipliedReportingOverflow(by: rows).overflow == false else {
            throw .invalidShape(rows: rows, cols: cols, tensor: name)
        }
        self.type = type
        self.data = data
        self.rows = rows
        self.cols = cols
        self.rowBytes = rowBytes
        self.kernel = kernel
    }

    /// Total bytes of the matrix.
    public var byteCount: Int { rowBytes * rows }

    /// The raw bytes of row `r`.
    @inlinable public func row(_ r: Int) -> UnsafeRawPointer { data + r * rowBytes }

    /// The same matrix computed by the kernels of `isa`, or nil when this CPU cannot run them or
    /// `isa` has no kernel for the type (tests compare `.scalar` against the default choice).
    public func using(_ isa: KernelISA) -> WeightMatrix? {
        guard let kernel = DotKernel.kernel(for: type, isa: isa) else { return nil }
        return WeightMatrix(self, kernel: kernel)
    }

    private init(_ other: WeightMatrix, kernel: DotKernel) {
        type = other.type
        data = other.data
        rows = other.rows
        cols = other.cols
        rowBytes = other.rowBytes
        self.kernel = kernel
    }

    /// Which kernel this matrix dispatches to, e.g. `q4_1·q8a avx2` (for logs and `bertha bench`).
    public var kernelDescription: String { kernel.name }

    /// Activation rows a batched product takes per pass over the weights (1: one at a time).
    public var rowsPerWeightPass: Int { kernel.multiRow?.rows ?? 1 }
}
