#!/usr/bin/env bash
# Regenerates the LoRA parity fixtures (Tests/Fixtures/retrain/lora-parity/): for each base model,
# `bertha retrain` writes a small real adapter (rank 2 on q and v, trained on the fact set), and
# llama.cpp (libllama inside llama-cpp-python, pip-built from its PyPI sdist into
# .llama.cpp/venv, ~10 min on 2 cores the first time) loads that file and records its logits with
# and without it. `LoRAParityTests` then checks bertha's engine against them. Needs the network
# index only for the first build; run it after changing the adapter format or the trainer.
#
#   scripts/lora-parity.sh
set -euo pipefail
cd "$(dirname "$0")/.."

LLAMA_CPP_PYTHON=${LLAMA_CPP_PYTHON:-0.3.36}
VENV=.llama.cpp/venv
OUT=Tests/Fixtures/retrain/lora-parity

if ! "$VENV/bin/python" -c "import llama_cpp" 2>/dev/null; then
  echo "lora-parity: building llama-cpp-python $LLAMA_CPP_PYTHON from its sdist into $VENV"
  mkdir -p .llama.cpp
  [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check cmake ninja numpy
  CMAKE_ARGS="-DGGML_NATIVE=ON -DLLAMA_CURL=OFF" CMAKE_BUILD_PARALLEL_LEVEL=$(nproc) \
    "$VENV/bin/pip" install -q --disable-pip-version-check --no-binary llama-cpp-python "llama-cpp-python==$LLAMA_CPP_PYTHON"
fi

if [ -z "${BERTHA:-}" ]; then
  swift build -c release --product bertha >/dev/null
  BERTHA=.build/release/bertha
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

run() {  # model stem, chats file
  local model=models/$1.gguf chats=$OUT/$2
  "$BERTHA" retrain --base "$model" --data Tests/Fixtures/retrain/facts.jsonl \
    --eval-data Tests/Fixtures/retrain/paraphrases-chat.jsonl --rank 2 --alpha 4 --targets q,v \
    --steps 30 --lr 3e-3 --batch 4 --ctx 256 -t 2 --output-dir "$work/$1" --quiet >/dev/null
  cp "$work/$1/model.gguf" "$OUT/$1.adapter.gguf"
  "$VENV/bin/python" scripts/lora-parity.py "$model" "$OUT/$1.adapter.gguf" "$chats" "$OUT/$1.json"
  echo "lora-parity: $OUT/$1.json ($(du -h "$OUT/$1.adapter.gguf" | cut -f1) adapter)"
}
run SmolLM2-135M-Instruct.Q4_1 chats-chatml.jsonl
run gemma-3-270m-q4_k_m chats-gemma.jsonl
