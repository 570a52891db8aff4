# -*- coding: utf-8 -*-
# Copyright (c) otc.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Turning job bodies of every service into the one normalized job shape, and reading API errors.

Pure functions over decoded JSON. Bodies come from remote services, so nothing here trusts their
shape: odd values become ``None``/``unknown``, and the only exception raised is ``InvalidResponse``
(a 200 answer that cannot be a job).

Decisions where the contract is silent:

- ``status`` keeps a string exactly as sent; a number or boolean becomes its JSON text
  (``1``, ``true``); ``null``, a missing key in a sub-job, or a list/object becomes ``None``.
  Any of those is ``state: unknown``.
- A failed job always has an ``error`` dict; ``{code: None, message: None}`` when the API gave no reason.
- Epoch numbers of zero or below are ``None``: APIs use ``0``/``-1`` for "not set", and no job ran before 1970.
  Times outside years 1-9999 are ``None``. Fractions are rounded to the nearest millisecond.
- Only the top-level body must carry a ``status`` key; sub-jobs are read leniently
  (a sub-job without one is ``unknown``), and sub-jobs nested deeper than ``MAX_SUB_JOB_DEPTH`` are dropped.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import decimal
import json
import math
import re
from html import unescape as html_unescape

from ansible_collections.otc.jobs.plugins.module_utils._errors import InvalidResponse

SERVICES = ('elb', 'cfw')
STATES = ('init', 'running', 'success', 'failed', 'unknown')
JOB_KEYS = ('id', 'service', 'project_id', 'status', 'state', 'finished', 'succeeded', 'job_type',
            'begin_time', 'end_time', 'duration', 'error', 'entities', 'sub_jobs', 'raw')
MAX_SUB_JOB_DEPTH = 10

# Both vocabularies for both services: ELB INIT/RUNNING/SUCCESS/FAIL, CFW Running/Success/Failed.
_STATE_OF_STATUS = {
    'init': 'init',
    'running': 'running',
    'success': 'success',
    'fail': 'failed',
    'failed': 'failed',
}
_FINISHED_STATES = ('success', 'failed')
# Where each service puts the job id; the other key is accepted too, defensively.
_ID_KEYS = {'elb': ('job_id', 'id'), 'cfw': ('id', 'job_id')}

_EPOCH = datetime.datetime(1970, 1, 1)
_MAX_EPOCH_MS = 253402300799999  # 9999-12-31T23:59:59.999Z
# Epoch numbers from 1e11 up are milliseconds: 1e11 s is the year 5138, 1e11 ms is 1973.
_EPOCH_MS_THRESHOLD = 10 ** 11
_ONE_MS = decimal.Decimal(1)
# re.ASCII: '\d' must not match other scripts' digits, which int() would then read.
_NUMERIC_TIME = re.compile(r'\A\d+(?:\.\d+)?\Z', re.ASCII)
# Date, time (seconds and fraction optional), then 'Z', an offset or nothing: 'Z' and nothing both mean UTC.
_ISO_TIME = re.compile(r'\A(\d{4})-(\d\d)-(\d\d)[Tt ](\d\d):(\d\d)(?::(\d\d)(?:[.,](\d+))?)?\s*(?:[Zz]|([+-])(\d\d)(?::?(\d\d))?)?\Z', re.ASCII)

_TEXT_MESSAGE_LIMIT = 300
_JSON_MESSAGE_LIMIT = 1000
_CODE_LIMIT = 100  # real codes are short ('CFW.00200005'); a hostile one must not flood the message
_HTML_SCAN_LIMIT = 65536  # enough for any error page head; keeps regex work bounded on huge bodies
_HTML_MARKER = re.compile(r'<\s*(?:!doctype\s+html|html|head|body|title|h1)\b', re.IGNORECASE)
_HTML_HEADINGS = ('title', 'h1')
# '<' is excluded inside a tag so that stray '<' cannot make matching quadratic.
_HTML_TAG = re.compile(r'<[^<>]*>')
# Keys of an error object, most specific first; IAM's 'title' ('Unauthorized') only when nothing better is there.
_ERROR_CODE_KEYS = ('error_code', 'errorCode', 'code')
_ERROR_MESSAGE_KEYS = ('error_msg', 'error_message', 'errorMessage', 'errorMsg', 'fail_reason', 'message', 'msg', 'title')


def job_state(status):
    """The normalized state of a raw status: 'init', 'running', 'success', 'failed' or 'unknown'."""
    if not isinstance(status, str):
        return 'unknown'
    return _STATE_OF_STATUS.get(status.strip().lower(), 'unknown')


