# -*- coding: utf-8 -*-
# Copyright (c) otc.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Classifying API answers, error bodies of every family's shape, "not found" per family, re-authenticating once on 401."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.otc.jobs.plugins.module_utils.core._clock import FakeClock
from ansible_collections.otc.jobs.plugins.module_utils.core._errors import ApiError, InvalidInput, InvalidResponse, TransientError
from ansible_collections.otc.jobs.plugins.module_utils.core._errors import JobNotFound
from ansible_collections.otc.jobs.plugins.module_utils.engine._jobs import JobClient, validate_job_ids
from ansible_collections.otc.jobs.plugins.module_utils.net._api import ApiSession, check_response, plain_http_hosts
from ansible_collections.otc.jobs.plugins.module_utils.net._http import HttpResponse, parse_retry_after
from ansible_collections.otc.jobs.plugins.module_utils.net._retry import RetryPolicy
from ansible_collections.otc.jobs.plugins.module_utils.wire._error_body import extract_error
from ansible_collections.otc.jobs.plugins.module_utils.wire._services import job_api

WHAT = 'reading elb job j1'
ALL_SERVICES = ('elb', 'cfw', 'ecs', 'evs', 'ims', 'bms', 'vbs', 'cce', 'rds', 'dds', 'ddm')
HTML_503 = ('<html><head><title>503 Service Unavailable</title></head>'
            '<body><center><h1>503 Service Unavailable</h1></center><hr><center>nginx</center></body></html>')


def answer(status, body=b'', headers=None):
    if not isinstance(body, bytes):
        body = json.dumps(body).encode('utf-8')
    return HttpResponse(status, headers or {}, body)


class TestCheckResponse:
    def test_json_body_is_returned(self):
        assert check_response(answer(200, b'{"status": "SUCCESS"}'), WHAT) == {'status': 'SUCCESS'}

    def test_200_that_is_not_json_is_transient(self):
        with pytest.raises(TransientError) as caught:
            check_response(answer(200, b'{"status": "SUCC'), WHAT)
        assert caught.value.message.startswith('reading elb job j1 failed: HTTP 200 with a body that is not usable JSON (')
        assert caught.value.status_code == 200

    @pytest.mark.parametrize('status', [429, 500, 502, 503, 504])
    def test_transient_statuses(self, status):
        with pytest.raises(TransientError) as caught:
            check_response(answer(status, b'{"error_code": "APIGW.0308", "error_msg": "busy"}', {'Retry-After': '3'}), WHAT)
        assert caught.value.status_code == status
        assert caught.value.retry_after == 3.0
        assert caught.value.message == 'reading elb job j1 failed: HTTP %d APIGW.0308: busy' % status

    def test_html_error_page(self):
        page = b'<html><head><title>503 Service Unavailable</title></head><body>down</body></html>'
        with pytest.raises(TransientError) as caught:
            check_response(answer(503, page), WHAT)
        assert caught.value.message == 'reading elb job j1 failed: HTTP 503: 503 Service Unavailable'

    @pytest.mark.parametrize('status', [400, 401, 403, 404, 409])
    def test_client_errors_are_final(self, status):
        with pytest.raises(ApiError) as caught:
            check_response(answer(status, b'{"error": {"code": "ELB.1102", "message": "Job j1 does not exist."}}'), WHAT)
        assert not isinstance(caught.value, TransientError)
        assert caught.value.details == {'status_code': status, 'error': {'code': 'ELB.1102', 'message': 'Job j1 does not exist.'}}

    def test_error_without_a_body(self):
        with pytest.raises(ApiError) as caught:
            check_response(answer(404, b''), WHAT)
        assert caught.value.message == 'reading elb job j1 failed: HTTP 404'
        assert (caught.value.code, caught.value.api_message) == (None, None)

    @pytest.mark.parametrize('status', [301, 302, 303, 307, 308])
    def test_redirects_are_not_followed(self, status):
        with pytest.raises(ApiError) as caught:
            check_response(answer(status, b'', {'Location': 'https://evil.example:8443/steal?token=abc'}), WHAT)
        assert caught.value.message == ('reading elb job j1 failed: HTTP %d redirect to https://evil.example:8443, which '
                                        'otc.jobs does not follow; check endpoint and auth_url' % status)

    @pytest.mark.parametrize('service, status, body, code, message', [
        ('cce', 404, {'errorCode': 'CCE.01404001', 'errorMessage': 'Resource not found.'}, 'CCE.01404001', 'Resource not found.'),
        ('ddm', 400, {'errCode': 'DBS.300120', 'externalMessage': 'Failed to obtain task information.'},
         'DBS.300120', 'Failed to obtain task information.'),
        ('rds', 400, {'error_code': 'DBS.200543', 'error_msg': 'The job does not exist.'}, 'DBS.200543', 'The job does not exist.'),
        ('vbs', 400, {'error': {'message': 'Failed to query the task.', 'code': 'common.0011'}}, 'common.0011',
         'Failed to query the task.'),
    ])
    def test_error_shapes_of_the_service(self, service, status, body, code, message):
        with pytest.raises(ApiError) as caught:
            check_response(answer(status, body), 'reading %s job j1' % service, job_api(service).error_shapes)
        assert (caught.value.code, caught.value.api_message) == (code, message)
        assert caught.value.message == 'reading %s job j1 failed: HTTP %d %s: %s' % (service, status, code, message)


