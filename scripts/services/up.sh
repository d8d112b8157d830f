#!/usr/bin/env bash
# `npm run services:up`: starts the real services the integration tests use, on loopback:
#   Kafka 4.x (KRaft, single node)  127.0.0.1:9092   freshly formatted on every start
#   Prometheus (Debian)             127.0.0.1:9090   remote-write receiver at /api/v1/write
#   collectd (Debian, write_kafka)  real host metrics -> Kafka topic "collectd" every second
# Idempotent: services this clone already runs are kept when healthy, and a healthy Kafka or
# Prometheus that something else started on those ports is reused rather than fought over.
# Returns only when everything answers. State, logs and data: .services/ (gitignored).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=lib.sh
source "$here/lib.sh"

started_at=$(date +%s%N)
mkdir -p "$STATE_DIR"
command -v node >/dev/null 2>&1 || die "node is not installed"
node -e "require.resolve('kafkajs', { paths: [process.argv[1]] })" "$REPO_ROOT/backend-detector" 2>/dev/null ||
  die "the repository's npm dependencies are missing (kafkajs): run \`npm ci\` first"
# Callers that must stop only what this run started (scripts/test.sh) name a file here;
# each service started (not kept or reused) is appended to it, one name per line.
started_file="${ANOMALYLENS_SERVICES_STARTED_FILE:-/dev/null}"

# spawn <name> <cmd...>: runs the command detached (own session, survives this script) with
# output in .services/<name>/<name>.log; the pid file names the process itself.
spawn() {
  local name="$1"
  shift
  local dir="$STATE_DIR/$name"
  mkdir -p "$dir"
  rm -f "$dir/pid"
  echo "$name" >>"$started_file"
  setsid bash -c 'echo $$ >"$0"; exec "$@"' "$dir/pid" "$@" \
    </dev/null >"$dir/$name.log" 2>&1 &
  local i
  for ((i = 0; i < 50; i++)); do
    [[ -s "$dir/pid" ]] && return 0
    sleep 0.02
  done
  die "$name did not start"
}

# fail_with_log <name> <message>: stops our half-started process and shows its log tail.
fail_with_log() {
  local name="$1" dir="$STATE_DIR/$1"
  log "$2; last lines of $dir/$name.log:"
  tail -n 25 "$dir/$name.log" >&2 || true
  if pid_alive "$dir/pid"; then kill -TERM "$(cat "$dir/pid")" 2>/dev/null || true; fi
  rm -f "$dir/pid"
  exit 1
}

# ---------------------------------------------------------------- Prometheus
prometheus_state=""
prometheus_start() {
  local dir="$STATE_DIR/prometheus"
  if pid_alive "$dir/pid"; then
    if prometheus_ready; then
      prometheus_state="running (pid $(cat "$dir/pid"))"
      return 0
    fi
    fail_with_log prometheus "Prometheus (pid $(cat "$dir/pid")) runs but is not ready"
  fi
  if port_open 9090; then
    if prometheus_ready && prometheus_accepts_remote_write; then
      prometheus_state="reused: a healthy Prometheus with remote write already listens on $PROMETHEUS_ADDR"
      return 0
    fi
    die "port 9090 is held by something that is not a Prometheus with the remote-write receiver"
  fi
  command -v prometheus >/dev/null 2>&1 || die "prometheus is not installed (run scripts/services/install.sh)"
  rm -rf "$dir/data"
  mkdir -p "$dir/data"
  cp "$here/prometheus/prometheus.yml" "$dir/prometheus.yml"
  spawn prometheus prometheus \
    --config.file="$dir/prometheus.yml" \
    --storage.tsdb.path="$dir/data" \
    --storage.tsdb.retention.time=30d \
    --web.listen-address="$PROMETHEUS_ADDR" \
    --web.enable-remote-write-receiver \
    --web.enable-admin-api \
    --web.enable-lifecycle \
    --log.level=warn
  prometheus_state="started (pid $(cat "$dir/pid"))"
}

prometheus_wait() {
  local dir="$STATE_DIR/prometheus" deadline=$((SECONDS + 60))
  until prometheus_ready; do
    if [[ -f "$dir/pid" ]] && ! pid_alive "$dir/pid"; then fail_with_log prometheus "Prometheus exited"; fi
    ((SECONDS < deadline)) || fail_with_log prometheus "Prometheus not ready after 60 s"
    sleep 0.1
  done
  prometheus_accepts_remote_write || fail_with_log prometheus "Prometheus answers but its remote-write receiver is off"
}

