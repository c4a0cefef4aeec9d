import BerthaCore
import Foundation
@testable import BerthaVectorStore

/// Deterministic random vectors and a double-precision cosine to check the stores against.
struct VectorFixtures {
    var rng: SeededRandom

    init(seed: UInt64) { rng = SeededRandom(seed: seed) }

    /// A vector with components uniform in [-1, 1).
    mutating func vector(_ dimension: Int) -> [Float] {
        (0..<dimension).map { _ in Float(Double(rng.next() >> 11) / Double(1 << 53) * 2 - 1) }
    }

    /// Cosine similarity computed in Double, independent of the store's SIMD kernel.
    static func cosine(_ a: [Float], _ b: [Float]) -> Double {
        var dot = 0.0, na = 0.0, nb = 0.0
        for i in a.indices {
            dot += Double(a[i]) * Double(b[i])
            na += Double(a[i]) * Double(a[i])
            nb += Double(b[i]) * Double(b[i])
        }
        return dot / (na.squareRoot() * nb.squareRoot())
    }

    /// Records `doc#0…` of one document with random vectors.
    mutating func records(document: String, count: Int, dimension: Int, metadata: [String: String] = [:]) -> [VectorRecord] {
        (0..<count).map { i in
            var meta = metadata
            meta[VectorRecord.MetadataKey.chunkIndex] = String(i)
            return VectorRecord(id: "\(document)#\(i)", documentID: document, text: "chunk \(i) of \(document)",
                                vector: vector(dimension), metadata: meta)
        }
    }
}
