# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The polling engine, with scripted in-memory job clients (the retry layer: test_retry.py; the window: test_concurrency.py).

Everything runs on ``FakeClock``: a request's latency is a sleep on it, the wait's pool runs each poll
in turn, and every instant asserted is exact, so no test here depends on how fast the machine is.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import random
import threading

import pytest

from ansible_collections.otc.jobs.plugins.module_utils.core._clock import FakeClock
from ansible_collections.otc.jobs.plugins.module_utils.core._errors import ApiError, TransientError, WaitTimeout
from ansible_collections.otc.jobs.plugins.module_utils.core._errors import JobNotFound
from ansible_collections.otc.jobs.plugins.module_utils.engine._messages import describe_failed_job, failure_message
from ansible_collections.otc.jobs.plugins.module_utils.engine._waiter import JobWaiter, ParentWatch, PollSchedule, format_duration


def job(job_id, status, state, error=None, sub_jobs=None):
    return {'id': job_id, 'service': 'elb', 'status': status, 'state': state, 'finished': state in ('success', 'failed'),
            'job_type': 'createELB', 'error': error, 'sub_jobs': sub_jobs or []}


class ScriptedClient:
    """Answers each job's polls from a script: a job dict, or an exception to raise."""

    service = 'elb'

    def __init__(self, scripts, latency=0.0, clock=None):
        self.scripts = dict((k, list(v)) for k, v in scripts.items())
        self.latency = latency
        self.clock = clock or FakeClock()
        self.polls = 0
        self.peak = 0   # the most polls in flight at once
        self._lock = threading.Lock()

    def fetch(self, job_id, policy):
        return policy.call(lambda: self._once(job_id))

    def _once(self, job_id):
        with self._lock:
            self.polls += 1
            self.peak = max(self.peak, self.clock.in_flight)
            script = self.scripts[job_id]
            answer = script.pop(0) if len(script) > 1 else script[0]
        self.clock.sleep(self.latency)
        if isinstance(answer, Exception):
            raise answer
        return answer


class TimedClient:
    """Each job runs until its given second after the first poll; records when each job was polled."""

    service = 'elb'

    def __init__(self, durations, clock=None):
        self.durations = durations
        self.clock = clock or FakeClock()
        self.times = dict((job_id, []) for job_id in durations)
        self.polls = 0
        self.began = None
        self._lock = threading.Lock()

    def fetch(self, job_id, policy):
        with self._lock:
            now = self.clock.now()
            self.began = now if self.began is None else self.began
            self.polls += 1
            self.times[job_id].append(now)
        return done(job_id) if now - self.began >= self.durations[job_id] else running(job_id)


def running(job_id):
    return job(job_id, 'RUNNING', 'running')


def done(job_id):
    return job(job_id, 'SUCCESS', 'success')


def waiter(client, **kwargs):
    """A JobWaiter on the client's fake clock, its caller always there."""
    options = dict(timeout=10, sleep=0.01, max_sleep=0.02, not_found_timeout=5, max_concurrency=8, rng=random.Random(1),
                   clock=client.clock, parent=ParentWatch(getppid=lambda: 4242))
    options.update(kwargs)
    return JobWaiter(client, **options)


class TestPollSchedule:
    @pytest.mark.parametrize('waited, low, high', [
        (0, 0.9, 1.1),          # at least `sleep`
        (20, 3.6, 4.4),         # 0.2 x waited
        (500, 9.0, 10.0),       # capped at max_sleep, never above it
    ])
    def test_rhythm(self, waited, low, high):
        schedule = PollSchedule(sleep=1, max_sleep=10, rng=random.Random(7))
        delays = [schedule.delay(waited) for _attempt in range(200)]
        assert low <= min(delays) and max(delays) <= high
        assert len(set(delays)) > 1  # jittered

    def test_requests_grow_logarithmically(self):
        schedule = PollSchedule(sleep=1, max_sleep=1000, rng=random.Random(3))
        waited, polls = 0.0, 0
        while waited < 1000:
            waited += schedule.delay(waited)
            polls += 1
        assert polls < 40  # linear polling at 1 s would send 1000

    def test_jobs_on_one_beat_share_the_next(self):
        schedule = PollSchedule(sleep=1, max_sleep=10, rng=random.Random(5), start=100.0)
        # two jobs polled on the beat at 100, answered at different times, stay in step
        first = schedule.next_poll(100.0, polled_at=100.001, answered_at=100.02)
        second = schedule.next_poll(100.0, polled_at=100.004, answered_at=100.3)
        assert first == second and 100.9 <= first <= 101.1
        beats = [100.0]
        for _beat in range(200):
            beats.append(schedule.next_poll(beats[-1], polled_at=beats[-1], answered_at=beats[-1] + 0.05))
        gaps = [later - earlier for earlier, later in zip(beats, beats[1:])]
        assert all(0.9 <= gap <= min(10, 1.1 * max(1, 0.2 * (beat - 100))) for gap, beat in zip(gaps, beats))
        assert len(set(round(gap, 6) for gap in gaps)) > 1  # jittered per beat
        assert len(schedule._beats) <= schedule.KEPT_BEATS  # a long wait keeps a bounded memory of beats

    def test_late_poll_joins_a_later_beat_not_too_soon(self):
        schedule = PollSchedule(sleep=1, max_sleep=10, rng=random.Random(5), start=0.0)
        on_time = schedule.next_poll(0.0, polled_at=0.0, answered_at=0.05)
        # queued behind others, this poll began 0.6 s after its beat: the next beat is too close
        late = schedule.next_poll(0.0, polled_at=0.6, answered_at=0.65)
        assert late == schedule.next_beat(on_time) and late - 0.6 >= schedule.MIN_GAP
        # a poll that ran past several beats (retries) resumes on the first beat not in the past
        beats = [0.0]
        while beats[-1] < 3.5:
            beats.append(schedule.next_beat(beats[-1]))
        assert schedule.next_poll(0.0, polled_at=0.0, answered_at=3.5) == beats[-1]


