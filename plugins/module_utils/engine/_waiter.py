# -*- coding: utf-8 -*-
# Copyright (c) otc.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The polling engine: waits until every job is finished, within one deadline on a monotonic clock.

It decides when to poll a job and whether a job is pending, done or failed; retrying a
single failed request is the retry layer's business (``_retry``), applied inside each poll.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import heapq
import os
import queue
import random
import threading

from ansible_collections.otc.jobs.plugins.module_utils.core._clock import REAL_CLOCK
from ansible_collections.otc.jobs.plugins.module_utils.core._errors import JobNotFound, OtcJobsError, TransientError, WaitTimeout, seconds_text
from ansible_collections.otc.jobs.plugins.module_utils.engine._messages import describe_failed_job, unknown_status_warning
from ansible_collections.otc.jobs.plugins.module_utils.net._concurrency import DEFAULT_CEILING, RATE_LIMITED, Concurrency, congestion_kind
from ansible_collections.otc.jobs.plugins.module_utils.net._retry import JOB_WAIT_POLL, Backoff


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
        self.regular_beat = None    # while an extra poll (pulled forward) is due: the beat it was due on
        self.pull_used = False      # it had its extra poll since its last regular one
        self.index = 0              # its place in the wait's job list (heap tie-breaker)
        self.version = 0            # which heap entry is current


