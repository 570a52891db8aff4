# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""otc.jobs.request's pieces: path building and validation, query and headers, body secrets, job ids of
create answers and registered results, what counts as "certainly not sent"."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import socket

import pytest

from ansible_collections.otc.jobs.plugins.module_utils.core._errors import InvalidInput, TransientError
from ansible_collections.otc.jobs.plugins.module_utils.core._secrets import MASK, Secrets
from ansible_collections.otc.jobs.plugins.module_utils.engine import _request
from ansible_collections.otc.jobs.plugins.module_utils.net import _retry
from ansible_collections.otc.jobs.plugins.module_utils.net._http import HttpResponse
from ansible_collections.otc.jobs.plugins.module_utils.wire._job_ids import answer_job_id, result_job_ids
from ansible_collections.otc.jobs.plugins.module_utils.wire._services import SERVICE_TABLE, SERVICES

P = '0123456789abcdef0123456789abcdef'


@pytest.mark.parametrize('service, path, expected', [
    ('elb', 'elbaas/loadbalancers', '/v1.0/%s/elbaas/loadbalancers' % P),
    ('cce', 'clusters', '/api/v3/projects/%s/clusters' % P),
    ('ecs', 'cloudservers/delete', '/v1/%s/cloudservers/delete' % P),
    ('evs', 'cloudvolumes', '/v2/%s/cloudvolumes' % P),
    ('vbs', 'cloudbackups', '/v2/%s/cloudbackups' % P),
    ('rds', 'instances', '/v3/%s/instances' % P),
    ('dds', 'instances/x', '/v3/%s/instances/x' % P),
    ('ddm', 'instances', '/v1/%s/instances' % P),
    ('cfw', 'acl-rule', '/v1/%s/acl-rule' % P),
    ('ims', 'v2/cloudimages/action', '/v2/cloudimages/action'),
    ('ims', '/v2/cloudimages/action', '/v2/cloudimages/action'),
    ('cfw', '/v2/{project_id}/firewall', '/v2/%s/firewall' % P),
    ('elb', 'elbaas/loadbalancers/{project_id}', '/v1.0/%s/elbaas/loadbalancers/%s' % (P, P)),
    ('elb', 'elbaas/name%20with%20space', '/v1.0/%s/elbaas/name%%20with%%20space' % P),
    ('rds', '', '/v3/%s' % P),
])
def test_build_path(service, path, expected):
    assert _request.build_path(SERVICE_TABLE[service], path, P) == expected


@pytest.mark.parametrize('path', [
    '..', 'a/../b', '../v3/auth/tokens', 'a/./b', 'a/%2e%2e/b', 'a/%2E%2E', 'a//b', '/a/../b',
    'a?b=1', 'a#frag', 'a%3Fb', 'a%23b', 'a\\b', 'a%5cb', 'a b', 'a\nb', 'a%0ab', 'a{other}', 'a%', 'a%zz',
    'x' * 1025, 'é',
])
def test_build_path_refuses(path):
    with pytest.raises(InvalidInput):
        _request.build_path(SERVICE_TABLE['elb'], path, P)


def test_build_path_refuses_non_strings():
    with pytest.raises(InvalidInput):
        _request.build_path(SERVICE_TABLE['elb'], ['a'], P)


def test_every_service_has_a_project_root_and_create_id_places():
    for service in SERVICES:
        api = SERVICE_TABLE[service]
        assert api.project_root == '' or api.project_root.startswith('/')
        assert api.create_id_paths


def test_query_string():
    assert _request.query_string({'limit': 10, 'name': 'a b/c', 'flag': True, 'tag': ['x', 'y']}) == \
        'limit=10&name=a%20b%2Fc&flag=true&tag=x&tag=y'
    assert _request.query_string(None) == ''
    for bad in ({'': 'x'}, {'a': {'b': 1}}, ['a']):
        with pytest.raises(InvalidInput):
            _request.query_string(bad)


@pytest.mark.parametrize('name', ['X-Auth-Token', 'authorization', 'X-Sdk-Date', 'Host', 'x-security-token',
                                  'X-Project-Id', 'Cookie', 'Content-Length', 'Transfer-Encoding'])
def test_extra_headers_refuse_auth_and_framing_headers(name):
    with pytest.raises(InvalidInput) as info:
        _request.extra_headers({name: 'value'})
    assert 'value' not in str(info.value)


