#!/usr/bin/env bash
# `npm run services:down`: stops the services this clone's up.sh started (by the pids in
# .services/*/pid, never by name, so services reused from elsewhere are left alone) and
# removes their data. Logs stay in .services/ for post-mortems.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=lib.sh
source "$here/lib.sh"

stop() {
  local name="$1" grace="$2" dir="$STATE_DIR/$1" pid i
  if ! pid_alive "$dir/pid"; then
    rm -f "$dir/pid"
    return 0
  fi
  pid="$(cat "$dir/pid")"
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < grace * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "$name (pid $pid) ignored SIGTERM for ${grace} s; killing it"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$dir/pid"
  log "stopped $name (pid $pid)"
}

# collectd first so it does not spend its last seconds retrying a broker that is gone.
stop collectd 10
stop kafka 30
stop prometheus 15
rm -rf "$STATE_DIR/kafka/data" "$STATE_DIR/prometheus/data"
