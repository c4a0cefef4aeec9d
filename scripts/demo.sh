#!/usr/bin/env bash
# The main job on one machine, embedded defaults (`make demo`; `make demo-stop` ends it):
#   1. starts MLflow, S3 (SeaweedFS), Prometheus with bertha's generated alert rules scraping the
#      server, and Alertmanager with bertha's generated config;
#   2. registers SmolLM2 in MLflow as smollm2@champion (when `bertha register` is built);
#   3. serves it with `bertha serve --model models:/smollm2@champion --rag` on 127.0.0.1:8080 (the
#      local GGUF file without RAG while the registry resolver or RAG is not built);
#   4. runs `bertha events` on 127.0.0.1:9400: Alertmanager posts retrain alerts there, SeaweedFS
#      posts bucket changes there, and it runs ingest / retrain → register → promote;
#   5. uploads examples/docs/ to the bucket (each upload becomes an ingest run: `bertha events runs`);
#   6. asks a question, rates the answer, shows the feedback counter in Prometheus, prints the URLs.
# Everything runs on 127.0.0.1; state and logs go to .services/.
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=${BERTHA_SERVICES_DIR:-$PWD/.services}
PORT=${BERTHA_DEMO_PORT:-8080}
EVENTS_PORT=${BERTHA_DEMO_EVENTS_PORT:-9400}
S3_PORT=${BERTHA_S3_PORT:-8333}
BUCKET=${BERTHA_DEMO_BUCKET:-bertha-docs}
# bertha's own configuration for every command the demo starts: the services below, demo state.
export BERTHA_S3_ENDPOINT="http://127.0.0.1:$S3_PORT" BERTHA_S3_BUCKET="$BUCKET"
export BERTHA_S3_ACCESS_KEY=${BERTHA_TEST_S3_ACCESS_KEY:-bertha-test}
export BERTHA_S3_SECRET_KEY=${BERTHA_TEST_S3_SECRET_KEY:-bertha-test-secret-key}
export BERTHA_MLFLOW_TRACKING_URI="http://127.0.0.1:${BERTHA_MLFLOW_PORT:-5000}"
export BERTHA_EVENTS_PORT="$EVENTS_PORT" BERTHA_EVENTS_STATE_DIR="$DIR/demo/events"
# serve appends rated answers here; the retraining that bertha events starts learns from them.
export BERTHA_SERVER_FEEDBACK_LOG="$DIR/demo/feedback.jsonl"
BERTHA=${BERTHA:-.build/debug/bertha}
MODEL=models/SmolLM2-135M-Instruct.Q4_1.gguf

stop() {
  for name in events serve; do
    if [ -f "$DIR/$name.pid" ]; then
      kill "$(cat "$DIR/$name.pid")" 2>/dev/null || true
      rm -f "$DIR/$name.pid"
      echo "demo: bertha $name stopped"
    fi
  done
  bash scripts/services.sh stop
}

started() { # name -> 0 when the demo's process of that name is alive
  [ -f "$DIR/$1.pid" ] && kill -0 "$(cat "$DIR/$1.pid")" 2>/dev/null
}
if [ "${1:-}" = stop ]; then stop; exit 0; fi

[ -x "$BERTHA" ] || swift build
[ -f "$MODEL" ] || bash scripts/models.sh

mkdir -p "$DIR/demo"
# Prometheus: bertha's rules, scraping bertha serve every 5 s, alerting through Alertmanager.
"$BERTHA" alert-rules --set alerts.evaluation_interval=5s -o "$DIR/demo/bertha-rules.yaml"
"$BERTHA" alert-rules --format alertmanager --set alerts.webhook_url="http://127.0.0.1:$EVENTS_PORT/alertmanager" \
  -o "$DIR/demo/alertmanager.yml"
cat > "$DIR/demo/prometheus.yml" <<YAML
global: {scrape_interval: 5s, evaluation_interval: 5s}
rule_files: ["$DIR/demo/bertha-rules.yaml"]
alerting:
  alertmanagers: [{static_configs: [{targets: ["127.0.0.1:${BERTHA_ALERTMANAGER_PORT:-9093}"]}]}]
scrape_configs:
  - job_name: bertha
    static_configs: [{targets: ["127.0.0.1:$PORT"]}]
YAML
BERTHA_PROMETHEUS_CONFIG="$DIR/demo/prometheus.yml" BERTHA_ALERTMANAGER_CONFIG="$DIR/demo/alertmanager.yml" \
  BERTHA_S3_WEBHOOK_URL="http://127.0.0.1:$EVENTS_PORT/seaweedfs" \
  bash scripts/services.sh start mlflow s3 prometheus alertmanager

"$BERTHA" register "$MODEL" --name smollm2 --alias champion --tracking-uri "http://127.0.0.1:${BERTHA_MLFLOW_PORT:-5000}"

