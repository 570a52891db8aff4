#!/usr/bin/env bash
# Run the example playbook (playbooks/demo.yml) against the local OTC emulator.
#
#   scripts/demo.sh [extra ansible-playbook arguments]
#
# Creates/updates .venv, starts tests/emulator/otc_emulator on a free loopback port,
# makes the collection visible as otc.jobs (no build, no install), runs the playbook with
# OTC_EMULATOR_URL set, always stops the emulator, and exits with the playbook's status.
# PLAYBOOK=path overrides the playbook.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/lib.sh
. "$REPO_ROOT/scripts/lib.sh"

PLAYBOOK="${PLAYBOOK:-$REPO_ROOT/playbooks/demo.yml}"
[ -f "$PLAYBOOK" ] || die "playbook $PLAYBOOK not found"

WORK=""
# shellcheck disable=SC2329  # invoked by the EXIT trap
cleanup() {
    local rc=$?
    stop_emulator
    [ -n "$WORK" ] && rm -rf "$WORK"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

ensure_venv
WORK="$(mktemp -d "${TMPDIR:-/tmp}/otc-jobs-demo.XXXXXX")"
link_collection "$WORK/collections"
start_emulator "$WORK"

rc=0
# XDG_CACHE_HOME keeps the demo's cached emulator tokens out of the real ~/.cache.
(cd "$REPO_ROOT" && OTC_EMULATOR_URL="$EMULATOR_URL" XDG_CACHE_HOME="$WORK/cache" \
    with_collections_in "$WORK/collections" "$VENV/bin/ansible-playbook" "$PLAYBOOK" "$@") || rc=$?
exit "$rc"
