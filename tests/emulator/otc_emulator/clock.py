"""The emulator's one clock: every instant it reads and every pause it makes goes through it.

A clock has ``now()`` (monotonic seconds: job phases, token expiry, rate-limit windows), ``time()`` (seconds since
the epoch: the times bodies carry, the AK/SK date check, the request log) and ``sleep(seconds)`` (latency, slow
faults). ``REAL_CLOCK`` is real time. Tests pass another object with the same three methods, such as the
collection's ``plugins/module_utils/core/_clock.FakeClock``, to move time by hand instead of sleeping; the
emulator depends only on these methods, so it stays standard library only.
"""

import time


class RealClock(object):
    """Real time."""

    def now(self):
        return time.monotonic()

    def time(self):
        return time.time()

    def sleep(self, seconds):
        if seconds > 0:
            time.sleep(seconds)


REAL_CLOCK = RealClock()
