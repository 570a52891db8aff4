# -*- coding: utf-8 -*-
# Copyright (c) otc.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The polling engine: waits until every job is finished, within one deadline on a monotonic clock.

It decides when to poll a job and whether a job is pending, done or failed; retrying a
single failed request is the retry layer's business (``_retry``), applied inside each poll.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import random
import threading
import time
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait

from ansible_collections.otc.jobs.plugins.module_utils._errors import OtcJobsError, TransientError, WaitTimeout, seconds_text
from ansible_collections.otc.jobs.plugins.module_utils._jobs import JobNotFound, unknown_status_warning
from ansible_collections.otc.jobs.plugins.module_utils._retry import Backoff, RetryPolicy
from ansible_collections.otc.jobs.plugins.module_utils._text import safe


class PollSchedule:
    """The polling rhythm as a series of beats shared by all jobs of one wait.

    The beat after one at ``b`` comes max(sleep, 0.2 x (b - start)) later, capped at max_sleep,
    with +-10% jitter drawn once per beat. A job is then seen finished within about a fifth of its
    own duration, the number of requests grows only logarithmically until the cap, and jobs
    polled on one beat stay in step: the last of many jobs ending together is seen on the first
    beat after its end, not on the latest of many independently jittered rhythms.
    """

    GROWTH = 0.2
    JITTER = 0.1
    # A poll that began late (queued behind max_concurrency others) skips beats that would come
    # sooner than this share of `sleep` after it: below the lowest jitter, so on-time polls never skip.
    MIN_GAP = 1 - 2 * JITTER

    def __init__(self, sleep=1.0, max_sleep=10.0, rng=None, start=0.0):
        self.sleep = float(sleep)
        self.max_sleep = max(float(max_sleep), self.sleep)
        self.start = start
        self._rng = rng or random.Random()
        self._beats = {}
        self._lock = threading.Lock()

    def delay(self, waited):
        base = min(max(self.sleep, self.GROWTH * waited), self.max_sleep)
        return min(self.max_sleep, base * self._rng.uniform(1 - self.JITTER, 1 + self.JITTER))

    KEPT_BEATS = 64  # only jobs many beats behind (long retries) need older ones; they re-join the rhythm later

    def next_beat(self, beat):
        with self._lock:
            if beat not in self._beats:
                self._beats[beat] = beat + self.delay(beat - self.start)
                if len(self._beats) > self.KEPT_BEATS:
                    del self._beats[next(iter(self._beats))]  # the oldest: dicts keep insertion order
            return self._beats[beat]

    def next_poll(self, beat, polled_at, answered_at):
        """When to poll again a job due at ``beat`` whose poll ran from ``polled_at`` to ``answered_at``."""
        earliest = max(polled_at + self.MIN_GAP * self.sleep, answered_at)
        beat = self.next_beat(beat)
        while beat < earliest:
            beat = self.next_beat(beat)
        return beat


class Throttle:
    """How hard one wait may press an API that says 429: fewer polls in flight and a pause, then recovery.

    Additive increase, multiplicative decrease (as TCP, and botocore's adaptive retry mode): a 429
    cuts the polls allowed in flight to 70 % (CUBIC's factor) and holds every new poll until its
    Retry-After (else a growing backoff), at most once per window (``sleep``, or the Retry-After if
    longer), so one crowded round counts once; every success gives one poll in flight back, up to
    ``max_concurrency``. Halving instead was measured to starve a wait against an API that refuses
    every other request: 24 s instead of 12 s for 32 jobs of 3 s, with the same number of requests.
    """

    DECREASE = 0.7

    def __init__(self, limit, sleep, max_sleep, clock):
        self.ceiling = limit
        self.limit = limit
        self.sleep = sleep
        self.max_sleep = max_sleep
        self.clock = clock
        self.resume_at = None
        self.strikes = 0
        self._window_ends = None
        self._lock = threading.Lock()

    def rate_limited(self, retry_after):
        with self._lock:
            now = self.clock()
            if self._window_ends is not None and now < self._window_ends:
                return  # this window was already counted
            self.strikes += 1
            self.limit = max(1, int(self.limit * self.DECREASE))
            pause = retry_after if retry_after is not None else min(self.max_sleep, self.sleep * 2 ** min(self.strikes, 10))
            self.resume_at = now + pause
            self._window_ends = now + max(self.sleep, pause)

    def succeeded(self):
        with self._lock:
            if self.limit < self.ceiling:
                self.limit += 1
            else:
                self.strikes = 0

    def allows(self, in_flight, now):
        return in_flight < self.limit and (self.resume_at is None or now >= self.resume_at)


