#!/usr/bin/env bash
# The retrain acceptance run (issue #8): teach each base model 40 facts about a fictional product
# it cannot know (Tests/Fixtures/retrain/facts.jsonl, each fact asked two ways: facts-rephrased.jsonl
# holds the second wording; neither is a wording of the held-out set), then check on held-out
# paraphrases that
#   - the eval loss on the paraphrased chats dropped by at least 30 %, and
#   - the tuned model answers >= 70 % of the paraphrased questions with the right fact (greedy),
#     against <= 10 % for the base.
# A release build, 2 threads, a few hundred steps: minutes per model on this machine, so it is a
# make target (`make retrain-acceptance`) and not part of `make test`. Results go to
# $OUT/retrain-acceptance.json (one object per model) and each run's report.json beside it.
#
#   STEPS=300 LR=3e-3 RANK=16 TARGETS=q,k,v,o,gate,up,down THREADS=2 PHRASINGS=2 scripts/retrain-acceptance.sh [MODEL.gguf ...]
set -euo pipefail
cd "$(dirname "$0")/.."

STEPS=${STEPS:-300}
LR=${LR:-3e-3}
RANK=${RANK:-16}
ALPHA=${ALPHA:-32}
TARGETS=${TARGETS:-q,k,v,o,gate,up,down}
BATCH=${BATCH:-4}
CTX=${CTX:-128}
THREADS=${THREADS:-2}
OUT=${OUT:-bench-results}
PHRASINGS=${PHRASINGS:-2}
models=("$@")
[ ${#models[@]} -gt 0 ] || models=(models/SmolLM2-135M-Instruct.Q4_1.gguf models/gemma-3-270m-q4_k_m.gguf)

# BERTHA=path runs a given binary (e.g. a copy, while the tree is rebuilt) instead of building one.
if [ -z "${BERTHA:-}" ]; then
  swift build -c release --product bertha >/dev/null
  BERTHA=.build/release/bertha
fi
FIXTURES=Tests/Fixtures/retrain
data=(--data "$FIXTURES/facts.jsonl")
[ "$PHRASINGS" = 1 ] || data+=(--data "$FIXTURES/facts-rephrased.jsonl")
mkdir -p "$OUT/retrain"

for model in "${models[@]}"; do
  name=$(basename "$model" .gguf)
  dir="$OUT/retrain/$name"
  rm -rf "$dir"
  echo "retrain-acceptance: $name ($STEPS steps, lr $LR, rank $RANK on $TARGETS, batch $BATCH x $CTX tokens, $PHRASINGS phrasing(s) per fact, $THREADS threads)"
  "$BERTHA" retrain --base "$model" "${data[@]}" \
    --eval-data "$FIXTURES/paraphrases-chat.jsonl" --canary "$FIXTURES/paraphrases.jsonl" \
    --rank "$RANK" --alpha "$ALPHA" --targets "$TARGETS" --steps "$STEPS" --lr "$LR" --batch "$BATCH" --ctx "$CTX" \
    --min-improvement 0.3 --max-canary-regression 0 -t "$THREADS" --output-dir "$dir" --quiet >/dev/null
done

python3 - "$OUT" "$STEPS" "$LR" "$PHRASINGS" "${models[@]}" <<'PY'
import json, os, sys
out, steps, lr, phrasings, models = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), sys.argv[5:]
results, failed = [], False
for model in models:
    name = os.path.basename(model)[:-len(".gguf")]
    r = json.load(open(f"{out}/retrain/{name}/report.json"))
    drop = (r["base"]["loss"] - r["tuned"]["loss"]) / r["base"]["loss"]
    base, tuned = r["canaryBase"]["score"], r["canaryTuned"]["score"]
    ok = drop >= 0.30 and tuned >= 0.70 and base <= 0.10
    failed |= not ok
    results.append({
        "model": name, "steps": steps, "learning_rate": lr, "phrasings_per_fact": phrasings,
        "eval_loss_base": r["base"]["loss"], "eval_loss_tuned": r["tuned"]["loss"], "eval_loss_drop": drop,
        "paraphrases_base": base, "paraphrases_tuned": tuned, "paraphrases_total": r["canaryTuned"]["total"],
        "training_seconds": r["trainingSeconds"], "training_tokens_per_second": r["tokensPerSecond"],
        "peak_rss_bytes": r.get("peakRSSBytes"), "gate": "passed" if r["decision"]["passed"] else "failed", "accepted": ok,
    })
    print(f"{name}: eval loss {r['base']['loss']:.3f} -> {r['tuned']['loss']:.3f} ({drop:.0%} drop, need 30%); "
          f"paraphrases answered {base:.0%} base -> {tuned:.0%} tuned (need <=10% -> >=70%); "
          f"{r['tokensPerSecond']:.0f} training tokens/s, {r['trainingSeconds']:.0f} s, "
          f"peak RSS {(r.get('peakRSSBytes') or 0) / 2**20:.0f} MiB: {'accepted' if ok else 'NOT accepted'}")
tmp = f"{out}/retrain-acceptance.json.tmp"
with open(tmp, "w") as f:
    json.dump(results, f, indent=2)
os.replace(tmp, f"{out}/retrain-acceptance.json")
sys.exit(1 if failed else 0)
PY
