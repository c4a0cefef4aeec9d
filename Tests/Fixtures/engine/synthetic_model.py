"""Writes a tiny random GGUF decoder and prints the logits of a float64 NumPy forward pass over it.

usage: synthetic_model.py OUT.gguf ARCH(llama|gemma3|qwen2) WTYPE(f32|q8_0|q4_0) SEED
stdout: JSON {"tokens": [...], "logits": [[...] per position], "logits_q8_activations": [[...]]}
The second set rounds every matrix product's input to 8 bits the way bertha's 32-weight-block kernels
do (one scale per 4 values, d = max|x|/127: bertha_block_q8a) and is otherwise the same float64
computation.
"""
import json
import sys

import numpy as np
import gguf

out, arch, wtype, seed = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
rng = np.random.default_rng(seed)
dim, ffn, vocab = 64, 128, 96
if arch == "gemma3":
    layers, heads, kv_heads, hd, window = 6, 2, 1, 32, 3
else:
    layers, heads, kv_heads, hd, window = 2, 4, 2, 16, None
eps = 1e-6
base = 10000.0 if arch != "gemma3" else 1000000.0
qtype = {"f32": None, "q8_0": gguf.GGMLQuantizationType.Q8_0, "q4_0": gguf.GGMLQuantizationType.Q4_0}[wtype]

w = gguf.GGUFWriter(out, arch)
w.add_block_count(layers)
w.add_context_length(128)
w.add_embedding_length(dim)
w.add_feed_forward_length(ffn)
w.add_head_count(heads)
w.add_head_count_kv(kv_heads)
w.add_layer_norm_rms_eps(eps)
w.add_rope_freq_base(base)
w.add_key_length(hd)
w.add_value_length(hd)
if window:
    w.add_sliding_window(window)

weights = {}


def matrix(name, rows, cols, scale=0.2):
    a = (rng.standard_normal((rows, cols)) * scale).astype(np.float32)
    if qtype is None:
        w.add_tensor(name, a)
        weights[name] = a.astype(np.float64)
    else:
        q = gguf.quants.quantize(a, qtype)
        w.add_tensor(name, q, raw_dtype=qtype)
        weights[name] = gguf.quants.dequantize(q, qtype).reshape(rows, cols).astype(np.float64)


def vector(name, n, center=1.0, scale=0.1):
    a = (center + rng.standard_normal(n) * scale).astype(np.float32)
    w.add_tensor(name, a)
    weights[name] = a.astype(np.float64)


matrix("token_embd.weight", vocab, dim, 1.0)
vector("output_norm.weight", dim)
for l in range(layers):
    p = f"blk.{l}."
    vector(p + "attn_norm.weight", dim)
    matrix(p + "attn_q.weight", heads * hd, dim)
    matrix(p + "attn_k.weight", kv_heads * hd, dim)
    matrix(p + "attn_v.weight", kv_heads * hd, dim)
    if arch == "qwen2":
        vector(p + "attn_q.bias", heads * hd, 0.0, 0.1)
        vector(p + "attn_k.bias", kv_heads * hd, 0.0, 0.1)
        vector(p + "attn_v.bias", kv_heads * hd, 0.0, 0.1)
    if arch == "gemma3":
        vector(p + "attn_q_norm.weight", hd)
        vector(p + "attn_k_norm.weight", hd)
        vector(p + "post_attention_norm.weight", dim)
        vector(p + "post_ffw_norm.weight", dim)
    matrix(p + "attn_output.weight", dim, heads * hd)
    vector(p + "ffn_norm.weight", dim)
    matrix(p + "ffn_gate.weight", ffn, dim)
    matrix(p + "ffn_up.weight", ffn, dim)
    matrix(p + "ffn_down.weight", dim, ffn)
w.write_header_to_file()
w.write_kv_data_to_file()
w.write_tensors_to_file()
w.close()


def rms(x, g):
    return x / np.sqrt((x * x).mean(-1, keepdims=True) + eps) * g


def rope(x, pos, b, neox):
    half = hd // 2
    theta = pos * b ** (-2.0 * np.arange(half) / hd)
    c, s = np.cos(theta), np.sin(theta)
    y = x.copy()
    if neox:
        a, bb = x[:, :half], x[:, half:]
        y[:, :half], y[:, half:] = a * c - bb * s, a * s + bb * c
    else:
        a, bb = x[:, 0::2], x[:, 1::2]
        y[:, 0::2], y[:, 1::2] = a * c - bb * s, a * s + bb * c
    return y


def gelu(x):
    return 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3)))


tokens = [int(t) for t in rng.integers(0, vocab, 10)]
W = weights


def forward(quantize_activations):
  def mm(name, h):
    if quantize_activations and qtype is not None:
        b = h.reshape(-1, 4)
        d = np.abs(b).max(axis=1, keepdims=True) / 127
        q = np.round(np.divide(b, d, out=np.zeros_like(b), where=d > 0))
        h = (q * d).reshape(-1)
    return W[name] @ h

  kcache = [[] for _ in range(layers)]
  vcache = [[] for _ in range(layers)]
  neox = arch != "llama"
  all_logits = []
  for pos, t in enumerate(tokens):
      x = W["token_embd.weight"][t].copy()
      if arch == "gemma3":
          x *= np.sqrt(dim)
      for l in range(layers):
          p = f"blk.{l}."
          sliding = arch == "gemma3" and (l + 1) % 6 != 0
          h = rms(x, W[p + "attn_norm.weight"])
          q, k, v = mm(p + "attn_q.weight", h), mm(p + "attn_k.weight", h), mm(p + "attn_v.weight", h)
          if arch == "qwen2":
              q, k, v = q + W[p + "attn_q.bias"], k + W[p + "attn_k.bias"], v + W[p + "attn_v.bias"]
          q, k, v = q.reshape(heads, hd), k.reshape(kv_heads, hd), v.reshape(kv_heads, hd)
          if arch == "gemma3":
              q, k = rms(q, W[p + "attn_q_norm.weight"]), rms(k, W[p + "attn_k_norm.weight"])
          b = 10000.0 if sliding else base
          q, k = rope(q, pos, b, neox), rope(k, pos, b, neox)
          kcache[l].append(k)
          vcache[l].append(v)
          first = max(0, pos - window + 1) if sliding else 0
          K = np.stack(kcache[l][first:])
          V = np.stack(vcache[l][first:])
          att = np.zeros((heads, hd))
          for hh in range(heads):
              kv = hh // (heads // kv_heads)
              s = K[:, kv] @ q[hh] / np.sqrt(hd)
              s = np.exp(s - s.max())
              s /= s.sum()
              att[hh] = s @ V[:, kv]
          o = mm(p + "attn_output.weight", att.reshape(-1))
          if arch == "gemma3":
              o = rms(o, W[p + "post_attention_norm.weight"])
          x = x + o
          h = rms(x, W[p + "ffn_norm.weight"])
          g, u = mm(p + "ffn_gate.weight", h), mm(p + "ffn_up.weight", h)
          act = gelu(g) if arch == "gemma3" else g / (1 + np.exp(-g))
          d = mm(p + "ffn_down.weight", (act) * u)
          if arch == "gemma3":
              d = rms(d, W[p + "post_ffw_norm.weight"])
          x = x + d
      all_logits.append((mm("token_embd.weight", rms(x, W["output_norm.weight"]))).tolist())
  return all_logits


print(json.dumps({"tokens": tokens, "logits": forward(False), "logits_q8_activations": forward(True)}))