# --- extract_error --------------------------------------------------------------------------------


@pytest.mark.parametrize('body, text, expected', [
    # The JSON shapes.
    ({'error_code': 'CFW.00200005', 'error_msg': 'The job does not exist.'}, None, ('CFW.00200005', 'The job does not exist.')),
    ({'error_code': 'APIGW.0301', 'error_msg': 'Incorrect IAM authentication information', 'request_id': 'r'}, None,
     ('APIGW.0301', 'Incorrect IAM authentication information')),
    ({'code': 'ELB.1001', 'message': 'Invalid parameter'}, None, ('ELB.1001', 'Invalid parameter')),
    ({'error': {'code': 'ELB.7000', 'message': 'No such job'}}, None, ('ELB.7000', 'No such job')),
    ({'error': {'code': 401, 'message': 'The username or password is wrong.', 'title': 'Unauthorized'}}, None,
     ('401', 'The username or password is wrong.')),
    ({'error': {'code': 401, 'title': 'Unauthorized'}}, None, ('401', 'Unauthorized')),
    ({'error': 'token expired'}, None, (None, 'token expired')),
    ({'error': 'token expired', 'code': 401}, None, ('401', 'token expired')),
    ({'errorCode': 'X.1', 'errorMessage': 'camel case'}, None, ('X.1', 'camel case')),
    ({'errCode': 'DBS.300120', 'externalMessage': 'Failed to obtain task information.'}, None,
     ('DBS.300120', 'Failed to obtain task information.')),
    ({'error_code': 'ELB.8902', 'fail_reason': 'Insufficient EIP quota'}, None, ('ELB.8902', 'Insufficient EIP quota')),
    ({'NeutronError': {'message': 'Job could not be found', 'type': 'NotFound', 'detail': ''}}, None,
     (None, 'Job could not be found')),
    ({'badRequest': {'code': 400, 'message': 'Invalid input'}}, None, ('400', 'Invalid input')),
    ({'error_code': 'ELB.1'}, None, ('ELB.1', None)),
    ({'error_msg': '  padded  '}, None, (None, 'padded')),
    ({'error_code': 1234, 'error_msg': 5}, None, ('1234', '5')),
    ({'error_code': True, 'error_msg': None}, 'fallback text', (None, 'fallback text')),
    ({'error': {}}, 'fallback text', (None, 'fallback text')),
    ('a JSON string', None, (None, 'a JSON string')),
    # Plain text and HTML.
    (None, 'Service  Unavailable\n', (None, 'Service Unavailable')),
    (None, 'upstream connect error or disconnect/reset before headers', (None, 'upstream connect error or disconnect/reset before headers')),
    (None, HTML_503, (None, '503 Service Unavailable')),
    (None, '<!DOCTYPE html><html><body><h1>Bad\n  <b>Gateway</b></h1></body></html>', (None, 'Bad Gateway')),
    (None, '<html><head><TITLE> 502 &amp; more </TITLE></head></html>', (None, '502 & more')),
    (None, '<html><head><title></title></head><body><h1>Empty title</h1></body></html>', (None, 'Empty title')),
    (None, '<html><body><p>Nothing   but\ta paragraph</p></body></html>', (None, 'Nothing but a paragraph')),
    (None, b'<html><head><title>bytes</title></head></html>', (None, 'bytes')),
    ({'unrelated': 1}, '{"unrelated": 1}', (None, '{"unrelated": 1}')),
    ([1, 2], '[1, 2]', (None, '[1, 2]')),
    # Nothing at all.
    (None, None, (None, None)),
    (None, '', (None, None)),
    (None, '   \n', (None, None)),
    ({}, '', (None, None)),
])
def test_extract_error(body, text, expected):
    assert extract_error(body, text) == expected


