# -*- coding: utf-8 -*-
# Copyright (c) otc.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One job_info or job_wait task, from validated parameters to its result dict.

The modules (on any host) and the action plugins (in the controller process) both call ``run``, so
both paths return the same keys and values. ``run`` never raises for anything a user can cause:
a failure is a result with ``failed`` and ``msg``. Secrets are registered with ``secrets`` as they
are read; the caller scrubs the result with them (AnsibleModule does so through no_log_values).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible_collections.otc.jobs.plugins.module_utils import _validate
from ansible_collections.otc.jobs.plugins.module_utils._concurrency import DEFAULT_CEILING
from ansible_collections.otc.jobs.plugins.module_utils._config import OptionAdapter, resolve_settings
from ansible_collections.otc.jobs.plugins.module_utils._errors import OtcJobsError
from ansible_collections.otc.jobs.plugins.module_utils._jobs import (
    connect, failed_sub_job_warnings, unknown_status_warning, validate_job_ids)
from ansible_collections.otc.jobs.plugins.module_utils._waiter import JobWaiter, failure_message


def run(action, params, warn, secrets, progress=None, clock=time.monotonic):
    """The result of ``action`` ('job_info' or 'job_wait') with ``params`` (validated by the argument spec).

    ``warn(line)`` receives warnings, ``progress(line)`` (job_wait, optional) progress lines.
    """
    started = clock()
    single = params.get('job_id') is not None
    result = {'changed': False}
    client = None
    try:
        job_ids = _job_ids(params, single)
        if action == 'job_wait':
            wait_options = _wait_options(params)
        settings = resolve_settings(OptionAdapter.from_dict(params), secrets)
        if action == 'job_wait':
            deadline, pool_size = started + wait_options['timeout'], wait_options['max_concurrency']
        else:
            # Each read, retries included, ends within 2 x api_timeout; the whole task within that for every
            # DEFAULT_CEILING ids begun (they are read in parallel, at most DEFAULT_CEILING at once).
            waves = -(-len(job_ids) // DEFAULT_CEILING)
            deadline, pool_size = started + 2 * settings.api_timeout * waves, min(len(job_ids), DEFAULT_CEILING)
        client = connect(params['service'], settings, secrets, warn=warn, pool_size=pool_size, deadline=deadline)
        if action == 'job_wait':
            outcome = JobWaiter(client, warn=warn, progress=progress, clock=clock, **wait_options).wait(job_ids, start=started)
            jobs = outcome.jobs
            result.update(elapsed=outcome.elapsed, polls=outcome.polls)
        else:
            jobs = client.fetch_all(job_ids, deadline, per_read=2 * settings.api_timeout, clock=clock)
            for job in jobs:
                if job['state'] == 'unknown':
                    warn(unknown_status_warning(job))
    except OtcJobsError as exc:
        details = dict(exc.details)
        jobs = details.pop('jobs', None)
        if jobs is not None:
            result.update(_jobs_result(jobs, single))
        result.update(details)
        if action == 'job_wait':
            result.setdefault('elapsed', round(clock() - started, 3))
            result.setdefault('polls', client.polls if client is not None else 0)
        result.update(failed=True, msg=exc.message)
        return result
    finally:
        if client is not None:
            client.close()
    for job in jobs:
        for line in failed_sub_job_warnings(job):
            warn(line)
    result.update(_jobs_result(jobs, single))
    failure = failure_message(jobs) if action == 'job_wait' else None
    if failure:
        result.update(failed=True, msg=failure)
    return result


def _job_ids(params, single):
    if single:
        return validate_job_ids([params['job_id']], 'job_id')
    job_ids = validate_job_ids(params.get('job_ids') or [], 'job_ids item')
    if not job_ids:
        raise OtcJobsError('job_ids is empty: give at least one job id')
    return job_ids


def _wait_options(params):
    options = dict(
        timeout=_validate.number(params['timeout'], 'timeout', above=0),
        sleep=_validate.number(params['sleep'], 'sleep', above=0),
        max_sleep=_validate.number(params['max_sleep'], 'max_sleep', above=0),
        not_found_timeout=_validate.number(params['not_found_timeout'], 'not_found_timeout', minimum=0),
        max_concurrency=_validate.number(params['max_concurrency'], 'max_concurrency', minimum=1, maximum=64, integer=True),
        progress_interval=_validate.number(params.get('progress_interval', 30), 'progress_interval', minimum=0),
    )
    if options['max_sleep'] < options['sleep']:
        raise OtcJobsError('max_sleep (%s) must be at least sleep (%s)' % (params['max_sleep'], params['sleep']))
    return options


def _jobs_result(jobs, single):
    """``job`` for job_id, ``jobs`` (input order) for job_ids."""
    return {'job': jobs[0]} if single else {'jobs': jobs}
