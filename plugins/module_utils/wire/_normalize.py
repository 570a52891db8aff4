# -*- coding: utf-8 -*-
# Copyright (c) otc.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Turning job bodies of every service into the one normalized job shape (SPEC §3).

Pure functions over decoded JSON, driven by the per-service table (``_services``). Bodies come
from remote services, so nothing here trusts their shape: odd values become ``None``/``unknown``,
and the only exception raised is ``InvalidResponse`` (a 200 answer that cannot be the job asked for).

Decisions where the contract is silent:

- ``status`` keeps a string exactly as sent; a number or boolean becomes its JSON text
  (``1``, ``true``); ``null``, a missing key in a sub-job, or a list/object becomes ``None``.
  Any of those is ``state: unknown``.
- A failed job always has an ``error`` dict; ``{code: None, message: None}`` when the API gave no reason.
- ``end_time`` and ``duration`` stay null until the job is finished: DDS and DDM send an end time
  while a job still runs, and CCE's ``updateTimestamp`` is only an end once the job is done.
- Epoch numbers of zero or below are ``None``: APIs use ``0``/``-1`` for "not set", and no job ran before 1970.
  Times outside years 1-9999 are ``None``. Fractions are rounded to the nearest millisecond.
- Only the top-level body must carry a status; sub-jobs are read leniently (a sub-job without one
  is ``unknown``), and sub-jobs nested deeper than ``MAX_SUB_JOB_DEPTH`` are dropped.
- ``progress`` is an int 0-100 from ``60``, ``"60"`` or ``"60%"``; where a service reports a fraction (IMS
  ``process_percent``, documented as a Double whose finished value is ``1``) a number up to 1 is a fraction
  (``0.6`` is 60, ``1`` is 100) and one above 1 a percent. Anything else is null.
- Long lists are kept up to ``MAX_LIST_ITEMS`` (1000) items: ``sub_jobs`` (each level) and the lists
  directly inside ``entities``. A job where a list was cut has two more keys: ``sub_jobs_total`` (how
  many sub-jobs the API listed) and ``truncated`` (each list that was cut, such as ``entities.sub_jobs``
  or ``sub_jobs``, with its full length). ``raw`` keeps everything.
  The work is then proportional to the body: 100 000 sub-jobs are not 100 000 normalized jobs.
- ``error`` code and message, ``job_type`` and sub-job ids are printable text: control and bidi characters are
  visible escapes (``_text.safe``), capped at ``MAX_TEXT`` characters. ``raw`` (and ``status``, which decides the
  state) keep them as received; messages, warnings and progress lines escape them when printing.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import decimal
import math
import re

from ansible_collections.otc.jobs.plugins.module_utils.core import _validate
from ansible_collections.otc.jobs.plugins.module_utils.core._errors import InvalidResponse
from ansible_collections.otc.jobs.plugins.module_utils.core._text import cap, safe
from ansible_collections.otc.jobs.plugins.module_utils.wire._error_body import extract_error, scalar_text
from ansible_collections.otc.jobs.plugins.module_utils.wire._services import SERVICES, job_api

STATES = ('init', 'running', 'success', 'failed', 'unknown')
JOB_KEYS = ('id', 'service', 'project_id', 'status', 'state', 'finished', 'succeeded', 'job_type',
            'begin_time', 'end_time', 'duration', 'error', 'entities', 'sub_jobs', 'progress', 'resource_ids', 'raw')
MAX_SUB_JOB_DEPTH = 10
MAX_LIST_ITEMS = 1000
MAX_TEXT = 4000
_FINISHED_STATES = ('success', 'failed')

