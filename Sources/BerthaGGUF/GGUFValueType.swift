/// The type tag of a GGUF metadata value (`gguf_type`). The raw values are the file format's.
public enum GGUFValueType: UInt32, Sendable, CaseIterable, CustomStringConvertible {
    case uint8 = 0, int8 = 1, uint16 = 2, int16 = 3, uint32 = 4, int32 = 5, float32 = 6, bool = 7
    case string = 8, array = 9, uint64 = 10, int64 = 11, float64 = 12

    /// Bytes one value of this type takes in the file, or nil for strings and arrays, whose size
    /// depends on their content.
    public var fixedSize: Int? {
        switch self {
        case .uint8, .int8, .bool: 1
        case .uint16, .int16: 2
        case .uint32, .int32, .float32: 4
        case .uint64, .int64, .float64: 8
        case .string, .array: nil
        }
    }

    /// The fewest bytes one value can take: used to reject element counts the remaining bytes
    /// could never hold before anything is allocated.
    var minimumSize: Int {
        switch self {
        case .string: 8             // u64 length, no bytes
        case .array: 12             // u32 element type + u64 count
        default: fixedSize ?? 1
        }
    }

    /// The name gguf-py and llama.cpp print (`UINT32`, `STRING`, …), lowercased.
    public var description: String {
        switch self {
        case .uint8: "uint8"
        case .int8: "int8"
        case .uint16: "uint16"
        case .int16: "int16"
        case .uint32: "uint32"
        case .int32: "int32"
        case .float32: "float32"
        case .bool: "bool"
        case .string: "string"
        case .array: "array"
        case .uint64: "uint64"
        case .int64: "int64"
        case .float64: "float64"
        }
    }
}