def test_extra_headers():
    assert _request.extra_headers({'X-Language': 'en-us', 'X-Count': 3}) == {'X-Language': 'en-us', 'X-Count': '3'}
    for bad in ({'X-A': 'line\nbreak'}, {'bad name': 'x'}, {'X-A': ['list']}):
        with pytest.raises(InvalidInput) as info:
            _request.extra_headers(bad)
        assert 'line\nbreak' not in str(info.value)


def test_method_and_status_codes():
    assert _request.method_of('post') == 'POST'
    with pytest.raises(InvalidInput):
        _request.method_of('TRACE')
    assert _request.status_codes(None) is None
    assert _request.status_codes([200, '202']) == [200, 202]
    with pytest.raises(InvalidInput):
        _request.status_codes([99])


def test_body_secrets_are_registered_at_any_depth():
    secrets = Secrets()
    body = {'server': {'name': 'web', 'adminPass': 'p1', 'ADMIN_PASS': 'p2', 'user_data': 'ud',
                       'nested': [{'Password': 'p3'}, {'private_key': {'pem': 'k1'}}], 'port': 80},
            'db': {'password': 12345}, 'count': 2, 'SK': 'sk1'}
    _request.register_body_secrets(body, secrets)
    assert secrets.values == {'p1', 'p2', 'ud', 'p3', 'k1', '12345', 'sk1'}
    assert secrets.scrub('adminPass p1 and k1') == 'adminPass %s and %s' % (MASK, MASK)


def test_body_is_compact_json():
    assert _request.encode_body({'a': [1, 'x']}) == b'{"a":[1,"x"]}'
    assert _request.encode_body(None) == b''
    with pytest.raises(InvalidInput):
        _request.encode_body({'a': float('nan')})


@pytest.mark.parametrize('service, body, expected', [
    ('elb', {'uri': '/v1/p/jobs/j1', 'job_id': 'j1'}, ('j1', 'job_id')),
    ('ecs', {'job_id': 'j2', 'serverIds': ['s']}, ('j2', 'job_id')),
    ('rds', {'instance': {'id': 'i'}, 'job_id': 'j3'}, ('j3', 'job_id')),
    ('ddm', {'id': 'i', 'name': 'n', 'job_id': 'j4'}, ('j4', 'job_id')),
    ('cfw', {'data': {'id': 'j5', 'name': 'fw'}}, ('j5', 'data.id')),
    ('cce', {'kind': 'Cluster', 'metadata': {'uid': 'c'}, 'status': {'phase': 'Creating', 'jobID': 'j6'}}, ('j6', 'status.jobID')),
    ('cce', {'job_id': 'not-cce'}, (None, None)),
    ('cfw', {'job_id': 'x'}, (None, None)),
    ('elb', None, (None, None)),
    ('elb', {'job_id': ''}, (None, None)),
    ('elb', ['job_id'], (None, None)),
])
def test_answer_job_id(service, body, expected):
    assert answer_job_id(service, body) == expected


def test_result_job_ids_of_registered_results():
    uri_loop = {'results': [
        {'json': {'job_id': 'a1'}, 'item': 'x'},
        {'skipped': True, 'item': 'y'},
        {'failed': True, 'msg': 'HTTP Error 401', 'item': 'z'},
        {'json': {'job_id': 'a2'}, 'item': 'w'},
    ]}
    assert result_job_ids('ecs', uri_loop) == ['a1', 'a2']
    assert result_job_ids('elb', {'job_id': 'r1', 'json': {'job_id': 'r1'}}) == ['r1']  # otc.jobs.request
    assert result_job_ids('cce', {'json': {'status': {'jobID': 'c1'}}}) == ['c1']
    assert result_job_ids('cce', {'job_id': 'c2', 'json': {'status': {'jobID': 'c2'}}}) == ['c2']
    assert result_job_ids('cfw', {'data': {'id': 'f1'}}) == ['f1']  # another module's result
    assert result_job_ids('rds', [{'json': {'job_id': 'd1'}}, 'd2']) == ['d1', 'd2']
    with pytest.raises(ValueError) as info:
        result_job_ids('cce', {'json': {'job_id': 'wrong-place'}})
    assert 'json.status.jobID' in str(info.value)
    assert result_job_ids('cce', {'json': {'job_id': 'wrong-place'}}, strict=False) == []


