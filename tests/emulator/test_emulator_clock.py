"""No part of the emulator reads time or pauses by itself: every instant and sleep goes through its clock (clock.py).

A direct ``time.time()``, ``time.monotonic()``, ``time.sleep()`` or ``datetime.now()`` would put wall-clock time
back where a test's fake clock cannot reach it, and the self-tests that advance a fake clock would silently depend on
real time again. The check is the collection's own (tests/unit/plugins/test_one_clock.py), applied to the emulator.
"""

import ast
import os

import pytest
# The collection as ansible_collections.otc.jobs: conftest.py puts it on sys.path.
# pylint: disable=import-error
from ansible_collections.otc.jobs.plugins.module_utils.core._clock import REAL_CLOCK, FakeClock

from tests.unit.plugins.test_one_clock import _direct_time

from .otc_emulator.clock import RealClock

PACKAGE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "otc_emulator")
THE_CLOCK = "clock.py"


def _uses_of_time(name):
    with open(os.path.join(PACKAGE, name)) as source:
        return ["line %d: %s" % use for use in _direct_time(ast.parse(source.read(), name))]


@pytest.mark.parametrize("name", sorted(name for name in os.listdir(PACKAGE) if name.endswith(".py") and name != THE_CLOCK))
def test_time_is_read_through_the_clock(name):
    found = _uses_of_time(name)
    assert not found, "%s reads time itself; use the state's clock (clock.py) instead: %s" % (name, "; ".join(found))


def test_the_clock_module_is_the_one_that_reads_time():
    # Were it renamed or emptied, the check above would pass without checking anything.
    assert _uses_of_time(THE_CLOCK)


def test_the_collections_clocks_fit_the_emulator():
    """The emulator calls only what its RealClock has; the collection's clocks have all of it (duck typing)."""
    needed = {name for name in vars(RealClock) if not name.startswith("_")}
    assert needed == {"now", "time", "sleep"}
    for clock in (FakeClock(), REAL_CLOCK):
        assert all(callable(getattr(clock, name, None)) for name in needed), type(clock).__name__
