#!/usr/bin/env python3
"""Aggregate generation throughput of a running `bertha serve` at several concurrency levels.

Each of C client threads sends R non-streaming /v1/completions one after another; the figure is
all completion tokens over the wall time of the level. Levels are interleaved over --rounds and
the median per level is printed (the machine is shared: single runs are noisy).

    scripts/batch-throughput.py --url http://127.0.0.1:8080 --concurrency 1,4,8 --requests 2 --max-tokens 64
"""
import argparse
import json
import statistics
import threading
import time
import urllib.request

PROMPTS = [
    "Write a long story about a dragon who learns to bake bread.",
    "Explain in detail how a steam engine works.",
    "List the countries of Europe and describe each one briefly.",
    "Tell me about the history of the printing press.",
]


def complete(url, prompt, max_tokens, key):
    body = json.dumps({"prompt": prompt, "max_tokens": max_tokens, "temperature": 0}).encode()
    req = urllib.request.Request(url + "/v1/completions", data=body, headers={"Content-Type": "application/json"})
    if key:
        req.add_header("Authorization", "Bearer " + key)
    with urllib.request.urlopen(req, timeout=600) as r:
        return json.load(r)["usage"]["completion_tokens"]


def level(url, concurrency, requests, max_tokens, key):
    tokens = [0] * concurrency

    def client(i):
        for r in range(requests):
            tokens[i] += complete(url, PROMPTS[(i + r) % len(PROMPTS)] + f" (#{i}.{r})", max_tokens, key)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(concurrency)]
    start = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(tokens) / (time.monotonic() - start)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", default="http://127.0.0.1:8080")
    ap.add_argument("--concurrency", default="1,4,8")
    ap.add_argument("--requests", type=int, default=2)
    ap.add_argument("--max-tokens", type=int, default=64)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--api-key")
    a = ap.parse_args()
    levels = [int(c) for c in a.concurrency.split(",")]
    results = {c: [] for c in levels}
    complete(a.url, "warm up", 4, a.api_key)
    for _ in range(a.rounds):
        for c in levels:
            results[c].append(level(a.url, c, a.requests, a.max_tokens, a.api_key))
    base = statistics.median(results[levels[0]])
    out = {str(c): {"median_tokens_per_second": round(statistics.median(v), 1), "runs": [round(x, 1) for x in v],
                    "vs_first": round(statistics.median(v) / base, 2)} for c, v in results.items()}
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