# Error bodies of every family (job-apis.md "Things that cut across services" 6), read with the family's shapes.
FAMILY_ERRORS = [
    ('elb', {'error': {'code': 'ELB.1102', 'message': 'Job does not exist.'}}, ('ELB.1102', 'Job does not exist.')),
    ('elb', {'code': 'ELB.1001', 'message': 'Invalid parameter'}, ('ELB.1001', 'Invalid parameter')),
    ('cfw', {'error_code': 'CFW.00200005', 'error_msg': 'The job does not exist.'}, ('CFW.00200005', 'The job does not exist.')),
    ('ecs', {'error': {'message': 'Failed to query system tasks. (Invalid job ID.)', 'code': 'Common.0011',
                       'details': 'job not found'}}, ('Common.0011', 'Failed to query system tasks. (Invalid job ID.)')),
    ('ecs', {'code': 'Ecs.0005', 'message': 'Request error.'}, ('Ecs.0005', 'Request error.')),
    ('evs', {'error': {'message': 'No jobs found.', 'code': 'Common.0011'}}, ('Common.0011', 'No jobs found.')),
    ('ims', {'error': {'message': 'exception during job query', 'code': 'IMG.0023'}}, ('IMG.0023', 'exception during job query')),
    ('bms', {'error': {'message': 'Failed to query system tasks.', 'code': 'Common.0011'}}, ('Common.0011', 'Failed to query system tasks.')),
    ('vbs', {'error': {'message': 'Failed to query the task.', 'code': 'common.0011'}}, ('common.0011', 'Failed to query the task.')),
    ('cce', {'errorCode': 'CCE.01404001', 'errorMessage': 'Resource not found.'}, ('CCE.01404001', 'Resource not found.')),
    # CCE's own keys win over the general ones it may send beside them.
    ('cce', {'error_code': 'CCE_CM.0404', 'error_msg': 'general', 'errorCode': 'CCE.01404001', 'errorMessage': 'Resource not found.'},
     ('CCE.01404001', 'Resource not found.')),
    ('rds', {'error_code': 'DBS.200543', 'error_msg': 'The job does not exist.'}, ('DBS.200543', 'The job does not exist.')),
    ('rds', {'errCode': 'RDS.5041', 'externalMessage': 'The job does not exist.'}, ('RDS.5041', 'The job does not exist.')),
    ('dds', {'error_code': 'DBS.200543', 'error_msg': 'The job does not exist.'}, ('DBS.200543', 'The job does not exist.')),
    ('ddm', {'errCode': 'DBS.300120', 'externalMessage': 'Failed to obtain task information.'},
     ('DBS.300120', 'Failed to obtain task information.')),
    ('ddm', {'error_code': 'DBS.300120', 'error_msg': 'Failed to obtain task information.'},
     ('DBS.300120', 'Failed to obtain task information.')),
    ('ddm', {'errCode': 'DBS.300120', 'externalMessage': 'documented', 'error_code': 'X', 'error_msg': 'general'},
     ('DBS.300120', 'documented')),
    # A documented pair only half there: the other half comes from the general keys.
    ('ddm', {'errCode': 'DBS.300120', 'error_msg': 'Failed to obtain task information.'},
     ('DBS.300120', 'Failed to obtain task information.')),
    ('cce', {'errorCode': 'CCE.01404001', 'message': 'Resource not found.'}, ('CCE.01404001', 'Resource not found.')),
    ('cce', {'code': 404, 'errorMessage': 'Resource not found.'}, ('404', 'Resource not found.')),
]


