# shellcheck shell=bash
# Shared helpers for the scripts in scripts/ (sourced, not executed).
#
#   ensure_venv                 create .venv and install requirements (skipped when the stamp matches)
#   link_collection DIR         DIR/ansible_collections/otc/jobs -> repo (symlink, for the demo)
#   copy_collection DIR         DIR/ansible_collections/otc/jobs <- git ls-files (for ansible-test)
#   with_collections_in DIR CMD run CMD with DIR as the collection path and the venv on PATH
#   real_python_dir DIR         DIR/python3.X -> real interpreters of every version ansible-test supports
#   path_without_shims          $PATH less pyenv shim directories
#   start_emulator STATEDIR     start tests/emulator/otc_emulator.py, set EMULATOR_URL and EMULATOR_PID
#   stop_emulator               stop it again (idempotent)

REPO_ROOT="${REPO_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
VENV="${VENV:-$REPO_ROOT/.venv}"
PYTHON="${PYTHON:-python3}"

log() { printf '%s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

banner() {
    local line="=================================================================="
    printf '\n%s\n== %s\n%s\n' "$line" "$*" "$line" >&2
}

# Create the dev venv (.venv) if needed and install runtime + dev requirements.
# A stamp file holds the hash of the requirement files and the interpreter version;
# when it matches, nothing is reinstalled.
ensure_venv() {
    local req_files=("$REPO_ROOT/requirements.txt" "$REPO_ROOT/requirements-dev.txt")
    local stamp="$VENV/.requirements.sha256"
    local want have file
    local pip_args=()
    for file in "${req_files[@]}"; do pip_args+=(-r "$file"); done

    if [ ! -x "$VENV/bin/python" ]; then
        log "Creating virtual environment $VENV (with $PYTHON)"
        "$PYTHON" -m venv "$VENV" || die "'$PYTHON -m venv' failed: install python3 with the venv module"
    fi

    want="$(cat "${req_files[@]}" | sha256sum | cut -d' ' -f1) $("$VENV/bin/python" -c 'import sys; print(sys.version.split()[0])')"
    have="$(cat "$stamp" 2>/dev/null || true)"

    if [ "$want" != "$have" ]; then
        log "Installing requirements into $VENV"
        "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "${pip_args[@]}"
        printf '%s\n' "$want" > "$stamp"
    fi
}

# DIR/ansible_collections/otc/jobs as a symlink to the repository: the collection is
# visible as otc.jobs (ANSIBLE_COLLECTIONS_PATH=DIR) without building or installing it.
link_collection() {
    mkdir -p "$1/ansible_collections/otc"
    ln -sfn "$REPO_ROOT" "$1/ansible_collections/otc/jobs"
}

# Run a command with DIR (holding ansible_collections/otc/jobs) as the only collection path,
# the dev venv first on PATH, and without the localhost/inventory warnings of ad-hoc plays.
with_collections_in() {
    local collections="$1"
    shift
    ANSIBLE_COLLECTIONS_PATH="$collections" ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=false \
        ANSIBLE_LOCALHOST_WARNING=false ANSIBLE_INVENTORY_UNPARSED_WARNING=false \
        PATH="$VENV/bin:$PATH" "$@"
}

# DIR/ansible_collections/otc/jobs as a copy of the files git would commit: tracked files
# plus untracked files not ignored (new files count; .venv, caches, tests/output do not).
copy_collection() {
    local dest="$1/ansible_collections/otc/jobs"
    mkdir -p "$dest"
    (
        cd "$REPO_ROOT" || exit 1
        if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
            # files deleted from the work tree but still in the index are skipped
            git ls-files -z --cached --others --exclude-standard \
                | while IFS= read -r -d '' f; do [ -e "$f" ] || [ -L "$f" ] && printf '%s\0' "$f"; done \
                | tar --null --files-from=- -cf - 2>/dev/null
        else
            tar --exclude=./.git --exclude=./.venv --exclude=./tests/output \
                --exclude='__pycache__' --exclude='*.pyc' --exclude=./.pytest_cache \
                --exclude=./.hypothesis -cf - .
        fi
    ) | tar -xf - -C "$dest"
}

# $PATH without pyenv shim directories: a shim for a version that is not installed fails
# ("pyenv: python3.8: command not found"), and ansible-test would pick it up.
path_without_shims() {
    local IFS=: dir out=()
    for dir in $PATH; do
        case "$dir" in
            */shims|*/shims/) continue ;;
        esac
        out+=("$dir")
    done
    printf '%s' "${out[*]}"
}

