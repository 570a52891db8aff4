# -*- coding: utf-8 -*-
# Copyright (c) otc.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""How many requests one task keeps in flight: additive increase, multiplicative decrease.

One ``Concurrency`` per task (a job_wait, or a job_info with many ids). The number of requests
allowed in flight (``window``) follows the API, as TCP's congestion window follows the network:

- it starts at ``INITIAL`` (or the ceiling, if lower) and grows while the task is bound by latency,
  that is while polls that are due wait for a free slot (``demand``): by one with every healthy answer
  (doubling per round trip, TCP's slow start) up to the window at which it was last cut, beyond that
  by one per window's worth of healthy answers (one per round trip, probing slowly where it was
  refused before); a task that has all it needs in flight does not grow;
- a 429, a 503 or a request that timed out cuts it to ``DECREASE`` (70 %, CUBIC's factor) of what
  it was, at most once per ``sleep`` (or the Retry-After, if longer), so one crowded round of
  refusals counts once; a 429 (or any answer with a Retry-After) also holds every new request until
  the API takes requests again (its Retry-After, else a backoff that doubles per strike);
- it never exceeds ``ceiling`` (``max_concurrency``) and never drops below one.

Halving instead of 70 % was measured to starve a wait against an API that refuses every other
request: 24 s instead of 12 s for 32 jobs of 3 s, with the same number of requests.

The clock is injectable (``core._clock``: tests drive it by hand); every method is thread-safe.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import threading

from ansible_collections.otc.jobs.plugins.module_utils.core._clock import REAL_CLOCK

# The default ceiling of requests in flight per task (job_wait's max_concurrency default, job_info's
# fixed ceiling). OTC documents its API rate limits per API and per account, enforced by the API
# gateway with HTTP 429 (APIGW.0308): the Relational Database Service reference, for one, gives
# 8,000 calls per minute per API and 60 per minute per user; most job APIs publish no number at all.
# A fixed number of requests cannot be right for every service, region and account, so the window
# adapts to the 429s the gateway sends, and the ceiling only needs to keep one task from flooding an
# API that does not push back: 64 in flight is at most ~430 requests/s at a real region's 150 ms
# (one round of 1000 jobs in ~2.3 s), ~2100/s at 30 ms.
DEFAULT_CEILING = 64

RATE_LIMITED = 'rate_limited'
UNAVAILABLE = 'unavailable'
TIMED_OUT = 'timed_out'


def congestion_kind(exc):
    """RATE_LIMITED, UNAVAILABLE, TIMED_OUT or None for a TransientError: what it says about the API's load."""
    status = getattr(exc, 'status_code', None)
    if status == 429:
        return RATE_LIMITED
    if status == 503:
        return UNAVAILABLE
    if status is None:
        text = str(getattr(exc, 'message', exc)).lower()
        if getattr(exc, 'deadline_passed', False) or 'timed out' in text or 'timeout' in text:
            return TIMED_OUT
    return None


class Concurrency:
    """The AIMD window of requests in flight of one task (see the module docstring)."""

    INITIAL = 8
    DECREASE = 0.7

    def __init__(self, ceiling=DEFAULT_CEILING, sleep=1.0, max_sleep=10.0, clock=REAL_CLOCK, initial=None):
        self.ceiling = max(1, int(ceiling))
        self.limit = max(1, min(self.ceiling, int(initial or self.INITIAL)))
        self.sleep = float(sleep)
        self.max_sleep = max(float(max_sleep), self.sleep)
        self.clock = clock
        self.resume_at = None
        self.strikes = 0
        self.demand = False        # due requests are waiting for a slot: the task is bound by the window
        self.peak = self.limit
        self.decreases = 0
        self.congestion = {RATE_LIMITED: 0, UNAVAILABLE: 0, TIMED_OUT: 0}
        self._window_ends = None
        self._credit = 0
        self.last_cut_at = self.ceiling   # the window when it was last cut
        self._lock = threading.Lock()

    @property
    def window(self):
        return self.limit

    def allows(self, in_flight, now=None):
        """Whether one more request may start now."""
        now = self.clock.now() if now is None else now
        return in_flight < self.limit and (self.resume_at is None or now >= self.resume_at)

    def paused(self, now=None):
        now = self.clock.now() if now is None else now
        return self.resume_at is not None and now < self.resume_at

    def wants_more(self, waiting):
        """The caller says whether due requests are waiting for a slot (the window, not the rhythm, bounds it)."""
        self.demand = bool(waiting)

    def succeeded(self):
        """A healthy answer: one more request in flight, while the task is bound by the window."""
        with self._lock:
            if self.limit >= self.ceiling:
                self.strikes = 0
                return
            if self.demand:
                if self.decreases and self.limit >= self.last_cut_at:
                    # Beyond the window of the last cut, additive increase: one more per window's worth of answers.
                    self._credit += 1
                    if self._credit < self.limit:
                        return
                self._credit = 0
                self.limit += 1
                self.peak = max(self.peak, self.limit)

    def congested(self, kind, retry_after=None):
        """A 429, a 503 or a timeout (``congestion_kind``): fewer in flight, and a pause where the API asked for one."""
        if kind is None:
            return
        with self._lock:
            now = self.clock.now()
            self.congestion[kind] = self.congestion.get(kind, 0) + 1
            if self._window_ends is not None and now < self._window_ends:
                return  # this window was already counted
            self.strikes += 1
            self.decreases += 1
            self.last_cut_at = self.limit
            self.limit = max(1, int(self.limit * self.DECREASE))
            pause = None
            if retry_after is not None:
                pause = retry_after
            elif kind == RATE_LIMITED:
                pause = min(self.max_sleep, self.sleep * 2 ** min(self.strikes, 10))
            if pause is not None:
                self.resume_at = now + pause
            self._window_ends = now + max(self.sleep, pause or 0.0)
