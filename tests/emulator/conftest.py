"""The self-tests read the collection's own code (its normalizer, its FakeClock) as ansible_collections.otc.jobs."""

import sys

import pytest

from tests.integration.harness import collections_path

from . import otc_emulator as otc

if collections_path() not in sys.path:
    sys.path.insert(0, collections_path())


@pytest.fixture(scope="module")
def real_time_server():
    with otc.Emulator() as emulator:
        yield emulator


@pytest.fixture
def real_emu(real_time_server):
    """The emulator on the real clock, reset around each test."""
    real_time_server.reset()
    yield real_time_server
    real_time_server.reset()