# Fill DIR with python3.X symlinks to working interpreters of each version ansible-test
# supports (read from the installed ansible-test). Candidates: pyenv versions, then
# $PATH (less shims). An interpreter counts only if it runs and has venv + ensurepip.
# PYTHON_VERSIONS="3.11 3.12" limits the versions (e.g. for a quicker local run).
# Prints the versions found. Versions with no interpreter are simply absent (and the
# tests for them are skipped by ansible-test).
real_python_dir() {
    local dir="$1" versions v cand found pyenv_roots r clean_path
    mkdir -p "$dir"
    versions="$("$VENV/bin/python" -c '
from ansible_test._util.target.common.constants import CONTROLLER_PYTHON_VERSIONS, REMOTE_ONLY_PYTHON_VERSIONS
print(" ".join(REMOTE_ONLY_PYTHON_VERSIONS + CONTROLLER_PYTHON_VERSIONS))')"
    # pyenv roots: $PYENV_ROOT, `pyenv root`, ~/.pyenv, and the parents of shim dirs on $PATH
    pyenv_roots=("${PYENV_ROOT:-}" "$(pyenv root 2>/dev/null || true)" "$HOME/.pyenv")
    local IFS_save="$IFS" d
    IFS=:
    for d in $PATH; do
        case "$d" in */shims|*/shims/) pyenv_roots+=("${d%/shims*}") ;; esac
    done
    IFS="$IFS_save"
    clean_path="$(path_without_shims)"
    found=()
    for v in $versions; do
        case " ${PYTHON_VERSIONS:-$versions} " in *" $v "*) ;; *) continue ;; esac
        local cands=()
        for r in "${pyenv_roots[@]}"; do
            [ -n "$r" ] || continue
            for cand in "$r"/versions/"$v".*/bin/python"$v"; do cands+=("$cand"); done
        done
        IFS=:
        for d in $clean_path; do cands+=("$d/python$v"); done
        IFS="$IFS_save"
        for cand in "${cands[@]}"; do
            [ -x "$cand" ] || continue
            case "$cand" in "$VENV"/*) continue ;; esac
            if "$cand" -c 'import sys, venv, ensurepip; sys.exit(0 if "%d.%d" % sys.version_info[:2] == sys.argv[1] else 1)' "$v" >/dev/null 2>&1; then
                ln -sfn "$cand" "$dir/python$v"
                found+=("$v")
                break
            fi
        done
    done
    printf '%s\n' "${found[*]}"
}

# Start the emulator in the background; wait until it wrote its state file.
start_emulator() {
    local statedir="$1" _
    local state="$statedir/emulator.json"
    [ -f "$REPO_ROOT/tests/emulator/otc_emulator.py" ] || die "tests/emulator/otc_emulator.py is missing"
    rm -f "$state"
    "$VENV/bin/python" "$REPO_ROOT/tests/emulator/otc_emulator.py" --state-file "$state" \
        > "$statedir/emulator.log" 2>&1 &
    EMULATOR_PID=$!
    for _ in $(seq 1 300); do
        if [ -s "$state" ] && EMULATOR_URL="$("$VENV/bin/python" -c 'import json,sys; print(json.load(open(sys.argv[1]))["url"])' "$state" 2>/dev/null)"; then
            log "Emulator listening on $EMULATOR_URL (pid $EMULATOR_PID)"
            export EMULATOR_URL EMULATOR_PID
            return 0
        fi
        if ! kill -0 "$EMULATOR_PID" 2>/dev/null; then
            cat "$statedir/emulator.log" >&2 || true
            die "the emulator exited before it was ready"
        fi
        sleep 0.1
    done
    cat "$statedir/emulator.log" >&2 || true
    die "the emulator did not write $state within 30 s"
}

stop_emulator() {
    if [ -n "${EMULATOR_PID:-}" ]; then
        if kill -0 "$EMULATOR_PID" 2>/dev/null; then
            kill -TERM "$EMULATOR_PID" 2>/dev/null || true
            for _ in $(seq 1 50); do kill -0 "$EMULATOR_PID" 2>/dev/null || break; sleep 0.1; done
            kill -KILL "$EMULATOR_PID" 2>/dev/null || true
        fi
        wait "$EMULATOR_PID" 2>/dev/null || true
        EMULATOR_PID=
    fi
}
