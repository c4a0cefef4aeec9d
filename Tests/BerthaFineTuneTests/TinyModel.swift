import BerthaFineTune
import BerthaGGUF
import BerthaInference
import Foundation

/// A tiny random llama model with F32 weights, written with `GGUFWriter`, for exact gradient checks.
enum TinyModel {
    static let dim = 32, layers = 2, heads = 4, kvHeads = 2, ffn = 48, vocab = 64

    static func write(to path: String, seed: UInt64 = 7, weightScale: Float = 0.3) throws {
        var w = GGUFWriter()
        w.metadata["general.architecture"] = .string("llama")
        w.metadata["llama.embedding_length"] = .uint32(UInt32(dim))
        w.metadata["llama.block_count"] = .uint32(UInt32(layers))
        w.metadata["llama.feed_forward_length"] = .uint32(UInt32(ffn))
        w.metadata["llama.attention.head_count"] = .uint32(UInt32(heads))
        w.metadata["llama.attention.head_count_kv"] = .uint32(UInt32(kvHeads))
        w.metadata["llama.context_length"] = .uint32(128)
        w.metadata["llama.attention.layer_norm_rms_epsilon"] = .float32(1e-5)
        var rng = SeededRandom(seed: seed)
        func random(_ n: Int, _ s: Float) -> [Float] { (0..<n).map { _ in (rng.unit() * 2 - 1) * s } }
        func norm(_ n: Int) -> [Float] { (0..<n).map { _ in 1 + (rng.unit() - 0.5) * 0.4 } }
        let hd = dim / heads
        try w.addTensor(name: "token_embd.weight", shape: [dim, vocab], values: random(dim * vocab, 1))
        try w.addTensor(name: "output_norm.weight", shape: [dim], values: norm(dim))
        for l in 0..<layers {
            try w.addTensor(name: "blk.\(l).attn_norm.weight", shape: [dim], values: norm(dim))
            try w.addTensor(name: "blk.\(l).attn_q.weight", shape: [dim, heads * hd], values: random(dim * dim, weightScale))
            try w.addTensor(name: "blk.\(l).attn_k.weight", shape: [dim, kvHeads * hd], values: random(dim * kvHeads * hd, weightScale))
            try w.addTensor(name: "blk.\(l).attn_v.weight", shape: [dim, kvHeads * hd], values: random(dim * kvHeads * hd, weightScale))
            try w.addTensor(name: "blk.\(l).attn_output.weight", shape: [dim, dim], values: random(dim * dim, weightScale))
            try w.addTensor(name: "blk.\(l).ffn_norm.weight", shape: [dim], values: norm(dim))
            try w.addTensor(name: "blk.\(l).ffn_gate.weight", shape: [dim, ffn], values: random(dim * ffn, weightScale))
            try w.addTensor(name: "blk.\(l).ffn_up.weight", shape: [dim, ffn], values: random(dim * ffn, weightScale))
            try w.addTensor(name: "blk.\(l).ffn_down.weight", shape: [ffn, dim], values: random(dim * ffn, weightScale))
        }
        try w.write(to: path)
    }

    /// Two packed examples with targets on part of each.
    static func sequence() -> PackedSequence {
        var s = PackedSequence()
        s.tokens = [1, 5, 9, 13, 17, 21, 25, 2, 40, 41, 42, 43, 44, 45]
        s.positions = [0, 1, 2, 3, 4, 5, 6, 0, 1, 2, 3, 4, 5, 6]
        s.segments = [0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1]
        s.targets = [false, false, false, true, true, true, true, false, false, true, true, true, true, true]
        return s
    }
}
