# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The HTTP transport against hostile local servers: one deadline covers the body, bodies are capped and
decompressed under the cap, JSON that breaks the decoder is an invalid answer, TLS options beat the
environment's CA bundle."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import gzip
import os
import socket
import ssl
import subprocess
import threading
import time

import pytest

from ansible_collections.otc.jobs.plugins.module_utils.core._clock import FakeClock
from ansible_collections.otc.jobs.plugins.module_utils.core._errors import InvalidResponse, OtcJobsError, TransientError
from ansible_collections.otc.jobs.plugins.module_utils.net._http import (
    MAX_BODY, MAX_JSON_DEPTH, HttpClient, HttpResponse, decode_json, json_depth, parse_retry_after)


class RawServer:
    """A loopback server answering every connection with ``handler(conn)``; counts connections."""

    def __init__(self, handler, tls_context=None):
        self.handler = handler
        self.tls_context = tls_context
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(('127.0.0.1', 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @property
    def url(self):
        return '%s://127.0.0.1:%d/v1/p/jobs/j' % ('https' if self.tls_context else 'http', self.port)

    def _serve(self):
        while not self.stopped.is_set():
            try:
                conn = self.sock.accept()[0]
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn):
        try:
            if self.tls_context is not None:
                conn = self.tls_context.wrap_socket(conn, server_side=True)
            _read_request(conn)
            self.handler(conn, self.stopped)
        except (OSError, ssl.SSLError):
            pass
        finally:
            try:
                conn.close()
            except OSError:
                pass

    def close(self):
        self.stopped.set()
        self.sock.close()


def _read_request(conn):
    data = b''
    while b'\r\n\r\n' not in data:
        chunk = conn.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


def answer(body, status='200 OK', headers=()):
    def handler(conn, stopped):
        head = 'HTTP/1.1 %s\r\nContent-Length: %d\r\nContent-Type: application/json\r\n' % (status, len(body))
        head += ''.join('%s: %s\r\n' % header for header in headers)
        conn.sendall(head.encode() + b'\r\n' + body)
    return handler


@pytest.fixture
def serve():
    servers = []

    def start(handler, tls_context=None):
        server = RawServer(handler, tls_context)
        servers.append(server)
        return server
    yield start
    for server in servers:
        server.close()


def elapsed(func):
    began = time.monotonic()
    try:
        func()
    except OtcJobsError as exc:
        return time.monotonic() - began, exc
    return time.monotonic() - began, None


# --- deadlines --------------------------------------------------------------------------------------


def test_a_dripping_body_is_cut_at_the_request_deadline(serve):
    def drip(conn, stopped):
        conn.sendall(b'HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n')
        while not stopped.wait(0.2):
            conn.sendall(b' ')
    server = serve(drip)
    seconds, error = elapsed(lambda: HttpClient(timeout=1.0).request('GET', server.url))
    assert isinstance(error, TransientError) and error.deadline_passed
    assert 'no complete answer within 1 s' in error.message
    assert 0.9 <= seconds < 2.5


def test_dripping_headers_are_cut_too(serve):
    def drip_headers(conn, stopped):
        conn.sendall(b'HTTP/1.1 200 OK\r\n')
        while not stopped.wait(0.2):
            conn.sendall(b'X-A: b\r\n')
    server = serve(drip_headers)
    seconds, error = elapsed(lambda: HttpClient(timeout=1.0).request('GET', server.url))
    assert isinstance(error, TransientError)
    assert seconds < 2.5


def test_silence_ends_at_the_deadline_of_the_caller(serve):
    server = serve(lambda conn, stopped: stopped.wait(30))
    client = HttpClient(timeout=30)
    seconds, error = elapsed(lambda: client.request('GET', server.url, deadline=time.monotonic() + 0.8))
    assert isinstance(error, TransientError) and error.deadline_passed
    assert seconds < 2.0


def test_no_time_left_sends_nothing(serve):
    server = serve(answer(b'{}'))
    error = elapsed(lambda: HttpClient().request('GET', server.url, deadline=time.monotonic() - 1))[1]
    assert isinstance(error, TransientError) and error.deadline_passed and 'not sent' in error.message
    time.sleep(0.1)
    assert server.connections == 0


def test_connections_are_reused_after_a_complete_answer(serve):
    def keep_alive(conn, stopped):
        conn.sendall(b'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}')
        while _read_request(conn):
            conn.sendall(b'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}')
    server = serve(keep_alive)
    client = HttpClient(timeout=2)
    for dummy in range(3):
        assert client.request('GET', server.url).json() == {}
    assert server.connections == 1


# --- size and decoding ------------------------------------------------------------------------------


def test_a_declared_huge_body_is_refused_before_reading(serve):
    def huge(conn, stopped):
        conn.sendall(b'HTTP/1.1 200 OK\r\nContent-Length: 52428800\r\n\r\n' + b' ' * 65536)
        stopped.wait(5)
    server = serve(huge)
    seconds, error = elapsed(lambda: HttpClient(timeout=5).request('GET', server.url))
    assert isinstance(error, InvalidResponse) and 'larger than 8 MiB' in error.message
    assert seconds < 2


def test_an_undeclared_huge_body_is_refused_past_the_cap(serve):
    def chunked(conn, stopped):
        conn.sendall(b'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n')
        block = b' ' * 1048576
        try:
            for dummy in range(50):
                conn.sendall(b'%x\r\n' % len(block) + block + b'\r\n')
        except OSError:
            pass
    server = serve(chunked)
    error = elapsed(lambda: HttpClient(timeout=10).request('GET', server.url))[1]
    assert isinstance(error, InvalidResponse) and 'larger than 8 MiB' in error.message


def test_a_gzip_bomb_is_refused_without_inflating_it(serve):
    bomb = gzip.compress(b'[' * (MAX_BODY * 4))
    assert len(bomb) < MAX_BODY // 50
    server = serve(answer(bomb, headers=[('Content-Encoding', 'gzip')]))
    error = elapsed(lambda: HttpClient(timeout=10).request('GET', server.url))[1]
    assert isinstance(error, InvalidResponse) and 'larger than 8 MiB' in error.message


def test_gzip_and_deflate_bodies_are_decoded(serve):
    import zlib
    for encoding, data in (('gzip', gzip.compress(b'{"a": 1}')), ('deflate', zlib.compress(b'{"a": 1}'))):
        server = serve(answer(data, headers=[('Content-Encoding', encoding)]))
        assert HttpClient(timeout=5).request('GET', server.url).json() == {'a': 1}


def test_unknown_content_encoding_is_an_invalid_answer(serve):
    server = serve(answer(b'xx', headers=[('Content-Encoding', 'br')]))
    error = elapsed(lambda: HttpClient(timeout=5).request('GET', server.url))[1]
    assert isinstance(error, InvalidResponse) and "Content-Encoding 'br'" in error.message


@pytest.mark.parametrize('body, reason', [
    (b'[' * 100000 + b']' * 100000, 'nested'),
    (b'[' * (MAX_JSON_DEPTH + 1) + b']' * (MAX_JSON_DEPTH + 1), 'nested more than'),
    (b'{"a": "\xff\xfe"}', 'not UTF-8'),
    (b'{"a": ', 'Expecting value'),
    (b'{"progress": NaN}', 'NaN is not JSON'),
    (b'[Infinity]', 'Infinity is not JSON'),
])
def test_bodies_that_break_the_decoder_are_value_errors(body, reason):
    with pytest.raises(ValueError) as err:
        decode_json(body)
    assert reason in str(err.value)
    response = HttpResponse(200, {}, body)
    with pytest.raises(ValueError):
        response.json()


def test_json_depth():
    assert json_depth(1) == 0
    assert json_depth({'a': [1, {'b': {}}]}) == 4
    assert decode_json(b'[' * MAX_JSON_DEPTH + b']' * MAX_JSON_DEPTH) is not None


def test_redirects_are_not_followed(serve):
    target = serve(answer(b'{"followed": true}'))
    server = serve(answer(b'', status='302 Found', headers=[('Location', target.url)]))
    response = HttpClient(timeout=5).request('GET', server.url)
    assert response.status == 302
    time.sleep(0.1)
    assert target.connections == 0


def test_hostile_status_line_is_a_transient_error(serve):
    server = serve(lambda conn, stopped: conn.sendall(b'NONSENSE\r\n\r\n'))
    error = elapsed(lambda: HttpClient(timeout=5).request('GET', server.url))[1]
    assert isinstance(error, TransientError)


def test_refused_connection(serve):
    sock = socket.socket()
    sock.bind(('127.0.0.1', 0))
    port = sock.getsockname()[1]
    sock.close()
    error = elapsed(lambda: HttpClient(timeout=5).request('GET', 'http://127.0.0.1:%d/x' % port))[1]
    assert isinstance(error, TransientError) and 'connection refused' in error.message


# --- TLS --------------------------------------------------------------------------------------------


@pytest.fixture(scope='module')
def certificate(tmp_path_factory):
    directory = tmp_path_factory.mktemp('tls')
    cert, key = str(directory / 'cert.pem'), str(directory / 'key.pem')
    subprocess.run(['openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert,
                    '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'],
                   check=True, capture_output=True)
    other = str(directory / 'other.pem')
    subprocess.run(['openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', str(directory / 'k2.pem'),
                    '-out', other, '-days', '2', '-subj', '/CN=other'], check=True, capture_output=True)
    return cert, key, other


@pytest.fixture
def tls_server(serve, certificate):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certificate[0], certificate[1])
    return serve(answer(b'{"ok": true}'), tls_context=context)


