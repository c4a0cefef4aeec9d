#!/usr/bin/env bash
# bertha vs sentence-transformers on CPU: all-MiniLM-L6-v2, the same sentences, batch and threads.
#
# sentence-transformers and torch (CPU wheels from PyPI; the CUDA libraries come along, ~5 GB) go
# into their own venv ($ST_VENV, default .st-venv/, ignored by git), never into the project's .venv.
# bertha writes the sentences it generates (--save-sentences) and sentence-transformers reads the
# same file. Runs are interleaved (bertha, sentence-transformers, bertha, …) because the machine is
# noisy; each side's median and spread are reported. Run it on an idle machine.
#
#   THREADS=2 SENTENCES=1000 BATCH=32 ROUNDS=5 scripts/bench-embeddings.sh [MODEL]
#
# INPUT=FILE embeds FILE's lines instead of generated sentences (e.g. ingest-sized chunks, which
# cost far more per text than short sentences: attention and every matmul grow with the length).
set -euo pipefail
cd "$(dirname "$0")/.."

THREADS=${THREADS:-2}
SENTENCES=${SENTENCES:-1000}
BATCH=${BATCH:-32}
ROUNDS=${ROUNDS:-5}
ST_VENV=${ST_VENV:-.st-venv}
OUT=${OUT:-bench-results}
MODEL=${1:-models/all-MiniLM-L6-v2}
REFERENCE=${REFERENCE:-models/all-MiniLM-L6-v2}

if [ ! -x "$ST_VENV/bin/python" ] || ! "$ST_VENV/bin/python" -c 'import sentence_transformers' 2>/dev/null; then
  echo "bench-embeddings: installing torch + sentence-transformers into $ST_VENV/"
  [ -x "$ST_VENV/bin/python" ] || python3 -m venv "$ST_VENV"
  "$ST_VENV/bin/pip" install -q --disable-pip-version-check torch sentence-transformers
fi

swift build -c release --product bertha >/dev/null
BERTHA=.build/release/bertha
mkdir -p "$OUT"
SENTENCE_FILE=${INPUT:-$OUT/embedding-sentences.txt}
if [ -n "${INPUT:-}" ]; then TEXTS=(--input "$INPUT"); else TEXTS=(--sentences "$SENTENCES" --save-sentences "$SENTENCE_FILE"); fi
name=$(basename "$MODEL" .gguf)
rm -f "$OUT/$name".bertha.*.json "$OUT/$name".st.*.json

for round in $(seq 1 "$ROUNDS"); do
  "$BERTHA" bench --embeddings "$MODEL" "${TEXTS[@]}" --batch "$BATCH" -t "$THREADS" -r 1 \
    --json --quiet > "$OUT/$name.bertha.$round.json"
  "$ST_VENV/bin/python" - "$REFERENCE" "$SENTENCE_FILE" "$BATCH" "$THREADS" > "$OUT/$name.st.$round.json" <<'PY'
import json, sys, time
import torch
torch.set_num_threads(int(sys.argv[4]))
from sentence_transformers import SentenceTransformer
model = SentenceTransformer(sys.argv[1], device="cpu")
sentences = [line.rstrip("\n") for line in open(sys.argv[2], encoding="utf-8") if line.strip()]
batch = int(sys.argv[3])
model.encode(sentences[:batch], batch_size=batch, normalize_embeddings=True)  # warm-up, as bertha's
start = time.perf_counter()
model.encode(sentences, batch_size=batch, normalize_embeddings=True)
seconds = time.perf_counter() - start
print(json.dumps({"sentences": len(sentences), "seconds": seconds, "sentences_per_second": len(sentences) / seconds,
                  "torch": torch.__version__, "threads": torch.get_num_threads()}))
PY
done

python3 - "$OUT" "$name" "$ROUNDS" "$THREADS" "$BATCH" <<'PY'
import json, statistics, sys
out, name, rounds, threads, batch = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
bertha = [json.load(open(f"{out}/{name}.bertha.{r}.json"))["sentences_per_second"]["median"] for r in range(1, rounds + 1)]
st = [json.load(open(f"{out}/{name}.st.{r}.json"))["sentences_per_second"] for r in range(1, rounds + 1)]
b, s = statistics.median(bertha), statistics.median(st)
print(f"{name}, {threads} threads, batch {batch}, {rounds} interleaved rounds (sentences/s, median [min-max]):")
print(f"  bertha                {b:8.1f} [{min(bertha):.1f}-{max(bertha):.1f}]")
print(f"  sentence-transformers {s:8.1f} [{min(st):.1f}-{max(st):.1f}]")
print(f"  ratio                 {b / s:8.2f}x")
json.dump({"model": name, "threads": int(threads), "batch": int(batch), "bertha": bertha, "sentence_transformers": st,
           "ratio": b / s}, open(f"{out}/{name}.embeddings-compare.json", "w"), indent=2)
PY
