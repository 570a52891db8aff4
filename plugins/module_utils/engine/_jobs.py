# -*- coding: utf-8 -*-
# Copyright (c) otc.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading jobs of one service: URL, authenticated GET with retries, "not found", normalization."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import queue
import threading

from ansible_collections.otc.jobs.plugins.module_utils.auth._auth import make_authenticator
from ansible_collections.otc.jobs.plugins.module_utils.core import _validate
from ansible_collections.otc.jobs.plugins.module_utils.core._clock import REAL_CLOCK
from ansible_collections.otc.jobs.plugins.module_utils.core._errors import ApiError, AuthError, InvalidInput, JobNotFound, OtcJobsError, TransientError
from ansible_collections.otc.jobs.plugins.module_utils.engine._messages import count_text, not_found_message
from ansible_collections.otc.jobs.plugins.module_utils.net._api import ApiSession, plain_http_hosts
from ansible_collections.otc.jobs.plugins.module_utils.net._concurrency import DEFAULT_CEILING, Concurrency, congestion_kind
from ansible_collections.otc.jobs.plugins.module_utils.net._http import HttpClient
from ansible_collections.otc.jobs.plugins.module_utils.net._retry import JOB_READ
from ansible_collections.otc.jobs.plugins.module_utils.wire._endpoints import job_url, region_from_project, service_root
from ansible_collections.otc.jobs.plugins.module_utils.wire._normalize import normalize_job
from ansible_collections.otc.jobs.plugins.module_utils.wire._services import job_api


def validate_job_ids(job_ids, option='job_id'):
    """Refuse every id that is not 1-64 letters, digits, '-' or '_', before any request is sent."""
    return [_validate.job_id(job_id, option) for job_id in job_ids]


class JobClient:
    """Reads jobs of one service in one project; counts the GETs it sends (``polls``)."""

    def __init__(self, api, session, root, project_id, refused_hint=None):
        self.api = api
        self.session = session
        self.root = root
        self.project_id = project_id
        self.refused_hint = refused_hint
        self.polls = 0
        self._count_lock = threading.Lock()

    @property
    def service(self):
        return self.api.name

    def url(self, job_id):
        return job_url(self.api, self.root, self.project_id, job_id)

    def close(self):
        """Release the pooled connections (the lookup and the action plugins run in long-lived processes)."""
        self.session.http.close()

    def fetch_all(self, job_ids, deadline=None, per_read=None, ceiling=DEFAULT_CEILING, clock=REAL_CLOCK):
        """Each job once, in order, all within ``deadline``, each within ``per_read`` seconds of its start.

        Many ids are read in parallel, at most ``ceiling`` at once, with the adaptive window of
        ``_concurrency``. A failure ends the reading; its message then says how many jobs were read.
        """
        job_ids = list(job_ids)
        if len(job_ids) <= 1:
            return [self.fetch(job_id, JOB_READ.policy(_sooner(deadline, per_read, clock), clock=clock))
                    for job_id in job_ids]
        return _ParallelRead(self, job_ids, deadline, per_read, ceiling, clock).run()

    def fetch(self, job_id, policy):
        """The normalized job; TransientErrors are retried by ``policy``."""
        return policy.call(lambda: self._fetch_once(job_id, policy.deadline))

    def _fetch_once(self, job_id, deadline):
        with self._count_lock:
            self.polls += 1
        try:
            body = self.session.get_json(self.url(job_id), 'reading %s job %s' % (self.service, job_id), deadline)
        except ApiError as exc:
            if self.api.is_not_found(exc.status_code, exc.code):
                raise JobNotFound(not_found_message(self.api, job_id, exc.message.split(' failed: ', 1)[-1]),
                                  status_code=exc.status_code, code=exc.code, api_message=exc.api_message)
            if exc.status_code == 401 and self.refused_hint:
                exc.reword('%s (%s)' % (exc.message, self.refused_hint))
            raise
        return normalize_job(self.service, body, project_id=self.project_id, job_id=job_id)


def _sooner(deadline, per_read, clock):
    if per_read is None:
        return deadline
    own = clock.now() + per_read
    return own if deadline is None else min(deadline, own)