def test_validate_certs_false_beats_the_environment_bundle(tls_server, certificate, monkeypatch):
    for name in ('REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE'):
        monkeypatch.setenv(name, certificate[2])
    assert HttpClient(timeout=5, verify=False).request('GET', tls_server.url).json() == {'ok': True}


def test_ca_cert_beats_the_environment_bundle(tls_server, certificate, monkeypatch):
    for name in ('REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE'):
        monkeypatch.setenv(name, certificate[2])
    assert HttpClient(timeout=5, verify=certificate[0]).request('GET', tls_server.url).json() == {'ok': True}


def test_verification_failure_is_a_clear_error(tls_server, monkeypatch):
    monkeypatch.delenv('REQUESTS_CA_BUNDLE', raising=False)
    monkeypatch.delenv('CURL_CA_BUNDLE', raising=False)
    error = elapsed(lambda: HttpClient(timeout=5).request('GET', tls_server.url))[1]
    assert error.message.startswith('TLS verification failed for https://127.0.0.1:%d' % tls_server.port)
    assert 'set ca_cert' in error.message


# --- Retry-After ------------------------------------------------------------------------------------


@pytest.mark.parametrize('value, expected', [('5', 5.0), (' 0 ', 0.0), ('-3', 0.0), ('1e9', 1e9), ('nan', None),
                                             ('inf', None), ('soon', None), (None, None)])