class TestWaiter:
    def test_waits_until_finished(self):
        client = ScriptedClient({'a': [running('a'), running('a'), done('a')]})
        result = waiter(client).wait(['a'])
        assert result.jobs[0]['state'] == 'success'
        assert result.polls == 3
        assert 2 * 0.009 <= result.elapsed <= 2 * 0.011  # two beats of sleep +-10 %

    def test_keeps_input_order_and_bounds_concurrency(self):
        ids = ['j%02d' % i for i in range(12)]
        client = ScriptedClient(dict((i, [running(i), running(i), done(i)]) for i in ids), latency=0.02)
        result = waiter(client, max_concurrency=4).wait(ids)
        assert [j['id'] for j in result.jobs] == ids
        assert client.peak == 4

    def test_many_jobs_are_polled_in_step(self):
        """Jobs keep one shared rhythm, so the wait ends on the first beat after the last job ends."""
        ids = ['j%02d' % i for i in range(24)]
        client = TimedClient(dict((job_id, 0.5 + 0.01 * i) for i, job_id in enumerate(ids)))
        engine = waiter(client, sleep=0.1, max_sleep=1, max_concurrency=8, rng=random.Random(11))
        engine.PROBE_SHARE = 0  # probes add polls between the beats by design; this is about the beats
        result = engine.wait(ids)
        assert all(j['state'] == 'success' for j in result.jobs)
        # independent per-job jitter would spread the fifth polls over tens of ms; one rhythm keeps them together
        assert len(set(client.times[job_id][4] for job_id in ids)) == 1
        last_end = 0.5 + 0.01 * 23
        assert last_end <= result.elapsed <= last_end + 1.1 * 0.2 * last_end  # within one beat (0.2 x waited, +10%)

    def test_failed_job_ends_wait_and_is_reported(self):
        failed = job('b', 'FAIL', 'failed', error={'code': 'ELB.8902', 'message': 'No EIP quota.'},
                     sub_jobs=[job('b1', 'FAIL', 'failed', error={'code': 'ELB.1', 'message': 'sub broke'})])
        client = ScriptedClient({'a': [done('a')], 'b': [running('b'), failed]})
        result = waiter(client).wait(['a', 'b'])
        message = failure_message(result.jobs)
        assert message.startswith('1 of 2 elb jobs failed: elb job b failed: ELB.8902 No EIP quota. (job_type createELB)')
        assert 'sub-job b1 failed: ELB.1 sub broke' in message
        assert failure_message([done('a')]) is None

    def test_timeout_names_job_and_last_status(self):
        client = ScriptedClient({'a': [running('a')]})
        started = client.clock.now()
        with pytest.raises(WaitTimeout) as caught:
            waiter(client, timeout=0.3).wait(['a'])
        assert client.clock.now() - started == pytest.approx(0.3)
        assert caught.value.message == 'timed out after 0.3 s waiting for elb job a: last status RUNNING'
        assert caught.value.details['jobs'][0]['status'] == 'RUNNING'

    def test_timeout_bound_with_slow_requests(self):
        """No path runs past timeout + one request's duration, even with a poll in flight at the deadline."""
        client = ScriptedClient({'a': [running('a')]}, latency=0.25)
        started = client.clock.now()
        with pytest.raises(WaitTimeout):
            waiter(client, timeout=0.5).wait(['a'])
        assert 0.5 <= client.clock.now() - started <= 0.5 + 0.25

    def test_not_found_is_pending_for_a_while(self):
        missing = JobNotFound('elb job a not found: HTTP 404', status_code=404)
        client = ScriptedClient({'a': [missing, missing, done('a')]})
        assert waiter(client).wait(['a']).jobs[0]['state'] == 'success'

    def test_not_found_after_grace_fails(self):
        missing = JobNotFound('elb job a not found: HTTP 404', status_code=404)
        client = ScriptedClient({'a': [missing]})
        started = client.clock.now()
        with pytest.raises(JobNotFound):
            waiter(client, not_found_timeout=0.1).wait(['a'])
        assert 0.1 <= client.clock.now() - started <= 0.1 + 0.02  # the first poll at or after the grace period

    def test_transient_errors_are_retried(self):
        flaky = TransientError('reading elb job a failed: HTTP 503', status_code=503)
        client = ScriptedClient({'a': [flaky, flaky, done('a')]})
        result = waiter(client).wait(['a'])
        assert result.jobs[0]['state'] == 'success' and result.polls == 3

    def test_persistent_transient_error_times_out_with_cause(self):
        flaky = TransientError('reading elb job a failed: HTTP 503', status_code=503)
        client = ScriptedClient({'a': [flaky]})
        with pytest.raises(WaitTimeout) as caught:
            waiter(client, timeout=0.3).wait(['a'])
        assert 'last error: reading elb job a failed: HTTP 503' in caught.value.message

    def test_client_error_fails_at_once(self):
        client = ScriptedClient({'a': [ApiError('reading elb job a failed: HTTP 403', status_code=403)], 'b': [running('b')]})
        started = client.clock.now()
        with pytest.raises(ApiError):
            waiter(client, timeout=5).wait(['a', 'b'])
        assert client.clock.now() == started and client.polls == 2  # the first round, no second

    def test_unknown_status_warns_once(self):
        warnings = []
        odd = job('a', 'QUEUED', 'unknown')
        client = ScriptedClient({'a': [odd, odd, odd, done('a')]})
        waiter(client, warn=warnings.append).wait(['a'])
        assert len(warnings) == 1 and "'QUEUED'" in warnings[0]

    def test_describe_failed_job_without_reason(self):
        assert describe_failed_job(job('x', 'FAIL', 'failed')) == 'elb job x failed: no reason given (job_type createELB)'


