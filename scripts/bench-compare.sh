#!/usr/bin/env bash
# bertha vs llama.cpp, side by side, on this machine: same models, threads and sizes.
#
# llama.cpp is built once from the llama-cpp-python sdist on PyPI (its vendored llama.cpp, the
# commit the fixtures were made with) into .llama.cpp/ (ignored by git; ~4-9 min on 2 cores).
# The machine is noisy, so the runs are interleaved (bertha, llama.cpp, bertha, …) and each
# side's median and spread are reported. Run it on an idle machine; nothing else should compete.
#
#   THREADS=2 PROMPT=128 GEN=64 ROUNDS=5 scripts/bench-compare.sh [MODEL.gguf ...]
set -euo pipefail
cd "$(dirname "$0")/.."

THREADS=${THREADS:-2}
PROMPT=${PROMPT:-128}
GEN=${GEN:-64}
ROUNDS=${ROUNDS:-5}
LLAMA_CPP_PYTHON=${LLAMA_CPP_PYTHON:-0.3.36}
CACHE=.llama.cpp
OUT=${OUT:-bench-results}
models=("$@")
[ ${#models[@]} -gt 0 ] || models=(models/SmolLM2-135M-Instruct.Q4_1.gguf models/gemma-3-270m-q4_k_m.gguf)

LLAMA_BENCH=$CACHE/build/bin/llama-bench
if [ ! -x "$LLAMA_BENCH" ]; then
  echo "bench-compare: building llama.cpp (llama-cpp-python $LLAMA_CPP_PYTHON sdist) into $CACHE/"
  mkdir -p "$CACHE"
  [ -x "$CACHE/venv/bin/python" ] || python3 -m venv "$CACHE/venv"
  "$CACHE/venv/bin/pip" install -q --disable-pip-version-check cmake ninja
  "$CACHE/venv/bin/pip" download -q --no-deps --no-binary llama-cpp-python -d "$CACHE/sdist" "llama-cpp-python==$LLAMA_CPP_PYTHON"
  rm -rf "$CACHE/src" && mkdir -p "$CACHE/src"
  tar -xzf "$CACHE"/sdist/llama_cpp_python-"$LLAMA_CPP_PYTHON".tar.gz -C "$CACHE/src" --strip-components=1
  PATH="$PWD/$CACHE/venv/bin:$PATH" cmake -S "$CACHE/src/vendor/llama.cpp" -B "$CACHE/build" -G Ninja \
    -DCMAKE_BUILD_TYPE=Release -DGGML_NATIVE=ON -DLLAMA_CURL=OFF -DLLAMA_BUILD_SERVER=OFF \
    -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_TOOLS=ON >/dev/null
  PATH="$PWD/$CACHE/venv/bin:$PATH" cmake --build "$CACHE/build" --target llama-bench -j "$(nproc)"
fi

swift build -c release --product bertha >/dev/null
BERTHA=.build/release/bertha
mkdir -p "$OUT"

for model in "${models[@]}"; do
  name=$(basename "$model" .gguf)
  rm -f "$OUT/$name".bertha.*.json "$OUT/$name".llama.*.json
  for round in $(seq 1 "$ROUNDS"); do
    "$BERTHA" bench "$model" -t "$THREADS" -p "$PROMPT" -n "$GEN" -r 1 --json --quiet > "$OUT/$name.bertha.$round.json"
    "$LLAMA_BENCH" -m "$model" -t "$THREADS" -p "$PROMPT" -n "$GEN" -r 1 -o json > "$OUT/$name.llama.$round.json" 2>/dev/null
  done
  python3 - "$OUT" "$name" "$ROUNDS" "$THREADS" <<'PY'
import json, statistics, sys
out, name, rounds, threads = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
def bertha(kind):
    values = []
    for r in range(1, rounds + 1):
        report = json.load(open(f"{out}/{name}.bertha.{r}.json"))
        values.append(report[f"{kind}_tokens_per_second"]["median"])
    return values
def llama(kind):
    values = []
    for r in range(1, rounds + 1):
        for row in json.load(open(f"{out}/{name}.llama.{r}.json")):
            if (kind == "pp" and row["n_prompt"] > 0) or (kind == "tg" and row["n_gen"] > 0):
                values.append(row["avg_ts"])
    return values
summary = {"model": name, "threads": int(threads), "rounds": rounds, "interleaved": True}
print(f"\n{name}  ({threads} threads, {rounds} interleaved rounds, medians)")
print(f"{'test':<6}{'bertha t/s':>14}{'llama.cpp t/s':>16}{'ratio':>9}")
for kind in ("pp", "tg"):
    b, l = bertha(kind), llama(kind)
    mb, ml = statistics.median(b), statistics.median(l)
    summary[kind] = {"bertha": b, "llama_cpp": l, "bertha_median": mb, "llama_cpp_median": ml, "ratio": mb / ml}
    print(f"{kind:<6}{mb:>14.1f}{ml:>16.1f}{mb / ml:>8.2f}x   (bertha {min(b):.1f}-{max(b):.1f}, llama.cpp {min(l):.1f}-{max(l):.1f})")
json.dump(summary, open(f"{out}/{name}.compare.json", "w"), indent=2)
PY
done