_EPOCH = datetime.datetime(1970, 1, 1)
_MAX_EPOCH_MS = 253402300799999  # 9999-12-31T23:59:59.999Z
# Epoch numbers from 1e11 up are milliseconds: 1e11 s is the year 5138, 1e11 ms is 1973.
_EPOCH_MS_THRESHOLD = 10 ** 11
_ONE_MS = decimal.Decimal(1)
# re.ASCII: '\d' must not match other scripts' digits, which int() would then read.
_NUMERIC_TIME = re.compile(r'\A\d+(?:\.\d+)?\Z', re.ASCII)
# Date, time (seconds and fraction optional), then 'Z', an offset or nothing: 'Z' and nothing both mean UTC.
# Go's time.String() adds the zone's abbreviation after the offset ('+0000 UTC'): the offset decides.
_ISO_TIME = re.compile(
    r'\A(\d{4})-(\d\d)-(\d\d)[Tt ](\d\d):(\d\d)(?::(\d\d)(?:[.,](\d+))?)?\s*'
    r'(?:[Zz]|([+-])(\d\d)(?::?(\d\d))?(?:\s+[A-Z]{1,5})?)?\Z', re.ASCII)
_PROGRESS = re.compile(r'\A\s*(\d{1,3})(?:\.\d+)?\s*%?\s*\Z', re.ASCII)
_FRACTION = re.compile(r'\A\s*[01](?:\.\d+)?\s*\Z', re.ASCII)


def job_state(status, service='elb'):
    """The normalized state of a raw status of ``service``: 'init', 'running', 'success', 'failed' or 'unknown'."""
    if not isinstance(status, str):
        return 'unknown'
    return job_api(service).statuses.get(status.strip().lower(), 'unknown')


def parse_time(value):
    """``value`` as 'YYYY-MM-DDTHH:MM:SS.mmmZ' (UTC), or None when it is empty or unreadable."""
    instant = _parse_instant(value)
    return None if instant is None else _format_instant(instant)


def parse_progress(value, fraction=False):
    """Percent done as an int 0-100 from 60, 60.5, '60' or '60%'; None otherwise.

    With ``fraction`` (a service that reports 0-1, as IMS ``process_percent``), a number from 0 to 1 without a '%'
    is a fraction: 0.6 is 60, 1 is 100. A value above 1 is still read as a percent.
    """
    if isinstance(value, bool):
        return None
    if fraction:
        share = _fraction(value)
        if share is not None:
            return int(share * 100 + 1e-9)  # 0.29 * 100 is 28.999...: 29
    if isinstance(value, (int, float)):
        number = int(value) if isinstance(value, int) or math.isfinite(value) else None
    elif isinstance(value, str):
        match = _PROGRESS.match(value)
        number = int(match.group(1)) if match else None
    else:
        number = None
    return number if number is not None and 0 <= number <= 100 else None


def normalize_job(service, body, project_id=None, job_id=None):
    """Return the normalized job dict of SPEC §3 from a 200 body (already JSON-decoded).

    The job object is found inside its service's wrapper (CFW ``data``, RDS/DDS/DDM ``job``; a bare
    job object is accepted too). ``job_id`` is the id that was asked for: used when the body omits
    the id, and an answer for another id is refused. Raises InvalidResponse naming the service and
    job when the body cannot be that job.
    """
    if service not in SERVICES:
        raise ValueError('unknown service %r: expected one of %s' % (service, ', '.join(SERVICES)))
    api = job_api(service)
    job = _job_object(api, body, job_id)
    normalized = _normalize(api, job, body, project_id, job_id, depth=0)
    if job_id is not None and normalized['id'] != job_id:
        raise InvalidResponse('%s job %s: asked for job %s, the API answered for job %s; refused' % (
            service, job_id, job_id, _shorten(normalized['id'])))
    return normalized


# --- jobs -----------------------------------------------------------------------------------------


def _job_object(api, body, job_id):
    """The job object inside ``body``, or InvalidResponse saying why there is none."""
    job = body
    if api.wrapper and isinstance(body, dict) and api.wrapper in body:
        job = body[api.wrapper]
        if not isinstance(job, dict):
            raise _not_a_job(api, body, job_id, "'%s' is %s, not an object" % (api.wrapper, _kind(job)))
    if not isinstance(job, dict):
        raise _not_a_job(api, body, job_id, 'the body is %s, not an object' % _kind(job))
    if not _has_path(job, api.status_path):
        raise _not_a_job(api, body, job_id, "the job has no '%s'" % '.'.join(api.status_path))
    return job