@pytest.mark.parametrize('service, body, expected', FAMILY_ERRORS)
def test_extract_error_of_every_family(service, body, expected):
    assert extract_error(body, json.dumps(body), shapes=job_api(service).error_shapes) == expected


def test_shapes_decide_between_general_keys():
    body = {'error_code': 'CCE_CM.0404', 'error_msg': 'general', 'errorCode': 'CCE.01404001', 'errorMessage': 'Resource not found.'}
    assert extract_error(body) == ('CCE_CM.0404', 'general')
    assert extract_error(body, shapes=job_api('cce').error_shapes) == ('CCE.01404001', 'Resource not found.')


@pytest.mark.parametrize('service', ALL_SERVICES)
@pytest.mark.parametrize('text, expected', [
    (HTML_503, (None, '503 Service Unavailable')),
    ('<html><body><h1>502 Bad Gateway</h1></body></html>', (None, '502 Bad Gateway')),
    ('upstream request timeout', (None, 'upstream request timeout')),
    ('', (None, None)),
])
def test_extract_error_html_and_plain_text_for_every_family(service, text, expected):
    assert extract_error(None, text, shapes=job_api(service).error_shapes) == expected


def test_extract_error_caps_long_plain_text():
    code, message = extract_error(None, 'x' * 10000)
    assert code is None
    assert message.endswith('...') and len(message) <= 300


def test_extract_error_caps_long_json_values():
    code, message = extract_error({'error_code': 'C' * 5000, 'error_msg': 'm' * 5000})
    assert len(code) <= 100 and len(message) <= 1000
    code, message = extract_error({'errCode': 'C' * 5000, 'externalMessage': 'm' * 5000}, shapes=job_api('ddm').error_shapes)
    assert len(code) <= 100 and len(message) <= 1000 and code.startswith('CCC') and message.endswith('...')


def test_extract_error_survives_hostile_html():
    # Unclosed tags by the thousand: the scan stays linear and the visible text is what remains.
    code, message = extract_error(None, '<html>' + '<title' * 20000 + '<' * 100000)
    assert code is None and message.startswith('<title<title') and len(message) <= 300


ERROR_KEYS = ('error_code', 'error_msg', 'code', 'message', 'error', 'errorCode', 'errorMessage', 'errCode',
              'externalMessage', 'fail_reason', 'title', 'details')
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=20))
JSON_VALUES = st.recursive(
    SCALARS,
    lambda children: st.one_of(st.lists(children, max_size=4),
                               st.dictionaries(st.one_of(st.text(max_size=10), st.sampled_from(ERROR_KEYS)), children, max_size=5)),
    max_leaves=20,
)


@settings(max_examples=400, deadline=None, derandomize=True, database=None)
@given(service=st.sampled_from(ALL_SERVICES),
       body=st.one_of(JSON_VALUES, st.dictionaries(st.sampled_from(ERROR_KEYS), JSON_VALUES)),
       text=st.one_of(st.none(), st.text(), st.binary(max_size=20),
                      st.builds(lambda a, b: '<html><title>%s</title>%s' % (a, b), st.text(), st.text())))
def test_extract_error_never_raises(service, body, text):
    for shapes in ((), job_api(service).error_shapes):
        result = extract_error(body, text, shapes=shapes)
        assert isinstance(result, tuple) and len(result) == 2
        assert all(value is None or (isinstance(value, str) and value.strip()) for value in result)
        assert result[0] is None or len(result[0]) <= 100