class JobWaiter:
    """Polls jobs until each is finished, failing nothing itself: the caller judges the outcome.

    ``progress(line)`` (optional) gets a status line every ``progress_interval`` seconds of a
    longer wait, and one as soon as a job fails; ``warn(line)`` gets unknown statuses once each.
    """

    # With more unfinished jobs than requests in flight (a round takes longer than one answer), the
    # wait probes between beats: every PROBE_SHARE x sleep it polls early the job likeliest finished,
    # so the first end of many is seen soon after it happens, not a whole interval later (0: no probes).
    PROBE_SHARE = 0.25

    def __init__(self, client, timeout=1800, sleep=1.0, max_sleep=10.0, not_found_timeout=30, max_concurrency=DEFAULT_CEILING,
                 warn=None, progress=None, progress_interval=30, clock=REAL_CLOCK, rng=None, parent=None):
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
        self.concurrency = None
        self._backoff = None
        self._finished_seen = 0
        self._seen_lock = threading.Lock()

    # Seconds between two looks at whether the caller is still there.
    PARENT_CHECK = 2.0

    def wait(self, job_ids, start=None):
        """A WaitResult once every job is finished (succeeded or failed); raises WaitTimeout or the first fatal error.

        ``start`` (monotonic) is when the task's clock began, if before now (e.g. before authenticating).

        Idle jobs wait in a heap by their next poll; due ones move to ``ready``, sorted likeliest finished
        first, and leave it as the concurrency window lets them. Each loop turn costs O(log n) plus what
        changed, not O(n): a wait for thousands of jobs stays cheap on the controller.
        """
        self._stop = threading.Event()
        start = self.clock.now() if start is None else start
        schedule = PollSchedule(self.sleep, self.max_sleep, self._rng, start)
        concurrency = self.concurrency = Concurrency(self.max_concurrency, self.sleep, self.max_sleep, self.clock)
        # One for the wait (seeding a generator per poll costs more than the rest of the retry policy).
        self._backoff = Backoff(base=self.sleep / 2, cap=schedule.max_sleep)
        deadline = start + self.timeout
        next_progress = start + self.progress_interval
        next_probe = start
        next_evidence = start
        polls_before = self.client.polls
        watches = [_Watch(job_id, start) for job_id in job_ids]
        self._finished_seen = 0
        evidence = 0
        remaining = len(watches)
        heap = []
        for index, watch in enumerate(watches):
            watch.index = index
            self._queue(heap, watch)
        ready = []        # due and idle, sorted so that pop() gives the likeliest finished
        executor = self.clock.pool(min(self.max_concurrency, len(watches)))
        in_flight = 0
        answered = queue.Queue()  # (watch, fatal error or None) of every poll that ended
        try:
            while remaining:
                now = self.clock.now()
                if self.parent.gone():
                    raise CallerGone('stopped waiting for %s job(s) %s after %s s: the process that started the wait '
                                     '(pid %s) is gone' % (self.client.service, ', '.join(job_ids), seconds_text(round(now - start, 1)),
                                                           self.parent.parent))
                if now >= deadline and not in_flight:
                    unfinished = [w for w in watches if not w.finished]
                    raise self._timeout(unfinished, watches, now - start, self.client.polls - polls_before)
                if self._progress is not None and now >= next_progress:
                    self._progress(self._status_line(watches, now - start))
                    next_progress = max(next_progress + self.progress_interval, now)
                added = False
                if self._finished_seen > evidence and now >= next_evidence:
                    # A job of this wait was seen finished: the others, started with it, may be too.
                    evidence = self._finished_seen
                    next_evidence = now + self.EVIDENCE_SHARE * self.sleep
                    pulled = [entry[3] for entry in heap if self._queued(entry) and self._pull(entry[3], now)]
                    for watch in pulled:
                        if watch.next_poll_at <= now:
                            ready.append(watch)
                            added = True
                        else:
                            self._queue(heap, watch)  # polled too recently: as soon as it may be
                while heap and heap[0][0] <= now:
                    entry = heapq.heappop(heap)
                    if self._queued(entry):
                        ready.append(entry[3])
                        added = True
                probing = self.PROBE_SHARE and remaining > concurrency.window
                if not ready and probing and now >= next_probe and now < deadline:
                    next_probe = now + self.PROBE_SHARE * self.sleep
                    if concurrency.allows(in_flight, now):
                        gap = PollSchedule.MIN_GAP * self.sleep
                        candidates = [entry[3] for entry in heap if self._queued(entry)
                                      and (entry[3].polled_at is None or now - entry[3].polled_at >= gap)]
                        if candidates:
                            probe = min(candidates, key=lambda w: self._likely_first(w, start))
                            if self._pull(probe, now, counted=False):
                                ready.append(probe)
                                added = True
                if added:
                    ready.sort(key=lambda w: self._likely_first(w, start), reverse=True)
                while ready and now < deadline and concurrency.allows(in_flight, now):
                    watch = ready.pop()
                    executor.submit(self._poll_and_tell, answered, watch, schedule, concurrency, start, deadline)
                    in_flight += 1
                concurrency.wants_more(bool(ready))
                wake = [deadline, now + self.PARENT_CHECK]
                if self._progress is not None:
                    wake.append(next_progress)
                if concurrency.resume_at is not None and concurrency.resume_at > now:
                    wake.append(concurrency.resume_at)
                if self._finished_seen > evidence:
                    wake.append(next_evidence)
                if not ready and concurrency.allows(in_flight, now):
                    # A slot is free: the next due poll (or probe) can start as soon as it is due.
                    if heap:
                        wake.append(heap[0][0])
                    if probing:
                        wake.append(next_probe)
                pause = max(0.0, min(wake) - self.clock.now())
                if in_flight and now >= deadline:
                    pause = None  # nothing new starts: wait for what is in flight
                if not in_flight:
                    self.clock.wait(self._stop, pause)
                    continue
                # One queue of answered polls: O(1) per answer (waiting on every future in flight was O(in flight)).
                for watch, error in self.clock.take(answered, pause):
                    in_flight -= 1
                    if error is not None:
                        raise error  # a fatal error of one job ends the whole wait
                    if watch.finished:
                        remaining -= 1
                        self._report_failures([watch], start, self.clock.now())
                    else:
                        self._queue(heap, watch)
        finally:
            self._stop.set()
            executor.shutdown(wait=True)
        return WaitResult([w.job for w in watches], round(self.clock.now() - start, 3), self.client.polls - polls_before)

    # The evidence of a finished job pulls the others forward at most this often (x sleep): one scan of the heap each.
    EVIDENCE_SHARE = 0.1

    @staticmethod
    def _queue(heap, watch):
        watch.version += 1
        heapq.heappush(heap, (watch.next_poll_at, watch.index, watch.version, watch))

    @staticmethod
    def _queued(entry):
        """Whether a heap entry is the job's current one (a pulled or re-queued job leaves a stale entry behind)."""
        return entry[2] == entry[3].version

    def _pull(self, watch, now, counted=True):
        """Poll ``watch`` now, before its next regular beat; True if it was pulled (its heap entry goes stale).

        Pulls on evidence (``counted``) are at most one between two regular polls; probes are bounded by their
        own pace instead, and do not use up the job's pull: a job probed just before it ended is still pulled
        forward once another job of the wait is seen finished.
        """
        if (counted and watch.pull_used) or watch.regular_beat is not None or watch.next_poll_at <= now:
            return False
        when = now
        if watch.polled_at is not None:
            # never sooner than MIN_GAP x sleep after its last poll began: then, if that is before its beat
            when = max(now, watch.polled_at + PollSchedule.MIN_GAP * self.sleep)
            if when >= watch.next_poll_at or (not counted and when > now):
                return False
        watch.regular_beat = watch.next_poll_at
        watch.next_poll_at = when
        watch.pull_used = watch.pull_used or counted
        watch.version += 1
        return True

    @staticmethod
    def _likely_first(watch, start):
        """Sort key: the job likeliest finished first: the highest progress the API reported, then the longest unpolled
        (then input order)."""
        progress = -1
        if watch.job is not None and watch.job.get('progress') is not None:
            progress = watch.job['progress']
        return (-progress, watch.polled_at if watch.polled_at is not None else start - 1, watch.index)

    def _poll_and_tell(self, answered, watch, schedule, concurrency, start, deadline):
        error = None
        try:
            self._poll(watch, schedule, concurrency, start, deadline)
        except BaseException as exc:  # pylint: disable=broad-except
            error = exc
        answered.put((watch, error))

    def _poll(self, watch, schedule, concurrency, start, deadline):
        watch.polled_at = self.clock.now()

        def observe(exc):
            kind = congestion_kind(exc)
            if kind is not None and kind != RATE_LIMITED:
                concurrency.congested(kind, exc.retry_after)

        policy = JOB_WAIT_POLL.policy(deadline, clock=self.clock, backoff=self._backoff, stop=self._stop, observe=observe)
        resume_at = None
        try:
            job = self.client.fetch(watch.job_id, policy)
        except JobNotFound as exc:
            if self.clock.now() - start >= self.not_found_timeout:
                self._stop.set()
                raise
            watch.last_status = 'not found yet'
            watch.last_error = exc.message
        except TransientError as exc:
            # Rate limited: the whole wait slows down. Otherwise the retry layer gave up at the
            # deadline, and the next loop turn reports the timeout.
            watch.last_error = exc.message
            if exc.rate_limited:
                concurrency.congested(RATE_LIMITED, exc.retry_after)
                resume_at = concurrency.resume_at or self.clock.now()
        except Exception:
            self._stop.set()
            raise
        else:
            concurrency.succeeded()
            watch.job = job
            watch.last_status = job['status']
            watch.last_error = None
            watch.finished = job['finished']
            if watch.finished:
                with self._seen_lock:
                    self._finished_seen += 1
            if job['state'] == 'unknown':
                self._warn_unknown(job)
        watch.answered_at = self.clock.now()
        regular_beat, watch.regular_beat = watch.regular_beat, None
        if resume_at is not None:
            # Refused, not seen: it goes again as soon as the API takes requests (the window spaces them).
            next_poll = max(resume_at, watch.polled_at + PollSchedule.MIN_GAP * self.sleep)
            if regular_beat is not None:
                watch.pull_used = False
        elif regular_beat is not None:
            # An extra poll: back to the beat it was due on (or the next one far enough from this poll).
            next_poll = regular_beat
            if next_poll < watch.polled_at + PollSchedule.MIN_GAP * self.sleep:
                next_poll = schedule.next_poll(regular_beat, watch.polled_at, watch.answered_at)
        else:
            watch.pull_used = False
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