def _not_a_job(api, body, job_id, reason):
    message = '%s job %s: the API answered with a body that is not a job (%s)' % (api.name, job_id or '(unknown id)', reason)
    code, api_message = extract_error(body, shapes=api.error_shapes)
    if code or api_message:
        # A 200 answer carrying an API error explains itself better than the shape does.
        message += ': %s' % ' '.join(part for part in (code, api_message) if part)
    return InvalidResponse(message)


def _normalize(api, job, body, project_id, job_id, depth):
    """Normalize ``job`` (the job object inside ``body``); ``depth`` counts sub-job levels."""
    status = _get(job, api.status_path)
    state = job_state(status, api.name)
    finished = state in _FINISHED_STATES
    begin = _first_instant(job, api.begin_paths)
    end = _first_instant(job, api.end_paths) if finished else None
    sub_jobs, sub_jobs_total = _sub_jobs(api, job, project_id, depth)
    entities, truncated = _entities(api, job)
    normalized = {
        'id': _sub_job_id(_first_text([job], api.id_paths), depth) or job_id,
        'service': api.name,
        'project_id': project_id,
        'status': scalar_text(status),
        'state': state,
        'finished': finished,
        'succeeded': state == 'success',
        'job_type': _capped(_first_text([job], api.job_type_paths)),
        'begin_time': None if begin is None else _format_instant(begin),
        'end_time': None if end is None else _format_instant(end),
        'duration': _duration(begin, end),
        'error': _job_error(api, job, body) if state == 'failed' else None,
        'entities': entities,
        'sub_jobs': sub_jobs,
        'progress': _first_progress(job, api.progress_paths, api.progress_fraction),
        'resource_ids': _resource_ids(api, job, sub_jobs),
        'raw': body,
    }
    if sub_jobs_total > len(sub_jobs):
        truncated['sub_jobs'] = sub_jobs_total
    if truncated:
        normalized.update(sub_jobs_total=sub_jobs_total, truncated=truncated)
    return normalized


def _duration(begin, end):
    if begin is None or end is None:
        return None
    return max(0.0, round((end - begin).total_seconds(), 3))


def _job_error(api, job, body):
    """``{code, message}`` of a failed job; CFW may put ``error_code``/``error_msg`` beside ``data``."""
    sources = [job] if body is job or not isinstance(body, dict) else [job, body]
    return {'code': _capped(_first_text(sources, api.error_code_paths)),
            'message': _capped(_first_text(sources, api.error_message_paths))}


def _sub_job_id(text, depth):
    # The job's own id is checked against the id asked for (a mismatch is refused); a sub-job's is only shown.
    return _capped(text) if depth and text is not None else text


def _capped(text):
    return None if text is None else cap(safe(text), MAX_TEXT)


def _entities(api, job):
    """``(entities, truncated)``: the entities object, its lists cut to MAX_LIST_ITEMS (a copy only then)."""
    entities = _get(job, api.entities_path) if api.entities_path else None
    if not isinstance(entities, dict):
        return {}, {}
    truncated = dict(('entities.%s' % key, len(value)) for key, value in entities.items()
                     if isinstance(value, list) and len(value) > MAX_LIST_ITEMS)
    if not truncated:
        return entities, {}
    return dict((key, value[:MAX_LIST_ITEMS] if isinstance(value, list) else value) for key, value in entities.items()), truncated


def _sub_jobs(api, job, project_id, depth):
    """``(sub_jobs, total)``: normalized sub-jobs from every place the service keeps them, at most
    MAX_LIST_ITEMS; ``total`` counts all the job objects listed. Non-object items are skipped."""
    if depth >= MAX_SUB_JOB_DEPTH:
        return [], 0
    found = []
    total = 0
    for path in api.sub_job_paths:
        items = _get(job, path)
        if isinstance(items, list):
            for item in items:
                if isinstance(item, dict):
                    total += 1
                    if len(found) < MAX_LIST_ITEMS:
                        found.append(_normalize(api, item, item, project_id, None, depth + 1))
    return found, total


def _resource_ids(api, job, sub_jobs):
    """Ids of what the job and its sub-jobs made or changed, in order, each once."""
    ids = []
    seen = set()
    for path in api.resource_id_paths:
        for value in _values(job, path):
            text = scalar_text(value)
            if text and text not in seen:
                seen.add(text)
                ids.append(text)
    for sub_job in sub_jobs:
        for value in sub_job['resource_ids']:
            if value not in seen:
                seen.add(value)
                ids.append(value)
    return ids


