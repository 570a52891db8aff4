#!/usr/bin/env bash
# Create .venv (if missing) and install requirements.txt + requirements-dev.txt
# (skipped when .venv/.requirements.sha256 matches the requirement files).
set -euo pipefail
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/lib.sh
. "$REPO_ROOT/scripts/lib.sh"
ensure_venv
