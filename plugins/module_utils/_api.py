# -*- coding: utf-8 -*-
# Copyright (c) otc.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Authenticated API calls: sign each request, renew credentials once on a 401, classify answers.

Answers become a decoded JSON body, a ``TransientError`` (429, 500/502/503/504, bodies that
are not JSON) for the retry layer, or an ``ApiError`` naming what was asked, the HTTP status,
the API's error code and message.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress

from ansible_collections.otc.jobs.plugins.module_utils._errors import ApiError, TransientError
from ansible_collections.otc.jobs.plugins.module_utils._normalize import extract_error

TRANSIENT_STATUSES = frozenset((429, 500, 502, 503, 504))


class ApiSession:
    def __init__(self, http, auth):
        self.http = http
        self.auth = auth

    def get_json(self, url, what):
        """GET ``url``; ``what`` names the request in messages, e.g. 'reading elb job 4b1c'."""
        marker = self.auth.credential_marker()
        response = self._send('GET', url)
        if response.status == 401 and self.auth.refresh(marker):
            response = self._send('GET', url)
        return check_response(response, what)

    def _send(self, method, url):
        headers = self.auth.authorize(method, url, {'Accept': 'application/json'}, b'')
        return self.http.request(method, url, headers=headers)


def check_response(response, what):
    """The decoded body of a 2xx answer, or the matching error."""
    if 200 <= response.status < 300:
        try:
            return response.json()
        except ValueError:
            snippet = ' '.join(response.text.split())[:120]
            raise TransientError('%s failed: HTTP %s with a body that is not JSON (%r)' % (what, response.status, snippet),
                                 status_code=response.status)
    code, message = error_of(response)
    text = '%s failed: HTTP %s%s' % (what, response.status, error_suffix(code, message))
    error_class = TransientError if response.status in TRANSIENT_STATUSES else ApiError
    raise error_class(text, status_code=response.status, code=code, api_message=message, retry_after=response.retry_after)


def error_of(response):
    """``(code, message)`` of an error answer, JSON or not."""
    try:
        body = response.json()
    except ValueError:
        body = None
    return extract_error(body, response.text)


def error_suffix(code, message):
    """' CODE: message' for appending to 'HTTP 403'; empty when the API said nothing."""
    return ''.join(part for part in (' ' + code if code else '', ': ' + message if message else ''))


def plain_http_hosts(urls):
    """Hosts among ``urls`` reached over plain http:// that are not loopback."""
    hosts = []
    for url in urls:
        if url and url.lower().startswith('http://'):
            host = url.split('/', 3)[2].rsplit(':', 1)[0].strip('[]')
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
