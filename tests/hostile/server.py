# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A hostile HTTP(S) server: everything an attacker (or a broken API) may answer, for the adversarial tests.

Standard library only. It listens on 127.0.0.1 on a free port, serves each connection in its own
thread, and logs every request it receives (method, path, query, headers, body, times, how the
answer went), so tests can assert "no request was sent", "no connection was even opened" or "the
password never reached this server".

Usage::

    from tests.hostile import server as hostile

    with hostile.HostileServer() as srv:                    # HostileServer(tls=(cert, key)) for HTTPS
        srv.on_job('drip1', hostile.drip())                  # any path .../jobs/drip1 (or ?id=drip1)
        srv.on_iam(hostile.iam_echo(401), prefix='/echo')    # POST /echo.../auth/tokens
        srv.route('/exact/path', hostile.silence())          # exact path; 'prefix*' or a regex or a callable also work
        ... run ansible against srv.url ...
        srv.wait_idle()
        assert srv.requests_for(job_id='drip1')[0]['client_gone']
        assert 'the-password' not in srv.seen_text()

A behaviour is a callable taking an ``Exchange`` (the request and the means to answer it: ``job_id``,
``service``, ``headers``, ``body``, ``json()``, ``answer()``, ``start()``, ``write()``, ``hold()``). The factories:

