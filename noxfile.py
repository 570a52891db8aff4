# Copyright (c) otc.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection's nox sessions, declared in antsibull-nox.toml (run: nox -e docs-check ...; see DEVELOPMENT.md)."""

# /// script
# dependencies = ["nox>=2025.02.09", "antsibull-nox"]
# ///

import shutil
import sys

import nox

try:
    import antsibull_nox
except ImportError:
    print("You need to install antsibull-nox in the same Python environment as nox.")
    sys.exit(1)


antsibull_nox.load_antsibull_nox_toml()

# ansible-test sanity and units of the newest supported ansible-core (CORE_MATRIX in scripts/lib.sh), in
# venvs: antsibull-nox's own ansible-test sessions run in containers (--docker), which these machines lack.
# scripts/test.sh runs them with the real interpreters first on PATH and the seeded pip bootstrap.
NEWEST_CORE = "2.21"
NEWEST_PYTHON = "3.13"


def _drop_ansible_test_tmp():
    """Leave ansible-test's scratch tree (its delegation venv) behind: antsibull-nox copies tests/output back
    bottom-up and cannot create that tree's nested folders."""
    shutil.rmtree("tests/output/.tmp", ignore_errors=True)


antsibull_nox.add_ansible_test_session(
    name="ansible-test-sanity-venv",
    description="ansible-test sanity --venv (every test, no ignore file)",
    ansible_test_params=["sanity", "--venv", "--color", "no"],
    default=False,
    ansible_core_version=NEWEST_CORE,
    ansible_core_source="pypi",
    callback_after=_drop_ansible_test_tmp,
)
antsibull_nox.add_ansible_test_session(
    name="ansible-test-units-venv",
    description="ansible-test units --venv on the controller Python",
    ansible_test_params=["units", "--venv", "--color", "no", "--python", NEWEST_PYTHON],
    default=False,
    ansible_core_version=NEWEST_CORE,
    ansible_core_source="pypi",
    callback_after=_drop_ansible_test_tmp,
)


# Allow to run the noxfile with `python noxfile.py`.
if __name__ == "__main__":
    nox.main()
