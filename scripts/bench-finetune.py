#!/usr/bin/env python3
"""PyTorch + PEFT fine-tuning the same GGUF model the way `bertha retrain` does, for speed only.

The model is the GGUF itself loaded by transformers (`gguf_file`: the same weights dequantized to
fp32), LoRA on the same projections with the same rank/alpha, AdamW, the same chat examples
rendered by the model's chat template, packed greedily into rows of CTX tokens, BATCH rows a step,
loss on the assistant tokens. bertha packs examples with attention blocked between them; here a
row is one causal sequence, which costs the same matrix work. Prints one JSON object:
training tokens per second over the timed steps (after WARMUP untimed ones) and peak RSS.

    python scripts/bench-finetune.py MODEL.gguf DATA.jsonl --steps 20 --threads 2
"""
import argparse
import json
import os
import resource
import time

import torch
from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM, AutoTokenizer

TARGETS = {"q": "q_proj", "k": "k_proj", "v": "v_proj", "o": "o_proj",
           "gate": "gate_proj", "up": "up_proj", "down": "down_proj"}


def rows_of(tokenizer, data_path, ctx):
    """Each example tokenized whole (prompt + answer), labels only on the answer; packed into rows."""
    rows, tokens, labels = [], [], []
    for line in open(data_path):
        if not line.strip():
            continue
        messages = json.loads(line)["messages"]
        if tokenizer.chat_template:
            prompt = tokenizer.apply_chat_template(messages[:-1], tokenize=False, add_generation_prompt=True)
            full = tokenizer.apply_chat_template(messages, tokenize=False)
        else:  # Gemma 3 270M ships without a template; bertha uses Gemma's turn format for it
            turn = lambda m: f"<start_of_turn>{'model' if m['role'] == 'assistant' else m['role']}\n{m['content']}<end_of_turn>\n"
            prompt = tokenizer.bos_token + "".join(turn(m) for m in messages[:-1]) + "<start_of_turn>model\n"
            full = tokenizer.bos_token + "".join(turn(m) for m in messages)
        prompt_ids = tokenizer(prompt, add_special_tokens=False)["input_ids"]
        ids = tokenizer(full, add_special_tokens=False)["input_ids"][:ctx]
        example_labels = [-100] * min(len(prompt_ids), len(ids)) + ids[len(prompt_ids):]
        if len(tokens) + len(ids) > ctx:
            rows.append((tokens, labels))
            tokens, labels = [], []
        tokens, labels = tokens + ids, labels + example_labels
    if tokens:
        rows.append((tokens, labels))
    return rows


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("model")
    parser.add_argument("data")
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rank", type=int, default=8)
    parser.add_argument("--alpha", type=float, default=16)
    parser.add_argument("--targets", default="q,k,v,o")
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--ctx", type=int, default=256)
    parser.add_argument("--lr", type=float, default=2e-3)
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(42)
    directory, name = os.path.split(os.path.abspath(args.model))
    tokenizer = AutoTokenizer.from_pretrained(directory, gguf_file=name)
    model = AutoModelForCausalLM.from_pretrained(directory, gguf_file=name, dtype=torch.float32,
                                                 attn_implementation="eager")
    config = LoraConfig(r=args.rank, lora_alpha=args.alpha, lora_dropout=0.0, bias="none",
                        target_modules=[TARGETS[t] for t in args.targets.split(",")], task_type="CAUSAL_LM")
    model = get_peft_model(model, config)
    model.train()
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=args.lr)

    rows = rows_of(tokenizer, args.data, args.ctx)
    timed_tokens, timed_seconds = 0, 0.0
    for step in range(args.warmup + args.steps):
        batch = [rows[(step * args.batch + i) % len(rows)] for i in range(args.batch)]
        start = time.perf_counter()
        optimizer.zero_grad()
        for tokens, labels in batch:  # row by row, like bertha (no padding to waste work on)
            out = model(input_ids=torch.tensor([tokens]), labels=torch.tensor([labels]))
            (out.loss / len(batch)).backward()
        optimizer.step()
        seconds = time.perf_counter() - start
        if step >= args.warmup:
            timed_tokens += sum(len(t) for t, _ in batch)
            timed_seconds += seconds
    print(json.dumps({
        "model": name, "torch": torch.__version__, "threads": args.threads, "steps": args.steps,
        "tokens": timed_tokens, "seconds": timed_seconds,
        "training_tokens_per_second": timed_tokens / timed_seconds,
        "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    }))


if __name__ == "__main__":
    main()
