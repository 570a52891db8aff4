#!/usr/bin/env bash
# Run the test stages of the otc.jobs collection.
#
#   scripts/test.sh                       every stage, in order, stopping at the first failure
#   scripts/test.sh sanity units          only these stages (in the order given)
#   scripts/test.sh --list                the stage names
#
# The dev venv .venv holds the newest supported ansible-core (CORE_MATRIX in lib.sh): the emulator, the
# whole integration stage and the build run there. Sanity, units, the docs check, extra checks, the
# galaxy import and ansible-lint are antsibull-nox sessions (noxfile.py, antsibull-nox.toml) on that
# same release, run from .venv's nox with their venvs in .cache/nox. The stages
# integration_2.20 and integration_2.19 run the path-sensitive integration tests (pytest marker
# core_matrix: both execution paths, role, lookup, chains, check mode, module_defaults, rescue)
# on the older supported releases, each in .venv-core-X.Y on its own Python.
#
# Environment:
#   PYTHON=python3.13       an interpreter to prefer for .venv (it must be the newest row's Python)
#   SANITY_ARGS="..."       extra arguments for ansible-test sanity (e.g. "--test pep8")
#   UNITS_ARGS="..."        extra arguments for ansible-test units
#   PYTEST_ARGS="..."       extra arguments for pytest (emulator and integration stages)
#   KEEP_TMP=1              keep the temporary collection tree (path is printed)
#
# Every stage is a function named stage_<name>; to add one, write the function and add
# its name to STAGES below.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/lib.sh
. "$REPO_ROOT/scripts/lib.sh"

# Stage order for a full run.
# (integration_X.Y for each older release of CORE_MATRIX, newest first)
STAGES=(sanity units emulator integration)
for row in "${CORE_MATRIX[@]:1}"; do STAGES+=("integration_${row%% *}"); done
STAGES+=(nox changelog_lint build_install bench_smoke home_untouched)

# --------------------------------------------------------------------------- setup

