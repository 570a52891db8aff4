# -*- coding: utf-8 -*-
# Copyright (c) otc.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Retrying transient HTTP failures: exponential backoff with full jitter, capped, deadline-bound.

The one place that decides what is retried, how often, and whether a request reached the service:

- ``TRANSIENT_STATUSES`` (``is_transient_status``): the answers worth asking again;
- ``certainly_not_sent`` and ``refused_before_the_service``: a request that did not reach the
  service, the only kind of non-GET that ``otc.jobs.request`` sends a second time;
- the named presets (``JOB_READ``, ``JOB_WAIT_POLL``, ``IAM_REQUEST``, ``MUTATING_REQUEST``): how
  each kind of request is retried. Call sites take a policy from a preset, never build their own.

This layer knows nothing about jobs; it only repeats one request while the failure is
transient (see ``TransientError``). Whether a job is pending, done or failed is the
waiter's business (``_waiter``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import random
import socket

from ansible_collections.otc.jobs.plugins.module_utils.core._clock import REAL_CLOCK
from ansible_collections.otc.jobs.plugins.module_utils.core._errors import TransientError, seconds_text

try:
    from urllib3.exceptions import NewConnectionError, NameResolutionError
except ImportError:  # urllib3 1.x has no NameResolutionError; requests may be missing altogether
    try:
        from urllib3.exceptions import NewConnectionError
    except ImportError:
        NewConnectionError = ()
    NameResolutionError = ()

# Too many requests, and server-side failures that a later try may not meet.
TRANSIENT_STATUSES = frozenset((429, 500, 502, 503, 504))


def is_transient_status(status):
    """Whether an answer with this HTTP status is worth asking again."""
    return status in TRANSIENT_STATUSES


def certainly_not_sent(exc):
    """Whether a transport failure happened before any byte of the request reached the server.

    The connection was refused or the host name did not resolve; anything later (a timeout, a reset,
    a cut-off answer) may have followed a request the service received.
    """
    seen = set()
    stack = [exc]
    while stack:
        error = stack.pop()
        if error is None or id(error) in seen:
            continue
        seen.add(id(error))
        if NewConnectionError and isinstance(error, NewConnectionError):
            return True
        if NameResolutionError and isinstance(error, NameResolutionError):
            return True
        if isinstance(error, (ConnectionRefusedError, socket.gaierror)):
            return True
        stack.extend([getattr(error, '__cause__', None), getattr(error, '__context__', None), getattr(error, 'reason', None)])
        stack.extend(arg for arg in getattr(error, 'args', ()) if isinstance(arg, BaseException))
    return False


def refused_before_the_service(response):
    """A 429 with Retry-After or a 503 the API gateway (not the service) gave: the request was not processed."""
    if response.status == 429:
        return response.retry_after is not None
    if response.status != 503:
        return False
    try:
        body = response.json()
    except ValueError:
        return True  # an HTML or plain text 503 page from the gateway or load balancer in front of the service
    code = body.get('error_code') if isinstance(body, dict) else None
    return isinstance(code, str) and code.upper().startswith('APIGW.')


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

    def __init__(self, max_attempts=None, deadline=None, backoff=None, clock=REAL_CLOCK, stop=None,
                 retry_rate_limited=True, cap_retry_after=False, observe=None):
        if max_attempts is None and deadline is None:
            raise ValueError('a retry policy needs max_attempts or a deadline')
        self.max_attempts = max_attempts
        self.deadline = deadline
        self.backoff = backoff or Backoff()
        self.clock = clock
        # A threading.Event: once set (another job of the same wait failed), stop retrying at once.
        self.stop = stop
        self.retry_rate_limited = retry_rate_limited
        self.cap_retry_after = cap_retry_after
        # Called with every TransientError before the retry decision (the task's concurrency window learns from it).
        self.observe = observe

    def remaining(self):
        if self.deadline is None:
            return None
        return self.deadline - self.clock.now()

    def call(self, func):
        """Call ``func()`` until it returns, raising the last TransientError when out of tries or time.

        The error raised names the last real cause (a request that was not even sent for lack of
        time is not one) and, after more than one try, how many there were over how long.
        """
        attempt = 0
        started = self.clock.now()
        real = []  # the last failure of a request that was sent
        while True:
            try:
                return func()
            except TransientError as exc:
                if getattr(exc, 'not_sent', False) and real:
                    raise _summed(real[-1], attempt, self.clock.now() - started)
                if self.observe is not None:
                    self.observe(exc)
                attempt += 1
                real[:] = [exc]
                pause = self._pause(attempt, exc)
                if pause is None or self._stopped():
                    raise _summed(exc, attempt, self.clock.now() - started)
                if self.stop is not None:
                    self.clock.wait(self.stop, pause)
                else:
                    self.clock.sleep(pause)
                if self._stopped():
                    raise _summed(exc, attempt, self.clock.now() - started)

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


class RetryPreset:
    """How one kind of request is retried; ``policy()`` makes the RetryPolicy of one request.

    ``max_attempts`` None: retried until the deadline (which the policy then needs).
    """

    def __init__(self, name, max_attempts=None, retry_rate_limited=True, cap_retry_after=False):
        self.name = name
        self.max_attempts = max_attempts
        self.retry_rate_limited = retry_rate_limited
        self.cap_retry_after = cap_retry_after

    def policy(self, deadline=None, clock=REAL_CLOCK, backoff=None, stop=None, observe=None):
        return RetryPolicy(max_attempts=self.max_attempts, deadline=deadline, backoff=backoff, clock=clock, stop=stop,
                           retry_rate_limited=self.retry_rate_limited, cap_retry_after=self.cap_retry_after,
                           observe=observe)

    def __repr__(self):
        return 'RetryPreset(%r)' % self.name


# job_info's reads, and otc.jobs.request's GET: a few tries, within the task's deadline.
JOB_READ = RetryPreset('JOB_READ', max_attempts=4)
# One poll of job_wait: tried again until the wait's deadline; a 429 goes back to the waiter, which slows the
# whole wait down, and a Retry-After beyond the deadline is waited out to the deadline (then the wait times out).
JOB_WAIT_POLL = RetryPreset('JOB_WAIT_POLL', retry_rate_limited=False, cap_retry_after=True)
# IAM: the password token request and the AK/SK project look-up. Fewer tries: IAM is one service for every task.
IAM_REQUEST = RetryPreset('IAM_REQUEST', max_attempts=3)
# otc.jobs.request's POST/PUT/PATCH/DELETE: tried again only when the try certainly did not reach the service
# (``certainly_not_sent``, ``refused_before_the_service``); the caller turns every other failure into "may have happened".
MUTATING_REQUEST = RetryPreset('MUTATING_REQUEST', max_attempts=4)