def _refused():
    try:
        socket.create_connection(('127.0.0.1', 9), timeout=2)
    except OSError as exc:
        return exc
    return ConnectionRefusedError()


def test_certainly_not_sent():
    try:
        try:
            raise _refused()
        except OSError:
            raise TransientError('POST to http://127.0.0.1:9 failed: connection refused')
    except TransientError as exc:
        assert _retry.certainly_not_sent(exc)
    try:
        try:
            raise ConnectionResetError(104, 'Connection reset by peer')
        except OSError:
            raise TransientError('POST to http://h failed: connection reset by the server')
    except TransientError as exc:
        assert not _retry.certainly_not_sent(exc)
    assert _retry.certainly_not_sent(socket.gaierror(-2, 'Name or service not known'))


def _response(status, body=b'', headers=None):
    return HttpResponse(status, headers or {}, body)


def test_refused_before_the_service():
    assert _retry.refused_before_the_service(_response(429, b'{}', {'Retry-After': '2'}))
    assert not _retry.refused_before_the_service(_response(429, b'{}'))
    assert _retry.refused_before_the_service(_response(503, b'<html><title>503</title></html>'))
    assert _retry.refused_before_the_service(_response(503, b'{"error_code": "APIGW.0201", "error_msg": "busy"}'))
    assert not _retry.refused_before_the_service(_response(503, b'{"error": {"code": "Ecs.0001", "message": "x"}}'))
    assert not _retry.refused_before_the_service(_response(500, b'<html></html>'))


def test_answer_result():
    headers = {'Content-Type': 'application/json', 'X-Subject-Token': 'tok', 'Set-Cookie': 'c'}
    result = _request.answer_result(_response(200, b'{"job_id": "j"}', headers), None, 'POST elb x', ())
    assert result == {'status': 200, 'json': {'job_id': 'j'}, 'headers': {'content-type': 'application/json'}}
    text = _request.answer_result(_response(204, b'x' * 70000), None, 'DELETE elb x', ())
    assert text['content'].startswith('x' * 65536) and text['content'].endswith('(4464 more characters)')
    with pytest.raises(Exception) as info:
        _request.answer_result(_response(201, b'{}'), [202], 'POST rds instances', ())
    assert 'HTTP 201, which is not in status_code (202)' in str(info.value)


REQUEST = {'service': 'elb', 'method': 'POST', 'path': 'elbaas/loadbalancers', 'query': None, 'body': {'name': 'x'},
           'headers': None, 'status_code': None, 'wait': False, 'timeout': 10, 'sleep': 1, 'max_sleep': 10,
           'not_found_timeout': 30, 'progress_interval': 30, 'auth': {'token': 'tok-secret', 'project_id': 'p1'},
           'endpoint': 'http://127.0.0.1:9', 'token_cache': False}


@pytest.mark.parametrize('change, message', [
    ({'path': 'a/../b'}, 'must not hold empty, "." or ".." segments'),
    ({'headers': {'Authorization': 'x'}}, 'Authorization is set by otc.jobs itself'),
    ({'method': 'GET', 'body': {'a': 1}}, 'body is not sent with GET'),
    ({'status_code': [42]}, 'status_code 42 (int) is not an HTTP status'),
    ({'wait': True, 'max_sleep': 0.5}, 'max_sleep (0.5) must be at least sleep (1)'),
])
def test_runner_refuses_bad_requests_before_sending(change, message):
    from ansible_collections.otc.jobs.plugins.module_utils.engine import _runner
    secrets = Secrets()
    result = _runner.run('request', dict(REQUEST, **change), lambda line: None, secrets)
    assert result['failed'] is True and result['reason'] == 'invalid_input' and result['changed'] is False
    assert message in result['msg'], result['msg']


def test_check_mode_sends_nothing_but_says_what():
    from ansible_collections.otc.jobs.plugins.module_utils.engine import _runner
    result = _runner.run('request', dict(REQUEST, body={'name': 'x', 'password': 'Body-Secret'}), lambda line: None, Secrets(),
                         check_mode=True)
    assert result == {'changed': True, 'request': {'method': 'POST', 'url': 'http://127.0.0.1:9/v1.0/p1/elbaas/loadbalancers'},
                      'msg': 'check mode: POST elb elbaas/loadbalancers was not sent'}
