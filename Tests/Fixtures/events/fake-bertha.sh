#!/usr/bin/env bash
# A stand-in for `bertha` in the events runner tests: takes the same step arguments, records what
# ran in $FAKE_DIR/calls, and detects overlapping runs with mkdir locks (mkdir is atomic).
set -u
sub=$1; shift
echo "$sub $*" >> "$FAKE_DIR/calls"
case "$sub" in
  ingest)
    event=""; while [ $# -gt 0 ]; do [ "$1" = --event ] && event=$2; shift; done
    key=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["Records"][0]; print(r["eventName"]+" "+r["s3"]["object"]["key"])' "$event")
    lock="$FAKE_DIR/lock-$(echo "${key#* }" | md5sum | cut -c1-8)"
    mkdir "$lock" 2>/dev/null || echo "OVERLAP ingest ${key#* }" >> "$FAKE_DIR/overlaps"
    echo "begin $key" >> "$FAKE_DIR/ingests"
    sleep "${FAKE_INGEST_SECONDS:-0.3}"
    echo "end $key" >> "$FAKE_DIR/ingests"
    rmdir "$lock" 2>/dev/null
    [ -e "$FAKE_DIR/fail-ingest" ] && { echo "ingest: simulated failure" >&2; exit 1; }
    echo '{"chunks":3}' ;;
  retrain)
    out=""; while [ $# -gt 0 ]; do case "$1" in --set) case "$2" in retrain.output_dir=*) out=${2#retrain.output_dir=};; esac;; esac; shift; done
    mkdir "$FAKE_DIR/lock-retrain" 2>/dev/null || echo "OVERLAP retrain" >> "$FAKE_DIR/overlaps"
    echo begin >> "$FAKE_DIR/retrains"
    echo "retrain: training for ${FAKE_RETRAIN_SECONDS:-1}s" >&2
    sleep "${FAKE_RETRAIN_SECONDS:-1}"
    mkdir -p "$out"; echo candidate > "$out/model.gguf"; echo "${FAKE_GATE:-passed}" > "$out/gate"
    echo end >> "$FAKE_DIR/retrains"
    rmdir "$FAKE_DIR/lock-retrain"
    echo '{"eval_loss":1.5}' ;;
  inspect)
    [ -e "$FAKE_DIR/fail-evaluate" ] && { echo "inspect: not a GGUF file" >&2; exit 1; }
    echo "GGUF v3" ;;
  register)
    n=$(($(cat "$FAKE_DIR/version" 2>/dev/null || echo 1) + 1)); echo "$n" > "$FAKE_DIR/version"
    echo "{\"name\":\"smollm2\",\"version\":\"$n\"}" ;;
  *) echo "fake-bertha: unknown subcommand $sub" >&2; exit 2 ;;
esac