class OrderClient(ScriptedClient):
    """A ScriptedClient that records the order of its polls."""

    def __init__(self, scripts, latency=0.0):
        super(OrderClient, self).__init__(scripts, latency)
        self.order = []

    def _once(self, job_id):
        with self._lock:
            self.order.append(job_id)
        return super(OrderClient, self)._once(job_id)


def with_progress(job_id, percent):
    return dict(running(job_id), progress=percent)


class TestWhereThePollsGo:
    def test_a_round_polls_the_likeliest_finished_first(self):
        """One request in flight: the first round goes in input order, the next by the progress the API reported."""
        client = OrderClient({'a': [with_progress('a', 10), done('a')], 'b': [with_progress('b', 90), done('b')],
                              'c': [with_progress('c', 50), done('c')], 'd': [running('d'), done('d')]})
        result = waiter(client, sleep=0.5, max_sleep=0.5, max_concurrency=1).wait(['a', 'b', 'c', 'd'])
        assert all(j['state'] == 'success' for j in result.jobs)
        assert client.order[:4] == ['a', 'b', 'c', 'd']
        assert client.order[4:] == ['b', 'c', 'a', 'd']

    def test_a_finished_job_pulls_the_others_forward_once(self):
        """Once one job is seen finished, every other one is polled again at once, not on its next beat."""
        ids = ['j%02d' % i for i in range(20)]
        client = TimedClient(dict((job_id, 1.0) for job_id in ids))
        # at 1 s the beats are 0.2 x 1 s apart: without the extra poll, the others would wait up to 0.2 s
        result = waiter(client, sleep=0.1, max_sleep=2, max_concurrency=64, rng=random.Random(2)).wait(ids)
        assert all(j['state'] == 'success' for j in result.jobs)
        first_seen = min(t for times in client.times.values() for t in times if t - client.began >= 1.0)
        after = [min(t for t in client.times[job_id] if t >= first_seen) for job_id in ids]
        assert max(after) - first_seen < 0.1
        # at most one extra poll between two regular ones: far from polling every job continuously
        assert result.polls < 20 * 14

    def test_a_single_job_keeps_its_plain_rhythm(self):
        client = TimedClient({'a': 0.5})
        result = waiter(client, sleep=0.1, max_sleep=1, rng=random.Random(4)).wait(['a'])
        times = client.times['a']
        gaps = [later - earlier for earlier, later in zip(times, times[1:])]
        assert result.jobs[0]['state'] == 'success' and all(gap >= 0.08 for gap in gaps)  # no probes, no extra polls


