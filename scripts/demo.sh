#!/usr/bin/env bash
# The main job on one machine, embedded defaults (`make demo`; `make demo-stop` ends it):
#   1. starts MLflow, S3 (SeaweedFS), Prometheus with bertha's generated alert rules scraping the
#      server, and Alertmanager with bertha's generated config;
#   2. registers SmolLM2 in MLflow as smollm2@champion (when `bertha register` is built);
#   3. serves SmolLM2 with `bertha serve` on 127.0.0.1:8080;
#   4. asks it a question, rates the answer, and shows the feedback counter in Prometheus.
# Everything runs on 127.0.0.1; state and logs go to .services/.
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=${BERTHA_SERVICES_DIR:-$PWD/.services}
PORT=${BERTHA_DEMO_PORT:-8080}
BERTHA=${BERTHA:-.build/debug/bertha}
MODEL=models/SmolLM2-135M-Instruct.Q4_1.gguf

stop() {
  if [ -f "$DIR/serve.pid" ]; then
    kill "$(cat "$DIR/serve.pid")" 2>/dev/null || true
    rm -f "$DIR/serve.pid"
    echo "demo: bertha serve stopped"
  fi
  bash scripts/services.sh stop
}
if [ "${1:-}" = stop ]; then stop; exit 0; fi

[ -x "$BERTHA" ] || swift build
[ -f "$MODEL" ] || bash scripts/models.sh

mkdir -p "$DIR/demo"
# Prometheus: bertha's rules, scraping bertha serve every 5 s, alerting through Alertmanager.
"$BERTHA" alert-rules --set alerts.evaluation_interval=5s -o "$DIR/demo/bertha-rules.yaml"
"$BERTHA" alert-rules --format alertmanager -o "$DIR/demo/alertmanager.yml"
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
  bash scripts/services.sh start mlflow s3 prometheus alertmanager

register_probe=$("$BERTHA" register 2>&1 || true)
if grep -q "is not built yet" <<< "$register_probe"; then
  echo "demo: skipping MLflow registration (bertha register is not built yet)"
else
  "$BERTHA" register "$MODEL" --name smollm2 --alias champion --tracking-uri "http://127.0.0.1:${BERTHA_MLFLOW_PORT:-5000}"
fi

if [ -f "$DIR/serve.pid" ] && kill -0 "$(cat "$DIR/serve.pid")" 2>/dev/null; then
  echo "demo: bertha serve already running"
else
  setsid "$BERTHA" serve --model "$MODEL" --port "$PORT" --set server.feedback_log="$DIR/demo/feedback.jsonl" \
    > "$DIR/serve.log" 2>&1 < /dev/null &
  echo $! > "$DIR/serve.pid"
  for _ in $(seq 1 60); do curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 1; done
  curl -sf "http://127.0.0.1:$PORT/health" >/dev/null || { echo "demo: bertha serve did not start:"; tail "$DIR/serve.log"; exit 1; }
fi

echo
echo "demo: asking SmolLM2 a question through the OpenAI API"
answer=$(curl -sf "http://127.0.0.1:$PORT/v1/chat/completions" -H 'Content-Type: application/json' \
  -d '{"messages":[{"role":"user","content":"Give me three tips for writing clear documentation."}],"max_tokens":96,"temperature":0.7,"seed":7}')
python3 - "$answer" <<'PY'
import json, sys
r = json.loads(sys.argv[1])
t = r["timings"]
print(r["choices"][0]["message"]["content"])
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

  OpenAI API     http://127.0.0.1:$PORT/v1   (try: curl http://127.0.0.1:$PORT/v1/models)
  Metrics        http://127.0.0.1:$PORT/metrics
  Prometheus     http://127.0.0.1:${BERTHA_PROMETHEUS_PORT:-9090}/alerts
  Alertmanager   http://127.0.0.1:${BERTHA_ALERTMANAGER_PORT:-9093}
  MLflow         http://127.0.0.1:${BERTHA_MLFLOW_PORT:-5000}
  Logs           $DIR/*.log
Stop everything with: make demo-stop
EOF
