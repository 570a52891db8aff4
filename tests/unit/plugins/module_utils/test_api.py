# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Classifying API answers, re-authenticating once on 401, and the plain-HTTP warning."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.otc.jobs.plugins.module_utils._api import ApiSession, check_response, plain_http_hosts
from ansible_collections.otc.jobs.plugins.module_utils._errors import ApiError, InvalidInput, TransientError
from ansible_collections.otc.jobs.plugins.module_utils._http import HttpResponse, parse_retry_after
from ansible_collections.otc.jobs.plugins.module_utils._jobs import JobClient, JobNotFound, validate_job_ids

WHAT = 'reading elb job j1'


def answer(status, body=b'', headers=None):
    return HttpResponse(status, headers or {}, body)


class TestCheckResponse:
    def test_json_body_is_returned(self):
        assert check_response(answer(200, b'{"status": "SUCCESS"}'), WHAT) == {'status': 'SUCCESS'}

    def test_200_that_is_not_json_is_transient(self):
        with pytest.raises(TransientError) as caught:
            check_response(answer(200, b'{"status": "SUCC'), WHAT)
        assert caught.value.message.startswith('reading elb job j1 failed: HTTP 200 with a body that is not JSON')

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


class FakeAuth:
    def __init__(self, renews):
        self.renews = renews
        self.token = 'old'
        self.refreshed = 0

    def credential_marker(self):
        return self.token

    def authorize(self, method, url, headers, body):
        return dict(headers, **{'X-Auth-Token': self.token})

    def refresh(self, marker):
        self.refreshed += 1
        if self.renews:
            self.token = 'new'
        return self.renews


class FakeHttp:
    def __init__(self, answers):
        self.answers = list(answers)
        self.sent = []

    def request(self, method, url, headers=None, body=None):
        self.sent.append(headers['X-Auth-Token'])
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
        with pytest.raises(ApiError):
            ApiSession(http, FakeAuth(renews=False)).get_json('https://x/y', WHAT)
        assert len(http.sent) == 1


class TestNotFound:
    @pytest.mark.parametrize('service, status, body', [
        ('elb', 404, b'{"error": {"code": "ELB.1102", "message": "Job j1 does not exist."}}'),
        ('cfw', 400, b'{"error_code": "CFW.00200005", "error_msg": "Job does not exist."}'),
    ])
    def test_not_found_per_service(self, service, status, body):
        client = JobClient(service, ApiSession(FakeHttp([answer(status, body)]), FakeAuth(False)), 'https://x', 'p')
        with pytest.raises(JobNotFound) as caught:
            client.fetch('j1')
        assert caught.value.message.startswith('%s job j1 not found: HTTP %d' % (service, status))

    def test_other_cfw_400_is_not_not_found(self):
        body = b'{"error_code": "CFW.00100001", "error_msg": "Bad request."}'
        client = JobClient('cfw', ApiSession(FakeHttp([answer(400, body)]), FakeAuth(False)), 'https://x', 'p')
        with pytest.raises(ApiError) as caught:
            client.fetch('j1')
        assert not isinstance(caught.value, JobNotFound)


@pytest.mark.parametrize('job_id', ['a/../b', 'a/b', '%2F', 'a?x=1', 'a#b', 'a b', 'a\r\nb', '', 'x' * 65, 12, None])
def test_hostile_job_ids_are_refused(job_id):
    with pytest.raises(InvalidInput) as caught:
        validate_job_ids([job_id])
    assert 'is not a valid job id' in caught.value.message


def test_plain_http_hosts_skips_https_and_loopback():
    urls = ['http://127.0.0.1:8080/v3', 'http://[::1]:1/', 'http://localhost/x', 'https://iam.eu-de.otc.t-systems.com/v3',
            'http://proxy.example.com:8080/v1.0', 'http://10.0.0.5/v3', None]
    assert plain_http_hosts(urls) == ['proxy.example.com', '10.0.0.5']


@pytest.mark.parametrize('value, expected', [('3', 3.0), (' 1.5 ', 1.5), ('-4', 0.0), ('soon', None), (None, None),
                                             ('Wed, 21 Oct 2015 07:28:00 GMT', 10.0)])
def test_parse_retry_after(value, expected):
    assert parse_retry_after(value, now=1445412470.0) == expected
