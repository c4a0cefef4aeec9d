/// The inner loops of the stores: dot products over contiguous Float rows.
///
/// This module is compiled with -O even in debug builds (Package.swift), and the loops use SIMD
/// accumulators explicitly because the compiler may not reorder a scalar float sum.
enum VectorMath {
    /// Σ a[i]·b[i] over `count` floats.
    @inline(__always)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ count: Int) -> Float {
        var acc0 = SIMD8<Float>(), acc1 = SIMD8<Float>(), acc2 = SIMD8<Float>(), acc3 = SIMD8<Float>()
        let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
        var i = 0
        while i + 32 <= count {
            let o = i * 4
            acc0 += ra.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self) * rb.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self)
            acc1 += ra.loadUnaligned(fromByteOffset: o + 32, as: SIMD8<Float>.self) * rb.loadUnaligned(fromByteOffset: o + 32, as: SIMD8<Float>.self)
            acc2 += ra.loadUnaligned(fromByteOffset: o + 64, as: SIMD8<Float>.self) * rb.loadUnaligned(fromByteOffset: o + 64, as: SIMD8<Float>.self)
            acc3 += ra.loadUnaligned(fromByteOffset: o + 96, as: SIMD8<Float>.self) * rb.loadUnaligned(fromByteOffset: o + 96, as: SIMD8<Float>.self)
            i += 32
        }
        while i + 8 <= count {
            acc0 += ra.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self) * rb.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            i += 8
        }
        var sum = ((acc0 + acc1) + (acc2 + acc3)).sum()
        while i < count {
            sum += a[i] * b[i]
            i += 1
        }
        return sum
    }

    /// `vector` scaled to unit length, or nil when it has no direction (empty, zero, NaN, infinite).
    static func normalized(_ vector: [Float]) -> [Float]? {
        guard !vector.isEmpty else { return nil }
        var sumSquares: Double = 0
        for x in vector {
            guard x.isFinite else { return nil }
            sumSquares += Double(x) * Double(x)
        }
        guard sumSquares > 0, sumSquares.isFinite else { return nil }
        let scale = Float(1 / sumSquares.squareRoot())
        return vector.map { $0 * scale }
    }
}

/// Keeps the best `k` (score, index) pairs seen so far; a min-heap on score so the worst is evicted in O(log k).
struct TopK {
    let k: Int
    private(set) var heap: [(score: Float, index: Int)] = []

    init(_ k: Int) {
        self.k = k
        heap.reserveCapacity(k)
    }

    /// The lowest score kept, once k are kept; -infinity before.
    var threshold: Float { heap.count < k ? -.infinity : heap[0].score }

    mutating func insert(_ score: Float, _ index: Int) {
        guard k > 0 else { return }
        if heap.count < k {
            heap.append((score, index))
            var child = heap.count - 1
            while child > 0 {
                let parent = (child - 1) / 2
                guard heap[child].score < heap[parent].score else { break }
                heap.swapAt(child, parent)
                child = parent
            }
        } else if score > heap[0].score {
            heap[0] = (score, index)
            var parent = 0
            while true {
                let left = 2 * parent + 1, right = left + 1
                var smallest = parent
                if left < heap.count, heap[left].score < heap[smallest].score { smallest = left }
                if right < heap.count, heap[right].score < heap[smallest].score { smallest = right }
                guard smallest != parent else { break }
                heap.swapAt(parent, smallest)
                parent = smallest
            }
        }
    }

    /// Best first; ties broken by lower index so results are deterministic.
    func sorted() -> [(score: Float, index: Int)] {
        heap.sorted { $0.score != $1.score ? $0.score > $1.score : $0.index < $1.index }
    }
}
