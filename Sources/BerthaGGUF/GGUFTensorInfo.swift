/// Where one tensor lives in a GGUF file and how it is laid out.
///
/// `shape` is ggml's `ne` as stored: `shape[0]` is the row length (the contiguous dimension), so a
/// `[n_embd, n_vocab]` embedding matrix has `n_vocab` rows of `n_embd` weights.
public struct GGUFTensorInfo: Sendable, Equatable {
    /// The tensor's name (`blk.0.attn_q.weight`).
    public let name: String
    /// Dimensions, innermost first (1 to 4 of them, each at least 1).
    public let shape: [Int]
    /// Element type.
    public let type: GGMLType
    /// Absolute byte offset of the data in the file (the data section start plus the stored offset).
    public let offset: Int
    /// Bytes of data: `rows * type.rowBytes(rowLength)`.
    public let byteCount: Int

    /// Makes a tensor description; the reader validates before calling this.
    public init(name: String, shape: [Int], type: GGMLType, offset: Int, byteCount: Int) {
        self.name = name
        self.shape = shape
        self.type = type
        self.offset = offset
        self.byteCount = byteCount
    }

    /// Number of weights.
    public var elementCount: Int { shape.reduce(1, *) }
    /// Number of rows: the product of every dimension but the first.
    public var rows: Int { shape.dropFirst().reduce(1, *) }
    /// Weights per row (`shape[0]`).
    public var rowLength: Int { shape.first ?? 1 }
    /// Bytes per row.
    public var rowByteCount: Int { rows == 0 ? 0 : byteCount / rows }
}
