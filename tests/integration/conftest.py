# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""pytest drives real ansible-playbook runs (harness.py) against the local emulator."""

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

from tests.emulator import otc_emulator  # noqa: E402  pylint: disable=wrong-import-position
from tests.integration.harness import run_playbook  # noqa: E402  pylint: disable=wrong-import-position


def pytest_configure(config):
    config.addinivalue_line('markers', 'core_matrix: path-sensitive tests, run on every supported ansible-core '
                                       '(scripts/test.sh integration_X.Y)')


@pytest.fixture(scope='session')
def emulator_server():
    emu = otc_emulator.Emulator().start()
    yield emu
    emu.stop()


@pytest.fixture
def emulator(emulator_server):
    """A running emulator, reset to its initial state for every test."""
    emulator_server.reset()
    return emulator_server


@pytest.fixture
def playbook(tmp_path):
    def runner(tasks, **kwargs):
        kwargs.setdefault('directory', tmp_path)
        return run_playbook(tasks, **kwargs)
    return runner
