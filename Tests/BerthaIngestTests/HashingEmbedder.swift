import BerthaEmbeddings
import Foundation

/// A deterministic stand-in for the real model: a signed bag of hashed, lower-cased words (feature
/// hashing), L2-normalised. Texts sharing words point the same way, so lexical retrieval works and
/// every expected chunk is exactly reproducible. Test target only, never library code.
struct HashingEmbedder: TextEmbedder {
    var modelName = "test-hashing-embedder"
    var dimension = 256
    var maxTokens = 512
    /// Throws on the call with this number (1-based), to simulate a model failing mid-run.
    var failOnCall: Int?
    let calls = CallCounter()

    struct Failure: Error {}

    func embed(_ texts: [String]) async throws -> [[Float]] {
        let call = calls.next()
        if let failOnCall, call >= failOnCall { throw Failure() }
        return texts.map(vector)
    }

    func tokenCount(_ text: Substring) -> Int { Self.words(text).count }

    func vector(_ text: String) -> [Float] {
        var v = [Float](repeating: 0, count: dimension)
        for word in Self.words(text[...]) {
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            for byte in word.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
            v[Int(hash % UInt64(dimension))] += (hash >> 63) == 0 ? 1 : -1
        }
        let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
        // An empty text still needs a direction the stores accept.
        if norm == 0 { v[0] = 1; return v }
        return v.map { $0 / norm }
    }

    static func words(_ text: Substring) -> [Substring] {
        text.lowercased().split { !$0.isLetter && !$0.isNumber }.map { Substring($0) }
    }
}

final class CallCounter: @unchecked Sendable {
    private var count = 0
    private let lock = NSLock()

    func next() -> Int {
        lock.lock()
        defer { lock.unlock() }
        count += 1
        return count
    }

    var value: Int {
        lock.lock()
        defer { lock.unlock() }
        return count
    }
}
