# shellcheck shell=bash
# Shared helpers for the scripts in scripts/ (sourced, not executed).
#
#   CORE_MATRIX                 the supported ansible-core releases with their controller Python, newest first
#   find_python X.Y             path of a working python X.Y (pyenv versions, then $PATH), or a clear error
#   ensure_venv                 .venv: the newest supported ansible-core and every dev tool (stamp-checked)
#   ensure_core_venv CORE       .venv-core-CORE: that ansible-core, requests, pytest, ansible-runner (VENV points there)
#   link_collection DIR         DIR/ansible_collections/otc/jobs -> repo (symlink, for the demo)
#   copy_collection DIR         DIR/ansible_collections/otc/jobs <- git ls-files (for ansible-test)
#   with_collections_in DIR CMD run CMD with DIR as the collection path and the venv on PATH
#   real_python_dir DIR         DIR/python3.X -> real interpreters of every version ansible-test supports
#   path_without_shims          $PATH less pyenv shim directories
#   start_emulator STATEDIR     start tests/emulator/otc_emulator; set EMULATOR_URL, EMULATOR_SERVICES (JSON) and EMULATOR_PID
#   stop_emulator               stop it again (idempotent)
#   tool_home                   .cache/home: the HOME of ansible-test and nox (the user's pip config copied in)

REPO_ROOT="${REPO_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
VENV="${VENV:-$REPO_ROOT/.venv}"

# Supported = tested: each ansible-core release with the controller Python its stages run on.
# The first is the newest: .venv (sanity, units, the full integration stage, the demo) uses it.
# README.md and DEVELOPMENT.md show this table; tests/unit/test_support_matrix.py checks they agree.
CORE_MATRIX=("2.21 3.13" "2.20 3.12" "2.19 3.11")
NEWEST_PYTHON="${CORE_MATRIX[0]##* }"

# Nothing the scripts run writes outside the checkout (and the temporary folders they remove):
# ansible's home (~/.ansible: local temp, galaxy cache), pip's and other tools' caches live in .cache/.
# ansible-test (venvs and pip bootstrap under ~/.ansible/test; it passes only HOME on to what it runs),
# the antsibull-nox sessions (logs and tool state in ~) and the emulator's self-tests (the Huawei Cloud
# SDKs keep ~/.huaweicloud) run with a home of their own there (tool_home). pyenv is found first.
CACHE_DIR="$REPO_ROOT/.cache"
REAL_HOME="${REAL_HOME:-$HOME}"
PYENV_ROOT="${PYENV_ROOT:-$(pyenv root 2>/dev/null || printf '%s' "$HOME/.pyenv")}"
export REAL_HOME PYENV_ROOT
# (ANSIBLE_HOME does not move the module temp of local runs: ANSIBLE_REMOTE_TMP, "~/.ansible/tmp" by default)
export ANSIBLE_HOME="$CACHE_DIR/ansible" ANSIBLE_REMOTE_TMP="$CACHE_DIR/ansible/remote-tmp" PIP_CACHE_DIR="$CACHE_DIR/pip"
export XDG_CACHE_HOME="$CACHE_DIR/xdg/cache" XDG_DATA_HOME="$CACHE_DIR/xdg/data" XDG_STATE_HOME="$CACHE_DIR/xdg/state"

log() { printf '%s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

banner() {
    local line="=================================================================="
    printf '\n%s\n== %s\n%s\n' "$line" "$*" "$line" >&2
}

# The python X.Y interpreter to build venvs with: $PYTHON if it is X.Y, else pyenv's versions, else
# pythonX.Y on $PATH (less pyenv shims, which fail for versions not installed). It must run and have
# venv and ensurepip. Prints the path; dies with what to install when there is none.
find_python() {
    local want="$1" cand r d
    local cands=()
    [ -n "${PYTHON:-}" ] && cands+=("$(command -v "$PYTHON" 2>/dev/null || true)")
    for r in "${PYENV_ROOT:-}" "$(pyenv root 2>/dev/null || true)" "$HOME/.pyenv"; do
        [ -n "$r" ] || continue
        for cand in "$r"/versions/"$want".*/bin/python"$want"; do cands+=("$cand"); done
    done
    local IFS_save="$IFS"
    IFS=:
    for d in $(path_without_shims); do cands+=("$d/python$want"); done
    IFS="$IFS_save"
    for cand in "${cands[@]}"; do
        [ -n "$cand" ] && [ -x "$cand" ] || continue
        case "$cand" in "$REPO_ROOT"/.venv*) continue ;; esac
        if "$cand" -c 'import sys, venv, ensurepip; sys.exit(0 if "%d.%d" % sys.version_info[:2] == sys.argv[1] else 1)' "$want" >/dev/null 2>&1; then
            printf '%s\n' "$cand"
            return 0
        fi
    done
    die "no Python $want interpreter with venv and ensurepip was found (looked in pyenv's versions and on PATH): install it, e.g. 'pyenv install $want', or put python$want on PATH"
}

