/// The GGUF tensor names of the decoder architectures (llama.cpp's `LLM_TENSOR_NAMES`), one table.
enum TensorName {
    static let tokenEmbedding = "token_embd.weight"
    static let outputNorm = "output_norm.weight"
    static let output = "output.weight"
    static let ropeFrequencies = "rope_freqs.weight"

    /// Per-block tensors: `blk.N.<suffix>`.
    enum Block: String, CaseIterable {
        case attentionNorm = "attn_norm.weight"
        case query = "attn_q.weight"
        case key = "attn_k.weight"
        case value = "attn_v.weight"
        case queryBias = "attn_q.bias"
        case keyBias = "attn_k.bias"
        case valueBias = "attn_v.bias"
        case queryNorm = "attn_q_norm.weight"
        case keyNorm = "attn_k_norm.weight"
        case attentionOutput = "attn_output.weight"
        case postAttentionNorm = "post_attention_norm.weight"
        case feedForwardNorm = "ffn_norm.weight"
        case gate = "ffn_gate.weight"
        case up = "ffn_up.weight"
        case down = "ffn_down.weight"
        case postFeedForwardNorm = "post_ffw_norm.weight"
    }

    static func block(_ layer: Int, _ tensor: Block) -> String { "blk.\(layer).\(tensor.rawValue)" }
}