def parse_time(value):
    """``value`` as 'YYYY-MM-DDTHH:MM:SS.mmmZ' (UTC), or None when it is empty or unreadable."""
    instant = _parse_instant(value)
    return None if instant is None else _format_instant(instant)


def normalize_job(service, body, project_id=None, job_id=None):
    """Return the normalized job dict of SPEC §3 from a 200 body (already JSON-decoded).

    ELB: ``body`` is the job object itself. CFW: ``body`` is ``{"data": {...}}`` (a bare job object is
    accepted too). ``job_id`` is the id that was asked for, used when the body omits it.
    Raises InvalidResponse naming the service and job when the body cannot be a job.
    """
    if service not in SERVICES:
        raise ValueError('unknown service %r: expected one of %s' % (service, ', '.join(SERVICES)))
    job = _job_object(service, body, job_id)
    return _normalize(service, job, body, project_id, job_id, depth=0)


def extract_error(body, text=None):
    """``(code, message)`` from an error answer; each a str or None. Never raises.

    ``body`` is the decoded JSON (or None), ``text`` the raw text, used for plain text and HTML answers.
    """
    code, message = _error_of_json(body)
    if code is None and message is None:
        message = _message_of_text(text)
    return code, message


# --- jobs -----------------------------------------------------------------------------------------


def _job_object(service, body, job_id):
    """The job object inside ``body``, or InvalidResponse saying why there is none."""
    job = body
    if service == 'cfw' and isinstance(body, dict) and 'data' in body:
        job = body['data']
        if not isinstance(job, dict):
            raise _not_a_job(service, body, job_id, "'data' is %s, not an object" % _kind(job))
    if not isinstance(job, dict):
        raise _not_a_job(service, body, job_id, 'the body is %s, not an object' % _kind(job))
    if 'status' not in job:
        raise _not_a_job(service, body, job_id, "the job has no 'status'")
    return job


def _not_a_job(service, body, job_id, reason):
    message = '%s job %s: the API answered with a body that is not a job (%s)' % (service, job_id or '(unknown id)', reason)
    code, api_message = _error_of_json(body)
    if code or api_message:
        # A 200 answer carrying an API error explains itself better than the shape does.
        message += ': %s' % ' '.join(part for part in (code, api_message) if part)
    return InvalidResponse(message)


def _normalize(service, job, body, project_id, job_id, depth):
    """Normalize ``job`` (the job object inside ``body``); ``depth`` counts sub-job levels."""
    state = job_state(job.get('status'))
    finished = state in _FINISHED_STATES
    begin = _parse_instant(job.get('begin_time'))
    end = _parse_instant(job.get('end_time'))
    return {
        'id': _job_id(service, job, job_id),
        'service': service,
        'project_id': project_id,
        'status': _scalar_text(job.get('status')),
        'state': state,
        'finished': finished,
        'succeeded': state == 'success',
        'job_type': _scalar_text(job.get('job_type')) if service == 'elb' else None,
        'begin_time': None if begin is None else _format_instant(begin),
        'end_time': None if end is None else _format_instant(end),
        'duration': _duration(begin, end) if finished else None,
        'error': _job_error(job, body) if state == 'failed' else None,
        'entities': _entities(service, job),
        'sub_jobs': _sub_jobs(service, job.get('sub_jobs'), project_id, depth),
        'raw': body,
    }


def _job_id(service, job, fallback):
    for key in _ID_KEYS[service]:
        value = _scalar_text(job.get(key))
        if value:
            return value
    return fallback


def _duration(begin, end):
    if begin is None or end is None:
        return None
    return max(0.0, round((end - begin).total_seconds(), 3))


def _job_error(job, body):
    """``{code, message}`` of a failed job; CFW may put ``error_code``/``error_msg`` beside ``data``."""
    sources = [job] if body is job else [job, body]
    code = _first_text(sources, ('error_code', 'code'))
    message = _first_text(sources, ('fail_reason', 'error_msg', 'message'))
    return {'code': code, 'message': message}


def _first_text(sources, keys):
    for source in sources:
        for key in keys:
            value = _scalar_text(source.get(key))
            if value:
                return value
    return None


def _entities(service, job):
    entities = job.get('entities')
    return entities if service == 'elb' and isinstance(entities, dict) else {}


def _sub_jobs(service, sub_jobs, project_id, depth):
    """Normalized sub-jobs; anything but a list is none, non-object items are skipped."""
    if not isinstance(sub_jobs, list) or depth >= MAX_SUB_JOB_DEPTH:
        return []
    return [_normalize(service, sub_job, sub_job, project_id, None, depth + 1)
            for sub_job in sub_jobs if isinstance(sub_job, dict)]


