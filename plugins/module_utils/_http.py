# -*- coding: utf-8 -*-
# Copyright (c) otc.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The HTTP transport: one ``requests`` Session with a sized pool, TLS settings and hard deadlines.

It sends bytes and returns answers; it neither authenticates nor judges status codes (``_api`` does).

Every request has one wall-clock deadline that covers connecting, waiting *and reading the body*:
socket timeouts only bound the gap between two bytes, so a watchdog shuts the request's sockets
down when the deadline passes (a server dripping a byte a second cannot hold a task). Bodies are
read in chunks, decompressed here with a cap (a small gzip bomb cannot inflate past it), and
refused beyond ``MAX_BODY`` bytes. Redirects are never followed. Transport failures worth
retrying raise ``TransientError``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import email.utils
import http.client
import json
import math
import socket
import threading
import time
import traceback
import zlib

from ansible_collections.otc.jobs.plugins.module_utils._errors import InvalidResponse, OtcJobsError, TransientError, seconds_text

REQUESTS_IMPORT_ERROR = None
try:
    import requests
    from requests.adapters import HTTPAdapter
    from urllib3.connection import HTTPConnection, HTTPSConnection
    from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
    from urllib3.exceptions import HTTPError as Urllib3Error, InsecureRequestWarning
    import urllib3
except ImportError:
    REQUESTS_IMPORT_ERROR = traceback.format_exc()
    HTTPAdapter = HTTPConnection = HTTPSConnection = HTTPConnectionPool = HTTPSConnectionPool = object
    Urllib3Error = Exception

COLLECTION_VERSION = '0.2.0'
USER_AGENT = 'otc.jobs/%s' % COLLECTION_VERSION
MAX_BODY = 8 * 1024 * 1024
# Job bodies nest a few levels (sub-jobs of sub-jobs); deeper JSON is hostile and would strain every
# later step (normalization, Ansible's result handling), so it is an invalid answer.
MAX_JSON_DEPTH = 100
_CHUNK = 16384


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
        """The decoded JSON body; raises ValueError (with a short reason) when it is not usable JSON."""
        if self._json is None and self._json_error is None:
            try:
                self._json = decode_json(self.body)
            except ValueError as exc:
                self._json_error = exc
        if self._json_error is not None:
            raise self._json_error
        return self._json

    @property
    def retry_after(self):
        return parse_retry_after(self.headers.get('Retry-After'))


def decode_json(data):
    """JSON from bytes; ValueError for anything that is not JSON (NaN included), not UTF-8, or nested too deeply."""
    try:
        value = json.loads(data.decode('utf-8') if isinstance(data, bytes) else data, parse_constant=_no_constant)
    except RecursionError:
        raise ValueError('JSON nested too deeply')
    except UnicodeDecodeError:
        raise ValueError('not UTF-8')
    if json_depth(value) > MAX_JSON_DEPTH:
        raise ValueError('JSON nested more than %d levels deep' % MAX_JSON_DEPTH)
    return value


def _no_constant(name):
    raise ValueError('%s is not JSON' % name)


