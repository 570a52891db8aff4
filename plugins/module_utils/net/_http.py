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
import ipaddress
import json
import math
import re
import socket
import ssl
import threading
import traceback
import zlib
from urllib.parse import urlsplit

from ansible_collections.otc.jobs.plugins.module_utils.core._clock import REAL_CLOCK
from ansible_collections.otc.jobs.plugins.module_utils.core._errors import InvalidResponse, OtcJobsError, TransientError, seconds_text
from ansible_collections.otc.jobs.plugins.module_utils.core._text import cap, safe

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

# galaxy.yml's version (a module on a target cannot read galaxy.yml; test_support_matrix checks they agree)
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


def parse_retry_after(value, clock=REAL_CLOCK):
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
        return max(0.0, when.timestamp() - clock.time())
    except (OverflowError, ValueError, OSError):
        return None


# --- deadlines ------------------------------------------------------------------------------------

_active = threading.local()


class _Watchdog:
    """Shuts down every socket of one request once its deadline passes."""

    def __init__(self, seconds, clock=REAL_CLOCK):
        self.clock = clock
        self.deadline = clock.now() + max(0.0, seconds)
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
    """Registers the connection's sockets with the running request's watchdog (new and reused ones).

    The host name is resolved here, within the request's deadline (``resolve``), and the connection
    is made to the addresses found, in order: a resolver that takes 45 s cannot hold a task either.
    """

    def _new_conn(self):
        watchdog = getattr(_active, 'watchdog', None)
        host = self._dns_host
        if watchdog is None or _is_ip(host):
            sock = super(_WatchedMixin, self)._new_conn()
        else:
            sock = None
            addresses = resolve(host, self.port, watchdog.deadline - watchdog.clock.now(), watchdog.clock)
            try:
                for index, address in enumerate(addresses):
                    self._dns_host = address
                    try:
                        sock = super(_WatchedMixin, self)._new_conn()
                        break
                    except (OSError, Urllib3Error):
                        if index == len(addresses) - 1:
                            raise
            finally:
                self._dns_host = host
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


# --- name resolution ------------------------------------------------------------------------------


class NameNotFound(OtcJobsError):
    """The host name does not exist: waiting will not make it exist."""


def _is_ip(host):
    try:
        ipaddress.ip_address(host.strip('[]'))
        return True
    except ValueError:
        return False


def resolve(host, port, seconds, clock=REAL_CLOCK):
    """The addresses of ``host`` (in the resolver's order), found within ``seconds``.

    ``socket.getaddrinfo`` cannot be interrupted, so it runs in a daemon thread that is abandoned
    when the time is up: TransientError (deadline passed) naming what took the time. A name that
    does not exist is NameNotFound (not retried); a temporary resolver failure is transient.
    """
    outcome = {}
    done = threading.Event()

    def work():
        try:
            outcome['addresses'] = socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM)
        except Exception as exc:  # pylint: disable=broad-except
            outcome['error'] = exc
        finally:
            done.set()

    worker = threading.Thread(target=work, name='otc.jobs-resolve')
    worker.daemon = True
    worker.start()
    if not clock.wait(done, seconds):
        raise TransientError('name resolution of %s did not finish within %s s' % (host, seconds_text(round(max(0.0, seconds), 1))),
                             deadline_passed=True)
    error = outcome.get('error')
    if isinstance(error, socket.gaierror) and error.args and error.args[0] in _NO_SUCH_NAME:
        raise NameNotFound('the host name %s does not exist (DNS answered: %s); check endpoint and auth_url' % (
            host, safe(error.args[1] if len(error.args) > 1 else 'no such name')))
    if error is not None:
        reason = error.args[1] if isinstance(error, socket.gaierror) and len(error.args) > 1 else str(error)
        raise TransientError('name resolution of %s failed: %s' % (host, cap(safe(reason), 200)))
    addresses = []
    for family, dummy_type, dummy_proto, dummy_name, address in outcome['addresses']:
        if family in (socket.AF_INET, getattr(socket, 'AF_INET6', None)) and address[0] not in addresses:
            addresses.append(address[0])
    if not addresses:
        raise NameNotFound('the host name %s has no IP address; check endpoint and auth_url' % host)
    return addresses


_NO_SUCH_NAME = tuple(getattr(socket, name) for name in ('EAI_NONAME', 'EAI_NODATA') if hasattr(socket, name))


# --- the client -----------------------------------------------------------------------------------