def test_parse_retry_after(value, expected):
    assert parse_retry_after(value) == expected


def test_parse_retry_after_http_date():
    assert parse_retry_after('Wed, 21 Oct 2015 07:28:00 GMT', clock=FakeClock(epoch=1445412470)) == 10.0
    assert parse_retry_after('Wed, 21 Oct 2015 07:28:00 GMT', clock=FakeClock(epoch=1445412490)) == 0.0


def test_environment_of_the_test_run_is_untouched():
    assert 'REQUESTS_CA_BUNDLE' not in os.environ or os.path.exists(os.environ['REQUESTS_CA_BUNDLE'])


# --- issue 18: bounded name resolution, real causes in plain words -----------------------------------

LIBRARY_WORDS = ('Error(', 'Pool', 'urllib3', 'object at 0x', 'Caused by', 'Max retries', '/v1/p/jobs/j')


def _slow_resolver(monkeypatch, host, seconds):
    real = socket.getaddrinfo

    def getaddrinfo(name, *args, **kwargs):
        if name == host:
            time.sleep(seconds)
        return real('127.0.0.1' if name == host else name, *args, **kwargs)
    monkeypatch.setattr(socket, 'getaddrinfo', getaddrinfo)


def test_slow_name_resolution_ends_at_the_request_deadline(serve, monkeypatch):
    server = serve(answer(b'{"ok": true}'))
    _slow_resolver(monkeypatch, 'slow-dns.example.test', 45)
    took, error = elapsed(lambda: HttpClient(timeout=1).request('GET', 'http://slow-dns.example.test:%d/x' % server.port))
    assert took < 10, took  # 1 s and overhead, not the resolver's 45 s; generous for a busy machine
    assert isinstance(error, TransientError) and error.deadline_passed
    assert error.message == 'name resolution of slow-dns.example.test did not finish within 1 s'