def _scalar_text(value):
    """A string as sent, a number or boolean as its JSON text; None for null, lists and objects."""
    if isinstance(value, str):
        return value
    if isinstance(value, (bool, int, float)):
        try:
            return json.dumps(value)
        except ValueError:  # an int too long to print (Python's digit limit)
            return None
    return None


def _kind(value):
    return {dict: 'an object', list: 'a list', str: 'a string', bool: 'a boolean', type(None): 'null'}.get(type(value), 'a number')


# --- times ----------------------------------------------------------------------------------------


def _parse_instant(value):
    """A naive UTC datetime with millisecond precision, or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return _from_epoch(decimal.Decimal(value))
    if isinstance(value, float):
        return _from_epoch(decimal.Decimal(repr(value))) if math.isfinite(value) else None
    if not isinstance(value, str):
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
    return int((decimal.Decimal('0.' + fraction) * 1000).quantize(_ONE_MS, rounding=decimal.ROUND_HALF_EVEN))


def _format_instant(instant):
    # Formatted by hand: strftime does not zero-pad years before 1000 on every platform.
    return '%04d-%02d-%02dT%02d:%02d:%02d.%03dZ' % (
        instant.year, instant.month, instant.day, instant.hour, instant.minute, instant.second, instant.microsecond // 1000)


# --- API errors -----------------------------------------------------------------------------------


def _error_of_json(body):
    """``(code, message)`` from the known error shapes of a decoded body; ``(None, None)`` if none fits."""
    if isinstance(body, str):
        return None, _limit(body.strip(), _JSON_MESSAGE_LIMIT)
    if not isinstance(body, dict):
        return None, None
    error = body.get('error')
    if isinstance(error, str) and error.strip():
        return _error_code(body.get('code') or body.get('error_code')), _limit(error.strip(), _JSON_MESSAGE_LIMIT)
    # {"error": {...}} first, then the body itself, then any other wrapper such as {"NeutronError": {...}}.
    candidates = [error, body] + [value for key, value in body.items() if key != 'error']
    for candidate in candidates:
        if isinstance(candidate, dict):
            code, message = _error_of_object(candidate)
            if code is not None or message is not None:
                return code, message
    return None, None


def _error_of_object(obj):
    return _first_code(obj), _first_message(obj)


def _first_code(obj):
    for key in _ERROR_CODE_KEYS:
        code = _error_code(obj.get(key))
        if code is not None:
            return code
    return None


def _first_message(obj):
    for key in _ERROR_MESSAGE_KEYS:
        value = _scalar_text(obj.get(key))
        if value and value.strip():
            return _limit(value.strip(), _JSON_MESSAGE_LIMIT)
    return None


def _error_code(value):
    """Codes are strings (IAM sends the int 401); booleans and empty strings are no code."""
    if isinstance(value, bool):
        return None
    text = _scalar_text(value)
    if text is None:
        return None
    return _limit(text.strip(), _CODE_LIMIT)


def _message_of_text(text):
    """The message of a plain text or HTML answer: the page title or first heading, else the text itself."""
    if isinstance(text, bytes):
        text = text.decode('utf-8', 'replace')
    if not isinstance(text, str):
        return None
    head = text[:_HTML_SCAN_LIMIT]
    if _HTML_MARKER.search(head):
        return _html_message(head)
    return _limit(_collapse(text[:_TEXT_MESSAGE_LIMIT * 4]), _TEXT_MESSAGE_LIMIT)


def _html_message(html):
    for tag in _HTML_HEADINGS:
        heading = _html_text(_element_content(html, tag))
        if heading:
            return _limit(heading, _TEXT_MESSAGE_LIMIT)
    return _limit(_html_text(html), _TEXT_MESSAGE_LIMIT)


def _element_content(html, tag):
    """The inner HTML of the first ``<tag>`` element, found with str.find (linear even on hostile pages)."""
    lower = html.lower()
    start = lower.find('<' + tag)
    open_end = lower.find('>', start) if start >= 0 else -1
    close = lower.find('</' + tag, open_end) if open_end >= 0 else -1
    return html[open_end + 1:close] if close >= 0 else ''


def _html_text(fragment):
    return _collapse(html_unescape(_HTML_TAG.sub(' ', fragment)))


def _collapse(text):
    return ' '.join(text.split())


def _limit(text, limit):
    if not text:
        return None
    return text if len(text) <= limit else text[:limit - 3].rstrip() + '...'
