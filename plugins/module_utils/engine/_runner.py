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

from ansible_collections.otc.jobs.plugins.module_utils.config._config import resolve_settings
from ansible_collections.otc.jobs.plugins.module_utils.core import _validate
from ansible_collections.otc.jobs.plugins.module_utils.core._clock import REAL_CLOCK
from ansible_collections.otc.jobs.plugins.module_utils.core._errors import INTERNAL, JOB_FAILED, InvalidInput, OtcJobsError
from ansible_collections.otc.jobs.plugins.module_utils.core._text import MAX_LINE, MAX_MESSAGE, printable
from ansible_collections.otc.jobs.plugins.module_utils.engine._jobs import connect, validate_job_ids
from ansible_collections.otc.jobs.plugins.module_utils.engine._messages import failed_sub_job_warnings, failure_message, unknown_status_warning
from ansible_collections.otc.jobs.plugins.module_utils.net._concurrency import DEFAULT_CEILING


def run(action, params, warn, secrets, progress=None, clock=REAL_CLOCK, environ=None, base_dir=None, check_mode=False):
    """The result of ``action`` ('job_info' or 'job_wait') with ``params`` (validated by the argument spec).

    ``warn(line)`` receives warnings, ``progress(line)`` (job_wait, optional) progress lines; both, and
    ``msg``, are scrubbed of secrets, made safe for a terminal and capped (``_text``).
    ``environ`` is the environment the task runs with (default: this process's), ``base_dir`` the
    directory relative paths (clouds.yaml, ca_cert) are found in (default: the working directory).
    ``check_mode``: the task runs in check mode (otc.jobs.request then sends nothing but GETs).
    A failed result always has ``reason`` (one of _errors.REASONS); a failed job's also ``job``/``jobs``.
    """
    try:
        if action == 'request':
            return _request_result(params, warn, secrets, progress, clock, environ, base_dir, check_mode)
        return _run(action, params, warn, secrets, progress, clock, environ, base_dir)
    except Exception as exc:  # pylint: disable=broad-except
        # A defect of ours must never look like a failed job, nor end in a traceback.
        return {'changed': False, 'failed': True, 'reason': INTERNAL,
                'msg': _message('internal error in otc.jobs %s (%s: %s); please report it' % (
                    action, type(exc).__name__, str(exc)[:300]), secrets)}


