#!/usr/bin/env bash
# The README's test command runs this: build, static checks, unit tests, then the
# integration suites against real services that this script starts and stops itself.
set -euo pipefail
cd "$(dirname "$0")/.."

suite_started=$SECONDS
step=0
steps=9
current=""
timings=()
# Every step's output is also kept here so the summary can add up the test counts.
output_log="$(mktemp)"
started_file="$(mktemp)"

section() {
  step=$((step + 1))
  printf '\n==================== [%d/%d] %s ====================\n' "$step" "$steps" "$1"
}

# run_step <title> <command...>: one section, its duration recorded for the summary.
run_step() {
  local title="$1" t0=$SECONDS
  shift
  current="$title"
  section "$title"
  "$@" 2>&1 | tee -a "$output_log"
  timings+=("$(printf '%-24s %5d s' "$title" $((SECONDS - t0)))")
  current=""
}

# Adds up jest's "Tests: ..." lines and node:test's "pass N / fail N" lines.
count_tests() {
  awk '
    /^Tests:/ {
      for (i = 2; i <= NF; i++) {
        n = $i + 0; w = $(i + 1); sub(/,$/, "", w)
        if (w == "passed") p += n; else if (w == "failed") f += n; else if (w == "skipped") s += n
      }
    }
    /^(ℹ|#) pass [0-9]+$/ { p += $3 }
    /^(ℹ|#) fail [0-9]+$/ { f += $3 }
    END { printf "%d passed, %d failed", p, f; if (s) printf ", %d skipped", s; printf "\n" }
  ' "$output_log"
}

# Always: stop exactly the services this run started (also on failure or Ctrl-C), then
# print the timings and the test counts.
finish() {
  local status=$?
  local started=()
  mapfile -t started <"$started_file"
  if ((${#started[@]})); then
    printf '\n==================== stopping test services: %s ====================\n' "${started[*]}"
    bash scripts/services/down.sh "${started[@]}" || true
  fi
  printf '\n==================== summary ====================\n'
  printf '%s\n' "${timings[@]}"
  if ((status == 0)); then
    printf 'all %d steps passed in %d s\n' "$steps" $((SECONDS - suite_started))
  else
    printf 'FAILED at step "%s" (exit %d) after %d s\n' "${current:-?}" "$status" $((SECONDS - suite_started))
  fi
  printf 'tests: %s\n' "$(count_tests)"
  rm -f "$output_log" "$started_file"
  exit "$status"
}
trap finish EXIT
trap 'exit 130' INT TERM

run_step "build" npm run build
run_step "typecheck" npm run typecheck
run_step "lint" npm run lint
run_step "unit tests" npm run test:unit

# Real services: start only what is not already running and healthy (a developer's own
# `npm run services:up`, or services another clone started on the same ports, are reused).
run_step "start test services" env ANOMALYLENS_SERVICES_STARTED_FILE="$started_file" bash scripts/services/up.sh

run_step "integration tests" npm run test:integration --workspaces --if-present
run_step "browser tests" npm run test:browser --workspaces --if-present
# These start private Kafka/Prometheus instances on free ports (they kill and restart them).
run_step "fault tests" npm run test:faults --workspaces --if-present
run_step "security tests" npm run test:security --workspaces --if-present