# bertha events: the receiver Alertmanager and SeaweedFS post to, and the local pipeline runner.
if started events; then
  echo "demo: bertha events already running"
else
  setsid "$BERTHA" events --host 127.0.0.1 --port "$EVENTS_PORT" > "$DIR/events.log" 2>&1 < /dev/null &
  echo $! > "$DIR/events.pid"
  for _ in $(seq 1 30); do curl -sf "http://127.0.0.1:$EVENTS_PORT/health" >/dev/null && break; sleep 1; done
  curl -sf "http://127.0.0.1:$EVENTS_PORT/health" >/dev/null || { echo "demo: bertha events did not start:"; tail "$DIR/events.log"; exit 1; }
fi

start_serve() { # serve arguments... -> 0 once /health answers
  setsid "$BERTHA" serve --port "$PORT" "$@" \
    > "$DIR/serve.log" 2>&1 < /dev/null &
  echo $! > "$DIR/serve.pid"
  for _ in $(seq 1 60); do
    curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && return 0
    started serve || return 1
    sleep 1
  done
  return 1
}
if started serve; then
  echo "demo: bertha serve already running"
else
  # The registry alias with RAG: what the closed loop swaps when a retrained model is promoted.
  start_serve --model models:/smollm2@champion --rag \
    || { echo "demo: bertha serve did not start:"; tail "$DIR/serve.log"; exit 1; }
fi

# Upload the example documents: SeaweedFS tells bertha events, which ingests each one.
s3() { curl -sf --aws-sigv4 "aws:amz:us-east-1:s3" --user "$BERTHA_S3_ACCESS_KEY:$BERTHA_S3_SECRET_KEY" "$@"; }
s3 -X PUT "http://127.0.0.1:$S3_PORT/$BUCKET" >/dev/null 2>&1 || true
for file in examples/docs/*; do
  s3 -T "$file" "http://127.0.0.1:$S3_PORT/$BUCKET/docs/$(basename "$file")" >/dev/null
  echo "demo: uploaded $file to s3://$BUCKET/docs/"
done
# The uploads reach bertha events as bucket notifications; wait until their ingest runs are done.
for _ in $(seq 1 60); do
  pending=$("$BERTHA" events runs --json | python3 -c 'import json,sys; print(sum(r["state"] in ("queued","running") for r in json.load(sys.stdin)))')
  [ "$pending" = 0 ] && break; sleep 1
done
echo "demo: runs so far (bertha events runs):"
"$BERTHA" events runs | sed 's/^/  /'

echo
echo "demo: asking SmolLM2 about an uploaded document through the OpenAI API (RAG)"
answer=$(curl -sf "http://127.0.0.1:$PORT/v1/chat/completions" -H 'Content-Type: application/json' \
  -d '{"messages":[{"role":"user","content":"Who is the captain of the ferry Bertha, and how many passengers does she carry?"}],"max_tokens":64,"temperature":0}')
python3 - "$answer" <<'PY'
import json, sys
r = json.loads(sys.argv[1])
t = r["timings"]
print(r["choices"][0]["message"]["content"])
for s in r.get("sources", []):
    print("  [%d] %s (score %.2f)" % (s["index"], s["uri"], s["score"]))
print("\n(%d prompt tokens, %d generated at %.0f tokens/s)" % (t["prompt_n"], t["predicted_n"], t["predicted_per_second"]))
PY
id=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["id"])' "$answer")
curl -sf "http://127.0.0.1:$PORT/v1/feedback" -H 'Content-Type: application/json' -d "{\"id\":\"$id\",\"score\":\"up\"}" >/dev/null
echo "demo: rated it 👍; waiting for Prometheus to scrape the vote"
for _ in $(seq 1 20); do
  votes=$(curl -s "http://127.0.0.1:${BERTHA_PROMETHEUS_PORT:-9090}/api/v1/query" --data-urlencode 'query=sum(bertha_feedback_total)' \
    | python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else "")')
  [ -n "$votes" ] && break; sleep 1
done
echo "demo: Prometheus sees sum(bertha_feedback_total) = ${votes:-nothing yet}"
cat <<EOF

  Chat           http://127.0.0.1:$PORT/
  OpenAI API     http://127.0.0.1:$PORT/v1   (try: curl http://127.0.0.1:$PORT/v1/models)
  Events         http://127.0.0.1:$EVENTS_PORT/runs   (or: $BERTHA events runs; state in $DIR/demo/events)
  Metrics        http://127.0.0.1:$PORT/metrics
  Prometheus     http://127.0.0.1:${BERTHA_PROMETHEUS_PORT:-9090}/alerts
  Alertmanager   http://127.0.0.1:${BERTHA_ALERTMANAGER_PORT:-9093}
  MLflow         http://127.0.0.1:${BERTHA_MLFLOW_PORT:-5000}
  Logs           $DIR/*.log
Stop everything with: make demo-stop
EOF