def json_depth(value):
    """How deeply containers nest in ``value`` (0 for a scalar); iterative, so any depth is safe."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        deepest = max(deepest, depth)
        if deepest > MAX_JSON_DEPTH:
            break
        stack.extend((child, depth + 1) for child in children)
    return deepest


def parse_retry_after(value, now=None):
    """Seconds from a Retry-After header (delta-seconds or HTTP-date), None when absent or unreadable."""
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        seconds = None
    if seconds is not None:
        return max(0.0, seconds) if math.isfinite(seconds) else None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when is None:
        return None
    try:
        return max(0.0, when.timestamp() - (now if now is not None else time.time()))
    except (OverflowError, ValueError, OSError):
        return None


# --- deadlines ------------------------------------------------------------------------------------

_active = threading.local()


class _Watchdog:
    """Shuts down every socket of one request once its deadline passes."""

    def __init__(self, seconds):
        self.expired = False
        self._sockets = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(max(0.0, seconds), self._expire)
        self._timer.daemon = True
        self._timer.start()

    def watch(self, sock):
        if sock is None:
            return
        with self._lock:
            if sock not in self._sockets:
                self._sockets.append(sock)
            if self.expired:
                _shutdown(sock)

    def _expire(self):
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                _shutdown(sock)

    def cancel(self):
        self._timer.cancel()
        with self._lock:
            self._sockets = []


def _shutdown(sock):
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except (OSError, ValueError):
        pass


def _watch(sock):
    watchdog = getattr(_active, 'watchdog', None)
    if watchdog is not None:
        watchdog.watch(sock)


class _WatchedMixin:
    """Registers the connection's sockets with the running request's watchdog (new and reused ones)."""

    def _new_conn(self):
        sock = super(_WatchedMixin, self)._new_conn()
        _watch(sock)
        return sock

    def connect(self):
        super(_WatchedMixin, self).connect()
        _watch(self.sock)

    def putrequest(self, *args, **kwargs):
        _watch(self.sock)
        return super(_WatchedMixin, self).putrequest(*args, **kwargs)


class _WatchedHTTPConnection(_WatchedMixin, HTTPConnection):
    pass


class _WatchedHTTPSConnection(_WatchedMixin, HTTPSConnection):
    pass


class _WatchedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


class _DeadlineAdapter(HTTPAdapter):
    """An HTTPAdapter whose plain and proxied pools use the watched connections (SOCKS pools are left alone)."""

    def init_poolmanager(self, *args, **kwargs):
        super(_DeadlineAdapter, self).init_poolmanager(*args, **kwargs)
        _use_watched_pools(self.poolmanager)

    def proxy_manager_for(self, proxy, **proxy_kwargs):
        manager = super(_DeadlineAdapter, self).proxy_manager_for(proxy, **proxy_kwargs)
        _use_watched_pools(manager)
        return manager


def _use_watched_pools(manager):
    classes = getattr(manager, 'pool_classes_by_scheme', None)
    if isinstance(classes, dict) and classes.get('http') is HTTPConnectionPool and classes.get('https') is HTTPSConnectionPool:
        manager.pool_classes_by_scheme = {'http': _WatchedHTTPPool, 'https': _WatchedHTTPSPool}


# --- the client -----------------------------------------------------------------------------------


class HttpClient:
    """Sends requests on one pooled Session; ``verify`` is True, False or a CA bundle path."""

    def __init__(self, timeout=30, verify=True, pool_size=8, clock=time.monotonic, proxies=None):
        if REQUESTS_IMPORT_ERROR is not None:
            raise OtcJobsError('the requests Python library is required but could not be imported')
        self.timeout = float(timeout)
        # Given with every request: requests would otherwise let REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE
        # replace validate_certs: false and ca_cert (it merges the environment over session.verify).
        self.verify = verify
        if verify is False:
            # The task already warns once (validate_certs: false); urllib3 would add one per request.
            urllib3.disable_warnings(InsecureRequestWarning)
        self.clock = clock
        self._session = requests.Session()
        # The environment is the task's, handed in (_environment.Proxies, ca_bundle in _config), never
        # read from os.environ by requests; that also keeps ~/.netrc from replacing the Authorization
        # header we sign for AK/SK.
        self._session.trust_env = False
        self._session.auth = _no_auth
        self.proxies = proxies
        adapter = _DeadlineAdapter(pool_connections=2, pool_maxsize=max(1, pool_size))
        self._session.mount('https://', adapter)
        self._session.mount('http://', adapter)
        self._session.headers['User-Agent'] = USER_AGENT
        # Job bodies are small; a compressed answer is decoded here under the size cap anyway.
        self._session.headers['Accept-Encoding'] = 'identity'

    def seconds_for(self, deadline):
        """What a request started now may take: api_timeout, but never past ``deadline``."""
        if deadline is None:
            return self.timeout
        return min(self.timeout, deadline - self.clock())

    def request(self, method, url, headers=None, body=None, deadline=None):
        """One request, answered completely before ``deadline`` (monotonic) and within api_timeout."""
        seconds = self.seconds_for(deadline)
        if seconds <= 0:
            raise TransientError('%s to %s not sent: no time left before the deadline' % (method, origin(url)),
                                 deadline_passed=True)
        watchdog = _Watchdog(seconds)
        _active.watchdog = watchdog
        answer = None
        try:
            answer = self._session.request(
                method, url, headers=headers, data=body, timeout=(seconds, seconds),
                allow_redirects=False, verify=self.verify, stream=True,
                proxies=self.proxies.for_url(url) if self.proxies else None,
            )
            content = _read_body(answer, method, url)
            if watchdog.expired:
                # The socket was shut down under a reader that took that for the end of the answer.
                raise self._too_slow(method, url, seconds)
            return HttpResponse(answer.status_code, answer.headers, content)
        except OtcJobsError:
            raise
        except requests.exceptions.SSLError as exc:
            if watchdog.expired:
                raise self._too_slow(method, url, seconds)
            raise OtcJobsError(
                'TLS verification failed for %s: %s; set ca_cert to the right CA bundle '
                '(or validate_certs: false for a test endpoint)' % (origin(url), _first_line(exc)))
        except requests.exceptions.InvalidURL as exc:
            raise OtcJobsError('%s to %s failed: the URL is not valid (%s)' % (method, origin(url), _first_line(exc)))
        except (requests.exceptions.RequestException, Urllib3Error, http.client.HTTPException, OSError, ValueError) as exc:
            # ValueError covers urllib3's/http.client's complaints about hostile status lines and headers.
            if watchdog.expired:
                raise self._too_slow(method, url, seconds)
            raise TransientError('%s to %s failed: %s' % (method, origin(url), _describe_transport_error(exc)))
        finally:
            _active.watchdog = None
            watchdog.cancel()
            if answer is not None:
                answer.close()

    def _too_slow(self, method, url, seconds):
        return TransientError('%s to %s failed: no complete answer within %s s (api_timeout, or the time left)' % (
            method, origin(url), seconds_text(seconds)), deadline_passed=True)

    def close(self):
        self._session.close()


def _read_body(answer, method, url):
    """The body, decompressed, at most MAX_BODY bytes; InvalidResponse beyond that or for unknown encodings."""
    declared = answer.headers.get('Content-Length')
    if declared and declared.strip().isdigit() and int(declared) > MAX_BODY:
        raise _too_big(method, url)
    decoder = _decoder(answer.headers.get('Content-Encoding'), method, url)
    parts = []
    size = 0
    while True:
        chunk = answer.raw.read(_CHUNK, decode_content=False)
        if not chunk:
            break
        if decoder is not None:
            chunk = decoder.decompress(chunk, MAX_BODY + 1 - size)
            if decoder.unconsumed_tail:
                raise _too_big(method, url)
        size += len(chunk)
        if size > MAX_BODY:
            raise _too_big(method, url)
        parts.append(chunk)
    return b''.join(parts)


def _decoder(encoding, method, url):
    encoding = (encoding or 'identity').strip().lower()
    if encoding in ('', 'identity'):
        return None
    if encoding in ('gzip', 'x-gzip'):
        return zlib.decompressobj(16 + zlib.MAX_WBITS)
    if encoding == 'deflate':
        return zlib.decompressobj()
    raise InvalidResponse('%s to %s: the answer uses Content-Encoding %r, which otc.jobs does not read' % (
        method, origin(url), encoding[:40]))


def _too_big(method, url):
    return InvalidResponse('%s to %s: the answer is larger than %d MiB, refused' % (method, origin(url), MAX_BODY // (1024 * 1024)))


def _no_auth(prepared_request):
    return prepared_request


def origin(url):
    """scheme://host[:port] only: paths may hold ids, queries may hold anything, user-info is a secret."""
    parts = url.split('/', 3)
    head = '/'.join(parts[:3])
    return head.rsplit('@', 1)[-1] if '@' in head else head


def _first_line(exc):
    text = str(exc).strip().splitlines()
    return text[0][:300] if text else exc.__class__.__name__


def _describe_transport_error(exc):
    if isinstance(exc, requests.exceptions.ReadTimeout) or 'read timed out' in str(exc).lower():
        return 'no answer within the read timeout (api_timeout)'
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return 'connection timed out (api_timeout)'
    text = _first_line(exc)
    lower = text.lower()
    if 'reset' in lower or 'aborted' in lower or 'RemoteDisconnected' in text:
        return 'connection reset by the server'
    if 'refused' in lower:
        return 'connection refused'
    if 'incompleteread' in lower or 'ended prematurely' in lower or 'chunked' in lower:
        return 'the answer was cut off or garbled'
    return 'connection error (%s)' % text[:200]
