import BerthaCore
import BerthaFineTune
import BerthaGGUF
import BerthaInference
import Foundation

/// Tiny random llama and gemma3 models with F32 weights, written with `GGUFWriter`, for exact
/// gradient checks.
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

    /// A tiny random Gemma 3: six layers so the last is global and the others slide (window 3,
    /// shorter than the examples), key width 16 ≠ dim / heads, Q/K and post norms stored with the
    /// `1 +` folded in (as llama.cpp's converter writes them), and a final logit softcap that the
    /// 270M checkpoint lacks but the architecture allows.
    static func writeGemma3(to path: String, seed: UInt64 = 13, weightScale: Float = 0.3) throws {
        let layers = 6, headDim = 16, window = 3
        var w = GGUFWriter()
        w.metadata["general.architecture"] = .string("gemma3")
        w.metadata["gemma3.embedding_length"] = .uint32(UInt32(dim))
        w.metadata["gemma3.block_count"] = .uint32(UInt32(layers))
        w.metadata["gemma3.feed_forward_length"] = .uint32(UInt32(ffn))
        w.metadata["gemma3.attention.head_count"] = .uint32(UInt32(heads))
        w.metadata["gemma3.attention.head_count_kv"] = .uint32(UInt32(kvHeads))
        w.metadata["gemma3.attention.key_length"] = .uint32(UInt32(headDim))
        w.metadata["gemma3.attention.value_length"] = .uint32(UInt32(headDim))
        w.metadata["gemma3.context_length"] = .uint32(128)
        w.metadata["gemma3.attention.layer_norm_rms_epsilon"] = .float32(1e-6)
        w.metadata["gemma3.rope.freq_base"] = .float32(1_000_000)
        w.metadata["gemma3.attention.sliding_window"] = .uint32(UInt32(window))
        w.metadata["gemma3.final_logit_softcapping"] = .float32(3)
        var rng = SeededRandom(seed: seed)
        func random(_ n: Int, _ s: Float) -> [Float] { (0..<n).map { _ in (rng.unit() * 2 - 1) * s } }
        func norm(_ n: Int) -> [Float] { (0..<n).map { _ in 1 + (rng.unit() - 0.5) * 0.4 } }
        let qDim = heads * headDim, kvDim = kvHeads * headDim
        // Embeddings are scaled by √dim on the way in, so they start small like Gemma's.
        try w.addTensor(name: "token_embd.weight", shape: [dim, vocab], values: random(dim * vocab, 0.2))
        try w.addTensor(name: "output_norm.weight", shape: [dim], values: norm(dim))
        for l in 0..<layers {
            try w.addTensor(name: "blk.\(l).attn_norm.weight", shape: [dim], values: norm(dim))
            try w.addTensor(name: "blk.\(l).attn_q.weight", shape: [dim, qDim], values: random(dim * qDim, weightScale))
            try w.addTensor(name: "blk.\(l).attn_k.weight", shape: [dim, kvDim], values: random(dim * kvDim, weightScale))
            try w.addTensor(name: "blk.\(l).attn_v.weight", shape: [dim, kvDim], values: random(dim * kvDim, weightScale))
            try w.addTensor(name: "blk.\(l).attn_q_norm.weight", shape: [headDim], values: norm(headDim))
            try w.addTensor(name: "blk.\(l).attn_k_norm.weight", shape: [headDim], values: norm(headDim))
            try w.addTensor(name: "blk.\(l).attn_output.weight", shape: [qDim, dim], values: random(qDim * dim, weightScale))
            try w.addTensor(name: "blk.\(l).post_attention_norm.weight", shape: [dim], values: norm(dim))
            try w.addTensor(name: "blk.\(l).ffn_norm.weight", shape: [dim], values: norm(dim))
            try w.addTensor(name: "blk.\(l).ffn_gate.weight", shape: [dim, ffn], values: random(dim * ffn, weightScale))
            try w.addTensor(name: "blk.\(l).ffn_up.weight", shape: [dim, ffn], values: random(dim * ffn, weightScale))
            try w.addTensor(name: "blk.\(l).ffn_down.weight", shape: [ffn, dim], values: random(dim * ffn, weightScale))
            try w.addTensor(name: "blk.\(l).post_ffw_norm.weight", shape: [dim], values: norm(dim))
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