class HttpClient:
    """Sends requests on one pooled Session; ``verify`` is True, False or a CA bundle path."""

    def __init__(self, timeout=30, verify=True, pool_size=8, clock=REAL_CLOCK, proxies=None):
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
        return min(self.timeout, deadline - self.clock.now())

    def request(self, method, url, headers=None, body=None, deadline=None):
        """One request, answered completely before ``deadline`` (monotonic) and within api_timeout."""
        seconds = self.seconds_for(deadline)
        if seconds <= 0:
            exc = TransientError('%s to %s not sent: no time left before the deadline' % (method, origin(url)),
                                 deadline_passed=True)
            exc.not_sent = True  # the retry layer then reports the failure before this one
            raise exc
        watchdog = _Watchdog(seconds, self.clock)
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
            raise OtcJobsError(_describe_tls_error(exc, url))
        except requests.exceptions.InvalidURL as exc:
            raise OtcJobsError('%s to %s failed: the URL is not valid (%s)' % (method, origin(url), _first_line(exc)))
        except (requests.exceptions.RequestException, Urllib3Error, http.client.HTTPException, OSError, ValueError) as exc:
            # ValueError covers urllib3's/http.client's complaints about hostile status lines and headers.
            if watchdog.expired:
                raise self._too_slow(method, url, seconds)
            described = _describe_transport_error(exc, url)
            if described.startswith('connection refused by'):
                raise TransientError(described)
            raise TransientError('%s to %s failed: %s' % (method, origin(url), described))
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


# Library internals that say nothing to a person: '<...HTTPConnection object at 0x7f..>: ', 'HTTPConnectionPool(host=..): ',
# 'Max retries exceeded with url: /path (Caused by ...)' (the path holds the job id and project id).
_INTERNALS = re.compile(r'<[^<>]*\bobject at 0x[0-9a-fA-F]+>:?\s*|\b\w*Pool\(host=[^)]*\):?\s*|Max retries exceeded with url: \S*\s*')


def _first_line(exc):
    text = _INTERNALS.sub('', str(exc)).strip().splitlines()
    return cap(safe(text[0]), 300) if text else 'no detail'


def _causes(exc):
    """``exc`` and what it wraps (causes, contexts, urllib3's ``reason``, exceptions among its args), outermost first."""
    seen = []
    queue = [exc]
    while queue and len(seen) < 20:
        item = queue.pop(0)
        if not isinstance(item, BaseException) or any(item is known for known in seen):
            continue
        seen.append(item)
        queue.extend([item.__cause__, item.__context__, getattr(item, 'reason', None)] + list(item.args))
    return seen


def _host_port(url):
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = None
    host = parts.hostname or '?'
    if ':' in host:
        host = '[%s]' % host
    return '%s:%s' % (host, port or (443 if parts.scheme == 'https' else 80))


def _describe_tls_error(exc, url):
    """'TLS verification failed for https://host:port: certificate verify failed: self-signed certificate; ...'."""
    for cause in _causes(exc):
        if isinstance(cause, getattr(ssl, 'SSLCertVerificationError', ())):
            reason = getattr(cause, 'verify_message', None) or 'the certificate is not valid'
            return ('TLS verification failed for %s: certificate verify failed: %s; set ca_cert to the right CA bundle '
                    '(or validate_certs: false for a test endpoint)' % (origin(url), safe(reason)))
    for cause in _causes(exc):
        if isinstance(cause, ssl.SSLError):
            reason = (getattr(cause, 'reason', None) or 'handshake failed').replace('_', ' ').lower()
            return ('TLS handshake with %s failed: %s (is the endpoint an https:// server? check endpoint, ca_cert '
                    'and validate_certs)' % (origin(url), safe(reason)))
    return ('TLS verification failed for %s; set ca_cert to the right CA bundle '
            '(or validate_certs: false for a test endpoint)' % origin(url))


def _describe_transport_error(exc, url=''):
    """The real cause of a transport failure in words a person knows; no library class names."""
    causes = _causes(exc)
    texts = ' '.join(str(cause) for cause in causes).lower()
    if any(isinstance(cause, ConnectionRefusedError) for cause in causes) or 'connection refused' in texts:
        return 'connection refused by %s' % _host_port(url)
    if any(isinstance(cause, http.client.LineTooLong) for cause in causes) or \
            ('more than' in texts and 'headers' in texts) or 'header line' in texts:
        return 'answer headers too large'
    if isinstance(exc, requests.exceptions.ReadTimeout) or 'read timed out' in texts:
        return 'no answer within the read timeout (api_timeout)'
    if isinstance(exc, requests.exceptions.ConnectTimeout) or any(isinstance(cause, socket.timeout) for cause in causes):
        return 'connection to %s timed out (api_timeout)' % _host_port(url)
    if any(isinstance(cause, (ConnectionResetError, ConnectionAbortedError, http.client.RemoteDisconnected)) for cause in causes) \
            or 'reset' in texts or 'aborted' in texts or 'remote end closed' in texts:
        return 'connection reset by the server'
    if any(isinstance(cause, http.client.IncompleteRead) for cause in causes) or 'incompleteread' in texts \
            or 'ended prematurely' in texts or 'chunked' in texts:
        return 'the answer was cut off or garbled'
    for cause in causes:
        if isinstance(cause, OSError) and cause.strerror:
            return 'connection to %s failed: %s' % (_host_port(url), safe(cause.strerror).lower())
    innermost = causes[-1] if causes else exc
    text = _first_line(innermost)
    return 'connection to %s failed: %s' % (_host_port(url), cap(text, 200))
