# -*- coding: utf-8 -*-
# Copyright (c) otc.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one clock that everything timed reads: the waiter, retries, concurrency control, caches, the emulator.

Code takes a ``clock`` argument (default ``REAL_CLOCK``) instead of calling ``time`` itself, so that
tests drive time by hand with ``FakeClock`` and assert exact instants instead of wall-clock margins.

- ``now()``: monotonic seconds, for deadlines and intervals;
- ``time()``: seconds since the epoch, for expiry dates that are stored or sent;
- ``sleep(seconds)``: pause the calling thread;
- ``wait(event, timeout)``: pause until a ``threading.Event`` is set or ``timeout`` passed; True if set;
- ``take(answers, timeout)``: the items of a ``queue.Queue``, waiting at most ``timeout`` for the first; [] if none came;
- ``pool(workers)``: an executor for work that runs beside the caller (a ``ThreadPoolExecutor``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import queue
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor


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

    def take(self, answers, timeout):
        try:
            first = answers.get(timeout=max(0.0, timeout) if timeout is not None else None)
        except queue.Empty:
            return []
        return [first] + _the_rest(answers)

    def pool(self, workers):
        return ThreadPoolExecutor(max_workers=workers)


REAL_CLOCK = Clock()


def _the_rest(answers):
    """Every item already in ``answers``, without waiting."""
    items = []
    while True:
        try:
            items.append(answers.get_nowait())
        except queue.Empty:
            return items


class FakeClock(Clock):
    """Time that moves only when code sleeps or waits, or a test calls ``advance``.

    ``sleep`` and an unset ``wait`` return at once, having moved the clock forward by their duration,
    so a wait of 30 minutes runs in microseconds and every instant it saw is exact. Sleeps of
    several threads add up (time is shared, not per thread), which is what a test of one loop wants.
    ``sleeps`` records every pause asked for, in order.

    Its ``pool`` does not start threads: work submitted waits until the caller ``take``s an answer, then
    the oldest piece runs, in the caller's thread, as if the requests in flight were answered one by one
    in the order they were sent. On a clock that moves only where code pauses, worker threads would race
    the caller and leave the order of events to chance; this way a whole wait is reproducible.
    ``in_flight`` is how many submitted pieces have not finished.
    """

    def __init__(self, start=1000.0, epoch=1767225600.0):
        self._now = float(start)
        self._offset = float(epoch) - float(start)   # time() - now(): 2026-01-01T00:00:00Z at the start
        self._lock = threading.Lock()
        self.sleeps = []
        self._pending = []      # (future, work, args, kwargs) submitted to a pool and not begun
        self.in_flight = 0

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

    def take(self, answers, timeout):
        if answers.empty() and self._pending:
            self.run_next()
        if answers.empty():
            if timeout is None:
                raise AssertionError('FakeClock.take without a timeout from an empty queue would block forever')
            self.sleep(max(0.0, timeout))
        return _the_rest(answers)

    def pool(self, workers):
        return _FakePool(self)

    def defer(self, work, args, kwargs):
        """A Future of ``work(*args, **kwargs)``, to be run when the caller takes an answer (``run_next``)."""
        future = Future()
        self._pending.append((future, work, args, kwargs))
        self.in_flight += 1
        return future

    def run_next(self):
        """Run the oldest piece of work submitted to a pool of this clock."""
        future, work, args, kwargs = self._pending.pop(0)
        try:
            future.set_result(work(*args, **kwargs))
        except BaseException as exc:  # pylint: disable=broad-except
            future.set_exception(exc)
        finally:
            self.in_flight -= 1

    def run_all(self):
        while self._pending:
            self.run_next()


class _FakePool:
    """``FakeClock.pool``: work waits in the clock's list until the caller takes an answer."""

    def __init__(self, clock):
        self._clock = clock

    def submit(self, work, *args, **kwargs):
        return self._clock.defer(work, args, kwargs)

    def shutdown(self, wait=True):
        # As a thread pool does, finish what was submitted (a stopped wait's polls end at once).
        if wait:
            self._clock.run_all()