# ---------------------------------------------------------------- Kafka
kafka_state=""
kafka_ours=0
kafka_start() {
  local dir="$STATE_DIR/kafka"
  if pid_alive "$dir/pid"; then
    kafka_ours=1
    if kafka_probe ready "$KAFKA_BOOTSTRAP" 10000 "$COLLECTD_TOPIC"; then
      kafka_state="running (pid $(cat "$dir/pid"))"
      return 0
    fi
    fail_with_log kafka "Kafka (pid $(cat "$dir/pid")) runs but does not answer"
  fi
  if port_open "$KAFKA_PORT"; then
    if kafka_probe ready "$KAFKA_BOOTSTRAP" 10000 "$COLLECTD_TOPIC"; then
      kafka_state="reused: a healthy broker already listens on $KAFKA_BOOTSTRAP"
      return 0
    fi
    die "port $KAFKA_PORT is held by something that is not a working Kafka broker"
  fi
  if port_open "$KAFKA_CONTROLLER_PORT"; then
    die "port $KAFKA_CONTROLLER_PORT (the KRaft controller listener) is already in use"
  fi
  command -v java >/dev/null 2>&1 || die "java is not installed"
  fetch_kafka_jars
  kafka_ours=1
  rm -rf "$dir/data"
  mkdir -p "$dir/data"
  sed "s#@LOG_DIRS@#$dir/data#" "$here/kafka/server.properties" >"$dir/server.properties"
  local cluster_id java_opts
  # A Kafka cluster id is 16 random bytes in URL-safe base64 without padding. Like Kafka's own
  # Uuid.randomUuid, never one starting with '-': kafka-storage would read it as an option
  # ("--cluster-id: expected one argument"), which failed one start in 64.
  cluster_id="$(node -e "const { randomBytes } = require('crypto'); let id; do id = randomBytes(16).toString('base64url'); while (id.startsWith('-')); process.stdout.write(id)")"
  java_opts=(-Djava.awt.headless=true -Dlog4j2.configurationFile="$here/kafka/log4j2.properties")
  if ! java "${java_opts[@]}" -cp "$KAFKA_LIBS/*" kafka.tools.StorageTool format \
    --cluster-id "$cluster_id" --config "$dir/server.properties" >"$dir/format.log" 2>&1; then
    log "formatting the Kafka storage failed:"
    cat "$dir/format.log" >&2
    exit 1
  fi
  # shellcheck disable=SC2086 # KAFKA_HEAP_OPTS holds several JVM flags
  spawn kafka java $KAFKA_HEAP_OPTS -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
    -XX:+ExplicitGCInvokesConcurrent "${java_opts[@]}" \
    -cp "$KAFKA_LIBS/*" kafka.Kafka "$dir/server.properties"
  kafka_state="started (pid $(cat "$dir/pid")), Kafka $KAFKA_VERSION, cluster $cluster_id"
}

kafka_wait() {
  local dir="$STATE_DIR/kafka" deadline=$((SECONDS + 90))
  [[ "$kafka_state" == started* ]] || return 0
  until port_open "$KAFKA_PORT"; do
    pid_alive "$dir/pid" || fail_with_log kafka "Kafka exited during start-up"
    ((SECONDS < deadline)) || fail_with_log kafka "Kafka did not listen within 90 s"
    sleep 0.2
  done
  kafka_probe ready "$KAFKA_BOOTSTRAP" 60000 "$COLLECTD_TOPIC" ||
    fail_with_log kafka "Kafka listens but is not ready"
}

# ---------------------------------------------------------------- collectd
collectd_state=""
collectd_up() {
  local dir="$STATE_DIR/collectd"
  if pid_alive "$dir/pid"; then
    collectd_state="running (pid $(cat "$dir/pid"))"
    return 0
  fi
  # Another clone's collectd may already feed a reused broker; a second one would send
  # every host metric twice.
  if ((kafka_ours == 0)) && kafka_probe flowing "$KAFKA_BOOTSTRAP" "$COLLECTD_TOPIC" 2500; then
    collectd_state="reused: topic $COLLECTD_TOPIC already receives collectd metrics"
    return 0
  fi
  command -v collectd >/dev/null 2>&1 || die "collectd is not installed (run scripts/services/install.sh)"
  mkdir -p "$dir"
  sed -e "s#@STATE_DIR@#$dir#g" -e "s#@KAFKA_BOOTSTRAP@#$KAFKA_BOOTSTRAP#g" \
    -e "s#@COLLECTD_TOPIC@#$COLLECTD_TOPIC#g" "$here/collectd/collectd.conf" >"$dir/collectd.conf"
  collectd -t -C "$dir/collectd.conf" >"$dir/config-check.log" 2>&1 || {
    cat "$dir/config-check.log" >&2
    die "collectd rejected its configuration"
  }
  spawn collectd collectd -f -C "$dir/collectd.conf"
  kafka_probe flowing "$KAFKA_BOOTSTRAP" "$COLLECTD_TOPIC" 15000 ||
    fail_with_log collectd "collectd runs but nothing reached topic $COLLECTD_TOPIC within 15 s"
  collectd_state="started (pid $(cat "$dir/pid")), writing to topic $COLLECTD_TOPIC"
}

# Prometheus and Kafka boot in parallel; collectd needs the broker.
prometheus_start
kafka_start
prometheus_wait
kafka_wait
collectd_up

elapsed_ms=$((($(date +%s%N) - started_at) / 1000000))
log "kafka      $KAFKA_BOOTSTRAP  $kafka_state"
log "prometheus $PROMETHEUS_URL  $prometheus_state"
log "collectd   $collectd_state"
log "services up in ${elapsed_ms} ms (state in $STATE_DIR)"
