#!/usr/bin/env python3
"""llama.cpp's logits for a base model with and without one of bertha's LoRA adapters.

Writes the reference the `LoRAParityTests` suite compares bertha's engine against: llama.cpp
(libllama inside llama-cpp-python, built from its PyPI sdist) loads the adapter GGUF that
`bertha retrain` wrote, and its logits at every position of a few chat transcripts are kept as the
top 10 (id, logit) pairs with and without the adapter.

Run it with the Python of `scripts/lora-parity.sh`, which builds llama-cpp-python first:

    .llama.cpp/venv/bin/python scripts/lora-parity.py BASE.gguf ADAPTER.gguf CHATS.jsonl OUT.json
"""
import hashlib
import json
import os
import sys

import llama_cpp
import numpy as np


def sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def top10(row):
    order = np.argsort(-row, kind="stable")[:10]
    return [[int(i), round(float(row[i]), 4)] for i in order]


def all_logits(llm, ids):
    llm.reset()
    llm.eval(ids)
    return np.array(llm.scores[: len(ids)], dtype=np.float32)


def main():
    base_path, adapter_path, chats_path, out_path = sys.argv[1:5]
    settings = dict(n_ctx=512, n_batch=512, n_ubatch=512, n_threads=2, n_threads_batch=2,
                    logits_all=True, flash_attn=False, verbose=False)
    base = llama_cpp.Llama(model_path=base_path, **settings)
    tuned = llama_cpp.Llama(model_path=base_path, lora_path=adapter_path, lora_scale=1.0, **settings)

    cases = []
    with open(chats_path) as f:
        for line in f:
            if not line.strip():
                continue
            text = json.loads(line)["text"]
            ids = base.tokenize(text.encode(), add_bos=True, special=True)
            with_adapter, without = all_logits(tuned, ids), all_logits(base, ids)
            cases.append({
                "text": text,
                "ids": ids,
                "positions": [{"pos": p, "top10": top10(with_adapter[p]), "base_top10": top10(without[p])}
                              for p in range(len(ids))],
            })

    fixture = {
        "generator": f"llama-cpp-python {llama_cpp.__version__} (libllama from its sdist), logits_all, "
                     "n_ctx 512, 2 threads, flash attention off, lora_scale 1.0",
        "model_file": os.path.basename(base_path),
        "model_sha256": sha256(base_path),
        "adapter_file": os.path.basename(adapter_path),
        "adapter_sha256": sha256(adapter_path),
        "cases": cases,
    }
    tmp = out_path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(fixture, f, separators=(",", ":"), ensure_ascii=False)
    os.replace(tmp, out_path)


if __name__ == "__main__":
    main()
