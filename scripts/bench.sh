#!/usr/bin/env bash
# Benchmarks of otc.jobs against the uri + until baseline on the local emulator (bench/run.py).
#
#   scripts/bench.sh                  full run (3 runs), writes BENCHMARKS.md
#   scripts/bench.sh --runs 1         fewer runs; --smoke --output FILE for the quick check
#   BENCH_ARGS="--runs 2" make bench  the same through make
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/lib.sh
. "$REPO_ROOT/scripts/lib.sh"

ensure_venv
cd "$REPO_ROOT"
args=("$@")
# shellcheck disable=SC2206
[ ${#args[@]} -gt 0 ] || args=(${BENCH_ARGS:-})
export OTC_JOBS_BENCH_COMMAND="make bench${BENCH_ARGS:+ BENCH_ARGS=\"$BENCH_ARGS\"}"
[ $# -eq 0 ] || OTC_JOBS_BENCH_COMMAND="scripts/bench.sh $*"
exec "$VENV/bin/python" bench/run.py "${args[@]}"