class SubmissionClock(FakeClock):
    """A FakeClock whose pools record when each piece of work was handed to them (when a poll was begun)."""

    def __init__(self):
        super(SubmissionClock, self).__init__()
        self.submitted = []

    def pool(self, workers):
        pool = super(SubmissionClock, self).pool(workers)
        submit = pool.submit

        def recorded(work, *args, **kwargs):
            self.submitted.append(self.now())
            return submit(work, *args, **kwargs)
        pool.submit = recorded
        return pool


class RateLimitedClient(TimedClient):
    """Every other GET (over all jobs) answers 429 with Retry-After; records when requests start and 429s end."""

    def __init__(self, durations, retry_after):
        super(RateLimitedClient, self).__init__(durations, SubmissionClock())
        self.retry_after = retry_after
        self.in_flight = 0
        self.started = []      # (time, requests in flight then)
        self.refused_at = []   # when each 429 was answered

    def fetch(self, job_id, policy):
        return policy.call(lambda: self._once(job_id))

    def _once(self, job_id):
        with self._lock:
            self.in_flight += 1
            self.started.append((self.clock.now(), self.in_flight))
            refuse = len(self.started) % 2 == 0
        try:
            self.clock.sleep(0.005)
            if refuse:
                with self._lock:
                    self.polls += 1
                    self.refused_at.append(self.clock.now())
                raise TransientError('reading elb job %s failed: HTTP 429' % job_id, status_code=429,
                                     retry_after=self.retry_after)
            return TimedClient.fetch(self, job_id, None)
        finally:
            with self._lock:
                self.in_flight -= 1


class TestRateLimitedWait:
    def test_thirty_two_jobs_against_an_api_refusing_every_other_request(self):
        ids = ['j%02d' % i for i in range(32)]
        client = RateLimitedClient(dict((job_id, 0.3) for job_id in ids), retry_after=0.1)
        result = waiter(client, timeout=20, sleep=0.1, max_sleep=1).wait(ids)
        assert all(job['state'] == 'success' for job in result.jobs)
        assert result.polls < 6 * len(ids)      # no storm of retries
        assert result.elapsed < 4.0             # ~1.3 s; 40 s at the real scale (sleep 1, jobs of 3 s), timeout 200
        # The wait slows down as a whole: once the first 429 is known, no new poll begins until its Retry-After has passed.
        first = client.refused_at[0]
        assert not [begun for begun in client.clock.submitted if first < begun < first + 0.1]
        assert [begun for begun in client.clock.submitted if begun == pytest.approx(first + 0.1)]


class TestProgress:
    def test_lines_every_interval_and_one_when_a_job_fails(self):
        lines = []
        failed = job('b', 'FAIL', 'failed', error={'code': 'ELB.8902', 'message': 'No EIP quota.'})
        client = TimedClient({'a': 0.45, 'b': 0.1})
        client.fetch_original = client.fetch

        def fetch(job_id, policy):
            answer = client.fetch_original(job_id, policy)
            return failed if job_id == 'b' and answer['state'] == 'success' else answer
        client.fetch = fetch
        result = waiter(client, sleep=0.02, max_sleep=0.05, progress=lines.append, progress_interval=0.2).wait(['a', 'b'])
        assert result.jobs[1]['state'] == 'failed'
        failure = [line for line in lines if 'failed:' in line]
        assert len(failure) == 1
        assert failure[0].startswith('otc.jobs.job_wait: elb job b failed: ELB.8902 No EIP quota. (job_type createELB) after ')
        status = [line for line in lines if line not in failure]
        assert len(status) == 2, lines  # at 0.2 s and 0.4 s
        assert status[0].startswith('otc.jobs.job_wait: elb 1/2 finished (1 failed), 1 running, 0s of 10s; job a: RUNNING')

    def test_off_and_short_waits_print_nothing(self):
        lines = []
        waiter(TimedClient({'a': 0.2}), progress=lines.append, progress_interval=0).wait(['a'])
        waiter(TimedClient({'a': 0.05}), progress=lines.append, progress_interval=5).wait(['a'])
        assert lines == []

    @pytest.mark.parametrize('seconds, text', [(0, '0s'), (45.9, '45s'), (130, '2m10s'), (1800, '30m'), (3900, '1h5m'),
                                               (7200, '2h')])
    def test_format_duration(self, seconds, text):
        assert format_duration(seconds) == text
