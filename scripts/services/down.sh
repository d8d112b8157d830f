#!/usr/bin/env bash
# `npm run services:down`: stops the services this clone's up.sh started (by the pids in
# .services/*/pid, never by name, so services reused from elsewhere are left alone) and
# removes their data. Logs stay in .services/ for post-mortems.
# With arguments (kafka, prometheus, collectd) it stops only those.
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

selected=("$@")
for arg in "${selected[@]}"; do
  [[ "$arg" =~ ^(kafka|prometheus|collectd)$ ]] || die "unknown service '$arg' (kafka, prometheus, collectd)"
done
is_selected() {
  local arg
  ((${#selected[@]} == 0)) && return 0
  for arg in "${selected[@]}"; do [[ "$arg" == "$1" ]] && return 0; done
  return 1
}

# collectd first so it does not spend its last seconds retrying a broker that is gone.
for entry in collectd:10 kafka:30 prometheus:15; do
  name="${entry%%:*}"
  if is_selected "$name"; then
    stop "$name" "${entry##*:}"
    rm -rf "${STATE_DIR:?}/$name/data"
  fi
done
