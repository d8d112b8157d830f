#!/usr/bin/env bash
# The README's test command runs this: build, static checks, unit tests, then the
# integration suites against real services that this script starts and stops itself.
set -euo pipefail
cd "$(dirname "$0")/.."

suite_started=$SECONDS
step=0
steps=7
timings=()
section() {
  step=$((step + 1))
  printf '\n==================== [%d/%d] %s ====================\n' "$step" "$steps" "$1"
}
# run_step <title> <command...>: one section with its duration recorded for the summary.
run_step() {
  local title="$1" t0=$SECONDS
  shift
  section "$title"
  "$@"
  timings+=("$(printf '%-28s %4d s' "$title" $((SECONDS - t0)))")
}

run_step "build" npm run build
run_step "typecheck" npm run typecheck
run_step "lint" npm run lint
run_step "unit tests" npm run test:unit

# Real services: start only what is not already running and healthy (a developer's own
# `npm run services:up`, or services another clone started on the same ports are reused),
# and always stop exactly what this run started, also on failure or Ctrl-C.
started_file="$(mktemp)"
stop_started_services() {
  local status=$?
  mapfile -t started <"$started_file"
  rm -f "$started_file"
  if ((${#started[@]})); then
    printf '\n==================== stopping test services: %s ====================\n' "${started[*]}"
    bash scripts/services/down.sh "${started[@]}" || true
  fi
  exit "$status"
}
trap stop_started_services EXIT
trap 'exit 130' INT TERM
run_step "start test services" env ANOMALYLENS_SERVICES_STARTED_FILE="$started_file" bash scripts/services/up.sh

run_step "integration tests" npm run test:integration --workspaces --if-present
run_step "browser tests" npm run test:browser --workspaces --if-present

printf '\n==================== summary ====================\n'
printf '%s\n' "${timings[@]}"
printf 'all %d steps passed in %d s\n' "$steps" $((SECONDS - suite_started))
