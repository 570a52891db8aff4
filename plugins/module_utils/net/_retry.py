# -*- coding: utf-8 -*-
# Copyright (c) otc.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Retrying transient HTTP failures: exponential backoff with full jitter, capped, deadline-bound.

This layer knows nothing about jobs; it only repeats one request while the failure is
transient (see ``TransientError``). Whether a job is pending, done or failed is the
waiter's business (``_waiter``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import random
import time

from ansible_collections.otc.jobs.plugins.module_utils.core._errors import TransientError, seconds_text


class Backoff:
    """Full-jitter exponential backoff (as amazon.aws CloudRetry): uniform(0, min(cap, base * 2**attempt))."""

    def __init__(self, base=0.5, cap=10.0, rng=None):
        self.base = base
        self.cap = cap
        self._rng = rng or random.Random()

    def delay(self, attempt):
        return self._rng.uniform(0, min(self.cap, self.base * (2 ** min(attempt, 32))))


class RetryPolicy:
    """When to give up: after ``max_attempts`` tries, or when the monotonic ``deadline`` has passed.

    ``deadline`` None means only ``max_attempts`` bounds the retries; ``max_attempts`` None
    means only the deadline does (job_wait retries until its own timeout). ``retry_rate_limited``
    False hands a 429 straight back to the caller (the waiter slows the whole wait down instead).
    A ``Retry-After`` longer than the time left ends the retries at once, saying so, unless
    ``cap_retry_after`` (job_wait: wait what is left, then time out).
    """

    # Without a deadline, a Retry-After of an hour must not stall a task for an hour.
    MAX_RETRY_AFTER = 60.0

    def __init__(self, max_attempts=None, deadline=None, backoff=None, clock=time.monotonic, sleep=time.sleep, stop=None,
                 retry_rate_limited=True, cap_retry_after=False, observe=None):
        if max_attempts is None and deadline is None:
            raise ValueError('a retry policy needs max_attempts or a deadline')
        self.max_attempts = max_attempts
        self.deadline = deadline
        self.backoff = backoff or Backoff()
        self.clock = clock
        self.sleep = sleep
        # A threading.Event: once set (another job of the same wait failed), stop retrying at once.
        self.stop = stop
        self.retry_rate_limited = retry_rate_limited
        self.cap_retry_after = cap_retry_after
        # Called with every TransientError before the retry decision (the task's concurrency window learns from it).
        self.observe = observe

    def remaining(self):
        if self.deadline is None:
            return None
        return self.deadline - self.clock()

    def call(self, func):
        """Call ``func()`` until it returns, raising the last TransientError when out of tries or time.

        The error raised names the last real cause (a request that was not even sent for lack of
        time is not one) and, after more than one try, how many there were over how long.
        """
        attempt = 0
        started = self.clock()
        real = []  # the last failure of a request that was sent
        while True:
            try:
                return func()
            except TransientError as exc:
                if getattr(exc, 'not_sent', False) and real:
                    raise _summed(real[-1], attempt, self.clock() - started)
                if self.observe is not None:
                    self.observe(exc)
                attempt += 1
                real[:] = [exc]
                pause = self._pause(attempt, exc)
                if pause is None or self._stopped():
                    raise _summed(exc, attempt, self.clock() - started)
                if self.stop is not None:
                    self.stop.wait(pause)
                else:
                    self.sleep(pause)
                if self._stopped():
                    raise _summed(exc, attempt, self.clock() - started)

    def _stopped(self):
        return self.stop is not None and self.stop.is_set()

    def _pause(self, attempt, exc):
        """Seconds to sleep before the next try, or None to give up (after amending ``exc``'s message)."""
        if exc.deadline_passed or (exc.rate_limited and not self.retry_rate_limited):
            return None
        if self.max_attempts is not None and attempt >= self.max_attempts:
            return None
        pause = self.backoff.delay(attempt - 1)
        remaining = self.remaining()
        if exc.retry_after is not None:
            # The server knows best when it can answer again; never sleep less than it asked.
            if remaining is not None and exc.retry_after >= remaining and not self.cap_retry_after:
                exc.reword('%s; the API asked to retry after %s s, more than the %s s left' % (
                    exc.message, seconds_text(exc.retry_after), seconds_text(max(0.0, remaining))))
                return None
            pause = max(pause, min(exc.retry_after, self.MAX_RETRY_AFTER))
        if remaining is not None:
            if remaining <= 0:
                return None
            # Never sleep past the deadline: one last try right at it is still worth making.
            pause = min(pause, remaining)
        return pause


def _summed(exc, attempts, seconds):
    """``exc`` with '(N attempts over T s)' added after more than one try."""
    if attempts > 1:
        exc.reword('%s (%d attempts over %s s)' % (exc.message, attempts, seconds_text(round(max(0.0, seconds), 1))))
    return exc
