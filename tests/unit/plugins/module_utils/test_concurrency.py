# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The AIMD window of requests in flight (net/_concurrency) on FakeClock: growth, cuts on 429, 503 and timeouts, pauses, the ceiling."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.otc.jobs.plugins.module_utils.core._clock import FakeClock
from ansible_collections.otc.jobs.plugins.module_utils.core._errors import TransientError
from ansible_collections.otc.jobs.plugins.module_utils.net._concurrency import (
    RATE_LIMITED, TIMED_OUT, UNAVAILABLE, Concurrency, congestion_kind)


class TestConcurrency:
    """The AIMD window, driven by a fake clock."""

    def test_grows_by_one_per_healthy_answer_while_polls_wait_for_a_slot(self):
        window = Concurrency(64, 1.0, 10.0, FakeClock(start=0.0))
        assert window.window == 8
        window.succeeded()           # nothing waits for a slot: no growth
        assert window.window == 8
        window.wants_more(True)
        for dummy in range(10):
            window.succeeded()
        assert window.window == 18
        window.wants_more(False)
        window.succeeded()
        assert window.window == 18

    def test_never_above_the_ceiling(self):
        window = Concurrency(12, 1.0, 10.0, FakeClock(start=0.0))
        window.wants_more(True)
        for dummy in range(100):
            window.succeeded()
        assert window.window == 12 and window.peak == 12
        assert not window.allows(12) and window.allows(11)
        assert Concurrency(3, 1.0, 10.0, FakeClock(start=0.0)).window == 3   # starts at the ceiling when it is below 8

    def test_a_429_cuts_the_window_once_per_window_and_pauses(self):
        clock = FakeClock(start=0.0)
        window = Concurrency(8, 1.0, 10.0, clock)
        window.congested(RATE_LIMITED, 2.0)
        window.congested(RATE_LIMITED, 2.0)   # the same crowded round: counted once
        assert window.window == 5             # 70 % of 8
        assert window.resume_at == 2.0
        assert not window.allows(0, 1.9) and window.allows(4, 2.0) and not window.allows(5, 2.0)
        clock.advance(1.5)
        window.congested(RATE_LIMITED, None)  # still inside the window of the first (its Retry-After)
        assert window.window == 5 and window.resume_at == 2.0
        clock.advance(1.0)
        window.congested(RATE_LIMITED, None)  # no Retry-After: a growing backoff
        assert window.window == 3 and window.resume_at == 2.5 + 4.0
        assert window.congestion[RATE_LIMITED] == 4 and window.decreases == 2

    def test_503_and_timeouts_cut_the_window_without_a_pause(self):
        clock = FakeClock(start=0.0)
        window = Concurrency(64, 1.0, 10.0, clock, initial=40)
        window.congested(UNAVAILABLE)
        assert window.window == 28 and window.resume_at is None
        clock.advance(0.5)
        window.congested(TIMED_OUT)           # within one sleep of the last cut: counted once
        assert window.window == 28
        clock.advance(0.5)
        window.congested(TIMED_OUT)
        assert window.window == 19 and window.resume_at is None
        window.congested(None)                # not congestion (a 500, a bad body): nothing changes
        assert window.window == 19

    def test_after_a_cut_back_fast_then_one_per_window_of_answers_and_never_below_one(self):
        clock = FakeClock(start=0.0)
        window = Concurrency(10, 0.5, 1.0, clock, initial=4)
        for dummy in range(5):
            window.congested(RATE_LIMITED, 0)
            clock.advance(1)
        assert window.window == 1 and window.last_cut_at == 1
        window.wants_more(True)
        grown = []
        for dummy in range(2 + 3 + 4):
            window.succeeded()
            grown.append(window.window)
        # beyond the window of the last cut: one more per window's worth of answers (per round trip)
        assert grown == [2, 2, 3, 3, 3, 4, 4, 4, 4]
        clock.advance(5)
        window.congested(RATE_LIMITED, 0)     # cut at 4: to 2 ...
        assert window.window == 2 and window.last_cut_at == 4
        for expected in (3, 4, 4, 4, 4, 5):   # ... back to 4 one per answer, then one per 4 answers
            window.succeeded()
            assert window.window == expected

    def test_congestion_kinds(self):
        assert congestion_kind(TransientError('HTTP 429', status_code=429)) == RATE_LIMITED
        assert congestion_kind(TransientError('HTTP 503', status_code=503)) == UNAVAILABLE
        assert congestion_kind(TransientError('GET failed: no answer within the read timeout (api_timeout)')) == TIMED_OUT
        assert congestion_kind(TransientError('no complete answer within 3 s', deadline_passed=True)) == TIMED_OUT
        assert congestion_kind(TransientError('HTTP 500', status_code=500)) is None
        assert congestion_kind(TransientError('connection reset by the server')) is None
