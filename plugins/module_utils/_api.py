# -*- coding: utf-8 -*-
# Copyright (c) otc.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Authenticated API calls and how to read their answers.

``ApiSession`` signs each request, renews credentials once on a 401 and classifies the answer:
a decoded JSON body, a ``TransientError`` (429, 500/502/503/504, bodies that are not usable JSON)
for the retry layer, or an ``ApiError`` naming what was asked, the HTTP status, the API's error
code and message. Error bodies of every documented shape are read here (``extract_error``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import json
import re
from html import unescape as html_unescape
from urllib.parse import urlsplit

from ansible_collections.otc.jobs.plugins.module_utils._errors import ApiError, OtcJobsError, TransientError
from ansible_collections.otc.jobs.plugins.module_utils._http import origin

TRANSIENT_STATUSES = frozenset((429, 500, 502, 503, 504))
REDIRECT_STATUSES = frozenset((301, 302, 303, 307, 308))


class ApiSession:
    def __init__(self, http, auth, error_shapes=()):
        self.http = http
        self.auth = auth
        self.error_shapes = error_shapes

    def get_json(self, url, what, deadline=None):
        """GET ``url``; ``what`` names the request in messages, e.g. 'reading elb job 4b1c'."""
        marker = self.auth.credential_marker()
        try:
            response = self._send('GET', url, deadline)
            if response.status == 401 and self.auth.refresh(marker, deadline):
                response = self._send('GET', url, deadline)
        except OtcJobsError as exc:
            # Transport failures say what happened to the connection; the user needs to know which job.
            if not exc.message.startswith(what):
                exc.reword('%s: %s' % (what, exc.message))
            raise
        return check_response(response, what, self.error_shapes)

    def _send(self, method, url, deadline):
        headers = self.auth.authorize(method, url, {'Accept': 'application/json'}, b'')
        return self.http.request(method, url, headers=headers, deadline=deadline)


def check_response(response, what, shapes=()):
    """The decoded body of a 2xx answer, or the matching error."""
    if 200 <= response.status < 300:
        try:
            return response.json()
        except ValueError as exc:
            snippet = ' '.join(response.text[:400].split())[:120]
            raise TransientError('%s failed: HTTP %s with a body that is not usable JSON (%s: %r)' % (
                what, response.status, exc, snippet), status_code=response.status)
    if response.status in REDIRECT_STATUSES:
        raise ApiError('%s failed: %s' % (what, redirect_text(response)), status_code=response.status)
    code, message = error_of(response, shapes)
    text = '%s failed: HTTP %s%s' % (what, response.status, error_suffix(code, message))
    error_class = TransientError if response.status in TRANSIENT_STATUSES else ApiError
    raise error_class(text, status_code=response.status, code=code, api_message=message, retry_after=response.retry_after)


def redirect_text(response):
    """'HTTP 302 redirect to https://host, which ...': the target's origin only (its path or query may hold anything)."""
    target = response.headers.get('Location') or ''
    where = origin(target) if '://' in target else 'the same host'
    return 'HTTP %s redirect to %s, which otc.jobs does not follow; check endpoint and auth_url' % (response.status, where)


def error_of(response, shapes=()):
    """``(code, message)`` of an error answer, JSON or not."""
    try:
        body = response.json()
    except ValueError:
        body = None
    return extract_error(body, response.text, shapes)


def error_suffix(code, message):
    """' CODE: message' for appending to 'HTTP 403'; empty when the API said nothing."""
    return ''.join(part for part in (' ' + code if code else '', ': ' + message if message else ''))


# --- reading error bodies -------------------------------------------------------------------------

_TEXT_MESSAGE_LIMIT = 300
_JSON_MESSAGE_LIMIT = 1000
_CODE_LIMIT = 100  # real codes are short ('CFW.00200005'); a hostile one must not flood the message
_HTML_SCAN_LIMIT = 65536  # enough for any error page head; keeps regex work bounded on huge bodies
_HTML_MARKER = re.compile(r'<\s*(?:!doctype\s+html|html|head|body|title|h1)\b', re.IGNORECASE)
_HTML_HEADINGS = ('title', 'h1')
# '<' is excluded inside a tag so that stray '<' cannot make matching quadratic.
_HTML_TAG = re.compile(r'<[^<>]*>')
# Keys of an error object in every documented shape (SPEC §2, job-apis.md), most specific first;
# IAM's 'title' ('Unauthorized') only when nothing better is there.
_ERROR_CODE_KEYS = ('error_code', 'errorCode', 'errCode', 'code')
_ERROR_MESSAGE_KEYS = ('error_msg', 'error_message', 'errorMessage', 'externalMessage', 'errorMsg', 'fail_reason',
                       'message', 'msg', 'title')


def extract_error(body, text=None, shapes=()):
    """``(code, message)`` from an error answer; each a str or None. Never raises.

    ``body`` is the decoded JSON (or None), ``text`` the raw text, used for plain text and HTML answers;
    ``shapes`` are (code key, message key) pairs the service documents, tried before the general keys.
    """
    code, message = _error_of_json(body, shapes)
    if code is None and message is None:
        message = _message_of_text(text)
    return code, message


def scalar_text(value):
    """A string as sent, a number or boolean as its JSON text; None for null, lists and objects."""
    if isinstance(value, str):
        return value
    if isinstance(value, (bool, int, float)):
        try:
            return json.dumps(value)
        except ValueError:  # an int too long to print (Python's digit limit)
            return None
    return None


def _error_of_json(body, shapes=()):
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
            code, message = _error_of_object(candidate, shapes)
            if code is not None or message is not None:
                return code, message
    return None, None


def _error_of_object(obj, shapes):
    for code_key, message_key in shapes:
        code, message = _error_code(obj.get(code_key)), _message(obj.get(message_key))
        if code is not None or message is not None:
            # A documented key pair may be half there: the other half comes from the general keys.
            return (code if code is not None else _first_code(obj)), (message if message is not None else _first_message(obj))
    return _first_code(obj), _first_message(obj)


def _first_code(obj):
    for key in _ERROR_CODE_KEYS:
        code = _error_code(obj.get(key))
        if code is not None:
            return code
    return None


def _first_message(obj):
    for key in _ERROR_MESSAGE_KEYS:
        message = _message(obj.get(key))
        if message is not None:
            return message
    return None


def _message(value):
    value = scalar_text(value)
    return _limit(value.strip(), _JSON_MESSAGE_LIMIT) if value and value.strip() else None


def _error_code(value):
    """Codes are strings (IAM sends the int 401); booleans and empty strings are no code."""
    if isinstance(value, bool):
        return None
    text = scalar_text(value)
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


# --- where credentials go -------------------------------------------------------------------------


def plain_http_hosts(urls):
    """Hosts among ``urls`` reached over plain http:// that are not loopback."""
    hosts = []
    for url in urls:
        if url and url.lower().startswith('http://'):
            host = urlsplit(url).hostname or ''
            if not is_loopback(host) and host not in hosts:
                hosts.append(host)
    return hosts


def is_loopback(host):
    if host.lower() == 'localhost':
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
