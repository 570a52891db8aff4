#!/usr/bin/env bash
# The canary: the whole integration stage on the newest ansible-core release PyPI offers, on the newest
# Python found. Not part of CI: run it when an ansible-core release appears, so that a release that
# breaks the collection is seen the day it appears (see DEVELOPMENT.md, "Supported ansible-core releases").
#
#   make canary                 .venv-canary, upgraded to the newest ansible-core on every run
#   CANARY_PYTHON=3.14 make canary   another interpreter version
#   CANARY_PRE=1 make canary         pre-releases (betas, release candidates) too
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/lib.sh
. "$REPO_ROOT/scripts/lib.sh"

newest_python() {
    local v
    for v in 3.14 3.13 3.12; do
        if (find_python "$v") >/dev/null 2>&1; then printf '%s\n' "$v"; return 0; fi
    done
    die "no Python 3.12 or newer found for the canary"
}

version="${CANARY_PYTHON:-$(newest_python)}"
VENV="$REPO_ROOT/.venv-canary"
if [ ! -x "$VENV/bin/python" ]; then
    "$(find_python "$version")" -m venv "$VENV"
fi
log "Upgrading $VENV to the newest ansible-core release"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade ${CANARY_PRE:+--pre} ansible-core \
    -r "$REPO_ROOT/requirements.txt" -r "$REPO_ROOT/tests/integration/requirements.txt"
core="$("$VENV/bin/python" -c 'import ansible.release as r; print(r.__version__)')"
log "canary: ansible-core $core on Python $("$VENV/bin/python" -c 'import platform; print(platform.python_version())')"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/otc-jobs-canary.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
copy_collection "$WORK/collections"
rc=0
# shellcheck disable=SC2086
(cd "$WORK/collections/ansible_collections/otc/jobs" \
    && with_collections_in "$WORK/collections" "$VENV/bin/python" -m pytest tests/integration -q -p no:cacheprovider ${PYTEST_ARGS:-}) || rc=$?
if [ "$rc" = 0 ]; then
    log "canary: ansible-core $core passes the integration stage"
else
    log "canary: ansible-core $core FAILS the integration stage (exit $rc): the next release breaks otc.jobs"
fi
exit "$rc"