class ParentWatch:
    """Whether the process that started this wait is still there.

    A wait that outlives its caller polls for nobody. After a ``kill -9`` of ``ansible-playbook`` the
    worker process that runs an action plugin is re-parented; a module run by such a worker (through
    ``/bin/sh``) keeps its own parent, but the worker above it is re-parented. So the watch records
    each process from this one up to the nearest ``ansible-playbook``/``ansible``/``ansible-runner``
    process (the worker; read from ``/proc``, at most ``MAX_DEPTH`` levels) with its parent at the
    start, and ``gone()`` is True once any of them has vanished or has another parent. Without such an
    ancestor (a remote host, ``async``, no ``/proc``) only this process's own parent is watched.
    """

    MAX_DEPTH = 6
    ANSIBLE_COMMANDS = ('ansible-playbook', 'ansible', 'ansible-runner', 'ansible-console', 'ansible-pull')

    def __init__(self, getppid=None, proc='/proc'):
        self._proc = proc
        self._getppid = getppid
        if getppid is not None or not hasattr(os, 'getppid'):
            self.chain = [(None, getppid())] if getppid is not None else []
        else:
            self.chain = self._ancestry()

    @property
    def parent(self):
        return self.chain[0][1] if self.chain else None

    def _ancestry(self):
        chain = [(None, os.getppid())]
        pid = os.getppid()
        for dummy in range(self.MAX_DEPTH):
            if pid is None or pid <= 1:
                break
            parent = self._parent_of(pid)
            if parent is None:
                break
            chain.append((pid, parent))
            if self._is_ansible(pid):
                return chain
            pid = parent
        return chain[:1]

    def _parent_of(self, pid):
        try:
            with open('%s/%d/stat' % (self._proc, pid), 'rb') as handle:
                stat = handle.read().decode('utf-8', 'replace')
            return int(stat[stat.rindex(')') + 2:].split()[1])
        except (IOError, OSError, ValueError, IndexError):
            return None

    def _is_ansible(self, pid):
        try:
            with open('%s/%d/cmdline' % (self._proc, pid), 'rb') as handle:
                argv = handle.read().decode('utf-8', 'replace').split('\0')[:2]
        except (IOError, OSError):
            return False
        return any(os.path.basename(arg) in self.ANSIBLE_COMMANDS for arg in argv)

    def gone(self):
        for pid, parent in self.chain:
            now = (self._getppid or os.getppid)() if pid is None else self._parent_of(pid)
            if now != parent:
                return True
        return False


class CallerGone(OtcJobsError):
    """The process that started the wait is gone: nobody is left to report to."""

    REASON = 'cancelled'


class WaitResult:
    def __init__(self, jobs, elapsed, polls):
        self.jobs = jobs
        self.elapsed = elapsed
        self.polls = polls


class _Watch:
    """What the waiter knows about one job."""

    def __init__(self, job_id, first_poll_at):
        self.job_id = job_id
        self.job = None
        self.last_status = None     # raw status, or a phrase like 'not found yet'
        self.last_error = None      # message of the last transient failure
        self.next_poll_at = first_poll_at
        self.polled_at = None       # when the latest poll began
        self.answered_at = None     # when the latest poll ended
        self.finished = False
        self.reported = False       # its failure has had its progress line


