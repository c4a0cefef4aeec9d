import BerthaCore
import BerthaGGUF

/// Why a weight matrix cannot be used by the kernels.
public enum KernelError: BerthaError, Equatable {
    /// The tensor type has no dot kernel (for example an IQ type).
    case unsupportedType(GGMLType, tensor: String?)
    /// The row length is not a whole number of the type's blocks.
    case rowNotWholeBlocks(cols: Int, type: GGMLType, tensor: String?)
    /// The shape is empty, negative or overflows the address space.
    case invalidShape(rows: Int, cols: Int, tensor: String?)

    public var message: String {
        switch self {
        case .unsupportedType(let type, _):
            "tensor type \(type) is not supported by the compute kernels (supported: "
                + WeightMatrix.supportedTypes.map(\.description).joined(separator: ", ") + ")"
        case .rowNotWholeBlocks(let cols, let type, _):
            "row length \(cols) is not a multiple of the \(type) block size \(type.blockSize)"
        case .invalidShape(let rows, let cols, _):
            "invalid matrix shape \(rows)×\(cols)"
        }
    }

    public var location: String? {
        switch self {
        case .unsupportedType(_, let tensor), .rowNotWholeBlocks(_, _, let tensor), .invalidShape(_, _, let tensor):
            tensor
        }
    }
}