def _fraction(value):
    """A number from 0 to 1 (int, float or its text without '%'), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        value = float(value) if _FRACTION.match(value) else None
    # Compared before any conversion: a huge int would overflow float(); NaN compares false.
    if isinstance(value, (int, float)) and 0 <= value <= 1:
        return float(value)
    return None


def _first_progress(job, paths, fraction):
    for path in paths:
        progress = parse_progress(_get(job, path), fraction)
        if progress is not None:
            return progress
    return None


def _first_instant(job, paths):
    for path in paths:
        instant = _parse_instant(_get(job, path))
        if instant is not None:
            return instant
    return None


def _first_text(sources, paths):
    for source in sources:
        for path in paths:
            value = scalar_text(_get(source, path))
            if value and value.strip():
                return value
    return None


def _get(obj, path):
    """The value at ``path`` (a tuple of keys) in nested objects, or None."""
    for key in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


def _has_path(obj, path):
    for key in path:
        if not isinstance(obj, dict) or key not in obj:
            return False
        obj = obj[key]
    return True


def _values(obj, path):
    """Every value at ``path``, where '*' steps into each item of a list."""
    current = [obj]
    for key in path:
        following = []
        for item in current:
            if key == '*':
                following.extend(item if isinstance(item, list) else [])
            elif isinstance(item, dict) and key in item:
                following.append(item[key])
        current = following
    return current


def _kind(value):
    return {dict: 'an object', list: 'a list', str: 'a string', bool: 'a boolean', type(None): 'null'}.get(type(value), 'a number')


def _shorten(value):
    if _validate.is_id(value):
        return value  # a well-formed id reads best as it is: 'answered for job B'
    return _validate.quote(value)


# --- times ----------------------------------------------------------------------------------------


def _parse_instant(value):
    """A naive UTC datetime with millisecond precision, or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return _from_epoch(decimal.Decimal(value))
    if isinstance(value, float):
        return _from_epoch(decimal.Decimal(repr(value))) if math.isfinite(value) else None
    if not isinstance(value, str) or len(value) > 64:
        return None
    text = value.strip()
    if _NUMERIC_TIME.match(text):
        return _from_epoch(decimal.Decimal(text))
    return _from_iso(text)


def _from_epoch(number):
    """Epoch seconds or milliseconds (by magnitude) as a datetime; None when not set or out of range."""
    if number <= 0:
        return None
    millis = number if number >= _EPOCH_MS_THRESHOLD else number * 1000
    if millis > _MAX_EPOCH_MS:
        return None
    return _EPOCH + datetime.timedelta(milliseconds=int(millis.quantize(_ONE_MS, rounding=decimal.ROUND_HALF_EVEN)))


def _from_iso(text):
    match = _ISO_TIME.match(text)
    if not match:
        return None
    year, month, day, hour, minute, second, fraction, sign, offset_hours, offset_minutes = match.groups()
    if int(offset_hours or 0) > 23 or int(offset_minutes or 0) > 59:
        return None
    offset = datetime.timedelta(hours=int(offset_hours or 0), minutes=int(offset_minutes or 0))
    try:
        local = datetime.datetime(int(year), int(month), int(day), int(hour), int(minute), int(second or 0))
        utc = local - offset if sign == '+' else local + offset
        return utc + datetime.timedelta(milliseconds=_fraction_millis(fraction))
    except (ValueError, OverflowError):  # impossible dates, or beyond years 1-9999 once shifted
        return None


def _fraction_millis(fraction):
    if not fraction:
        return 0
    return int((decimal.Decimal('0.' + fraction[:12]) * 1000).quantize(_ONE_MS, rounding=decimal.ROUND_HALF_EVEN))


def _format_instant(instant):
    # Formatted by hand: strftime does not zero-pad years before 1000 on every platform.
    return '%04d-%02d-%02dT%02d:%02d:%02d.%03dZ' % (
        instant.year, instant.month, instant.day, instant.hour, instant.minute, instant.second, instant.microsecond // 1000)