# Create venv DIR with python X.Y if needed and pip-install the given requirement files and
# specifiers. A stamp (hash of the requirements and the interpreter version) skips the install
# when nothing changed.
_ensure_venv_at() {
    local dir="$1" version="$2"
    shift 2
    local stamp="$dir/.requirements.sha256" python want have arg
    local pip_args=() material=""
    for arg in "$@"; do
        if [ -f "$arg" ]; then
            pip_args+=(-r "$arg")
            material+="$(cat "$arg")"
        else
            pip_args+=("$arg")
            material+="$arg"
        fi
    done
    if [ -x "$dir/bin/python" ] && ! "$dir/bin/python" -c 'import sys; sys.exit(0 if "%d.%d" % sys.version_info[:2] == sys.argv[1] else 1)' "$version"; then
        log "Recreating $dir: it is not on Python $version"
        rm -rf "$dir"
    fi
    if [ ! -x "$dir/bin/python" ]; then
        python="$(find_python "$version")"
        log "Creating virtual environment $dir (with $python)"
        "$python" -m venv "$dir" || die "'$python -m venv $dir' failed"
    fi
    want="$(printf '%s' "$material" | sha256sum | cut -d' ' -f1) $("$dir/bin/python" -c 'import sys; print(sys.version.split()[0])')"
    have="$(cat "$stamp" 2>/dev/null || true)"
    if [ "$want" != "$have" ]; then
        log "Installing requirements into $dir"
        "$dir/bin/python" -m pip install --quiet --disable-pip-version-check "${pip_args[@]}"
        printf '%s\n' "$want" > "$stamp"
    fi
}

# .venv: the newest supported ansible-core on its Python, with runtime + dev requirements.
ensure_venv() {
    _ensure_venv_at "$VENV" "$NEWEST_PYTHON" "$REPO_ROOT/requirements.txt" "$REPO_ROOT/tests/integration/requirements.txt" \
        "$REPO_ROOT/tests/emulator/requirements.txt" "$REPO_ROOT/requirements-dev.txt"
}

# .venv-core-CORE: ansible-core CORE.* on its matrix Python with what the integration tests need;
# sets VENV to it (so with_collections_in and the harness use it).
ensure_core_venv() {
    local core="$1" row python=""
    for row in "${CORE_MATRIX[@]}"; do
        [ "${row%% *}" = "$core" ] && python="${row##* }"
    done
    [ -n "$python" ] || die "ansible-core $core is not in the support matrix (${CORE_MATRIX[*]})"
    VENV="$REPO_ROOT/.venv-core-$core"
    _ensure_venv_at "$VENV" "$python" "$REPO_ROOT/requirements.txt" "$REPO_ROOT/tests/integration/requirements.txt" \
        "ansible-core==$core.*"
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
    [ -f "$REPO_ROOT/tests/emulator/otc_emulator/__main__.py" ] || die "tests/emulator/otc_emulator/ is missing"
    rm -f "$state"
    "$VENV/bin/python" "$REPO_ROOT/tests/emulator/otc_emulator" --state-file "$state" \
        > "$statedir/emulator.log" 2>&1 &
    EMULATOR_PID=$!
    for _ in $(seq 1 300); do
        if [ -s "$state" ] && EMULATOR_URL="$("$VENV/bin/python" -c 'import json,sys; print(json.load(open(sys.argv[1]))["url"])' "$state" 2>/dev/null)"; then
            # each service's own URL (its port), as JSON: {"cce": "http://127.0.0.1:PORT", ...}
            EMULATOR_SERVICES="$("$VENV/bin/python" -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))["services"]))' "$state")"
            log "Emulator listening on $EMULATOR_URL (pid $EMULATOR_PID)"
            export EMULATOR_URL EMULATOR_SERVICES EMULATOR_PID
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

# The HOME for tools that write into it whatever the environment says (ansible-test, nox sessions, SDKs):
# inside the checkout, with copies of the user's pip configuration so the venvs they fill use the same
# indexes (ansible-test does not pass PIP_* or XDG_* variables on). Prints it.
tool_home() {
    local home="$CACHE_DIR/home" conf
    mkdir -p "$home"
    for conf in ".pip/pip.conf" ".config/pip/pip.conf"; do
        if [ -f "$REAL_HOME/$conf" ]; then
            mkdir -p "$(dirname "$home/$conf")"
            cp "$REAL_HOME/$conf" "$home/$conf"
        fi
    done
    if [ -n "${PIP_CONFIG_FILE:-}" ] && [ -f "$PIP_CONFIG_FILE" ]; then
        mkdir -p "$home/.config/pip"
        cat "$PIP_CONFIG_FILE" >> "$home/.config/pip/pip.conf"
    fi
    printf '%s\n' "$home"
}
