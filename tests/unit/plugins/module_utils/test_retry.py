# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The retry layer (net/_retry.RetryPolicy) on FakeClock: every pause it takes is recorded, none is real."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import random

import pytest

from ansible_collections.otc.jobs.plugins.module_utils.core._clock import FakeClock
from ansible_collections.otc.jobs.plugins.module_utils.core._errors import ApiError, TransientError
from ansible_collections.otc.jobs.plugins.module_utils.net._retry import (
    IAM_REQUEST, JOB_READ, JOB_WAIT_POLL, MUTATING_REQUEST, Backoff, RetryPolicy, is_transient_status)


class TestRetryPolicy:
    def test_backoff_is_full_jitter_and_capped(self):
        backoff = Backoff(base=1, cap=4, rng=random.Random(5))
        delays = [backoff.delay(10) for _attempt in range(200)]
        assert 0 <= min(delays) < 1 and 3 < max(delays) <= 4

    def test_gives_up_after_max_attempts(self):
        calls = []

        def failing():
            calls.append(1)
            raise TransientError('boom')
        clock = FakeClock()
        with pytest.raises(TransientError):
            RetryPolicy(max_attempts=3, clock=clock).call(failing)
        assert len(calls) == 3 and len(clock.sleeps) == 2

    @staticmethod
    def rate_limited_then_ok(retry_after):
        answers = [TransientError('429', status_code=429, retry_after=retry_after), 'ok']

        def call():
            answer = answers.pop(0)
            if isinstance(answer, Exception):
                raise answer
            return answer
        return call

    def test_retry_after_beyond_the_deadline_ends_at_once_saying_so(self):
        clock = FakeClock(start=100.0)
        policy = RetryPolicy(deadline=103.0, clock=clock)
        with pytest.raises(TransientError) as caught:
            policy.call(self.rate_limited_then_ok(1000))
        assert clock.sleeps == []
        assert caught.value.message == '429; the API asked to retry after 1000 s, more than the 3 s left'

    def test_retry_after_is_clamped_to_the_deadline_when_capping(self):
        clock = FakeClock(start=100.0)
        policy = RetryPolicy(deadline=103.0, clock=clock, cap_retry_after=True)
        assert policy.call(self.rate_limited_then_ok(7)) == 'ok'
        assert clock.sleeps == [3.0] and clock.now() == 103.0

    def test_rate_limits_can_be_handed_back(self):
        clock = FakeClock()
        policy = RetryPolicy(max_attempts=5, clock=clock, retry_rate_limited=False)
        with pytest.raises(TransientError):
            policy.call(self.rate_limited_then_ok(1))
        assert clock.sleeps == []

    def test_a_request_out_of_time_is_not_retried(self):
        calls = []

        def late():
            calls.append(1)
            raise TransientError('too slow', deadline_passed=True)
        with pytest.raises(TransientError):
            RetryPolicy(max_attempts=5, clock=FakeClock()).call(late)
        assert len(calls) == 1

    def test_retry_after_honoured_when_time_allows(self):
        clock = FakeClock()
        policy = RetryPolicy(max_attempts=3, backoff=Backoff(base=0.01, cap=0.01), clock=clock)
        assert policy.call(self.rate_limited_then_ok(2)) == 'ok'
        assert clock.sleeps == [2]

    def test_non_transient_errors_pass_through(self):
        def forbidden():
            raise ApiError('HTTP 403', status_code=403)
        clock = FakeClock()
        with pytest.raises(ApiError):
            RetryPolicy(max_attempts=5, clock=clock).call(forbidden)
        assert clock.sleeps == []


def test_presets_make_their_policies():
    policies = dict((preset.name, preset.policy(deadline=10.0)) for preset in (JOB_READ, JOB_WAIT_POLL, IAM_REQUEST, MUTATING_REQUEST))
    assert policies['JOB_READ'].max_attempts == 4 and policies['JOB_READ'].retry_rate_limited
    assert policies['JOB_WAIT_POLL'].max_attempts is None and policies['JOB_WAIT_POLL'].cap_retry_after
    assert not policies['JOB_WAIT_POLL'].retry_rate_limited
    assert policies['IAM_REQUEST'].max_attempts == 3
    assert policies['MUTATING_REQUEST'].max_attempts == 4
    with pytest.raises(ValueError):
        JOB_WAIT_POLL.policy()   # retried until a deadline, so it needs one


@pytest.mark.parametrize('status, transient', [(429, True), (500, True), (502, True), (503, True), (504, True),
                                               (400, False), (401, False), (404, False), (501, False), (200, False)])
def test_transient_statuses(status, transient):
    assert is_transient_status(status) is transient


def test_a_transient_error_is_what_the_retry_layer_repeats():
    answers = [TransientError('HTTP 503', status_code=503), 'ok']

    def call():
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer
    assert JOB_READ.policy(clock=FakeClock()).call(call) == 'ok'