def _run(action, params, warn, secrets, progress, clock, environ, base_dir):
    started = clock.now()
    warn = _printing(warn, secrets)
    if progress is not None:
        progress = _printing(progress, secrets)
    single = params.get('job_id') is not None
    result = {'changed': False}
    client = None
    try:
        job_ids = _job_ids(params, single)
        if action == 'job_wait':
            wait_options = _wait_options(params)
        settings = resolve_settings(params, secrets, environ=environ, cwd=base_dir)
        if action == 'job_wait':
            deadline, pool_size = started + wait_options['timeout'], wait_options['max_concurrency']
        else:
            # Each read, retries included, ends within 2 x api_timeout; the whole task within that for every
            # DEFAULT_CEILING ids begun (they are read in parallel, at most DEFAULT_CEILING at once).
            waves = -(-len(job_ids) // DEFAULT_CEILING)
            deadline, pool_size = started + 2 * settings.api_timeout * waves, min(len(job_ids), DEFAULT_CEILING)
        client = connect(params['service'], settings, secrets, warn=warn, pool_size=pool_size, deadline=deadline, clock=clock)
        if action == 'job_wait':
            # Imported where used, here and for otc.jobs.request: a module compiles its module_utils from
            # source on every run, and job_info needs neither the waiter nor the request engine.
            from ansible_collections.otc.jobs.plugins.module_utils.engine._waiter import JobWaiter  # pylint: disable=import-outside-toplevel
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
            result.setdefault('elapsed', round(clock.now() - started, 3))
            result.setdefault('polls', client.polls if client is not None else 0)
        result.update(failed=True, msg=_message(exc.message, secrets), reason=exc.REASON)
        return _without_raw(result, params)
    finally:
        if client is not None:
            client.close()
    for job in jobs:
        for line in failed_sub_job_warnings(job):
            warn(line)
    result.update(_jobs_result(jobs, single))
    failure = failure_message(jobs) if action == 'job_wait' else None
    if failure:
        result.update(failed=True, msg=_message(failure, secrets), reason=JOB_FAILED)
    return _without_raw(result, params)


def _printing(sink, secrets):
    return lambda line: sink(printable(secrets.scrub(line), MAX_LINE))


def _message(text, secrets):
    return printable(secrets.scrub(text), MAX_MESSAGE)


def _without_raw(result, params):
    """``return_raw: false`` leaves each job's ``raw`` (and its sub-jobs') out of the result."""
    if params.get('return_raw', True) is not False:
        return result
    for job in ([result['job']] if result.get('job') else []) + [job for job in result.get('jobs') or [] if job]:
        _drop_raw(job)
    return result


def _drop_raw(job):
    stack = [job]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            item.pop('raw', None)
            stack.extend(item.get('sub_jobs') or [])


def _job_ids(params, single):
    if single:
        return validate_job_ids([params['job_id']], 'job_id')
    job_ids = validate_job_ids(params.get('job_ids') or [], 'job_ids item')
    if not job_ids:
        raise InvalidInput('job_ids is empty: give at least one job id')
    return job_ids


def _wait_options(params):
    # The ranges are documented in the jobs doc fragment (plugins/doc_fragments/auth.py).
    options = dict(
        timeout=_validate.number(params['timeout'], 'timeout', above=0, maximum=_validate.MAX_TIMEOUT),
        sleep=_validate.number(params['sleep'], 'sleep', above=0, maximum=_validate.MAX_SLEEP),
        max_sleep=_validate.number(params['max_sleep'], 'max_sleep', above=0, maximum=_validate.MAX_SLEEP),
        not_found_timeout=_validate.number(params['not_found_timeout'], 'not_found_timeout', minimum=0,
                                           maximum=_validate.MAX_TIMEOUT),
        max_concurrency=_validate.number(params['max_concurrency'], 'max_concurrency', minimum=1, maximum=64, integer=True),
        progress_interval=_validate.progress_interval(params.get('progress_interval', 30)),
    )
    if options['max_sleep'] < options['sleep']:
        raise InvalidInput('max_sleep (%s) must be at least sleep (%s)' % (params['max_sleep'], params['sleep']))
    return options


def _jobs_result(jobs, single):
    """``job`` for job_id, ``jobs`` (input order) for job_ids."""
    return {'job': jobs[0]} if single else {'jobs': jobs}


def _request_result(params, warn, secrets, progress, clock, environ, base_dir, check_mode):
    """otc.jobs.request: the call, its job id and, with ``wait``, the wait (``_request``)."""
    warn = _printing(warn, secrets)
    if progress is not None:
        progress = _printing(progress, secrets)
    try:
        from ansible_collections.otc.jobs.plugins.module_utils.engine._request import run_request  # pylint: disable=import-outside-toplevel
        wait_options = _wait_options(dict(params, max_concurrency=1)) if params.get('wait') else None
        result = run_request(params, warn, secrets, progress=progress, clock=clock, wait_options=wait_options,
                             environ=environ, base_dir=base_dir, check_mode=check_mode)
    except OtcJobsError as exc:
        result = dict(exc.details)
        result.setdefault('changed', False)
        result.update(failed=True, msg=_message(exc.message, secrets), reason=exc.REASON)
        return _without_raw(result, params)
    job = result.get('job')
    if job is not None:
        if job['state'] == 'unknown':
            warn(unknown_status_warning(job))
        for line in failed_sub_job_warnings(job):
            warn(line)
        failure = failure_message([job])
        if failure:
            result.update(failed=True, msg=_message(failure, secrets), reason=JOB_FAILED)
    return _without_raw(result, params)