# --- re-authentication ----------------------------------------------------------------------------


class FakeAuth:
    def __init__(self, renews):
        self.renews = renews
        self.token = 'old'
        self.refreshed = 0

    def credential_marker(self):
        return self.token

    def authorize(self, method, url, headers, body):
        return dict(headers, **{'X-Auth-Token': self.token})

    def refresh(self, marker, deadline=None):
        assert marker == 'old'
        self.refreshed += 1
        if self.renews:
            self.token = 'new'
        return self.renews


class FakeHttp:
    def __init__(self, answers):
        self.answers = list(answers)
        self.sent = []
        self.urls = []

    def request(self, method, url, headers=None, body=None, deadline=None):
        assert method == 'GET' and headers['Accept'] == 'application/json'
        self.sent.append(headers['X-Auth-Token'])
        self.urls.append(url)
        return self.answers.pop(0)


class TestReauthentication:
    def test_401_renews_once_and_repeats(self):
        http = FakeHttp([answer(401, b'{"error_code": "APIGW.0307", "error_msg": "The token expires."}'), answer(200, b'{}')])
        auth = FakeAuth(renews=True)
        assert ApiSession(http, auth).get_json('https://x/y', WHAT) == {}
        assert http.sent == ['old', 'new'] and auth.refreshed == 1

    def test_repeated_401_fails(self):
        expired = answer(401, b'{"error_code": "APIGW.0307", "error_msg": "The token expires."}')
        http = FakeHttp([expired, expired])
        with pytest.raises(ApiError) as caught:
            ApiSession(http, FakeAuth(renews=True)).get_json('https://x/y', WHAT)
        assert caught.value.message == 'reading elb job j1 failed: HTTP 401 APIGW.0307: The token expires.'
        assert len(http.sent) == 2

    def test_401_without_renewal_fails_at_once(self):
        http = FakeHttp([answer(401, b'{"error_code": "APIGW.0301", "error_msg": "verify aksk signature fail"}')])
        with pytest.raises(ApiError) as caught:
            ApiSession(http, FakeAuth(renews=False)).get_json('https://x/y', WHAT)
        assert caught.value.status_code == 401
        assert len(http.sent) == 1

    def test_session_reads_errors_with_the_service_shapes(self):
        body = {'error_code': 'X', 'error_msg': 'general', 'errCode': 'DBS.300120', 'externalMessage': 'documented'}
        for shapes, expected in (((), ('X', 'general')), (job_api('ddm').error_shapes, ('DBS.300120', 'documented'))):
            with pytest.raises(ApiError) as caught:
                ApiSession(FakeHttp([answer(400, body)]), FakeAuth(False), shapes).get_json('https://x/y', WHAT)
            assert (caught.value.code, caught.value.api_message) == expected


# --- reading jobs per family: URL, not found, answers ----------------------------------------------

PID = 'p0123456789'
ROOT = 'https://api.example'


def client_for(service, answers):
    api = job_api(service)
    http = FakeHttp(answers)
    return JobClient(api, ApiSession(http, FakeAuth(False), api.error_shapes), ROOT, PID), http


def fetch(client, job_id='j1'):
    return client.fetch(job_id, RetryPolicy(max_attempts=1))


