# -*- coding: utf-8 -*-
# Copyright (c) otc.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading one job of one service: URL, authenticated GET with retries, normalization."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
import threading

from ansible_collections.otc.jobs.plugins.module_utils._api import ApiSession, plain_http_hosts
from ansible_collections.otc.jobs.plugins.module_utils._auth import make_authenticator
from ansible_collections.otc.jobs.plugins.module_utils._config import region_from_project
from ansible_collections.otc.jobs.plugins.module_utils._endpoints import job_url, service_root
from ansible_collections.otc.jobs.plugins.module_utils._errors import ApiError, InvalidInput
from ansible_collections.otc.jobs.plugins.module_utils._http import HttpClient
from ansible_collections.otc.jobs.plugins.module_utils._normalize import normalize_job
from ansible_collections.otc.jobs.plugins.module_utils._retry import RetryPolicy

# The job id lands in a URL path: nothing that could leave the path segment gets through.
JOB_ID_PATTERN = re.compile(r'^[A-Za-z0-9_-]{1,64}$')
# How each service says "no such job" besides HTTP 404: HTTP 400 with one of these codes.
NOT_FOUND_CODES = {'elb': (), 'cfw': ('CFW.00200005',)}


class JobNotFound(ApiError):
    """The service does not know the job (yet: new jobs may appear late)."""


def validate_job_ids(job_ids, option='job_id'):
    """Refuse every id that is not 1-64 letters, digits, '-' or '_', before any request is sent."""
    for job_id in job_ids:
        if not isinstance(job_id, str) or not JOB_ID_PATTERN.match(job_id):
            raise InvalidInput("%s %s is not a valid job id: use 1-64 letters, digits, '-' or '_'" % (option, _quote(job_id)))
    return list(job_ids)


def _quote(value):
    text = repr(value) if isinstance(value, str) else '%r (%s)' % (value, type(value).__name__)
    return text if len(text) <= 80 else text[:77] + '...'


class JobClient:
    """Reads jobs of one service in one project; counts the GETs it sends (``polls``)."""

    def __init__(self, service, api, root, project_id):
        self.service = service
        self.api = api
        self.root = root
        self.project_id = project_id
        self.polls = 0
        self._count_lock = threading.Lock()

    def url(self, job_id):
        return job_url(self.service, self.root, self.project_id, job_id)

    def fetch_all(self, job_ids, warn=None):
        """Each job once, in order; ``warn`` gets one line per job whose status is not a known one."""
        jobs = [self.fetch(job_id) for job_id in job_ids]
        for job in jobs:
            if warn is not None and job['state'] == 'unknown':
                warn(unknown_status_warning(job))
        return jobs

    def fetch(self, job_id, policy=None):
        """The normalized job; TransientErrors are retried by ``policy`` (default: 4 tries)."""
        policy = policy or RetryPolicy(max_attempts=4)
        return policy.call(lambda: self._fetch_once(job_id))

    def _fetch_once(self, job_id):
        with self._count_lock:
            self.polls += 1
        try:
            body = self.api.get_json(self.url(job_id), 'reading %s job %s' % (self.service, job_id))
        except ApiError as exc:
            if self._is_not_found(exc):
                raise JobNotFound('%s job %s not found: %s' % (self.service, job_id, exc.message.split(' failed: ', 1)[-1]),
                                  status_code=exc.status_code, code=exc.code, api_message=exc.api_message)
            raise
        return normalize_job(self.service, body, project_id=self.project_id, job_id=job_id)

    def _is_not_found(self, exc):
        return exc.status_code == 404 or (exc.status_code == 400 and exc.code in NOT_FOUND_CODES[self.service])


def unknown_status_warning(job):
    return '%s job %s reports status %r, which is not a known %s job status' % (
        job['service'], job['id'], job['status'], job['service'])


def connect(service, settings, warn=None, pool_size=8):
    """A JobClient for ``service``, authenticated and pointed at the right endpoint."""
    http = HttpClient(timeout=settings.api_timeout, verify=settings.verify, pool_size=pool_size)
    auth = make_authenticator(settings, http)
    if warn is not None and settings.auth_type == 'password':
        _warn_plain_http([settings.auth_url], warn)
    auth.prepare()
    if not auth.project_id:
        raise InvalidInput('no project id: set auth.project_id (the %s job URL needs it)' % service)
    region = settings.region
    if not settings.region_explicit:
        region = region_from_project(auth.project_name) or region
    root = service_root(service, settings.endpoint, auth.catalog, region, auth.project_id)
    if warn is not None:
        _warn_plain_http([root], warn)
    return JobClient(service, ApiSession(http, auth), root, auth.project_id)


def _warn_plain_http(urls, warn):
    for host in plain_http_hosts(urls):
        warn('credentials are sent over plain HTTP to %s, which is not a loopback address: use https://' % host)
