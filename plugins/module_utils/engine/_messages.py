# -*- coding: utf-8 -*-
# Copyright (c) otc.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the engine says about jobs: failure messages, warnings, "not found" hints.

Every text here that quotes a server (ids, codes, reasons, job types) goes through ``core._text.safe``;
the runner caps and scrubs the result (``_runner``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.otc.jobs.plugins.module_utils.core._text import safe
from ansible_collections.otc.jobs.plugins.module_utils.wire._services import SERVICE_TABLE

# How many failed sub-jobs the one summary warning names (the others are counted).
WARNED_SUB_JOBS = 5
# How many failed sub-jobs a failure message names (the others are counted).
DESCRIBED_SUB_JOBS = 3


def count_text(number):
    """'20 000': a count as messages print it."""
    return '{0:,}'.format(number).replace(',', ' ')


def reason_text(error):
    """'CODE message' of a job's error, or 'no reason given'."""
    error = error or {}
    return ' '.join(safe(part) for part in (error.get('code'), error.get('message')) if part) or 'no reason given'


def failure_message(jobs):
    """One message naming every failed job with its error code, message, job type and failed sub-jobs; None if none failed."""
    failed = [job for job in jobs if job is not None and job['state'] == 'failed']
    if not failed:
        return None
    described = [describe_failed_job(job) for job in failed]
    if len(jobs) == 1:
        return described[0]
    return '%d of %d %s jobs failed: %s' % (len(failed), len(jobs), failed[0]['service'], '; '.join(described))


def describe_failed_job(job, label=None):
    """The failure of ``job`` in one line; server text made safe for a terminal."""
    text = '%s %s failed: %s' % (label or '%s job' % job['service'], safe(job['id']), reason_text(job.get('error')))
    if job.get('job_type'):
        text += ' (job_type %s)' % safe(job['job_type'])
    failed = [sub_job for sub_job in job.get('sub_jobs') or [] if sub_job.get('state') == 'failed']
    for sub_job in failed[:DESCRIBED_SUB_JOBS]:
        text += '; ' + describe_failed_job(sub_job, label='sub-job')
    if len(failed) > DESCRIBED_SUB_JOBS:
        text += '; and %d more failed sub-jobs' % (len(failed) - DESCRIBED_SUB_JOBS)
    return text


def failed_sub_job_warnings(job):
    """At most one line for a job that succeeded: how many of its sub-jobs (at any depth) failed, naming the first few."""
    if not job or job['state'] != 'success':
        return []
    named = []
    count = 0
    stack = list(job['sub_jobs'])
    stack.reverse()
    while stack:
        sub_job = stack.pop()
        if sub_job['state'] == 'failed':
            count += 1
            if len(named) < WARNED_SUB_JOBS:
                named.append('%s failed: %s' % (safe(sub_job['id'] or '(no id)'), reason_text(sub_job['error'])))
        stack.extend(reversed(sub_job['sub_jobs']))
    if not count:
        return []
    total = job.get('sub_jobs_total')
    if count == 1:
        line = '%s job %s succeeded, but its sub-job %s' % (job['service'], job['id'], named[0])
    else:
        line = '%s job %s succeeded, but %d of its sub-jobs failed: %s' % (job['service'], job['id'], count, '; '.join(named))
        if count > len(named):
            line += '; and %d more' % (count - len(named))
    if total is not None and total > len(job['sub_jobs']):
        line += ' (of the first %d of %d sub-jobs, the ones kept)' % (len(job['sub_jobs']), total)
    return [line]


def unknown_status_warning(job):
    return '%s job %s reports status %r, which is not a known %s job status' % (
        job['service'], job['id'], job['status'], job['service'])


def not_found_message(api, job_id, answer):
    """'ecs job X not found: HTTP 404 ... (asked the Elastic Cloud Server API, service ecs; check service: ...)'."""
    # Where the id has another family's shape, say whose it looks like.
    hint = ''
    if not re.match(api.id_shape, job_id.lower()):
        alike = [other.name for other in SERVICE_TABLE.values() if re.match(other.id_shape, job_id.lower())]
        if alike:
            hint = '; the id looks like a job of %s' % ' or '.join(alike)
    return '%s job %s not found: %s (asked the %s API, service %s; check service: a job of another service is never found there%s)' % (
        api.name, job_id, answer, api.title, api.name, hint)