# job-apis.md "Summary": the missing-job answer of each family, as documented or inferred there.
NOT_FOUND_ANSWERS = [
    ('elb', 404, {'error': {'code': 'ELB.1102', 'message': 'Job j1 does not exist.'}}, 'ELB.1102: Job j1 does not exist.'),
    ('cfw', 400, {'error_code': 'CFW.00200005', 'error_msg': 'Job does not exist.'}, 'CFW.00200005: Job does not exist.'),
    ('ecs', 400, {'error': {'message': 'Failed to query system tasks. (Invalid job ID.)', 'code': 'Common.0011'}},
     'Common.0011: Failed to query system tasks. (Invalid job ID.)'),
    ('evs', 400, {'error': {'message': 'No jobs found.', 'code': 'Common.0011'}}, 'Common.0011: No jobs found.'),
    ('ims', 400, {'error': {'message': 'exception during job query', 'code': 'IMG.0023'}}, 'IMG.0023: exception during job query'),
    ('ims', 400, {'error': {'message': 'Failed to query system tasks.', 'code': 'Common.0011'}}, 'Common.0011: Failed to query system tasks.'),
    ('bms', 400, {'error': {'message': 'Failed to query system tasks.', 'code': 'Common.0011'}}, 'Common.0011: Failed to query system tasks.'),
    ('vbs', 400, {'error': {'message': 'Failed to query the task.', 'code': 'common.0011'}}, 'common.0011: Failed to query the task.'),
    ('vbs', 404, {'error': {'message': 'Failed to query the task.', 'code': 'common.0011'}}, 'common.0011: Failed to query the task.'),
    ('cce', 404, {'errorCode': 'CCE.01404001', 'errorMessage': 'Resource not found.'}, 'CCE.01404001: Resource not found.'),
    ('rds', 400, {'error_code': 'DBS.200543', 'error_msg': 'The job does not exist.'}, 'DBS.200543: The job does not exist.'),
    ('dds', 400, {'error_code': 'DBS.200543', 'error_msg': 'The job does not exist.'}, 'DBS.200543: The job does not exist.'),
    ('ddm', 400, {'errCode': 'DBS.300120', 'externalMessage': 'Failed to obtain task information.'},
     'DBS.300120: Failed to obtain task information.'),
]


@pytest.mark.parametrize('service, status, body, said', NOT_FOUND_ANSWERS)
def test_not_found_per_service(service, status, body, said):
    client, http = client_for(service, [answer(status, body)])
    with pytest.raises(JobNotFound) as caught:
        fetch(client)
    assert caught.value.message.startswith('%s job j1 not found: HTTP %d %s (asked the ' % (service, status, said))
    assert 'check service' in caught.value.message
    assert caught.value.status_code == status
    assert job_api(service).is_not_found(status, caught.value.code) is True
    assert client.polls == 1 and len(http.urls) == 1


@pytest.mark.parametrize('service', ALL_SERVICES)
def test_any_404_is_not_found(service):
    client = client_for(service, [answer(404, HTML_503.replace('503 Service Unavailable', '404 Not Found').encode())])[0]
    with pytest.raises(JobNotFound) as caught:
        fetch(client)
    assert caught.value.message.startswith('%s job j1 not found: HTTP 404: 404 Not Found (asked the ' % service)


@pytest.mark.parametrize('service, status, body', [
    ('cfw', 400, {'error_code': 'CFW.00100001', 'error_msg': 'Bad request.'}),
    ('ecs', 400, {'error': {'message': 'Invalid parameter.', 'code': 'Common.0012'}}),
    ('vbs', 400, {'error': {'message': 'Invalid parameter.', 'code': 'common.0012'}}),
    ('rds', 400, {'error_code': 'DBS.300120', 'error_msg': 'Not an RDS not-found code.'}),
    ('ddm', 400, {'errCode': 'DBS.200543', 'externalMessage': 'Not a DDM not-found code.'}),
    ('cce', 400, {'errorCode': 'CCE.01404001', 'errorMessage': 'Not with 400.'}),
    ('elb', 400, {'error': {'code': 'ELB.1102', 'message': 'Not with 400.'}}),
    ('elb', 403, {'error_code': 'APIGW.0305', 'error_msg': 'Forbidden.'}),
])
def test_other_errors_are_not_not_found(service, status, body):
    client = client_for(service, [answer(status, body)])[0]
    with pytest.raises(ApiError) as caught:
        fetch(client)
    assert not isinstance(caught.value, JobNotFound)
    assert caught.value.message.startswith('reading %s job j1 failed: HTTP %d ' % (service, status))


