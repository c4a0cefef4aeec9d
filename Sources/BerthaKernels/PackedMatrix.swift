import BerthaGGUF
import CBerthaKernels

/// A weight matrix converted to F32 and repacked for the dense GEMM (`DenseMatMul`): panels of 16
/// output rows, each stored k-major (`panel[k][j] = W[16p + j][k]`), 32-byte aligned.
///
/// This is the layout the 6 × 16 micro-kernel streams through: two aligned vector loads per k
/// feed twelve FMAs. Encoder models (BERT) run every matrix against hundreds of tokens at once, so
/// they are compute-bound and a one-time F32 copy (4 bytes per weight, 42 MB for
/// all-MiniLM-L6-v2) buys full-speed FMAs instead of converting F16 weights on every use.
public final class PackedMatrix: @unchecked Sendable {
    /// Output dimension (rows of W).
    public let rows: Int
    /// Input dimension (columns of W).
    public let cols: Int
    /// ceil(rows / 16) panels of `cols * 16` floats.
    let panels: UnsafeMutablePointer<Float>
    /// Output rows per panel.
    public static let panelWidth = Int(BERTHA_PANEL_WIDTH)

    /// Packs a matrix whose rows are produced one at a time.
    /// - Parameters:
    ///   - rows: output dimension.
    ///   - cols: input dimension.
    ///   - row: writes row `r` (`cols` floats) into the buffer it is given.
    /// - Throws: whatever `row` throws; nothing is leaked.
    public init<E: Error>(rows: Int, cols: Int, row: (_ r: Int, _ into: UnsafeMutablePointer<Float>) throws(E) -> Void) throws(E) {
        precondition(rows > 0 && cols > 0, "PackedMatrix: empty shape \(rows)×\(cols)")
        let width = Self.panelWidth
        let panelCount = (rows + width - 1) / width
        // Filled before any stored property is set, so a throwing `row` leaves no half-built object.
        let raw = UnsafeMutableRawPointer.allocate(byteCount: panelCount * width * cols * MemoryLayout<Float>.stride,
                                                   alignment: 64)
        let buffer = raw.bindMemory(to: Float.self, capacity: panelCount * width * cols)
        let staging = UnsafeMutablePointer<Float>.allocate(capacity: width * cols)
        defer { staging.deallocate() }
        for p in 0..<panelCount {
            let first = p * width
            let count = min(width, rows - first)
            do throws(E) {
                for j in 0..<count { try row(first + j, staging + j * cols) }
            } catch {
                raw.deallocate()
                throw error
            }
            bertha_pack_panels_f32(staging, Int32(count), Int32(cols), cols, buffer + p * width * cols)
        }
        self.rows = rows
        self.cols = cols
        panels = buffer
    }

    /// Packs `rows × cols` weights stored in a GGUF type (F32, F16, BF16 or any type `Dequantize`
    /// reads), rows `rowBytes` apart.
    /// - Parameters:
    ///   - type: the storage type.
    ///   - data: the first byte of row 0 (no alignment needed).
    ///   - rows: output dimension.
    ///   - cols: input dimension.
    ///   - name: the tensor name, for errors.
    /// - Throws: `KernelError` for an unsupported type or a row that is not whole blocks.
    public convenience init(type: GGMLType, data: UnsafeRawPointer, rows: Int, cols: Int, name: String? = nil) throws(KernelError) {
        guard let rowBytes = type.rowBytes(cols), cols % type.blockSize == 0 else {
            throw .rowNotWholeBlocks(cols: cols, type: type, tensor: name)
        }
        guard Dequantize.supportedTypes.contains(type) else { throw .unsupportedType(type, tensor: name) }
        try self.init(rows: rows, cols: cols) { (r: Int, dst: UnsafeMutablePointer<Float>) throws(KernelError) in
            try Self.convertRow(type, data + r * rowBytes, dst, count: cols)
        }
    }

    deinit { UnsafeMutableRawPointer(panels).deallocate() }

    /// Converts one row of a GGUF type to floats: a copy for F32 (any alignment), the F16C path for
    /// F16, the scalar specification (`Dequantize.row`) for the rest.
    /// - Throws: `KernelError` for an unsupported type.
    public static func convertRow(_ type: GGMLType, _ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>,
                                  count: Int) throws(KernelError) {
        switch type {
        case .f32:
            UnsafeMutableRawPointer(dst).copyMemory(from: src, byteCount: count * MemoryLayout<Float>.stride)
        case .f16 where Int(bitPattern: src) % 2 == 0:
            bertha_f16_to_f32_row(src.assumingMemoryBound(to: UInt16.self), dst, Int32(count))
        default:
            try Dequantize.row(type, src, dst, count: count)
        }
    }
}
