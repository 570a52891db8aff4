# -*- coding: utf-8 -*-
# Copyright (c) otc.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The HTTP transport: one ``requests`` Session with timeouts, TLS settings and a sized pool.

It sends bytes and returns answers; it neither authenticates nor judges status codes
(``_api`` does). Transport failures that are worth retrying raise ``TransientError``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import email.utils
import json
import time
import traceback

from ansible_collections.otc.jobs.plugins.module_utils._errors import OtcJobsError, TransientError

REQUESTS_IMPORT_ERROR = None
try:
    import requests
    from requests.adapters import HTTPAdapter
except ImportError:
    REQUESTS_IMPORT_ERROR = traceback.format_exc()

COLLECTION_VERSION = '0.1.0'
USER_AGENT = 'otc.jobs/%s' % COLLECTION_VERSION


class HttpResponse:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # case-insensitive mapping
        self.body = body or b''
        self._json = None
        self._json_error = None

    @property
    def text(self):
        return self.body.decode('utf-8', 'replace')

    def json(self):
        """The decoded JSON body; raises ValueError when the body is not JSON."""
        if self._json is None and self._json_error is None:
            try:
                self._json = json.loads(self.text)
            except ValueError as exc:
                self._json_error = exc
        if self._json_error is not None:
            raise self._json_error
        return self._json

    @property
    def retry_after(self):
        return parse_retry_after(self.headers.get('Retry-After'))


def parse_retry_after(value, now=None):
    """Seconds from a Retry-After header (delta-seconds or HTTP-date), None when absent or unreadable."""
    if value is None:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (now if now is not None else time.time()))


class HttpClient:
    """Sends requests on one pooled Session; ``verify`` is True, False or a CA bundle path."""

    def __init__(self, timeout=30, verify=True, pool_size=8):
        if REQUESTS_IMPORT_ERROR is not None:
            raise OtcJobsError('the requests Python library is required but could not be imported')
        self.timeout = timeout
        self._session = requests.Session()
        self._session.verify = verify
        # Proxy and CA-bundle environment variables are honoured, but a no-op auth keeps
        # ~/.netrc from replacing the Authorization header we sign for AK/SK.
        self._session.auth = _no_auth
        adapter = HTTPAdapter(pool_connections=2, pool_maxsize=max(1, pool_size))
        self._session.mount('https://', adapter)
        self._session.mount('http://', adapter)
        self._session.headers['User-Agent'] = USER_AGENT

    def request(self, method, url, headers=None, body=None, timeout=None):
        try:
            answer = self._session.request(
                method, url, headers=headers, data=body,
                timeout=timeout if timeout is not None else self.timeout,
                allow_redirects=False,
            )
            # Reading the body may itself fail (reset, truncation): keep it inside the try.
            content = answer.content
        except requests.exceptions.SSLError as exc:
            raise OtcJobsError(
                'TLS verification failed for %s: %s; set ca_cert to the right CA bundle '
                '(or validate_certs: false for a test endpoint)' % (_origin(url), _first_line(exc)))
        except (requests.exceptions.ConnectionError, requests.exceptions.Timeout,
                requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError) as exc:
            raise TransientError('%s to %s failed: %s' % (method, _origin(url), _describe_transport_error(exc)))
        except requests.exceptions.RequestException as exc:
            raise OtcJobsError('%s to %s failed: %s' % (method, _origin(url), _first_line(exc)))
        return HttpResponse(answer.status_code, answer.headers, content)

    def close(self):
        self._session.close()


def _no_auth(prepared_request):
    return prepared_request


def _origin(url):
    """scheme://host[:port] only: paths may hold ids, queries may hold anything."""
    parts = url.split('/', 3)
    return '/'.join(parts[:3])


def _first_line(exc):
    text = str(exc).strip().splitlines()
    return text[0] if text else exc.__class__.__name__


def _describe_transport_error(exc):
    if isinstance(exc, requests.exceptions.ReadTimeout):
        return 'no answer within the read timeout (api_timeout)'
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return 'connection timed out (api_timeout)'
    if isinstance(exc, (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError)):
        return 'the answer was cut off or garbled'
    text = _first_line(exc)
    if 'reset' in text.lower() or 'aborted' in text.lower() or 'RemoteDisconnected' in text:
        return 'connection reset by the server'
    if 'refused' in text.lower():
        return 'connection refused'
    return 'connection error (%s)' % text[:200]
