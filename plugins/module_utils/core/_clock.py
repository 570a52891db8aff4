# -*- coding: utf-8 -*-
# Copyright (c) otc.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one clock that everything timed reads: the waiter, retries, concurrency control, caches, the emulator.

Code takes a ``clock`` argument (default ``REAL_CLOCK``) instead of calling ``time`` itself, so that
tests drive time by hand with ``FakeClock`` and assert exact instants instead of wall-clock margins.

- ``now()``: monotonic seconds, for deadlines and intervals;
- ``time()``: seconds since the epoch, for expiry dates that are stored or sent;
- ``sleep(seconds)``: pause the calling thread;
- ``wait(event, timeout)``: pause until a ``threading.Event`` is set or ``timeout`` passed; True if set.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import threading
import time


class Clock:
    """Real time."""

    def now(self):
        return time.monotonic()

    def time(self):
        return time.time()

    def sleep(self, seconds):
        if seconds > 0:
            time.sleep(seconds)

    def wait(self, event, timeout):
        return event.wait(max(0.0, timeout)) if timeout is not None else event.wait()


REAL_CLOCK = Clock()


class FakeClock(Clock):
    """Time that moves only when code sleeps or waits, or a test calls ``advance``.

    ``sleep`` and an unset ``wait`` return at once, having moved the clock forward by their duration,
    so a wait of 30 minutes runs in microseconds and every instant it saw is exact. Sleeps of
    several threads add up (time is shared, not per thread), which is what a test of one loop wants.
    ``sleeps`` records every pause asked for, in order.
    """

    def __init__(self, start=1000.0, epoch=1767225600.0):
        self._now = float(start)
        self._offset = float(epoch) - float(start)   # time() - now(): 2026-01-01T00:00:00Z at the start
        self._lock = threading.Lock()
        self.sleeps = []

    def now(self):
        with self._lock:
            return self._now

    def time(self):
        with self._lock:
            return self._now + self._offset

    def advance(self, seconds):
        with self._lock:
            self._now += max(0.0, float(seconds))
            return self._now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.advance(seconds)

    def wait(self, event, timeout):
        if event.is_set():
            return True
        if timeout is None:
            raise AssertionError('FakeClock.wait without a timeout would block forever')
        self.sleep(max(0.0, timeout))
        return event.is_set()
