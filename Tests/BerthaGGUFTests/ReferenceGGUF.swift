import BerthaGGUF
import BerthaTestSupport
import Foundation

/// GGUF files written by the reference implementation (gguf-py's `GGUFWriter`, in the test venv),
/// together with what the script put into them, so tests compare the reader against the writer's
/// own inputs rather than against another reader.
enum ReferenceGGUF {
    /// What the Python script wrote: metadata in order and every tensor's shape, type and bytes.
    struct Expected {
        var metadata: [(key: String, value: GGUFValue)]
        var tensors: [(name: String, shape: [Int], type: UInt32, bytes: [UInt8])]
    }

    /// Writes a GGUF with every metadata value type, nested arrays and tensors of several types.
    /// Integers travel as decimal strings and floats as `float.hex()` so nothing is rounded on the way.
    static let writerScript = #"""
import sys, json
import numpy as np
import gguf
from gguf import GGUFWriter, GGUFValueType as T, GGMLQuantizationType as Q

path, version, alignment = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = np.random.default_rng(1234)
w = GGUFWriter(path, "llama")
if alignment != 32:
    w.add_custom_alignment(alignment)
meta = [["general.architecture", {"t": "string", "v": "llama"}]]
if alignment != 32:
    meta.append(["general.alignment", {"t": "uint32", "v": str(alignment)}])

def enc(t, v):
    if t in ("float32", "float64"):
        return float(v).hex()
    if t == "bool":
        return bool(v)
    if t == "string":
        return v
    return str(int(v))

f32 = lambda x: float(np.float32(x))
scalars = [
    ("uint8", T.UINT8, 200), ("int8", T.INT8, -100), ("uint16", T.UINT16, 60000), ("int16", T.INT16, -30000),
    ("uint32", T.UINT32, 4000000000), ("int32", T.INT32, -2000000000), ("uint64", T.UINT64, 2**63 + 5),
    ("int64", T.INT64, -2**62 - 7), ("float32", T.FLOAT32, f32(3.14159)), ("float64", T.FLOAT64, 2.718281828459045),
    ("bool", T.BOOL, True), ("string", T.STRING, "héllo ✓ 日本語 🦙"),
]
for name, t, v in scalars:
    key = "test.scalar." + name
    w.add_key_value(key, v, t)
    meta.append([key, {"t": name, "v": enc(name, v)}])
w.add_key_value("test.scalar.bool_false", False, T.BOOL); meta.append(["test.scalar.bool_false", {"t": "bool", "v": False}])
w.add_key_value("test.scalar.empty_string", "", T.STRING); meta.append(["test.scalar.empty_string", {"t": "string", "v": ""}])

arrays = [
    ("uint8", T.UINT8, [0, 1, 255]), ("int8", T.INT8, [-128, 0, 127]), ("uint16", T.UINT16, [0, 65535]),
    ("int16", T.INT16, [-32768, 32767]), ("uint32", T.UINT32, [0, 4294967295]), ("int32", T.INT32, [-5, 6, -7]),
    ("uint64", T.UINT64, [0, 2**64 - 1]), ("int64", T.INT64, [-2**63, 2**63 - 1]),
    ("float32", T.FLOAT32, [f32(0.1), f32(-2.5), f32(1e30)]), ("float64", T.FLOAT64, [0.1, -1e300]),
    ("bool", T.BOOL, [True, False, True]), ("string", T.STRING, ["a", "", "ü€𝄞", "<|im_start|>"]),
]
for name, t, v in arrays:
    key = "test.array." + name
    w.add_key_value(key, v, T.ARRAY, sub_type=t)
    meta.append([key, {"t": "array", "e": name, "v": [enc(name, x) for x in v]}])

# Nested: an array of arrays whose inner arrays have different element types, and two levels deep.
w.add_key_value("test.array.nested", [[1, 2, 3], ["x", "y"], [1.5]], T.ARRAY)
meta.append(["test.array.nested", {"t": "array", "e": "array", "v": [
    {"e": "int32", "v": ["1", "2", "3"]}, {"e": "string", "v": ["x", "y"]}, {"e": "float32", "v": [(1.5).hex()]}]}])
w.add_key_value("test.array.nested2", [[[7], [8, 9]], [[10]]], T.ARRAY)
meta.append(["test.array.nested2", {"t": "array", "e": "array", "v": [
    {"e": "array", "v": [{"e": "int32", "v": ["7"]}, {"e": "int32", "v": ["8", "9"]}]},
    {"e": "array", "v": [{"e": "int32", "v": ["10"]}]}]}])

tensors = []
def add(name, array, raw_dtype=None, ne=None):
    if raw_dtype is None:
        w.add_tensor(name, array)
        type_id = {np.float32: 0, np.float16: 1, np.int8: 24, np.int16: 25, np.int32: 26}[array.dtype.type]
        shape = list(reversed(array.shape))
    else:
        w.add_tensor(name, array, raw_dtype=raw_dtype)
        type_id = int(raw_dtype)
        shape = list(reversed(gguf.quant_shape_from_byte_shape(array.shape, raw_dtype)))
    tensors.append({"name": name, "shape": shape, "type": type_id, "hex": array.tobytes().hex()})

add("f32.vector", rng.standard_normal(7).astype(np.float32))
add("f32.matrix", rng.standard_normal((3, 5)).astype(np.float32))
add("f16.matrix", rng.standard_normal((2, 9)).astype(np.float16))
add("f32.4d", rng.standard_normal((2, 1, 3, 4)).astype(np.float32))
add("i8.vector", rng.integers(-128, 127, 5, dtype=np.int8))
add("i32.matrix", rng.integers(-1000, 1000, (2, 3), dtype=np.int32))
weights = rng.standard_normal((4, 64)).astype(np.float32)
for q in (Q.Q8_0, Q.Q4_0, Q.Q4_1, Q.Q5_0):
    add(q.name.lower() + ".matrix", gguf.quants.quantize(weights, q), raw_dtype=q)
# K-quants: gguf-py cannot quantize them, so raw blocks of random bytes (the reader only moves bytes).
for q, size in ((Q.Q4_K, 144), (Q.Q6_K, 210)):
    add(q.name.lower() + ".matrix", rng.integers(0, 256, (3, 2 * size), dtype=np.uint8), raw_dtype=q)

w.write_header_to_file()
w.write_kv_data_to_file()
w.write_tensors_to_file()
w.close()
if version != 3:
    with open(path, "r+b") as f:
        f.seek(4); f.write(version.to_bytes(4, "little"))
print(json.dumps({"metadata": meta, "tensors": tensors}))
"""#

    /// Writes the reference file to `path` and returns what it contains.
    static func write(to path: String, version: UInt32 = 3, alignment: Int = 32) throws -> Expected {
        let output = try runPython(writerScript, arguments: [path, String(version), String(alignment)])
        return try parse(output)
    }

    static func parse(_ json: String) throws -> Expected {
        guard let root = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any],
              let metadata = root["metadata"] as? [[Any]], let tensors = root["tensors"] as? [[String: Any]] else {
            throw ReferenceError("unexpected JSON from the writer script")
        }
        var expected = Expected(metadata: [], tensors: [])
        for entry in metadata {
            guard entry.count == 2, let key = entry[0] as? String, let value = entry[1] as? [String: Any],
                  let type = value["t"] as? String else { throw ReferenceError("bad metadata entry \(entry)") }
            if type == "array" {
                expected.metadata.append((key, .array(try array(value))))
            } else {
                expected.metadata.append((key, try scalar(type, value["v"] as Any)))
            }
        }
        for tensor in tensors {
            guard let name = tensor["name"] as? String, let shape = tensor["shape"] as? [Int],
                  let type = tensor["type"] as? Int, let hex = tensor["hex"] as? String else {
                throw ReferenceError("bad tensor entry \(tensor)")
            }
            expected.tensors.append((name, shape, UInt32(type), try bytes(hex: hex)))
        }
        return expected
    }

    private static func scalar(_ type: String, _ raw: Any) throws -> GGUFValue {
        func text() throws -> String {
            guard let s = raw as? String else { throw ReferenceError("expected a string for \(type)") }
            return s
        }
        func number<T: FixedWidthInteger>(_: T.Type) throws -> T {
            guard let v = T(try text()) else { throw ReferenceError("bad \(type) \(raw)") }
            return v
        }
        func real() throws -> Double {
            guard let v = Double(try text()) else { throw ReferenceError("bad float \(raw)") }
            return v
        }
        switch type {
        case "uint8": return .uint8(try number(UInt8.self))
        case "int8": return .int8(try number(Int8.self))
        case "uint16": return .uint16(try number(UInt16.self))
        case "int16": return .int16(try number(Int16.self))
        case "uint32": return .uint32(try number(UInt32.self))
        case "int32": return .int32(try number(Int32.self))
        case "uint64": return .uint64(try number(UInt64.self))
        case "int64": return .int64(try number(Int64.self))
        case "float32": return .float32(Float(try real()))
        case "float64": return .float64(try real())
        case "bool":
            guard let b = raw as? Bool else { throw ReferenceError("bad bool \(raw)") }
            return .bool(b)
        case "string": return .string(try text())
        default: throw ReferenceError("unknown type \(type)")
        }
    }

    private static func array(_ value: [String: Any]) throws -> GGUFArray {
        guard let element = value["e"] as? String, let items = value["v"] as? [Any] else {
            throw ReferenceError("bad array \(value)")
        }
        if element == "array" {
            return .arrays(try items.map { item in
                guard let inner = item as? [String: Any] else { throw ReferenceError("bad nested array") }
                return try array(inner)
            })
        }
        let values = try items.map { try scalar(element, $0) }
        func unwrap<T>(_ extract: (GGUFValue) -> T?) throws -> [T] {
            try values.map { guard let v = extract($0) else { throw ReferenceError("mixed array") }; return v }
        }
        switch element {
        case "uint8": return .uint8(try unwrap { if case .uint8(let v) = $0 { v } else { nil } })
        case "int8": return .int8(try unwrap { if case .int8(let v) = $0 { v } else { nil } })
        case "uint16": return .uint16(try unwrap { if case .uint16(let v) = $0 { v } else { nil } })
        case "int16": return .int16(try unwrap { if case .int16(let v) = $0 { v } else { nil } })
        case "uint32": return .uint32(try unwrap { if case .uint32(let v) = $0 { v } else { nil } })
        case "int32": return .int32(try unwrap { if case .int32(let v) = $0 { v } else { nil } })
        case "uint64": return .uint64(try unwrap { if case .uint64(let v) = $0 { v } else { nil } })
        case "int64": return .int64(try unwrap { if case .int64(let v) = $0 { v } else { nil } })
        case "float32": return .float32(try unwrap { if case .float32(let v) = $0 { v } else { nil } })
        case "float64": return .float64(try unwrap { if case .float64(let v) = $0 { v } else { nil } })
        case "bool": return .bool(try unwrap { if case .bool(let v) = $0 { v } else { nil } })
        case "string": return .strings(try unwrap { if case .string(let v) = $0 { v } else { nil } })
        default: throw ReferenceError("unknown element type \(element)")
        }
    }

    static func bytes(hex: String) throws -> [UInt8] {
        let digits = Array(hex.utf8)
        guard digits.count % 2 == 0 else { throw ReferenceError("odd hex length") }
        return try stride(from: 0, to: digits.count, by: 2).map { i in
            guard let byte = UInt8(String(decoding: digits[i..<i + 2], as: UTF8.self), radix: 16) else {
                throw ReferenceError("bad hex")
            }
            return byte
        }
    }
}

struct ReferenceError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
