#!/usr/bin/env bash
# Shared settings and helpers for the local test services (sourced, not run).
# Addresses are fixed by the project's contract: Kafka 127.0.0.1:9092, Prometheus 127.0.0.1:9090.

SERVICES_SCRIPTS="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SERVICES_SCRIPTS/../.." && pwd)"
# Runtime state (pid files, logs, data) lives in the clone and is gitignored.
STATE_DIR="${ANOMALYLENS_SERVICES_DIR:-$REPO_ROOT/.services}"

KAFKA_HOST=127.0.0.1
KAFKA_PORT=9092
KAFKA_CONTROLLER_PORT=9093
KAFKA_BOOTSTRAP="$KAFKA_HOST:$KAFKA_PORT"
KAFKA_HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms256m -Xmx512m}"
PROMETHEUS_ADDR=127.0.0.1:9090
PROMETHEUS_URL="http://$PROMETHEUS_ADDR"
# collectd's write_kafka plugin publishes host metrics to this topic (JSON value lists).
COLLECTD_TOPIC="${ANOMALYLENS_COLLECTD_TOPIC:-collectd}"
COLLECTD_PLUGIN_DIR=/usr/lib/collectd

KAFKA_POM="$SERVICES_SCRIPTS/kafka/pom.xml"
KAFKA_VERSION="$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$KAFKA_POM")"
# The jars are shared by every clone on the machine, so a fresh clone starts quickly.
CACHE_DIR="${ANOMALYLENS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/anomaly-lens}"
KAFKA_LIBS="$CACHE_DIR/kafka-$KAFKA_VERSION/libs"

log() { printf '[services] %s\n' "$*" >&2; }
die() {
  printf '[services] error: %s\n' "$*" >&2
  exit 1
}

# Fetches the broker jars with Maven unless the cache already holds the set this pom names.
fetch_kafka_jars() {
  local stamp="$KAFKA_LIBS/.pom.sha256" want
  want="$(sha256sum "$KAFKA_POM" | cut -d' ' -f1)"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
    return 0
  fi
  command -v mvn >/dev/null 2>&1 || die "Maven (mvn) is needed to fetch the Kafka jars"
  log "fetching Apache Kafka $KAFKA_VERSION jars from Maven Central into $KAFKA_LIBS"
  rm -rf "$KAFKA_LIBS"
  mkdir -p "$KAFKA_LIBS"
  mvn -q -B -Dstyle.color=never -f "$KAFKA_POM" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$KAFKA_LIBS" >&2 ||
    die "Maven could not fetch the Kafka jars"
  printf '%s\n' "$want" >"$stamp"
}

# pid_alive <pidfile>: the process recorded there still runs and is one of ours: its
# command line names this clone's state directory, so a pid the system has since given to
# an unrelated process is never taken for (or signalled as) a service.
pid_alive() {
  local pid
  [[ -f "$1" ]] || return 1
  pid="$(cat "$1")"
  [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "$STATE_DIR/"
}

# port_open <port>: something accepts TCP connections on 127.0.0.1:<port>.
port_open() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Node helper that speaks the Kafka protocol (kafkajs from the repo's dependencies).
kafka_probe() {
  node "$SERVICES_SCRIPTS/kafka-probe.mjs" "$@"
}

prometheus_ready() {
  curl -fsS -m 2 "$PROMETHEUS_URL/-/ready" >/dev/null 2>&1
}

# The remote-write receiver answers an empty POST with 400 (bad snappy body) when it is on
# and 404 when the server was started without it.
prometheus_accepts_remote_write() {
  local code
  code="$(curl -sS -m 2 -o /dev/null -w '%{http_code}' -X POST \
    -H 'Content-Type: application/x-protobuf' "$PROMETHEUS_URL/api/v1/write" 2>/dev/null || true)"
  [[ "$code" == 400 || "$code" == 204 ]]
}
