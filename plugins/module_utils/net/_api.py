# -*- coding: utf-8 -*-
# Copyright (c) otc.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Authenticated API calls and how their answers are classified.

``ApiSession`` signs each request, renews credentials once on a 401 and classifies the answer:
a decoded JSON body, a ``TransientError`` (``net._retry.is_transient_status``, bodies that are not usable JSON)
for the retry layer, or an ``ApiError`` naming what was asked, the HTTP status, the API's error
code and message (read by ``wire._error_body``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
from urllib.parse import urlsplit

from ansible_collections.otc.jobs.plugins.module_utils.core._errors import ApiError, OtcJobsError, TransientError
from ansible_collections.otc.jobs.plugins.module_utils.net._http import origin
from ansible_collections.otc.jobs.plugins.module_utils.net._retry import is_transient_status
from ansible_collections.otc.jobs.plugins.module_utils.wire._error_body import error_suffix, extract_error

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
    error_class = TransientError if is_transient_status(response.status) else ApiError
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