class _ParallelRead:
    """job_info's reading of many ids: bounded, adaptive concurrency; one deadline per read and one for all."""

    def __init__(self, client, job_ids, deadline, per_read, ceiling, clock):
        self.client = client
        self.job_ids = job_ids
        self.deadline = deadline
        self.per_read = per_read
        self.clock = clock
        self.window = Concurrency(ceiling, clock=clock)
        self.stop = threading.Event()
        self.read = 0

    def run(self):
        count = len(self.job_ids)
        results = [None] * count
        next_index = 0
        in_flight = 0
        answered = queue.Queue()  # (index, job, error) of every read that ended
        executor = self.clock.pool(min(self.window.ceiling, count))
        try:
            while next_index < count or in_flight:
                now = self.clock.now()
                if next_index < count and self.deadline is not None and now >= self.deadline and not in_flight:
                    raise TransientError("the task's time ran out (2 x api_timeout for every %d ids begun)" % self.window.ceiling,
                                         deadline_passed=True)
                while next_index < count and (self.deadline is None or now < self.deadline) \
                        and self.window.allows(in_flight, now):
                    executor.submit(self._read_and_tell, answered, next_index)
                    in_flight += 1
                    next_index += 1
                self.window.wants_more(next_index < count)
                pause = None
                if next_index < count:
                    wake = [now + 1.0]
                    if self.window.resume_at is not None and self.window.resume_at > now:
                        wake = [self.window.resume_at]
                    if self.deadline is not None:
                        wake.append(self.deadline)
                    pause = max(0.0, min(wake) - now)
                if not in_flight:
                    self.clock.wait(self.stop, pause or 0.0)
                    continue
                for index, job, error in self.clock.take(answered, pause):
                    in_flight -= 1
                    if error is not None:
                        raise error
                    results[index] = job
                    self.read += 1
        except OtcJobsError as exc:
            self.stop.set()
            raise exc.reword('%s of %s %s jobs read when %s' % (
                count_text(self.read), count_text(count), self.client.service, exc.message))
        finally:
            self.stop.set()
            executor.shutdown(wait=True)
        return results

    def _observe(self, exc):
        self.window.congested(congestion_kind(exc), exc.retry_after)

    def _read_and_tell(self, answered, index):
        job = error = None
        try:
            job = self._read_one(self.job_ids[index])
        except BaseException as exc:  # pylint: disable=broad-except
            error = exc
        answered.put((index, job, error))

    def _read_one(self, job_id):
        if self.stop.is_set():
            raise OtcJobsError('reading %s job %s was not begun: the task already failed' % (self.client.service, job_id))
        policy = JOB_READ.policy(_sooner(self.deadline, self.per_read, self.clock), clock=self.clock, stop=self.stop,
                                 observe=self._observe)
        job = self.client.fetch(job_id, policy)
        self.window.succeeded()
        return job


def connect(service, settings, secrets, warn=None, pool_size=8, deadline=None, clock=REAL_CLOCK):
    """A JobClient for ``service``, authenticated and pointed at the right endpoint."""
    api = job_api(service)
    warn = warn or (lambda message: None)
    for warning in settings.warnings:
        warn(warning)
    http = HttpClient(timeout=settings.api_timeout, verify=settings.verify, pool_size=pool_size, clock=clock,
                      proxies=settings.proxies)
    auth = make_authenticator(settings, http, secrets, warn=warn, clock=clock)
    if auth.uses_iam():
        _warn_plain_http([settings.auth_url], warn)
    auth.prepare(deadline)
    if not auth.project_id:
        raise InvalidInput('no project id: set auth.project_id (the %s job URL needs it)' % service)
    try:
        project_id = _validate.project_id(auth.project_id, 'the project id')
    except InvalidInput as exc:
        raise AuthError('%s, as IAM gave it for project %s' % (exc.message, auth.project_name))
    region = settings.region
    if not settings.region_explicit:
        region = region_from_project(auth.project_name) or region
    root = service_root(api, settings.endpoint, auth.catalog, region, project_id, settings.interface)
    _warn_plain_http([root], warn)
    session = ApiSession(http, auth, api.error_shapes)
    return JobClient(api, session, root, project_id, refused_hint=auth.REFUSED_HINT)


def _warn_plain_http(urls, warn):
    for host in plain_http_hosts(urls):
        warn('credentials are sent over plain HTTP to %s, which is not a loopback address: use https://' % host)