def test_slow_name_resolution_ends_at_the_wait_deadline_too(serve, monkeypatch):
    server = serve(answer(b'{"ok": true}'))
    _slow_resolver(monkeypatch, 'slow-dns.example.test', 45)
    client = HttpClient(timeout=30)
    took, error = elapsed(lambda: client.request('GET', 'http://slow-dns.example.test:%d/x' % server.port,
                                                 deadline=time.monotonic() + 0.5))
    assert took < 10, took  # 0.5 s and overhead, not the client's 30 s or the resolver's 45 s
    assert 'name resolution of slow-dns.example.test did not finish within 0.5 s' == error.message


def test_resolution_within_the_deadline_connects_to_the_address_found(serve, monkeypatch):
    server = serve(answer(b'{"ok": true}'))
    _slow_resolver(monkeypatch, 'quick-dns.example.test', 0.2)
    assert HttpClient(timeout=5).request('GET', 'http://quick-dns.example.test:%d/x' % server.port).json() == {'ok': True}


def test_a_name_that_does_not_exist_fails_at_once_not_transient(monkeypatch):
    asked = []

    def getaddrinfo(name, *args, **kwargs):
        asked.append(name)
        raise socket.gaierror(socket.EAI_NONAME, 'Name or service not known')
    monkeypatch.setattr(socket, 'getaddrinfo', getaddrinfo)
    error = elapsed(lambda: HttpClient(timeout=5).request('GET', 'http://no-such-host.example.test/x'))[1]
    assert asked == ['no-such-host.example.test'] and not isinstance(error, TransientError)
    assert error.message.startswith('the host name no-such-host.example.test does not exist')


def test_a_refused_connection_names_host_and_port(serve):
    sock = socket.socket()
    sock.bind(('127.0.0.1', 0))
    port = sock.getsockname()[1]
    sock.close()
    error = elapsed(lambda: HttpClient(timeout=5).request('GET', 'http://127.0.0.1:%d/v1/p/jobs/j' % port))[1]
    assert isinstance(error, TransientError)
    assert error.message == 'connection refused by 127.0.0.1:%d' % port


def test_a_header_flood_is_named_as_such(serve):
    def flood(conn, stopped):
        conn.sendall(b'HTTP/1.1 200 OK\r\n' + b''.join(b'X-Flood-%d: x\r\n' % index for index in range(500)) + b'\r\n')
    server = serve(flood)
    error = elapsed(lambda: HttpClient(timeout=5).request('GET', server.url))[1]
    assert isinstance(error, TransientError)
    assert error.message == 'GET to http://127.0.0.1:%d failed: answer headers too large' % server.port


def test_tls_failures_name_the_cause_without_library_internals(tls_server, monkeypatch):
    monkeypatch.delenv('REQUESTS_CA_BUNDLE', raising=False)
    monkeypatch.delenv('CURL_CA_BUNDLE', raising=False)
    error = elapsed(lambda: HttpClient(timeout=5).request('GET', tls_server.url))[1]
    assert not isinstance(error, TransientError)  # a certificate does not heal within a wait
    assert error.message.startswith('TLS verification failed for https://127.0.0.1:%d: certificate verify failed: '
                                    'self-signed certificate;' % tls_server.port), error.message
    assert not [word for word in LIBRARY_WORDS if word in error.message], error.message