class JobWaiter:
    """Polls jobs until each is finished, failing nothing itself: the caller judges the outcome.

    ``progress(line)`` (optional) gets a status line every ``progress_interval`` seconds of a
    longer wait, and one as soon as a job fails; ``warn(line)`` gets unknown statuses once each.
    """

    def __init__(self, client, timeout=1800, sleep=1.0, max_sleep=10.0, not_found_timeout=30, max_concurrency=8,
                 warn=None, progress=None, progress_interval=30, clock=time.monotonic, rng=None, parent=None):
        self.client = client
        self.parent = parent if parent is not None else ParentWatch()
        self.timeout = float(timeout)
        self.sleep = float(sleep)
        self.max_sleep = max(float(max_sleep), self.sleep)
        self._rng = rng
        self.not_found_timeout = float(not_found_timeout)
        self.max_concurrency = int(max_concurrency)
        self._warn = warn
        self._warned = set()
        self._progress = progress if progress_interval else None
        self.progress_interval = float(progress_interval or 0)
        self.clock = clock
        self._stop = None

    # Seconds between two looks at whether the caller is still there.
    PARENT_CHECK = 2.0

    def wait(self, job_ids, start=None):
        """A WaitResult once every job is finished (succeeded or failed); raises WaitTimeout or the first fatal error.

        ``start`` (monotonic) is when the task's clock began, if before now (e.g. before authenticating).
        """
        self._stop = threading.Event()
        start = self.clock() if start is None else start
        schedule = PollSchedule(self.sleep, self.max_sleep, self._rng, start)
        throttle = Throttle(self.max_concurrency, self.sleep, self.max_sleep, self.clock)
        deadline = start + self.timeout
        next_progress = start + self.progress_interval
        polls_before = self.client.polls
        watches = [_Watch(job_id, start) for job_id in job_ids]
        executor = ThreadPoolExecutor(max_workers=min(self.max_concurrency, len(watches)))
        in_flight = {}
        try:
            while True:
                unfinished = [w for w in watches if not w.finished]
                now = self.clock()
                self._report_failures(watches, start, now)
                if not unfinished:
                    break
                if self.parent.gone():
                    raise CallerGone('stopped waiting for %s job(s) %s after %s s: the process that started the wait '
                                     '(pid %s) is gone' % (self.client.service, ', '.join(job_ids), seconds_text(round(now - start, 1)),
                                                           self.parent.parent))
                if now >= deadline and not in_flight:
                    raise self._timeout(unfinished, watches, now - start, self.client.polls - polls_before)
                if self._progress is not None and now >= next_progress:
                    self._progress(self._status_line(watches, now - start))
                    next_progress = max(next_progress + self.progress_interval, now)
                idle = [w for w in unfinished if w not in in_flight.values()]
                # Due jobs in beat order; on one beat, the one polled longest ago first.
                for watch in sorted(idle, key=lambda w: (w.next_poll_at, w.polled_at or start)):
                    if now >= deadline or watch.next_poll_at > now or not throttle.allows(len(in_flight), now):
                        break
                    in_flight[executor.submit(self._poll, watch, schedule, throttle, start, deadline)] = watch
                wake = [deadline, now + self.PARENT_CHECK]
                if self._progress is not None:
                    wake.append(next_progress)
                if throttle.resume_at is not None and throttle.resume_at > now:
                    wake.append(throttle.resume_at)
                self._pause(in_flight, [w for w in idle if w not in in_flight.values()], throttle, min(wake))
        finally:
            self._stop.set()
            executor.shutdown(wait=True)
        return WaitResult([w.job for w in watches], round(self.clock() - start, 3), self.client.polls - polls_before)

    def _pause(self, in_flight, idle, throttle, wake_at):
        """Sleep until a poll finishes, the next one is due, or ``wake_at``; re-raise fatal errors from polls."""
        starts = [w.next_poll_at for w in idle]
        if in_flight and (not starts or not throttle.allows(len(in_flight), self.clock())):
            until = wake_at  # mostly a finished poll can change anything now
        else:
            until = min([wake_at] + starts)
        pause = max(0.0, until - self.clock())
        if not in_flight:
            self._stop.wait(pause)
            return
        done = wait(list(in_flight), timeout=pause, return_when=FIRST_COMPLETED).done
        for future in done:
            in_flight.pop(future)
            future.result()  # a fatal error of one job ends the whole wait

    def _poll(self, watch, schedule, throttle, start, deadline):
        watch.polled_at = self.clock()
        policy = RetryPolicy(deadline=deadline, backoff=Backoff(base=self.sleep / 2, cap=schedule.max_sleep),
                             clock=self.clock, stop=self._stop, retry_rate_limited=False, cap_retry_after=True)
        resume_at = None
        try:
            job = self.client.fetch(watch.job_id, policy)
        except JobNotFound as exc:
            if self.clock() - start >= self.not_found_timeout:
                self._stop.set()
                raise
            watch.last_status = 'not found yet'
            watch.last_error = exc.message
        except TransientError as exc:
            # Rate limited: the whole wait slows down. Otherwise the retry layer gave up at the
            # deadline, and the next loop turn reports the timeout.
            watch.last_error = exc.message
            if exc.rate_limited:
                throttle.rate_limited(exc.retry_after)
                resume_at = throttle.resume_at
        except Exception:
            self._stop.set()
            raise
        else:
            throttle.succeeded()
            watch.job = job
            watch.last_status = job['status']
            watch.last_error = None
            watch.finished = job['finished']
            if job['state'] == 'unknown':
                self._warn_unknown(job)
        watch.answered_at = self.clock()
        if resume_at is not None:
            # Refused, not seen: it goes again as soon as the API takes requests (the throttle spaces them).
            next_poll = max(resume_at, watch.polled_at + PollSchedule.MIN_GAP * self.sleep)
        else:
            next_poll = schedule.next_poll(watch.next_poll_at, watch.polled_at, watch.answered_at)
        watch.next_poll_at = min(next_poll, deadline)

    def _warn_unknown(self, job):
        key = (job['id'], job['status'])
        if self._warn is not None and key not in self._warned:
            self._warned.add(key)
            self._warn(unknown_status_warning(job) + '; still waiting')

    def _report_failures(self, watches, start, now):
        """A progress line for each job that has just been seen failed."""
        for watch in watches:
            if watch.finished and not watch.reported:
                watch.reported = True
                if self._progress is not None and watch.job['state'] == 'failed':
                    self._progress('otc.jobs.job_wait: %s after %s' % (describe_failed_job(watch.job), format_duration(now - start)))

    def _status_line(self, watches, elapsed):
        finished = [w for w in watches if w.finished]
        failed = [w for w in finished if w.job['state'] == 'failed']
        line = 'otc.jobs.job_wait: %s %d/%d finished' % (self.client.service, len(finished), len(watches))
        if failed:
            line += ' (%d failed)' % len(failed)
        line += ', %d running, %s of %s' % (len(watches) - len(finished), format_duration(elapsed), format_duration(self.timeout))
        waiting = [w for w in watches if not w.finished]
        if len(waiting) == 1:
            job = waiting[0].job
            status = waiting[0].last_status or 'no answer yet'
            if job is not None and job.get('progress') is not None:
                status += ' %d%%' % job['progress']
            line += '; job %s: %s' % (waiting[0].job_id, status)
        return line

    def _timeout(self, unfinished, watches, elapsed, polls):
        service = self.client.service
        parts = []
        for watch in unfinished:
            detail = 'last status %s' % (watch.last_status or 'unknown: no answer yet')
            if watch.last_error and watch.last_status != 'not found yet':
                detail += '; last error: %s' % watch.last_error
            parts.append((watch.job_id, detail))
        if len(parts) == 1:
            message = 'timed out after %s s waiting for %s job %s: %s' % (seconds_text(self.timeout), service, parts[0][0], parts[0][1])
        else:
            message = 'timed out after %s s waiting for %d of %d %s jobs: %s' % (
                seconds_text(self.timeout), len(parts), len(watches), service,
                '; '.join('%s (%s)' % part for part in parts))
        return WaitTimeout(message, jobs=[w.job for w in watches], elapsed=round(elapsed, 3), polls=polls)