=====================================  ===========================================================================
``job(status=None, service=None)``     200 with a job body for the id asked for (ELB or CFW shape from the path)
``timed_job(duration)``                RUNNING until ``duration`` s after its first request, then SUCCESS
``other_job(answer_id)``               200 with a well-formed body for another job id
``subjob_failed(sub_id, code, why)``   a SUCCESS ELB job with one SUCCESS and one FAILed sub-job
``status_answer(status, payload)``     any fixed answer (dict/list as JSON, str/bytes as they are, or a callable)
``drip(framing=..., head=False)``      one byte per second; Content-Length correct/'long'/'short', 'chunked', 'close'
``silence()``                          read the request, answer nothing, keep the connection open
``stall()``                            status line and headers (Content-Length 1000), a few bytes, then nothing
``huge(size=50 MiB, framing=...)``     a streamed body: a valid job JSON then spaces (length, chunked or close)
``gzip_bomb(inflated=128 MiB)``        ``Content-Encoding: gzip``, ~130 KiB on the wire, inflating to spaces + job
``deep_json(depth=100000)``            a job whose ``entities`` nests 100 000 lists
``invalid_utf8()``                     a job body whose status holds bytes that are not UTF-8
``redirect(status, location)``         301/302/307/308 to ``location`` (give another server's URL)
``echo(status=200, job_status=None)``  the request's headers and body put back into a job's fields or an error
``retry_after(value, status=429)``     always 429 with ``Retry-After: value`` (seconds, an HTTP date, garbage)
``alternate_429(inner, retry_after)``  every other request 429 (counted across all routed to it), else ``inner``
``iam_token(token, project_id, ..)``   IAM 201 with ``X-Subject-Token`` and a token body (project, catalog)
``iam_echo(status=401)``               IAM refusing with an error that quotes the request body (the password)
``header_flood(count)``, ``raw(b)``    more headers than any client accepts; arbitrary bytes (a broken head)
``close_now()``                        close without answering
=====================================  ===========================================================================

Slow behaviours (drip, silence, stall) take a ``budget``: seconds since their first request after which
they stop holding connections and close new ones at once, so a client that never gives up cannot stall
a test run forever. ``self_signed_cert(directory)`` makes a throw-away certificate with ``openssl`` for
``HostileServer(tls=(cert, key))``.
"""

import collections
import itertools
import json
import os
import re
import select
import socket
import socketserver
import ssl
import subprocess
import sys
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs

MiB = 1024 * 1024
PROJECT_ID = '0123456789abcdef0123456789abcdef'  # the emulator's default project (tests/emulator)
PROJECT_NAME = 'eu-de_demo'
MAX_REQUEST_BODY = 16 * MiB

_ELB_FINISHED = ('success', 'fail')
_CFW_FINISHED = ('success', 'failed')


# --- job bodies ------------------------------------------------------------------------------------

def elb_job_body(job_id, status='SUCCESS', **fields):
    """An ELB v1.0 job body (SPEC section 2); ``fields`` override or add keys."""
    finished = str(status).lower() in _ELB_FINISHED
    body = collections.OrderedDict([
        ('status', status),
        ('entities', {}),
        ('job_id', job_id),
        ('job_type', 'createELB'),
        ('begin_time', '2026-11-23T10:00:00.000Z'),
        ('end_time', '2026-11-23T10:00:05.000Z' if finished else None),
        ('error_code', 'ELB.8902' if str(status).lower() == 'fail' else None),
        ('fail_reason', 'Insufficient EIP quota for the load balancer.' if str(status).lower() == 'fail' else None),
    ])
    body.update(fields)
    return body


def cfw_job_body(job_id, status='Success', **fields):
    """A CFW v3 job body ``{"data": {...}}``; ``fields`` override or add keys of ``data``."""
    finished = str(status).lower() in _CFW_FINISHED
    data = collections.OrderedDict([
        ('id', job_id),
        ('status', status),
        ('begin_time', 1795428000000),
        ('end_time', 1795428005000 if finished else None),
    ])
    data.update(fields)
    return {'data': data}


def job_body(service, job_id, status=None, **fields):
    if service == 'cfw':
        return cfw_job_body(job_id, status or 'Success', **fields)
    return elb_job_body(job_id, status or 'SUCCESS', **fields)


# --- the exchange a behaviour works on ---------------------------------------------------------------

class ClientGone(Exception):
    """The client closed (or reset) the connection while we were answering."""


class Exchange:
    """One request (``method``, ``path``, ``query``, ``headers``, ``body``, ``job_id``) and the means to answer it."""

    def __init__(self, handler, entry):
        self._handler = handler
        self.server = handler.server.hostile
        self.entry = entry
        self.method = entry['method']
        self.path = entry['path']
        self.query = entry['query']
        self.headers = entry['headers']  # list of (name, value) as received
        self.body = entry['body']

    def header(self, name):
        return self.entry['header'].get(name.lower())

    @property
    def job_id(self):
        """The job id the request asks for: the segment after ``jobs`` in the path, or the ``id`` query parameter."""
        segments = self.path.split('/')
        if 'jobs' in segments[:-1]:
            return segments[-1]
        values = parse_qs(self.query).get('id')
        return values[0] if values else None

    @property
    def service(self):
        """``cfw`` for a ``/v3/{project}/jobs/...`` path, else ``elb``."""
        return 'cfw' if re.search(r'/v3/[^/]+/jobs/', self.path) else 'elb'

    def echo_text(self):
        """The request as text: the request line, every header line and the body."""
        lines = ['%s %s%s' % (self.method, self.path, '?' + self.query if self.query else '')]
        lines.extend('%s: %s' % (name, value) for name, value in self.headers)
        return '\n'.join(lines) + '\n\n' + self.body.decode('utf-8', 'replace')

    # writing

    def write(self, data):
        try:
            self._handler.wfile.write(data)
            self._handler.wfile.flush()
        except (OSError, ValueError) as exc:  # ssl.SSLError is an OSError; ValueError: closed file
            self.entry['client_gone'] = True
            self.close()
            raise ClientGone(str(exc)) from None
        self.entry['bytes_sent'] += len(data)

    def start(self, status, headers=(), reason=None):
        """Send the status line and headers (a list of pairs, sent as given, repeats allowed)."""
        reason = reason or BaseHTTPRequestHandler.responses.get(status, ('Whatever',))[0]
        head = ['HTTP/1.1 %d %s' % (status, reason)]
        head.extend('%s: %s' % (name, value) for name, value in headers)
        self.entry['status'] = status
        self.write(('\r\n'.join(head) + '\r\n\r\n').encode('latin-1'))

    def answer(self, status, body=b'', content_type='application/json', headers=()):
        """A complete answer with a correct Content-Length."""
        headers = [('Content-Type', content_type), ('Content-Length', str(len(body)))] + list(headers)
        if self._handler.close_connection:
            headers.append(('Connection', 'close'))
        self.start(status, headers)
        self.write(body)
        self.entry['completed'] = True

    def json(self, status, payload, headers=()):
        self.answer(status, json.dumps(payload).encode('utf-8'), 'application/json;charset=UTF-8', headers)

    def close(self):
        """Close the connection once the behaviour returns."""
        self._handler.close_connection = True

    # waiting

    def sleep(self, seconds):
        """Sleep unless the server stops first; False when it stopped."""
        return not self.server._stopping.wait(max(0.0, seconds))

    def hold(self, deadline):
        """Keep the connection open, answering nothing, until the client closes it, the monotonic
        ``deadline`` passes or the server stops. Returns 'client', 'deadline' or 'stopped'."""
        sock = self._handler.connection
        while True:
            if self.server._stopping.is_set():
                return 'stopped'
            left = deadline - time.monotonic()
            if left <= 0:
                return 'deadline'
            try:
                readable = select.select([sock], [], [], min(0.1, left))[0]
                if readable and not sock.recv(65536):
                    self.entry['client_gone'] = True
                    return 'client'
            except (OSError, ValueError):  # reset, or an SSL socket closed under us
                self.entry['client_gone'] = True
                return 'client'


# --- the server ----------------------------------------------------------------------------------------

class HostileServer:
    """An HTTP (or, with ``tls=(certfile, keyfile)``, HTTPS) server on 127.0.0.1 whose answers tests choose per path."""

    def __init__(self, tls=None, default=None, name='hostile'):
        self.name = name
        self.tls = tls
        self.default = default or status_answer(404, {'error_code': 'HOSTILE.404', 'error_msg': 'no behaviour here'})
        self._routes = []
        self._lock = threading.Lock()
        self._log = []
        self._seq = itertools.count(1)
        self._connections = 0
        self._tls_failures = 0
        self._in_flight = 0
        self._peak_in_flight = 0
        self._stopping = threading.Event()
        self._server = None
        self._thread = None
        self._context = None
        if tls:
            self._context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self._context.load_cert_chain(tls[0], tls[1])

    # life cycle

    def start(self):
        self._stopping.clear()
        self._server = _TCPServer(('127.0.0.1', 0), self)
        self._thread = threading.Thread(target=self._server.serve_forever, name='hostile-%s' % self.name, daemon=True)
        self._thread.start()
        return self

    def stop(self):
        if self._server is None:
            return
        self._stopping.set()
        self._server.shutdown()
        self._server.close_connections()
        self._server.server_close()
        self._thread.join()
        self._server = self._thread = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    @property
    def port(self):
        return self._server.server_address[1]

    @property
    def url(self):
        """``http(s)://127.0.0.1:PORT``: the origin, to which tests add paths."""
        return '%s://127.0.0.1:%d' % ('https' if self.tls else 'http', self.port)

    origin = url

    # routing

    def route(self, match, behaviour, method=None):
        """Answer requests matching ``match`` with ``behaviour``; the first matching route wins.

        ``match``: an exact path; a string ending in ``*`` (a path prefix); a compiled regex (searched
        in the path); or a callable taking the log entry and returning a bool.
        """
        if hasattr(match, 'search'):
            def test(entry):
                return bool(match.search(entry['path']))
        elif callable(match):
            test = match
        elif match.endswith('*'):
            def test(entry):
                return entry['path'].startswith(match[:-1])
        else:
            def test(entry):
                return entry['path'] == match
        with self._lock:
            self._routes.append((test, method, behaviour))
        return behaviour

    def on_job(self, job_id, behaviour, method='GET'):
        """Answer the job GETs of ``job_id`` (any service, project or prefix) with ``behaviour``."""
        def test(entry):
            segments = entry['path'].split('/')
            if 'jobs' in segments[:-1] and segments[-1] == job_id:
                return True
            return 'jobs' in segments and parse_qs(entry['query']).get('id') == [job_id]
        return self.route(test, behaviour, method)

    def on_jobs(self, behaviour, method='GET'):
        """Answer every job GET not matched by an earlier route."""
        return self.route(lambda entry: 'jobs' in entry['path'].split('/'), behaviour, method)

    def on_iam(self, behaviour, prefix=''):
        """Answer ``POST {prefix}.../auth/tokens`` (an IAM token request) with ``behaviour``."""
        return self.route(lambda entry: entry['path'].startswith(prefix) and entry['path'].rstrip('/').endswith('/auth/tokens'),
                          behaviour, 'POST')

    def _select(self, entry):
        with self._lock:
            routes = list(self._routes)
        for test, method, behaviour in routes:
            if (method is None or method == entry['method']) and test(entry):
                return behaviour
        return self.default

    # the log

    @property
    def requests(self):
        """Every request received so far (dicts: n, method, path, query, target, headers, header, body, time,
        mono, end, status, bytes_sent, completed, client_gone, behaviour, tls)."""
        with self._lock:
            return list(self._log)

    def requests_for(self, job_id=None, prefix=None, method=None):
        def keep(entry):
            if method is not None and entry['method'] != method:
                return False
            if prefix is not None and not entry['path'].startswith(prefix):
                return False
            if job_id is not None:
                segments = entry['path'].split('/')
                in_path = 'jobs' in segments[:-1] and segments[-1] == job_id
                return in_path or parse_qs(entry['query']).get('id') == [job_id]
            return True
        return [entry for entry in self.requests if keep(entry)]

    @property
    def connections(self):
        """TCP connections accepted, whether or not a request (or a TLS handshake) followed."""
        with self._lock:
            return self._connections

    @property
    def tls_failures(self):
        with self._lock:
            return self._tls_failures

    @property
    def peak_in_flight(self):
        with self._lock:
            return self._peak_in_flight

    @property
    def in_flight(self):
        with self._lock:
            return self._in_flight

    def seen_text(self):
        """Everything received, as text (request lines, headers, bodies): search it for secrets."""
        return '\n'.join(entry_text(entry) for entry in self.requests)

    def clear(self):
        with self._lock:
            self._log = []
            self._connections = 0
            self._tls_failures = 0
            self._peak_in_flight = self._in_flight

    def wait_idle(self, timeout=10.0):
        """Wait until no request is being answered (clients gone, drips ended); True when idle."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.in_flight == 0:
                return True
            time.sleep(0.05)
        return False

    # bookkeeping from the handlers

    def _connected(self):
        with self._lock:
            self._connections += 1

    def _tls_failed(self):
        with self._lock:
            self._tls_failures += 1

    def _begin(self, entry):
        with self._lock:
            entry['n'] = next(self._seq)
            self._log.append(entry)
            self._in_flight += 1
            self._peak_in_flight = max(self._peak_in_flight, self._in_flight)

    def _end(self, entry):
        with self._lock:
            entry['end'] = time.time()
            self._in_flight -= 1


def entry_text(entry):
    lines = ['%s %s' % (entry['method'], entry['target'])]
    lines.extend('%s: %s' % pair for pair in entry['headers'])
    return '\n'.join(lines) + '\n\n' + entry['body'].decode('latin-1')


class _TCPServer(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address, hostile):
        self.hostile = hostile
        self._open = set()
        self._open_lock = threading.Lock()
        socketserver.TCPServer.__init__(self, address, _Handler)

    def track(self, sock, active):
        with self._open_lock:
            if active:
                self._open.add(sock)
            else:
                self._open.discard(sock)

    def close_connections(self):
        with self._open_lock:
            open_sockets = list(self._open)
        for sock in open_sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def handle_error(self, request, client_address):
        error = sys.exc_info()[1]
        if not isinstance(error, (OSError, ClientGone, ValueError)):
            sys.stderr.write('hostile server: %s: %s\n' % (type(error).__name__, error))


class _Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    server_version = 'hostile'
    _tls = False

    def setup(self):
        hostile = self.server.hostile
        hostile._connected()
        self.server.track(self.request, True)
        if hostile._context is not None:
            raw = self.request
            raw.settimeout(10)
            try:
                self.request = hostile._context.wrap_socket(raw, server_side=True)
            except (OSError, ValueError):
                hostile._tls_failed()
                self.server.track(raw, False)
                try:
                    raw.close()
                except OSError:
                    pass
                raise
            self.request.settimeout(None)
            self.server.track(raw, False)
            self.server.track(self.request, True)
            self._tls = True
        BaseHTTPRequestHandler.setup(self)

    def finish(self):
        try:
            BaseHTTPRequestHandler.finish(self)
        except (OSError, ValueError):
            pass
        finally:
            self.server.track(self.request, False)

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        pass

    def do_GET(self):
        self._dispatch()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_GET

    def _read_body(self):
        if 'chunked' in (self.headers.get('Transfer-Encoding') or '').lower():
            body = b''
            while True:
                size = int(self.rfile.readline(100).split(b';')[0].strip() or b'0', 16)
                if size == 0:
                    while self.rfile.readline(1024).strip():
                        pass
                    return body
                body += self.rfile.read(size)
                self.rfile.readline(8)
                if len(body) > MAX_REQUEST_BODY:
                    raise ValueError('request body too large')
        try:
            length = int(self.headers.get('Content-Length') or 0)
        except ValueError:
            length = 0
        return self.rfile.read(min(max(length, 0), MAX_REQUEST_BODY)) if length > 0 else b''

    def _dispatch(self):
        hostile = self.server.hostile
        path, dummy, query = self.path.partition('?')
        try:
            body = self._read_body()
        except (ValueError, OSError):
            self.close_connection = True
            return
        entry = {
            'method': self.command, 'target': self.path, 'path': path, 'query': query,
            'headers': list(self.headers.items()),
            'header': dict((name.lower(), value) for name, value in self.headers.items()),
            'body': body, 'time': time.time(), 'mono': time.monotonic(), 'end': None, 'status': None,
            'bytes_sent': 0, 'completed': False, 'client_gone': False, 'behaviour': None, 'tls': self._tls,
        }
        behaviour = hostile._select(entry)
        entry['behaviour'] = getattr(behaviour, 'name', getattr(behaviour, '__name__', 'custom'))
        hostile._begin(entry)
        exchange = Exchange(self, entry)
        try:
            behaviour(exchange)
        except ClientGone:
            self.close_connection = True
        except (OSError, ValueError):
            entry['client_gone'] = True
            self.close_connection = True
        except Exception as exc:  # pylint: disable=broad-except
            sys.stderr.write('hostile server: behaviour %s failed: %s: %s\n' % (entry['behaviour'], type(exc).__name__, exc))
            self.close_connection = True
        finally:
            hostile._end(entry)
        if hostile._stopping.is_set():
            self.close_connection = True


# --- behaviours --------------------------------------------------------------------------------------

def _named(name, function):
    function.name = name
    return function


class _Budget:
    """Seconds a slow behaviour may hold connections, counted from its first request."""

    def __init__(self, seconds):
        self.seconds = seconds
        self._first = None
        self._lock = threading.Lock()

    def deadline(self):
        with self._lock:
            if self._first is None:
                self._first = time.monotonic()
            return self._first + self.seconds


def _payload_of(payload, exchange):
    return payload(exchange) if callable(payload) else payload


def status_answer(status, payload=None, headers=(), content_type=None):
    """Always the same answer: ``payload`` (dict/list -> JSON, str/bytes sent as they are, or a callable of the exchange)."""
    def serve(exchange):
        body = _payload_of(payload, exchange)
        if body is None:
            body = {'error_code': 'HOSTILE.%d' % status, 'error_msg': 'hostile answer %d' % status}
        if isinstance(body, (dict, list)):
            exchange.answer(status, json.dumps(body).encode('utf-8'), content_type or 'application/json', headers)
        else:
            data = body.encode('utf-8') if isinstance(body, str) else body
            exchange.answer(status, data, content_type or 'application/json', headers)
    return _named('status_%d' % status, serve)


def job(status=None, service=None, **fields):
    """200 with a job body for the id asked for (service from the path unless given)."""
    def serve(exchange):
        exchange.json(200, job_body(service or exchange.service, exchange.job_id, status, **fields))
    return _named('job', serve)


def other_job(answer_id, status=None, service=None, **fields):
    """200 with a well-formed job body for ``answer_id``, whatever job was asked for."""
    def serve(exchange):
        exchange.json(200, job_body(service or exchange.service, answer_id, status, **fields))
    return _named('other_job', serve)


def subjob_failed(sub_id, code, reason, ok_sub_id='subjob-ok-1'):
    """A SUCCESS ELB job whose sub-job ``sub_id`` FAILed (and one more sub-job succeeded)."""
    def serve(exchange):
        subs = [elb_job_body(ok_sub_id, 'SUCCESS', job_type='createListener'),
                elb_job_body(sub_id, 'FAIL', job_type='createMember', error_code=code, fail_reason=reason)]
        exchange.json(200, elb_job_body(exchange.job_id, 'SUCCESS', sub_jobs=subs))
    return _named('subjob_failed', serve)


def timed_job(duration=3.0, service=None, outcome='success'):
    """A job that runs for ``duration`` seconds from the first request that asked for it."""
    first_seen = {}
    lock = threading.Lock()

    def serve(exchange):
        with lock:
            started = first_seen.setdefault(exchange.job_id, time.monotonic())
        svc = service or exchange.service
        if time.monotonic() - started < duration:
            status = 'Running' if svc == 'cfw' else 'RUNNING'
        elif outcome == 'success':
            status = 'Success' if svc == 'cfw' else 'SUCCESS'
        else:
            status = 'Failed' if svc == 'cfw' else 'FAIL'
        exchange.json(200, job_body(svc, exchange.job_id, status))
    serve = _named('timed_job', serve)
    serve.first_seen = first_seen
    return serve


def alternate_429(inner, retry_after='1', max_in_a_row=2):
    """Every other request routed here (counted across all of them) gets 429 with ``Retry-After``; the others ``inner``.

    A job refused ``max_in_a_row`` times in a row gets through on its next request whatever its turn, so a
    client polling an even number of jobs in a fixed order is throttled by half, not starved.
    """
    counter = itertools.count()
    refused = {}
    lock = threading.Lock()

    def serve(exchange):
        with lock:
            number = next(counter)
            job_id = exchange.job_id
            throttle = number % 2 == 0 and refused.get(job_id, 0) < max_in_a_row
            refused[job_id] = refused.get(job_id, 0) + 1 if throttle else 0
        if throttle:
            exchange.json(429, {'error_code': 'APIGW.0308', 'error_msg': 'The throttling threshold has been reached'},
                          [('Retry-After', str(retry_after))])
        else:
            inner(exchange)
    return _named('alternate_429', serve)


def retry_after(value='1000', status=429):
    """Always ``status`` (429) with ``Retry-After: value`` (seconds, an HTTP date, or garbage)."""
    def serve(exchange):
        exchange.json(status, {'error_code': 'APIGW.0308', 'error_msg': 'The throttling threshold has been reached'},
                      [('Retry-After', str(value))])
    return _named('retry_after', serve)


def _padded_job(exchange, minimum):
    text = json.dumps(job_body(exchange.service, exchange.job_id)).encode('utf-8')
    return text + b' ' * max(0, minimum - len(text))


def drip(body=None, framing='length', interval=1.0, budget=30.0, head=False, minimum=120):
    """Send the answer one byte every ``interval`` seconds.

    ``body``: bytes, or None for a SUCCESS job body of the id asked for (padded with spaces to ``minimum``).
    ``framing``: 'length' (a correct Content-Length), 'long' (a Content-Length 1000 bytes too large),
    'short' (half the real length), 'chunked' (one chunk per byte) or 'close' (no length, ends by closing).
    ``head``: drip the status line and headers too, not only the body.
    """
    spent = _Budget(budget)

    def serve(exchange):
        deadline = spent.deadline()
        if time.monotonic() >= deadline:
            exchange.close()
            return
        data = body if body is not None else _padded_job(exchange, minimum)
        headers = [('Content-Type', 'application/json')]
        if framing == 'length':
            headers.append(('Content-Length', str(len(data))))
        elif framing == 'long':
            headers.append(('Content-Length', str(len(data) + 1000)))
        elif framing == 'short':
            headers.append(('Content-Length', str(len(data) // 2)))
        elif framing == 'chunked':
            headers.append(('Transfer-Encoding', 'chunked'))
        else:
            headers.append(('Connection', 'close'))
        exchange.close()
        head_bytes = ('HTTP/1.1 200 OK\r\n' + ''.join('%s: %s\r\n' % pair for pair in headers) + '\r\n').encode('latin-1')
        if framing == 'chunked':
            pieces = [b'1\r\n' + data[i:i + 1] + b'\r\n' for i in range(len(data))] + [b'0\r\n\r\n']
        else:
            pieces = [data[i:i + 1] for i in range(len(data))]
        exchange.entry['status'] = 200
        if head:
            pieces = [head_bytes[i:i + 1] for i in range(len(head_bytes))] + pieces
        else:
            exchange.write(head_bytes)
        for piece in pieces:
            if time.monotonic() >= deadline or not exchange.sleep(interval):
                return
            exchange.write(piece)
        if framing == 'long':
            exchange.hold(deadline)  # the rest never comes
            return
        exchange.entry['completed'] = True
    return _named('drip', serve)


def silence(budget=30.0):
    """Read the request, then answer nothing; the connection stays open until the client gives up."""
    spent = _Budget(budget)

    def serve(exchange):
        exchange.close()
        exchange.hold(spent.deadline())
    return _named('silence', serve)


def stall(budget=30.0, declared=1000, first_bytes=b'{"status": "'):
    """Send a 200 status line and headers (Content-Length ``declared``) and ``first_bytes``, then nothing."""
    spent = _Budget(budget)

    def serve(exchange):
        deadline = spent.deadline()
        exchange.close()
        if time.monotonic() >= deadline:
            return
        exchange.start(200, [('Content-Type', 'application/json'), ('Content-Length', str(declared))])
        exchange.write(first_bytes)
        exchange.hold(deadline)
    return _named('stall', serve)


def huge(size=50 * MiB, framing='length', status=200, chunk=256 * 1024):
    """A ``size``-byte body, streamed (never built in memory): a valid job JSON followed by spaces.

    ``framing``: 'length' (Content-Length: size), 'chunked' or 'close' (no length, ends by closing).
    """
    filler = b' ' * chunk

    def serve(exchange):
        head = json.dumps(job_body(exchange.service, exchange.job_id)).encode('utf-8')
        headers = [('Content-Type', 'application/json')]
        if framing == 'length':
            headers.append(('Content-Length', str(size)))
        elif framing == 'chunked':
            headers.append(('Transfer-Encoding', 'chunked'))
        else:
            headers.append(('Connection', 'close'))
            exchange.close()
        exchange.start(status, headers)

        def emit(data):
            exchange.write(b'%x\r\n%s\r\n' % (len(data), data) if framing == 'chunked' else data)
        emit(head)
        left = size - len(head)
        while left > 0:
            if exchange.server._stopping.is_set():
                return
            piece = filler if left >= chunk else filler[:left]
            emit(piece)
            left -= len(piece)
        if framing == 'chunked':
            exchange.write(b'0\r\n\r\n')
        exchange.entry['completed'] = True
    return _named('huge', serve)


_BOMBS = {}
_BOMB_LOCK = threading.Lock()


def _bomb_prefix(inflated):
    """(compressed bytes of ``inflated`` spaces, compressor state after them) for a gzip stream, made once."""
    with _BOMB_LOCK:
        if inflated not in _BOMBS:
            compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
            block = b' ' * MiB
            out = []
            left = inflated
            while left > 0:
                piece = block if left >= MiB else block[:left]
                out.append(compressor.compress(piece))
                left -= len(piece)
            _BOMBS[inflated] = (b''.join(out), compressor)
        return _BOMBS[inflated]


def gzip_bomb(inflated=128 * MiB, status=200):
    """``Content-Encoding: gzip``: about 130 KiB on the wire that inflate to ``inflated`` bytes of
    spaces followed by a valid job JSON (so a client that inflates it all reads a good answer)."""
    def serve(exchange):
        prefix, compressor = _bomb_prefix(inflated)
        tail = compressor.copy()
        data = prefix + tail.compress(json.dumps(job_body(exchange.service, exchange.job_id)).encode('utf-8')) + tail.flush()
        exchange.answer(status, data, 'application/json', [('Content-Encoding', 'gzip')])
    return _named('gzip_bomb', serve)


def deep_json(depth=100000, status=200):
    """A job body whose ``entities`` nests ``depth`` lists deep (valid JSON, about 2 x depth bytes)."""
    def serve(exchange):
        text = json.dumps(job_body(exchange.service, exchange.job_id))
        nested = '[' * depth + ']' * depth
        if exchange.service == 'cfw':
            body = text[:-2] + ', "nested": ' + nested + '}}'
        else:
            body = text.replace('"entities": {}', '"entities": {"elb": ' + nested + '}', 1)
        exchange.answer(status, body.encode('utf-8'), 'application/json')
    return _named('deep_json', serve)


def invalid_utf8(status=200):
    """A job body (charset=UTF-8) whose status string holds bytes that are not UTF-8."""
    def serve(exchange):
        text = json.dumps(job_body(exchange.service, exchange.job_id)).encode('utf-8')
        status_word = b'"Success"' if exchange.service == 'cfw' else b'"SUCCESS"'
        body = text.replace(status_word, status_word[:4] + b'\xff\xfe\xc3' + status_word[4:], 1)
        exchange.answer(status, body, 'application/json;charset=UTF-8')
    return _named('invalid_utf8', serve)


def redirect(status, location):
    def serve(exchange):
        exchange.answer(status, b'', 'text/plain', [('Location', location)])
    return _named('redirect_%d' % status, serve)


def echo(status=200, job_status=None):
    """Put the request (its headers and body) back into the answer.

    With ``status`` 200: a job body whose fields carry the echo: ``status`` itself when ``job_status`` is None
    (an unknown status), and ``job_type``, ``fail_reason``, ``error_code``, ``message``, ``entities``.
    Otherwise an error body ``{"error_code", "error_msg"}`` whose message is the echo.
    """
    def serve(exchange):
        text = exchange.echo_text()
        if status == 200:
            fields = {'job_type': text, 'fail_reason': text, 'error_code': text, 'message': text,
                      'entities': {'echo': text, 'headers': dict(exchange.headers)}}
            if exchange.service == 'cfw':
                body = cfw_job_body(exchange.job_id, job_status or text, message=text)
            else:
                body = elb_job_body(exchange.job_id, job_status or text, **fields)
            exchange.json(200, body)
        else:
            exchange.json(status, {'error_code': 'ECHO.%d' % status, 'error_msg': 'you sent: ' + text,
                                   'request': {'headers': dict(exchange.headers), 'body': exchange.body.decode('utf-8', 'replace')}})
    return _named('echo_%d' % status, serve)


def iam_token(token='MIIhostile-issued-token', project_id=PROJECT_ID, project_name=PROJECT_NAME, catalog=None,
              expires_in=3600):
    """IAM ``POST /v3/auth/tokens``: 201 with ``X-Subject-Token: token`` and a token body for ``project_id``."""
    def serve(exchange):
        expires = time.strftime('%Y-%m-%dT%H:%M:%S.000000Z', time.gmtime(time.time() + expires_in))
        domain = {'id': 'd0000000000000000000000000000001', 'name': 'OTC00000000001000000001'}
        body = {'token': {
            'expires_at': expires, 'issued_at': time.strftime('%Y-%m-%dT%H:%M:%S.000000Z', time.gmtime()),
            'methods': ['password'], 'user': {'id': 'a1b2c3d4e5f60718293a4b5c6d7e8f90', 'name': 'demo', 'domain': domain},
            'project': {'id': project_id, 'name': project_name, 'domain': domain},
            'catalog': catalog if catalog is not None else [],
        }}
        exchange.json(201, body, [('X-Subject-Token', token)])
    return _named('iam_token', serve)


def iam_echo(status=401):
    """IAM refusing the token request with an error that quotes the request body (the password!) and headers."""
    def serve(exchange):
        text = exchange.echo_text()
        exchange.json(status, {'error': {'code': status, 'title': 'Unauthorized' if status == 401 else 'Bad Request',
                                         'message': 'The request you have made is wrong: %s' % text}})
    return _named('iam_echo_%d' % status, serve)


def header_flood(count=5000):
    """200 with ``count`` headers (more than any client accepts)."""
    def serve(exchange):
        exchange.close()
        headers = [('Content-Type', 'application/json')] + [('X-Flood-%d' % i, 'x' * 20) for i in range(count)]
        exchange.start(200, headers + [('Content-Length', '2')])
        exchange.write(b'{}')
    return _named('header_flood', serve)


def raw(data):
    """Write ``data`` (bytes, e.g. a broken status line) and close the connection."""
    def serve(exchange):
        exchange.close()
        exchange.write(data)
    return _named('raw', serve)


def close_now():
    """Close the connection without answering."""
    def serve(exchange):
        exchange.close()
    return _named('close_now', serve)


# --- TLS ------------------------------------------------------------------------------------------

def self_signed_cert(directory, name='hostile'):
    """A throw-away self-signed certificate for 127.0.0.1/localhost made with ``openssl``; (certfile, keyfile)."""
    cert = os.path.join(directory, name + '.crt')
    key = os.path.join(directory, name + '.key')
    command = ['openssl', 'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
               '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
               '-keyout', key, '-out', cert]
    try:
        subprocess.run(command, check=True, capture_output=True, timeout=60)
    except FileNotFoundError:
        raise RuntimeError('the TLS tests need the openssl command line tool to make a throw-away certificate') from None
    return cert, key
