#!/usr/bin/env bash
# bertha retrain vs PyTorch + PEFT on CPU: training tokens/s and peak RSS, same GGUF model (torch
# gets it dequantized to fp32 by transformers), same LoRA rank/alpha/targets, sequence length,
# batch and threads, same chat examples. Rounds are interleaved (bertha, torch, bertha, …) because
# the machine is noisy; medians are reported and written to $OUT/finetune-compare.json.
#
# torch (the CPU wheel), transformers, peft and gguf go into their own venv ($TORCH_VENV, default
# .st-venv/, ignored by git), never into the project's .venv. Run it on an idle machine.
#
#   THREADS=2 STEPS=10 ROUNDS=3 scripts/bench-finetune.sh [MODEL.gguf ...]
set -euo pipefail
cd "$(dirname "$0")/.."

THREADS=${THREADS:-2}
STEPS=${STEPS:-10}
ROUNDS=${ROUNDS:-3}
RANK=${RANK:-8}
ALPHA=${ALPHA:-16}
TARGETS=${TARGETS:-q,k,v,o}
BATCH=${BATCH:-4}
CTX=${CTX:-256}
DATA=${DATA:-Tests/Fixtures/retrain/facts.jsonl}
TORCH_VENV=${TORCH_VENV:-.st-venv}
OUT=${OUT:-bench-results}
models=("$@")
[ ${#models[@]} -gt 0 ] || models=(models/SmolLM2-135M-Instruct.Q4_1.gguf models/gemma-3-270m-q4_k_m.gguf)

if ! "$TORCH_VENV/bin/python" -c 'import torch, peft, transformers, gguf' 2>/dev/null; then
  echo "bench-finetune: installing torch (CPU), transformers, peft, gguf into $TORCH_VENV/"
  [ -x "$TORCH_VENV/bin/python" ] || python3 -m venv "$TORCH_VENV"
  # The CPU build of torch when the machine has it (no CUDA libraries), else PyPI's.
  "$TORCH_VENV/bin/pip" install -q --disable-pip-version-check "torch==2.13.0+cpu" 2>/dev/null \
    || "$TORCH_VENV/bin/pip" install -q --disable-pip-version-check torch
  "$TORCH_VENV/bin/pip" install -q --disable-pip-version-check transformers peft gguf sentencepiece protobuf
fi

swift build -c release --product bertha >/dev/null
BERTHA=.build/release/bertha
mkdir -p "$OUT/finetune"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for model in "${models[@]}"; do
  name=$(basename "$model" .gguf)
  rm -f "$OUT/finetune/$name".*.json
  for round in $(seq 1 "$ROUNDS"); do
    rm -rf "$work/run"
    "$BERTHA" retrain --base "$model" --data "$DATA" --eval-split 0.1 --rank "$RANK" --alpha "$ALPHA" \
      --targets "$TARGETS" --steps "$STEPS" --batch "$BATCH" --ctx "$CTX" -t "$THREADS" \
      --output-dir "$work/run" --quiet >/dev/null
    cp "$work/run/report.json" "$OUT/finetune/$name.bertha.$round.json"
    "$TORCH_VENV/bin/python" scripts/bench-finetune.py "$model" "$DATA" --steps "$STEPS" --threads "$THREADS" \
      --rank "$RANK" --alpha "$ALPHA" --targets "$TARGETS" --batch "$BATCH" --ctx "$CTX" \
      2>/dev/null > "$OUT/finetune/$name.torch.$round.json"
  done
done

python3 - "$OUT" "$ROUNDS" "${models[@]}" <<'PY'
import json, os, statistics, sys
out, rounds, models = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
results = []
for model in models:
    name = os.path.basename(model)[:-len(".gguf")]
    b = [json.load(open(f"{out}/finetune/{name}.bertha.{r}.json")) for r in range(1, rounds + 1)]
    t = [json.load(open(f"{out}/finetune/{name}.torch.{r}.json")) for r in range(1, rounds + 1)]
    bt = statistics.median(x["tokensPerSecond"] for x in b)
    tt = statistics.median(x["training_tokens_per_second"] for x in t)
    brss = max(x.get("peakRSSBytes") or 0 for x in b)
    trss = max(x["peak_rss_bytes"] for x in t)
    results.append({"model": name, "bertha_tokens_per_second": bt, "torch_peft_tokens_per_second": tt,
                    "ratio": bt / tt, "bertha_peak_rss_bytes": brss, "torch_peak_rss_bytes": trss,
                    "bertha_runs": [x["tokensPerSecond"] for x in b],
                    "torch_runs": [x["training_tokens_per_second"] for x in t], "torch": t[0]["torch"]})
    print(f"{name}: bertha {bt:.0f} vs torch+peft {tt:.0f} training tokens/s ({bt / tt:.2f}x); "
          f"peak RSS {brss / 2**20:.0f} vs {trss / 2**20:.0f} MiB")
tmp = f"{out}/finetune-compare.json.tmp"
with open(tmp, "w") as f:
    json.dump(results, f, indent=2)
os.replace(tmp, f"{out}/finetune-compare.json")
PY