WORK=""
COLLECTION=""
cleanup() {
    local rc=$?
    if [ -n "$WORK" ] && [ -d "$WORK" ]; then
        if [ "${KEEP_TMP:-0}" = 1 ]; then
            log "KEEP_TMP=1: keeping $WORK"
        else
            rm -rf "$WORK"
        fi
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

prepare() {
    [ -n "$WORK" ] && return 0
    banner "setup: dev venv, collection copy, pip bootstrap"
    ensure_venv
    WORK="$(mktemp -d "${TMPDIR:-/tmp}/otc-jobs-test.XXXXXX")"
    # a: the collection as ansible-test wants it: <tmp>/ansible_collections/otc/jobs
    copy_collection "$WORK/collections"
    COLLECTION="$WORK/collections/ansible_collections/otc/jobs"
    log "Collection copied to $COLLECTION ($(find "$COLLECTION" -type f | wc -l) files)"
    # b: seed ansible-test's ~/.ansible/test/cache/get_pip_<ver>.py (the real host is unreachable),
    # in the home ansible-test runs with (inside the checkout)
    TEST_HOME="$(tool_home)"
    HOME="$TEST_HOME" "$VENV/bin/python" "$REPO_ROOT/scripts/seed_pip_bootstrap.py"
    touch "$WORK/started"
    find "$REAL_HOME" -mindepth 1 -maxdepth 1 -printf '%f\n' | sort > "$WORK/home-entries"
    # real interpreters for ansible-test (no pyenv shims)
    PYDIR="$WORK/pythons"
    PY_VERSIONS="$(real_python_dir "$PYDIR")"
    log "Python interpreters for ansible-test: ${PY_VERSIONS:-none}"
    TEST_PATH="$PYDIR:$VENV/bin:$(path_without_shims)"
}

# Run antsibull-nox sessions (noxfile.py; arguments after -- go to the session) on a clean copy of the
# collection (the other stages leave caches such as __pycache__ and .hypothesis in theirs, which the extra
# checks and ansible-test would see), in the tool home (the seeded pip bootstrap) with only real
# interpreters on PATH (ansible-test looks for python3.X there). Session venvs are kept in .cache/nox.
nox_sessions() {
    local clean="$WORK/nox-collections"
    rm -rf "$clean"
    copy_collection "$clean"
    (
        cd "$clean/ansible_collections/otc/jobs"
        unset PYENV_VERSION
        set -x
        HOME="$TEST_HOME" PATH="$TEST_PATH" "$VENV/bin/nox" --non-interactive --envdir "$CACHE_DIR/nox" --reuse-venv=yes -e "$@"
    )
}

# Run a command with the collection copy visible as otc.jobs and the dev venv first on PATH.
with_collection() {
    with_collections_in "$WORK/collections" "$@"
}

# pytest on one test folder of the collection copy (more pytest arguments may follow). Any non-zero
# status fails, including 5 (no tests collected): a test run must run tests.
run_pytest() {
    local rc=0
    # shellcheck disable=SC2086
    (cd "$COLLECTION" && with_collection "$VENV/bin/python" -m pytest "$@" -q -p no:cacheprovider ${PYTEST_ARGS:-}) || rc=$?
    [ "$rc" != 5 ] || log "pytest collected no tests in $1 (exit 5)"
    return "$rc"
}

# --------------------------------------------------------------------------- stages

# c: every sanity test, no ignore file, on every supported Python that exists here
# (multi-version tests compile/import run per Python; the others on the controller).
stage_sanity() {
    local ignores
    ignores="$(cd "$COLLECTION" && ls tests/sanity/ignore-*.txt 2>/dev/null || true)"
    [ -z "$ignores" ] || die "sanity ignore files are not allowed: $ignores"
    # the antsibull-nox session runs ansible-test sanity --venv (noxfile.py): the controller runs in a
    # venv ansible-test creates and fills from PyPI; the per-Python tests (compile, import) run on every
    # python3.X found on PATH (only real interpreters: see prepare) and are skipped for versions not found.
    # shellcheck disable=SC2086
    nox_sessions ansible-test-sanity-venv -- ${SANITY_ARGS:-}
}

# d: unit tests on the controller Python, the antsibull-nox session running ansible-test units --venv
# (requirements: tests/unit/requirements.txt)
stage_units() {
    if [ -z "$(find "$COLLECTION/tests/unit" -name 'test_*.py' 2>/dev/null | head -n1)" ]; then
        die "no unit tests found under tests/unit"
    fi
    # shellcheck disable=SC2086
    nox_sessions ansible-test-units-venv -- ${UNITS_ARGS:-}
}

# the emulator's own self-tests (tests/emulator/test_*.py), before anything relies on it
stage_emulator() {
    # in the tool home: the Huawei Cloud SDK clients keep ~/.huaweicloud (not the integration stage: ansible's
    # async results must be found in the same ~ the module wrote them to)
    HOME="$TEST_HOME" run_pytest tests/emulator
}

# e: integration tests: pytest from the dev venv (newest ansible-core), the collection visible as otc.jobs
stage_integration() {
    [ -d "$COLLECTION/tests/integration" ] || die "tests/integration is missing"
    log "ansible-core $("$VENV/bin/python" -c 'import ansible.release as r; print(r.__version__)') on Python $(controller_version)"
    run_pytest tests/integration
}

# the path-sensitive integration tests on an older supported ansible-core, in its own venv
integration_on_core() {
    ensure_core_venv "$1"
    log "ansible-core $("$VENV/bin/python" -c 'import ansible.release as r; print(r.__version__)') on Python $(controller_version)"
    run_pytest tests/integration -m core_matrix
}
for row in "${CORE_MATRIX[@]:1}"; do
    eval "stage_integration_${row%% *}() { integration_on_core ${row%% *}; }"
done

# the ecosystem's checks as antsibull-nox sessions (antsibull-nox.toml): flake8 and yamllint (also on
# the YAML of plugin docs and examples), antsibull-docs lint of every
# plugin's and role's docs, extra checks (no unwanted files, no trailing whitespace), build and
# galaxy-importer, ansible-lint (production profile, .ansible-lint). Session venvs are kept in .cache/nox.
stage_nox() {
    nox_sessions lint docs-check extra-checks build-import-check ansible-lint
}

# changelog fragments and config are valid
stage_changelog_lint() {
    (cd "$COLLECTION" && "$VENV/bin/antsibull-changelog" lint)
}

# The collection tarball ships what a user needs and nothing of development: no tests, scripts,
# benchmarks, CI, lint or dev requirement files, demo playbook (it needs the emulator), development
# notes, caches; galaxy.yml's build_ignore keeps them out. Its metadata has no placeholder URLs, and
# its README is the user guide (the development notes are in DEVELOPMENT.md, which does not ship).
check_tarball() {
    local tarball="$1" listing found name
    listing="$(tar -tzf "$tarball" | sed 's|^\./||')"
    found="$(grep -E '^(tests|scripts|bench|\.ci|\.venv|\.git|\.cache|\.nox|\.tmp|\.pytest_cache|\.hypothesis)(/|$)|(^|/)(__pycache__(/|$)|[^/]*\.pyc$)|^(Makefile|requirements-dev\.txt|\.ansible-lint|\.flake8|\.yamllint|\.gitignore|noxfile\.py|antsibull-nox\.toml|DEVELOPMENT\.md|BENCHMARKS\.md|playbooks/demo\.yml|[^/]*\.tar\.gz)$' <<< "$listing" || true)"
    [ -z "$found" ] || die "the tarball carries development files: $(tr '\n' ' ' <<< "$found")- extend build_ignore in galaxy.yml"
    for name in MANIFEST.json FILES.json README.md requirements.txt meta/runtime.yml meta/execution-environment.yml \
            plugins/modules/job_info.py plugins/modules/job_wait.py plugins/modules/request.py plugins/action/request.py \
            plugins/filter/job_ids.py plugins/module_utils/engine/_request.py plugins/module_utils/wire/_job_ids.py \
            plugins/lookup/job.py plugins/doc_fragments/auth.py \
            plugins/module_utils/engine/_runner.py roles/wait_for_jobs/tasks/main.yml roles/wait_for_jobs/meta/argument_specs.yml; do
        grep -qxF "$name" <<< "$listing" || die "the tarball lacks $name, which users need"
    done
    tar -xzOf "$tarball" MANIFEST.json | "$VENV/bin/python" -c '
import json, re, sys
info = json.load(sys.stdin)["collection_info"]
bad = ["%s: %s" % (key, info.get(key)) for key in ("repository", "documentation", "homepage", "issues")
       if info.get(key) and re.search(r"example|placeholder|changeme|your[-_]", info[key], re.I)]
sys.exit("placeholder URLs in galaxy.yml: " + ", ".join(bad) if bad else 0)' || die "galaxy.yml metadata has placeholder URLs (see above)"
    if tar -xzOf "$tarball" README.md | grep -nE '^#+ *(How the test stages work|The pip bootstrap|Make targets)'; then
        die "the shipped README carries development notes (see above): they belong in DEVELOPMENT.md"
    fi
}

# The tarball is lean, installs, and its modules, role and lookup work from the install;
# its execution-environment metadata yields an ansible-builder context that installs requests.
stage_build_install() {
    local dist="$WORK/dist" installed="$WORK/installed" tarball
    mkdir -p "$dist" "$installed"
    (cd "$COLLECTION" && "$VENV/bin/ansible-galaxy" collection build --output-path "$dist")
    tarball="$(ls "$dist"/otc-jobs-*.tar.gz)"
    check_tarball "$tarball"
    log "tarball: $(basename "$tarball"), $(du -k "$tarball" | cut -f1) KiB, $(tar -tzf "$tarball" | wc -l) entries"
    "$VENV/bin/ansible-galaxy" collection install "$tarball" -p "$installed"

    start_emulator "$WORK"
    local rc=0
    (
        cd "$WORK"
        OTC_EMULATOR_URL="$EMULATOR_URL" OTC_EMULATOR_SERVICES="$EMULATOR_SERVICES" XDG_CACHE_HOME="$WORK/cache" \
            with_collections_in "$installed" "$VENV/bin/ansible-playbook" "$COLLECTION/tests/packaging/installed_smoke.yml"
    ) || rc=$?
    stop_emulator
    [ "$rc" = 0 ] || return "$rc"

    # Execution environment: ansible-builder reads meta/execution-environment.yml of the installed collection.
    local context="$WORK/ee"
    mkdir -p "$context"
    cp "$tarball" "$context/"
    cat > "$context/execution-environment.yml" <<EOF
version: 3
images:
  base_image:
    name: registry.example.invalid/ee-minimal:latest
dependencies:
  ansible_core:
    package_pip: ansible-core>=2.19,<2.22
  ansible_runner:
    package_pip: ansible-runner
  galaxy:
    collections:
      - name: _build/collections/$(basename "$tarball")
        type: file
additional_build_files:
  - src: $(basename "$tarball")
    dest: collections
EOF
    (cd "$context" && "$VENV/bin/ansible-builder" create --file execution-environment.yml --context "$context/context" -v 1)
    # Containerfile for podman, Dockerfile when ansible-builder picks docker
    cat "$context"/context/*file | grep -q 'ansible-galaxy collection install' \
        || die "the generated Containerfile does not install collections"
    [ -f "$context/context/_build/collections/$(basename "$tarball")" ] \
        || die "the generated context does not carry the collection tarball"
    "$VENV/bin/ansible-builder" introspect "$installed" > "$context/introspect.txt"
    grep -q 'requests' "$context/introspect.txt" \
        || die "ansible-builder introspect did not find requests in meta/execution-environment.yml"
    log "execution environment: context generated; introspection: $(grep -i requests "$context/introspect.txt" | head -n1)"
}

# the benchmark harness runs end to end and writes its table (bench/run.py --smoke: one run, tiny jobs,
# no 60 s case); checks the table, not the timings, and leaves BENCHMARKS.md alone
stage_bench_smoke() {
    local table="$WORK/bench-smoke.md" row_count
    (
        cd "$COLLECTION"
        OTC_JOBS_BENCH_COMMAND="scripts/test.sh bench_smoke" \
            with_collection timeout 300 "$VENV/bin/python" bench/run.py --smoke --output "$table" > "$WORK/bench-smoke.log"
    ) || { tail -n 40 "$WORK/bench-smoke.log" >&2; return 1; }
    grep -q '^| case | metric | target | measured (median) | result |$' "$table" || die "bench: no table in $table"
    grep -q '^- machine: nproc ' "$table" || die "bench: no machine line in $table"
    row_count="$(grep -c '^| .* | \(met\|\*\*MISSED\*\*\|—\) |$' "$table" || true)"
    [ "$row_count" -ge 10 ] || die "bench: expected at least 10 table rows, found $row_count"
    for metric in 'overshoot, job_wait' 'speed-up of job_wait (job_ids) over uri' 'ratio job_info' 'IAM calls with token cache'; do
        grep -qF "$metric" "$table" || die "bench: the table lacks '$metric'"
    done
    log "bench smoke: table with $row_count rows ($(grep -c '| met |$' "$table") met, $(grep -c 'MISSED' "$table") missed; timings not checked)"
}

# nothing was written outside the checkout: nothing new directly in ~, no file there changed, and no file
# in ~/.ansible, ~/.cache, ~/.local or ~/.config is newer than this run's start (the checkout may live there)
stage_home_untouched() {
    local dir written
    written="$(find "$REAL_HOME" -mindepth 1 -maxdepth 1 -printf '%f\n' | sort | comm -13 "$WORK/home-entries" - | sed "s|^|$REAL_HOME/|")"
    written+="$(find "$REAL_HOME" -mindepth 1 -maxdepth 1 -type f -newer "$WORK/started" -print 2>/dev/null)"
    for dir in .ansible .cache .local .config; do
        [ -d "$REAL_HOME/$dir" ] || continue
        written+="$(find "$REAL_HOME/$dir" -newer "$WORK/started" -not -path "$REPO_ROOT/*" -print 2>/dev/null | sed -n "1,20p")"
    done
    [ -z "$written" ] || die "the test run wrote outside the checkout: $written"
    log "nothing new in $REAL_HOME, nothing written in its .ansible, .cache, .local or .config"
}

# --------------------------------------------------------------------------- driver

controller_version() {
    "$VENV/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])'
}

main() {
    local stages=("$@") name
    if [ "${1:-}" = "--list" ]; then printf '%s\n' "${STAGES[@]}"; return 0; fi
    [ ${#stages[@]} -gt 0 ] || stages=("${STAGES[@]}")
    for name in "${stages[@]}"; do
        declare -F "stage_$name" >/dev/null || die "unknown stage '$name' (stages: ${STAGES[*]})"
    done

    prepare

    local results=() failed="" start secs rc
    for name in "${stages[@]}"; do
        banner "stage: $name"
        start=$SECONDS
        # not "( ... ) || rc=$?": errexit is ignored inside a || list; this way a failing
        # command anywhere in a stage ends the stage
        set +e
        ( set -euo pipefail; "stage_$name" )
        rc=$?
        set -e
        secs=$((SECONDS - start))
        if [ "$rc" = 0 ]; then
            results+=("$(printf '%-14s passed  %5ss' "$name" "$secs")")
        else
            results+=("$(printf '%-14s FAILED  %5ss (exit %s)' "$name" "$secs" "$rc")")
            failed="$name"
            break
        fi
    done

    banner "summary"
    printf '%s\n' "${results[@]}"
    local ran=${#results[@]} total=${#stages[@]}
    if [ -n "$failed" ]; then
        [ "$ran" -lt "$total" ] && printf 'not run: %s\n' "${stages[*]:$ran}"
        printf 'stage %s failed\n' "$failed"
        return 1
    fi
    printf 'all %s stage(s) passed\n' "$total"
}

main "$@"