def format_duration(seconds):
    """'45s', '2m10s', '30m', '1h5m' for progress lines."""
    seconds = int(max(0, seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return '%dh%s' % (hours, '%dm' % minutes if minutes else '')
    if minutes:
        return '%dm%s' % (minutes, '%ds' % secs if secs else '')
    return '%ds' % secs


def failure_message(jobs):
    """One message naming every failed job with its error code, message, job type and failed sub-jobs; None if none failed."""
    failed = [job for job in jobs if job is not None and job['state'] == 'failed']
    if not failed:
        return None
    described = [describe_failed_job(job) for job in failed]
    if len(jobs) == 1:
        return described[0]
    return '%d of %d %s jobs failed: %s' % (len(failed), len(jobs), failed[0]['service'], '; '.join(described))


# How many failed sub-jobs a failure message names (the others are counted).
DESCRIBED_SUB_JOBS = 3


def describe_failed_job(job, label=None):
    """The failure of ``job`` in one line; server text made safe for a terminal."""
    error = job.get('error') or {}
    reason = ' '.join(safe(part) for part in (error.get('code'), error.get('message')) if part) or 'no reason given'
    text = '%s %s failed: %s' % (label or '%s job' % job['service'], safe(job['id']), reason)
    if job.get('job_type'):
        text += ' (job_type %s)' % safe(job['job_type'])
    failed = [sub_job for sub_job in job.get('sub_jobs') or [] if sub_job.get('state') == 'failed']
    for sub_job in failed[:DESCRIBED_SUB_JOBS]:
        text += '; ' + describe_failed_job(sub_job, label='sub-job')
    if len(failed) > DESCRIBED_SUB_JOBS:
        text += '; and %d more failed sub-jobs' % (len(failed) - DESCRIBED_SUB_JOBS)
    return text
