#!/usr/bin/env bash
# Benchmarks of otc.jobs against the uri + until baseline on the local emulator (bench/run.py).
#
#   scripts/bench.sh                  full run (5 runs, the 60 s case 3), writes BENCHMARKS.md
#   scripts/bench.sh --runs 1         fewer runs; --smoke --output FILE for the quick check
#   BENCH_ARGS="--runs 2" make bench  the same through make
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/lib.sh
. "$REPO_ROOT/scripts/lib.sh"

ensure_venv
cd "$REPO_ROOT"
args=("$@")
if [ $# -gt 0 ]; then
    export OTC_JOBS_BENCH_COMMAND="scripts/bench.sh $*"
else
    # shellcheck disable=SC2206
    args=(${BENCH_ARGS:-})
    export OTC_JOBS_BENCH_COMMAND="make bench${BENCH_ARGS:+ BENCH_ARGS=\"$BENCH_ARGS\"}"
fi
exec "$VENV/bin/python" bench/run.py "${args[@]}"
