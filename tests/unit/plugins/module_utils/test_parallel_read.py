# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""job_info's reading of many ids: in parallel within the adaptive window, in order, one deadline per read,
and a failure that says how many jobs were read by then. On ``FakeClock``: a read's latency is a sleep on it."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import threading

import pytest

from ansible_collections.otc.jobs.plugins.module_utils.core._clock import FakeClock
from ansible_collections.otc.jobs.plugins.module_utils.core._errors import ApiError, TransientError
from ansible_collections.otc.jobs.plugins.module_utils.engine._jobs import JobClient, count_text


class FakeApi:
    name = 'elb'


class SlowClient(JobClient):
    """Every read takes ``latency`` seconds; records the most reads in flight at once and the policies' deadlines."""

    def __init__(self, latency=0.02, fail=None, refuse=0):
        self.clock = FakeClock()
        self.api = FakeApi()
        self.polls = 0
        self.latency = latency
        self.fail = fail or {}
        self.refuse = refuse          # this many first reads answer 429 (Retry-After 0)
        self.peak = 0
        self.deadlines = []
        self._lock = threading.Lock()

    def fetch(self, job_id, policy):
        self.deadlines.append(policy.deadline)
        return policy.call(lambda: self._once(job_id))

    def _once(self, job_id):
        with self._lock:
            self.polls += 1
            self.peak = max(self.peak, self.clock.in_flight)
            refuse = self.refuse > 0
            self.refuse -= 1
        self.clock.sleep(self.latency)
        if refuse:
            raise TransientError('reading elb job %s failed: HTTP 429' % job_id, status_code=429, retry_after=0.0)
        if job_id in self.fail:
            raise self.fail[job_id]
        return {'id': job_id, 'state': 'running'}

    def fetch_all(self, job_ids, deadline=None, **kwargs):
        return super(SlowClient, self).fetch_all(job_ids, deadline, clock=self.clock, **kwargs)


def test_many_ids_are_read_in_parallel_in_order():
    client = SlowClient(latency=0.02)
    ids = ['j%03d' % number for number in range(200)]
    jobs = client.fetch_all(ids, deadline=client.clock.now() + 30, per_read=10)
    assert [job['id'] for job in jobs] == ids
    assert client.polls == 200
    assert 8 < client.peak <= 64          # the window grew from 8, never past the ceiling


def test_the_ceiling_bounds_reads_in_flight():
    client = SlowClient(latency=0.01)
    client.fetch_all(['j%d' % number for number in range(60)], deadline=client.clock.now() + 30, ceiling=5)
    assert client.peak == 5


def test_each_read_has_its_own_deadline_within_the_tasks():
    client = SlowClient(latency=0.0)
    task_deadline = client.clock.now() + 1000
    client.fetch_all(['a', 'b', 'c'], deadline=task_deadline, per_read=4)
    assert client.deadlines == [client.clock.now() + 4] * 3


def test_a_failure_says_how_many_were_read():
    error = ApiError('reading elb job j150 failed: HTTP 403 X.1: no', status_code=403)
    client = SlowClient(latency=0.005, fail={'j150': error})
    ids = ['j%03d' % number for number in range(1000)]
    ids[150] = 'j150'
    with pytest.raises(ApiError) as caught:
        client.fetch_all(ids, deadline=client.clock.now() + 30)
    message = caught.value.message
    assert message.endswith(' of 1 000 elb jobs read when reading elb job j150 failed: HTTP 403 X.1: no')
    assert message.startswith('150 of ') and caught.value.status_code == 403  # read in order, one at a time


def test_the_tasks_time_running_out_is_a_failure_with_the_count():
    client = SlowClient(latency=0.05)
    with pytest.raises(TransientError) as caught:
        client.fetch_all(['j%d' % number for number in range(400)], deadline=client.clock.now() + 0.12, ceiling=4)
    # 4 begun at once, answered in turn every 0.05 s: two more begin (at 0.05 and 0.10 s), none after 0.12 s
    assert caught.value.message.startswith('6 of 400')
    assert " of 400 elb jobs read when the task's time ran out (2 x api_timeout for every 4 ids begun)" in caught.value.message


def test_rate_limited_reads_are_retried_and_shrink_the_window():
    client = SlowClient(latency=0.005, refuse=3)
    jobs = client.fetch_all(['j%d' % number for number in range(20)], deadline=client.clock.now() + 30)
    assert len(jobs) == 20 and client.polls == 23


def test_count_text():
    assert count_text(20000) == '20 000' and count_text(1332) == '1 332' and count_text(7) == '7'