@pytest.mark.parametrize('service, url', [
    ('elb', ROOT + '/v1.0/p0123456789/jobs/j1'),
    ('cfw', ROOT + '/v3/p0123456789/jobs/j1'),
    ('ecs', ROOT + '/v1/p0123456789/jobs/j1'),
    ('evs', ROOT + '/v1/p0123456789/jobs/j1'),
    ('ims', ROOT + '/v1/p0123456789/jobs/j1'),
    ('bms', ROOT + '/v1/p0123456789/jobs/j1'),
    ('vbs', ROOT + '/v1/p0123456789/jobs/j1'),
    ('cce', ROOT + '/api/v3/projects/p0123456789/jobs/j1'),
    ('rds', ROOT + '/v3/p0123456789/jobs?id=j1'),
    ('dds', ROOT + '/v3/p0123456789/jobs?id=j1'),
    ('ddm', ROOT + '/v3/p0123456789/jobs/j1'),
])
def test_fetch_reads_the_documented_url_and_normalizes(service, url):
    statuses = {'elb': 'SUCCESS', 'cfw': 'Success', 'cce': 'Success', 'rds': 'Completed', 'dds': 'Completed', 'ddm': 'Completed'}
    status = statuses.get(service, 'SUCCESS')
    bodies = {
        'cfw': {'data': {'id': 'j1', 'status': status}},
        'cce': {'metadata': {'uid': 'j1'}, 'status': {'phase': status}},
        'rds': {'job': {'id': 'j1', 'status': status}},
        'dds': {'job': {'id': 'j1', 'status': status}},
        'ddm': {'job': {'id': 'j1', 'status': status}},
    }
    client, http = client_for(service, [answer(200, bodies.get(service, {'job_id': 'j1', 'status': status}))])
    job = fetch(client)
    assert http.urls == [url]
    assert (job['id'], job['service'], job['project_id'], job['state']) == ('j1', service, PID, 'success')


@pytest.mark.parametrize('service, body', [
    ('ecs', {'job_id': 'other', 'status': 'SUCCESS'}),
    ('rds', {'job': {'id': 'other', 'status': 'Completed'}}),
    ('cce', {'metadata': {'uid': 'other'}, 'status': {'phase': 'Success'}}),
])
def test_fetch_refuses_an_answer_for_another_job(service, body):
    client = client_for(service, [answer(200, body)])[0]
    with pytest.raises(InvalidResponse) as caught:
        fetch(client)
    assert caught.value.message == '%s job j1: asked for job j1, the API answered for job other; refused' % service


# --- input and transport helpers -------------------------------------------------------------------


@pytest.mark.parametrize('job_id', ['a/../b', 'a/b', '%2F', 'a?x=1', 'a#b', 'a&id=b', 'a b', 'a\r\nb', 'a\n', '', 'x' * 65, 12, None])
def test_hostile_job_ids_are_refused(job_id):
    with pytest.raises(InvalidInput) as caught:
        validate_job_ids([job_id])
    assert 'is not a valid job id' in caught.value.message


def test_good_job_ids_pass():
    ids = ['ff8080825ecc523f015ecd0a98f82f77', 'f588ce71-e26c-400d-8981-f854355f6849', 'x' * 64, 'A_b-9']
    assert validate_job_ids(ids) == ids


def test_plain_http_hosts_skips_https_and_loopback():
    urls = ['http://127.0.0.1:8080/v3', 'http://[::1]:1/', 'http://localhost/x', 'https://iam.eu-de.otc.t-systems.com/v3',
            'http://proxy.example.com:8080/v1.0', 'http://10.0.0.5/v3', None]
    assert plain_http_hosts(urls) == ['proxy.example.com', '10.0.0.5']


@pytest.mark.parametrize('value, expected', [('3', 3.0), (' 1.5 ', 1.5), ('-4', 0.0), ('soon', None), (None, None),
                                             ('Wed, 21 Oct 2015 07:28:00 GMT', 10.0)])
def test_parse_retry_after(value, expected):
    assert parse_retry_after(value, clock=FakeClock(epoch=1445412470.0)) == expected
