import BerthaKernels

/// Element type of the KV cache.
public enum KVCacheType: String, Sendable, CaseIterable, Codable {
    /// IEEE half: half the memory traffic of F32 in attention; llama.cpp's default.
    case f16
    /// Single precision.
    case f32

    var bytes: Int { self == .f16 ? 2 : 4 }
}

/// Keys and values of every layer for `sequences` independent sequences of up to `contextLength`
/// tokens each.
///
/// Layout of each of K and V: (sequence, layer, kvHead, position, headDim), so one head's keys for
/// consecutive positions are consecutive rows, read front to back by attention. Each sequence
/// fills positions 0, 1, 2, … in order; `count(of:)` says how many are valid.
public final class KVCache: @unchecked Sendable {
    /// Element type.
    public let type: KVCacheType
    /// Positions per sequence.
    public let contextLength: Int
    /// Independent sequences (server slots).
    public let sequences: Int
    let layers: Int
    let kvHeads: Int
    let keyDim: Int
    let valueDim: Int
    /// (sequences, layers, kvHeads, contextLength, keyDim) elements of `type`.
    let keys: UnsafeMutableRawPointer
    /// (sequences, layers, kvHeads, contextLength, valueDim) elements of `type`.
    let values: UnsafeMutableRawPointer
    private var counts: [Int]

    /// Allocates the cache for `configuration`.
    /// - Parameters:
    ///   - configuration: the model's hyperparameters.
    ///   - contextLength: positions per sequence.
    ///   - sequences: number of independent sequences.
    ///   - type: element type.
    public init(configuration: ModelConfiguration, contextLength: Int, sequences: Int = 1, type: KVCacheType = .f16) {
        precondition(contextLength > 0 && sequences > 0, "KV cache needs a context and at least one sequence")
        self.type = type
        self.contextLength = contextLength
        self.sequences = sequences
        layers = configuration.blockCount
        kvHeads = configuration.headCountKV
        keyDim = configuration.headDimension
        valueDim = configuration.valueHeadDimension
        let keyBytes = sequences * layers * kvHeads * contextLength * keyDim * type.bytes
        let valueBytes = sequences * layers * kvHeads * contextLength * valueDim * type.bytes
        keys = UnsafeMutableRawPointer.allocate(byteCount: keyBytes, alignment: 64)
        values = UnsafeMutableRawPointer.allocate(byteCount: valueBytes, alignment: 64)
        counts = Array(repeating: 0, count: sequences)
    }

    deinit {
        keys.deallocate()
        values.deallocate()
    }

    /// Total bytes of K and V.
    public var byteCount: Int { sequences * layers * kvHeads * contextLength * (keyDim + valueDim) * type.bytes }

    /// Valid positions of `sequence`.
    public func count(of sequence: Int) -> Int { counts[sequence] }

    /// Forgets every position of `sequence` from `length` on (prefix reuse keeps the first `length`).
    public func truncate(_ sequence: Int, to length: Int) {
        counts[sequence] = min(max(length, 0), counts[sequence])
    }

    /// Forgets all of `sequence`.
    public func clear(_ sequence: Int) { counts[sequence] = 0 }

    /// Marks positions up to `length` as valid (after the forward pass wrote them).
    func setCount(_ sequence: Int, _ length: Int) { counts[sequence] = length }

    /// Byte offset of the K row of (sequence, layer, head, position).
    @inline(__always)
    func keyRow(_ sequence: Int, _ layer: Int, _ head: Int, _ position: Int) -> UnsafeMutableRawPointer {
        keys + ((((sequence * layers + layer) * kvHeads + head) * contextLength + position) * keyDim) * type.bytes
    }

    /// Byte offset of the V row of (sequence, layer, head, position).
    @inline(__always)
    func valueRow(_ sequence: Int, _ layer: Int, _ head: Int, _ position: Int) -> UnsafeMutableRawPointer {
        values + ((((sequence * layers + layer) * kvHeads + head) * contextLength + position) * valueDim) * type.bytes
    }

    /// Writes `count` floats into a cache row, converting to the cache's type.
    @inline(__always)
    func write(_ src: UnsafePointer<Float>, to row: UnsafeMutableRawPointer, count: Int) {
        switch type {
        case .f32: row.assumingMemoryBound(to: Float.self).update(from: src, count: count)
        case .f16: Ops.toF16(src, row.assumingMemoryBound(to: UInt16.self), count: count)
        }
    }

    /// Reads a cache row as floats.
    @inline(__always)
    func read(_ row: UnsafeRawPointer, into dst: UnsafeMutablePointer<Float>, count: Int) {
        switch type {
        case .f32: dst.update(from: row.assumingMemoryBound(to: Float.self), count: count)
        case .f16: Ops.fromF16(row.assumingMemoryBound(to: UInt16.self), dst, count: count)
        }
    }

    /// Moves positions `from..<from+count` of one head down to `to…`, K and V (context shift).
    func move(_ sequence: Int, _ layer: Int, _ head: Int, from: Int, to: Int, count: Int) {
        guard count > 0, from != to else { return }
        let kb = keyDim * type.bytes, vb = valueDim * type.bytes
        keyRow(sequence, layer, head, to).copyMemory(from: keyRow(sequence, layer, head, from), byteCount: count * kb)
        valueRow(sequence, layer, head, to).copyMemory(from: valueRow(sequence, layer, head, from), byteCount: count * vb)
    }
}
