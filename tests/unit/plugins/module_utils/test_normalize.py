# -*- coding: utf-8 -*-
# Copyright (c) otc.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tests of job normalization (SPEC §2, §3) and API error extraction (SPEC §2, §6)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import datetime
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.otc.jobs.plugins.module_utils._errors import InvalidResponse
from ansible_collections.otc.jobs.plugins.module_utils._normalize import (
    JOB_KEYS,
    MAX_SUB_JOB_DEPTH,
    SERVICES,
    STATES,
    extract_error,
    job_state,
    normalize_job,
    parse_time,
)

TIME_FORMAT = re.compile(r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$')
PROPERTY_SETTINGS = settings(max_examples=500, deadline=None, derandomize=True, database=None)

# The example response of the ELB document (api/000_7fd70ab5d6972226.txt), verbatim.
ELB_DOC_BODY = {
    "status": "SUCCESS",
    "entities": {
        "elb": {
            "id": "ef265755daf84333baf4ddc1d91cbc2f",
            "name": "1",
            "type": "External",
            "status": "ACTIVE",
            "bandwidth": 1,
            "vip_address": "10.154.53.4",
            "tenant_id": "cbc08e2f8c354c7aa7abb88d0a7d11dc",
            "admin_state_up": False,
            "vpc_id": "21838be1-c1ce-4c09-9184-228cdb43038d",
        }
    },
    "job_id": "ff8080825ecc523f015ecd0a98f82f77",
    "job_type": "createELB",
    "begin_time": "2017-09-29T09:49:37.399Z",
    "end_time": "2017-09-29T09:50:03.272Z",
    "error_code": None,
    "fail_reason": None,
}

# The example response of the CFW document (api/001_bcfaaa33914fa11f.txt), verbatim.
CFW_DOC_BODY = {
    "data": {
        "begin_time": 1641370501000,
        "end_time": 1641370515000,
        "id": "f588ce71-e26c-400d-8981-f854355f6849",
        "status": "Success",
    }
}

PROJECT = '09bb24e6fe80d23d2fa2c010b53b418c'


def elb_job(status='RUNNING', **fields):
    body = {'status': status, 'entities': {}, 'job_id': 'job-1', 'job_type': 'createELB',
            'begin_time': '2024-01-01T00:00:00.000Z', 'end_time': None, 'error_code': None, 'fail_reason': None}
    body.update(fields)
    return body


# --- job_state ------------------------------------------------------------------------------------


@pytest.mark.parametrize('status, state', [
    ('INIT', 'init'), ('init', 'init'), (' Init ', 'init'),
    ('RUNNING', 'running'), ('Running', 'running'), ('running', 'running'), ('\tRUNNING\n', 'running'),
    ('SUCCESS', 'success'), ('Success', 'success'), ('success', 'success'), (' SUCCESS ', 'success'),
    ('FAIL', 'failed'), ('fail', 'failed'), ('Failed', 'failed'), ('FAILED', 'failed'), (' failed', 'failed'),
])
def test_job_state_known(status, state):
    assert job_state(status) == state


@pytest.mark.parametrize('status', [
    None, '', '   ', 'PENDING', 'ERROR', 'succeeded', 'SUCCESSFUL', 'run ning', 'Successes',
    0, 1, 1.5, True, False, ['SUCCESS'], {'status': 'SUCCESS'}, b'SUCCESS',
])
def test_job_state_unknown(status):
    assert job_state(status) == 'unknown'


# --- parse_time -----------------------------------------------------------------------------------


@pytest.mark.parametrize('value, expected', [
    # Epoch milliseconds (the CFW example) and seconds, as numbers and numeric strings.
    (1641370501000, '2022-01-05T08:15:01.000Z'),
    (1641370515000, '2022-01-05T08:15:15.000Z'),
    (1641370501399, '2022-01-05T08:15:01.399Z'),
    (1641370501, '2022-01-05T08:15:01.000Z'),
    (1641370501.399, '2022-01-05T08:15:01.399Z'),
    (1641370501399.0, '2022-01-05T08:15:01.399Z'),
    (1641370501.0004, '2022-01-05T08:15:01.000Z'),
    ('1641370501000', '2022-01-05T08:15:01.000Z'),
    (' 1641370501 ', '2022-01-05T08:15:01.000Z'),
    ('1641370501.5', '2022-01-05T08:15:01.500Z'),
    (99999999999, '5138-11-16T09:46:39.000Z'),      # just below the threshold: seconds
    (100000000000, '1973-03-03T09:46:40.000Z'),     # from 1e11 on: milliseconds
    (1, '1970-01-01T00:00:01.000Z'),
    # ISO 8601: 'Z', offsets with and without colon, none (UTC), fractions of any length, ' ' for 'T'.
    ('2017-09-29T09:49:37.399Z', '2017-09-29T09:49:37.399Z'),
    ('2022-01-05T16:15:01+0800', '2022-01-05T08:15:01.000Z'),
    ('2022-01-05T16:15:01+08:00', '2022-01-05T08:15:01.000Z'),
    ('2022-01-05T03:15:01-05:00', '2022-01-05T08:15:01.000Z'),
    ('2022-01-05T03:15:01-0500', '2022-01-05T08:15:01.000Z'),
    ('2022-01-05T16:15:01+08', '2022-01-05T08:15:01.000Z'),
    ('2022-01-05T08:15:01', '2022-01-05T08:15:01.000Z'),
    ('2022-01-05 08:15:01', '2022-01-05T08:15:01.000Z'),
    ('2022-01-05 08:15:01.5', '2022-01-05T08:15:01.500Z'),
    ('2022-01-05T08:15:01.1Z', '2022-01-05T08:15:01.100Z'),
    ('2022-01-05T08:15:01.12Z', '2022-01-05T08:15:01.120Z'),
    ('2022-01-05T08:15:01.123456Z', '2022-01-05T08:15:01.123Z'),
    ('2022-01-05T08:15:01.123456789+00:00', '2022-01-05T08:15:01.123Z'),
    ('2022-01-05T08:15:01.9996Z', '2022-01-05T08:15:02.000Z'),
    ('2022-01-05T08:15:01,250Z', '2022-01-05T08:15:01.250Z'),
    ('2022-01-05t08:15:01z', '2022-01-05T08:15:01.000Z'),
    ('  2022-01-05T08:15:01Z\n', '2022-01-05T08:15:01.000Z'),
    ('2022-01-05T08:15:01 +0100', '2022-01-05T07:15:01.000Z'),
    ('2022-01-05T08:15Z', '2022-01-05T08:15:00.000Z'),
    ('2021-12-31T23:30:00-01:00', '2022-01-01T00:30:00.000Z'),   # the offset crosses a year
    ('2024-02-29T12:00:00Z', '2024-02-29T12:00:00.000Z'),
    ('0999-01-01T00:00:00Z', '0999-01-01T00:00:00.000Z'),
])
def test_parse_time(value, expected):
    assert parse_time(value) == expected


@pytest.mark.parametrize('value', [
    None, '', '   ', '\n', True, False, [], {}, [1641370501000], {'time': 1},
    0, -1, -1641370501000, '0', 0.0, -0.5, '-1641370501',      # 0/-1 mean "not set"
    float('inf'), float('-inf'), float('nan'), 10 ** 30, pytest.param(10 ** 5000, id='10**5000'), pytest.param(-10 ** 5000, id='-10**5000'), 1e300, '9' * 5000,
    'yesterday', 'null', '1e12', '0x10', '2022-01-05', '2022-01-05T', '08:15:01',
    '2022-02-30T00:00:00Z', '2022-13-01T00:00:00Z', '2022-01-05T24:00:00Z', '2022-01-05T08:60:00Z',
    '2022-01-05T08:15:60Z', '2022-01-05T08:15:01+2400', '2022-01-05T08:15:01+05:60', '2022-01-05T08:15:01+5',
    '2022-01-05T08:15:01.Z', '2022-01-05T08:15:01ZZ', '2022-01-05T08:15:01 UTC', '22-01-05T08:15:01Z',
    '9999-12-31T23:59:59.9999Z', '9999-12-31T23:00:00-01:00', '0001-01-01T00:00:00+01:00',
    '\uff12\uff10\uff12\uff12-01-05T08:15:01Z', '\u0661\u0662\u0663',      # non-ASCII digits are no digits here
])
def test_parse_time_unreadable_or_unset(value):
    assert parse_time(value) is None


# --- normalize_job: the documented examples -------------------------------------------------------


def test_elb_doc_example():
    job = normalize_job('elb', ELB_DOC_BODY, project_id=PROJECT, job_id='ff8080825ecc523f015ecd0a98f82f77')
    assert job == {
        'id': 'ff8080825ecc523f015ecd0a98f82f77',
        'service': 'elb',
        'project_id': PROJECT,
        'status': 'SUCCESS',
        'state': 'success',
        'finished': True,
        'succeeded': True,
        'job_type': 'createELB',
        'begin_time': '2017-09-29T09:49:37.399Z',
        'end_time': '2017-09-29T09:50:03.272Z',
        'duration': 25.873,
        'error': None,
        'entities': ELB_DOC_BODY['entities'],
        'sub_jobs': [],
        'raw': ELB_DOC_BODY,
    }
    assert job['raw'] is ELB_DOC_BODY


def test_cfw_doc_example():
    job = normalize_job('cfw', CFW_DOC_BODY, project_id=PROJECT, job_id='f588ce71-e26c-400d-8981-f854355f6849')
    assert job == {
        'id': 'f588ce71-e26c-400d-8981-f854355f6849',
        'service': 'cfw',
        'project_id': PROJECT,
        'status': 'Success',
        'state': 'success',
        'finished': True,
        'succeeded': True,
        'job_type': None,
        'begin_time': '2022-01-05T08:15:01.000Z',
        'end_time': '2022-01-05T08:15:15.000Z',
        'duration': 14.0,
        'error': None,
        'entities': {},
        'sub_jobs': [],
        'raw': CFW_DOC_BODY,
    }
    assert job['raw'] is CFW_DOC_BODY


def test_normalize_does_not_modify_the_body():
    body = copy.deepcopy(ELB_DOC_BODY)
    normalize_job('elb', body)
    assert body == ELB_DOC_BODY


def test_cfw_bare_job_object_is_accepted():
    bare = CFW_DOC_BODY['data']
    job = normalize_job('cfw', bare, project_id=PROJECT)
    assert (job['id'], job['state'], job['duration'], job['raw']) == (bare['id'], 'success', 14.0, bare)


@pytest.mark.parametrize('service, body', [
    ('elb', {'status': 'RUNNING'}),
    ('elb', {'status': 'RUNNING', 'job_id': None}),
    ('elb', {'status': 'RUNNING', 'job_id': ''}),
    ('cfw', {'data': {'status': 'Running'}}),
    ('cfw', {'data': {'status': 'Running', 'id': None}}),
])
def test_id_falls_back_to_the_id_asked_for(service, body):
    assert normalize_job(service, body, job_id='asked-for')['id'] == 'asked-for'


@pytest.mark.parametrize('service, body, expected', [
    ('elb', {'status': 'RUNNING', 'job_id': 'elb-1'}, 'elb-1'),
    ('elb', {'status': 'RUNNING', 'id': 'elb-2'}, 'elb-2'),
    ('elb', {'status': 'RUNNING', 'job_id': 12345}, '12345'),
    ('cfw', {'data': {'status': 'Running', 'id': 'cfw-1'}}, 'cfw-1'),
    ('cfw', {'data': {'status': 'Running', 'job_id': 'cfw-2'}}, 'cfw-2'),
])
def test_id_from_the_body(service, body, expected):
    assert normalize_job(service, body, job_id='asked-for')['id'] == expected


@pytest.mark.parametrize('status, raw_status, state, finished, succeeded', [
    ('INIT', 'INIT', 'init', False, False),
    ('RUNNING', 'RUNNING', 'running', False, False),
    ('SUCCESS', 'SUCCESS', 'success', True, True),
    ('FAIL', 'FAIL', 'failed', True, False),
    (' Success ', ' Success ', 'success', True, True),    # the raw status is kept as sent
    ('PENDING', 'PENDING', 'unknown', False, False),
    (None, None, 'unknown', False, False),
    (3, '3', 'unknown', False, False),
    (True, 'true', 'unknown', False, False),
    (['SUCCESS'], None, 'unknown', False, False),
    ({'value': 'SUCCESS'}, None, 'unknown', False, False),
])
def test_status_and_state(status, raw_status, state, finished, succeeded):
    job = normalize_job('elb', elb_job(status, end_time='2024-01-01T00:00:05Z'))
    assert (job['status'], job['state'], job['finished'], job['succeeded']) == (raw_status, state, finished, succeeded)
    assert job['duration'] == (5.0 if finished else None)


@pytest.mark.parametrize('begin, end, status, duration', [
    ('2024-01-01T00:00:00.000Z', '2024-01-01T00:00:01.500Z', 'SUCCESS', 1.5),
    ('2024-01-01T00:00:00.000Z', '2024-01-01T00:00:01.500Z', 'FAIL', 1.5),
    ('2024-01-01T08:00:00+08:00', 1704067210000, 'SUCCESS', 10.0),        # mixed formats
    ('2024-01-01T00:00:10Z', '2024-01-01T00:00:00Z', 'SUCCESS', 0.0),     # clock skew: clamped
    ('2024-01-01T00:00:00.000Z', '2024-01-01T00:00:01.500Z', 'RUNNING', None),
    ('2024-01-01T00:00:00.000Z', None, 'SUCCESS', None),
    (None, '2024-01-01T00:00:01Z', 'SUCCESS', None),
    ('garbage', '2024-01-01T00:00:01Z', 'SUCCESS', None),
    ('', '', 'SUCCESS', None),
])
def test_duration(begin, end, status, duration):
    job = normalize_job('elb', elb_job(status, begin_time=begin, end_time=end))
    assert job['duration'] == duration
    assert isinstance(job['duration'], (float, type(None)))


def test_unparseable_times_are_null_and_kept_raw():
    body = elb_job('SUCCESS', begin_time='last tuesday', end_time='')
    job = normalize_job('elb', body)
    assert (job['begin_time'], job['end_time'], job['duration']) == (None, None, None)
    assert job['raw']['begin_time'] == 'last tuesday'


@pytest.mark.parametrize('service, body, entities', [
    ('elb', elb_job(entities={'elb': {'id': 'x'}}), {'elb': {'id': 'x'}}),
    ('elb', elb_job(entities=None), {}),
    ('elb', elb_job(entities=[]), {}),
    ('elb', elb_job(entities='x'), {}),
    ('elb', {'status': 'RUNNING'}, {}),
    ('cfw', {'data': {'status': 'Running', 'entities': {'a': 1}}}, {}),
])
def test_entities(service, body, entities):
    assert normalize_job(service, body)['entities'] == entities


@pytest.mark.parametrize('service, body, job_type', [
    ('elb', elb_job(job_type='deleteELB'), 'deleteELB'),
    ('elb', elb_job(job_type=None), None),
    ('elb', {'status': 'RUNNING'}, None),
    ('cfw', {'data': {'status': 'Running', 'job_type': 'x'}}, None),
])
def test_job_type(service, body, job_type):
    assert normalize_job(service, body)['job_type'] == job_type


# --- normalize_job: errors of failed jobs ---------------------------------------------------------


@pytest.mark.parametrize('service, body, error', [
    ('elb', elb_job('FAIL', error_code='ELB.8902', fail_reason='Insufficient EIP quota'),
     {'code': 'ELB.8902', 'message': 'Insufficient EIP quota'}),
    ('elb', elb_job('FAIL', code='ELB.1000', message='something broke'),
     {'code': 'ELB.1000', 'message': 'something broke'}),
    ('elb', elb_job('FAIL', error_code='ELB.8902', fail_reason=None, message='from message'),
     {'code': 'ELB.8902', 'message': 'from message'}),
    ('elb', elb_job('FAIL', error_code='', fail_reason='', code='ELB.2', message='fallback'),
     {'code': 'ELB.2', 'message': 'fallback'}),
    ('elb', elb_job('FAIL', error_code=1234, fail_reason=None), {'code': '1234', 'message': None}),
    ('elb', elb_job('FAIL'), {'code': None, 'message': None}),      # failed without a reason: still a dict
    ('elb', {'status': 'fail'}, {'code': None, 'message': None}),
    ('cfw', {'data': {'status': 'Failed', 'id': 'c'}, 'error_code': 'CFW.0001', 'error_msg': 'rule conflict'},
     {'code': 'CFW.0001', 'message': 'rule conflict'}),
    ('cfw', {'data': {'status': 'Failed', 'id': 'c', 'error_code': 'CFW.0002', 'fail_reason': 'inner'},
             'error_code': 'CFW.0001', 'error_msg': 'outer'},
     {'code': 'CFW.0002', 'message': 'inner'}),
    ('cfw', {'data': {'status': 'Failed'}}, {'code': None, 'message': None}),
])
def test_error_of_a_failed_job(service, body, error):
    assert normalize_job(service, body, job_id='j')['error'] == error


@pytest.mark.parametrize('status', ['SUCCESS', 'RUNNING', 'INIT', 'PENDING'])
def test_no_error_unless_failed(status):
    body = elb_job(status, error_code='ELB.8902', fail_reason='stale reason')
    assert normalize_job('elb', body)['error'] is None


# --- normalize_job: sub-jobs ----------------------------------------------------------------------


@pytest.mark.parametrize('sub_jobs', ['missing', None, '', [], 'not a list', 0, {'status': 'FAIL'}])
def test_no_sub_jobs(sub_jobs):
    body = elb_job('SUCCESS')
    if sub_jobs != 'missing':
        body['sub_jobs'] = sub_jobs
    assert normalize_job('elb', body)['sub_jobs'] == []


def test_nested_sub_jobs_with_a_failed_one():
    failed_leaf = {'status': 'FAIL', 'job_id': 'leaf', 'job_type': 'createListener', 'entities': {'listener': {}},
                   'begin_time': '2024-01-01T00:00:01Z', 'end_time': '2024-01-01T00:00:03Z',
                   'error_code': 'ELB.1101', 'fail_reason': 'port in use', 'sub_jobs': None}
    middle = {'status': 'FAIL', 'job_id': 'middle', 'job_type': 'createMember', 'sub_jobs': [failed_leaf, 'junk', 7, None]}
    done = {'status': 'SUCCESS', 'job_id': 'done', 'sub_jobs': ''}
    body = elb_job('FAIL', job_id='parent', error_code='ELB.1000', fail_reason='sub-job failed', sub_jobs=[done, middle])
    job = normalize_job('elb', body, project_id=PROJECT)

    assert [sub['id'] for sub in job['sub_jobs']] == ['done', 'middle']
    assert job['sub_jobs'][0]['succeeded'] is True
    middle_job = job['sub_jobs'][1]
    assert (middle_job['state'], middle_job['error']) == ('failed', {'code': None, 'message': None})
    assert middle_job['raw'] is middle
    assert len(middle_job['sub_jobs']) == 1     # non-object items are skipped
    assert middle_job['sub_jobs'][0] == {
        'id': 'leaf', 'service': 'elb', 'project_id': PROJECT, 'status': 'FAIL', 'state': 'failed',
        'finished': True, 'succeeded': False, 'job_type': 'createListener',
        'begin_time': '2024-01-01T00:00:01.000Z', 'end_time': '2024-01-01T00:00:03.000Z', 'duration': 2.0,
        'error': {'code': 'ELB.1101', 'message': 'port in use'}, 'entities': {'listener': {}}, 'sub_jobs': [],
        'raw': failed_leaf,
    }


def test_sub_jobs_are_read_leniently():
    body = elb_job('RUNNING', sub_jobs=[{}, {'job_id': 'no-status'}])
    subs = normalize_job('elb', body, job_id='parent')['sub_jobs']
    assert [(sub['id'], sub['status'], sub['state']) for sub in subs] == [(None, None, 'unknown'), ('no-status', None, 'unknown')]


def test_sub_job_depth_is_capped():
    body = {'status': 'RUNNING', 'job_id': 'level-0'}
    innermost = body
    for level in range(1, 5000):   # far deeper than the stack would allow unchecked
        child = {'status': 'RUNNING', 'job_id': 'level-%d' % level}
        innermost['sub_jobs'] = [child]
        innermost = child
    job = normalize_job('elb', body)
    depth = 0
    while job['sub_jobs']:
        job = job['sub_jobs'][0]
        depth += 1
    assert depth == MAX_SUB_JOB_DEPTH
    assert job['id'] == 'level-%d' % MAX_SUB_JOB_DEPTH


# --- normalize_job: bodies that are not jobs ------------------------------------------------------


@pytest.mark.parametrize('service, body, reason', [
    ('elb', None, 'the body is null'),
    ('elb', [], 'the body is a list'),
    ('elb', 'SUCCESS', 'the body is a string'),
    ('elb', 42, 'the body is a number'),
    ('elb', True, 'the body is a boolean'),
    ('elb', {}, "no 'status'"),
    ('elb', {'job_id': 'x', 'begin_time': 1}, "no 'status'"),
    ('elb', {'data': {'status': 'SUCCESS'}}, "no 'status'"),
    ('cfw', {'data': None}, "'data' is null"),
    ('cfw', {'data': []}, "'data' is a list"),
    ('cfw', {'data': 'Success'}, "'data' is a string"),
    ('cfw', {'data': {}}, "no 'status'"),
    ('cfw', {'data': {'id': 'x'}}, "no 'status'"),
    ('cfw', {}, "no 'status'"),
    ('cfw', [CFW_DOC_BODY], 'the body is a list'),
])
def test_not_a_job(service, body, reason):
    with pytest.raises(InvalidResponse) as caught:
        normalize_job(service, body, job_id='job-42')
    assert caught.value.message.startswith('%s job job-42: ' % service)
    assert reason in caught.value.message


def test_not_a_job_quotes_an_api_error_in_the_body():
    body = {'error_code': 'CFW.00200005', 'error_msg': 'The job does not exist.'}
    with pytest.raises(InvalidResponse, match='CFW.00200005 The job does not exist.'):
        normalize_job('cfw', body, job_id='job-42')


def test_unknown_service_is_a_programming_error():
    with pytest.raises(ValueError):
        normalize_job('vpc', {'status': 'SUCCESS'})


# --- extract_error --------------------------------------------------------------------------------

HTML_503 = ('<html><head><title>503 Service Unavailable</title></head>'
            '<body><center><h1>503 Service Unavailable</h1></center><hr><center>nginx</center></body></html>')


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


def test_extract_error_caps_long_plain_text():
    code, message = extract_error(None, 'x' * 10000)
    assert code is None
    assert message.endswith('...') and len(message) <= 300


def test_extract_error_caps_long_json_values():
    code, message = extract_error({'error_code': 'C' * 5000, 'error_msg': 'm' * 5000})
    assert len(code) <= 100 and len(message) <= 1000


def test_extract_error_survives_hostile_html():
    # Unclosed tags by the thousand: the scan stays linear and the visible text is what remains.
    code, message = extract_error(None, '<html>' + '<title' * 20000 + '<' * 100000)
    assert code is None and message.startswith('<title<title') and len(message) <= 300


# --- properties -----------------------------------------------------------------------------------

JOB_FIELD_NAMES = ('status', 'job_id', 'id', 'job_type', 'begin_time', 'end_time', 'entities', 'sub_jobs',
                   'error_code', 'fail_reason', 'code', 'message', 'error_msg', 'data', 'error')
STATUS_VALUES = st.sampled_from(['INIT', 'RUNNING', 'SUCCESS', 'FAIL', 'Running', 'Success', 'Failed', ' success ', 'weird'])
REAL_INSTANTS = st.datetimes(min_value=datetime.datetime(2000, 1, 1), max_value=datetime.datetime(2100, 1, 1))
READABLE_TIMES = st.one_of(
    st.builds(lambda instant: instant.isoformat() + 'Z', REAL_INSTANTS),
    st.builds(lambda instant: instant.strftime('%Y-%m-%d %H:%M:%S+0800'), REAL_INSTANTS),
    st.integers(min_value=10 ** 11, max_value=4 * 10 ** 12),     # epoch milliseconds
    st.integers(min_value=1, max_value=4 * 10 ** 9),             # epoch seconds
)
TIME_VALUES = st.one_of(
    READABLE_TIMES, READABLE_TIMES, st.integers(), st.floats(), st.text(max_size=40),
    st.from_regex(r'\A\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(\.\d{1,9})?(Z|[+-]\d\d:?\d\d)?\Z'),
    st.from_regex(r'\A\d{1,16}(\.\d{1,6})?\Z'),
)
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=20))
JSON_VALUES = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.one_of(st.text(max_size=10), st.sampled_from(JOB_FIELD_NAMES)), children, max_size=5),
    ),
    max_leaves=20,
)


def job_like(children):
    """Dicts that look like jobs, so that the interesting paths are reached often."""
    fields = {
        'job_id': JSON_VALUES, 'id': JSON_VALUES,
        'job_type': JSON_VALUES, 'begin_time': TIME_VALUES, 'end_time': TIME_VALUES, 'entities': JSON_VALUES,
        'error_code': JSON_VALUES, 'fail_reason': JSON_VALUES, 'code': JSON_VALUES, 'message': JSON_VALUES,
        'sub_jobs': st.one_of(JSON_VALUES, st.lists(children, max_size=3)),
    }
    # A status is there most of the time; bodies without one come from JSON_VALUES.
    return st.fixed_dictionaries({'status': st.one_of(STATUS_VALUES, STATUS_VALUES, JSON_VALUES)}, optional=fields)


JOB_LIKE = st.recursive(st.just({'status': 'RUNNING'}), job_like, max_leaves=8)
BODIES = st.one_of(
    JSON_VALUES,
    JOB_LIKE,
    st.fixed_dictionaries({'data': st.one_of(JOB_LIKE, JSON_VALUES)},
                          optional={'error_code': JSON_VALUES, 'error_msg': JSON_VALUES}),
)


def assert_normalized(job, service, project_id, depth=0):
    assert isinstance(job, dict) and tuple(sorted(job)) == tuple(sorted(JOB_KEYS))
    assert job['service'] == service and job['project_id'] == project_id
    assert isinstance(job['id'], (str, type(None)))
    assert isinstance(job['status'], (str, type(None)))
    assert job['state'] in STATES
    assert job['finished'] is (job['state'] in ('success', 'failed'))
    assert job['succeeded'] is (job['state'] == 'success')
    assert isinstance(job['job_type'], (str, type(None)))
    for key in ('begin_time', 'end_time'):
        assert job[key] is None or TIME_FORMAT.match(job[key])
    assert job['duration'] is None or (isinstance(job['duration'], float) and job['duration'] >= 0.0)
    if job['duration'] is not None:
        assert job['finished'] and job['begin_time'] and job['end_time']
    if job['state'] == 'failed':
        assert sorted(job['error']) == ['code', 'message']
        assert all(isinstance(value, (str, type(None))) for value in job['error'].values())
    else:
        assert job['error'] is None
    assert isinstance(job['entities'], dict)
    assert isinstance(job['sub_jobs'], list)
    assert depth <= MAX_SUB_JOB_DEPTH
    for sub_job in job['sub_jobs']:
        assert_normalized(sub_job, service, project_id, depth + 1)


@PROPERTY_SETTINGS
@given(service=st.sampled_from(SERVICES), body=BODIES, project_id=st.one_of(st.none(), st.text(max_size=8)),
       job_id=st.one_of(st.none(), st.text(max_size=8)))
def test_normalize_job_returns_a_job_or_raises_invalid_response(service, body, project_id, job_id):
    try:
        job = normalize_job(service, body, project_id=project_id, job_id=job_id)
    except InvalidResponse as exc:
        assert exc.message.startswith('%s job ' % service)
        return
    assert_normalized(job, service, project_id)
    assert job['raw'] is body


@PROPERTY_SETTINGS
@given(value=st.one_of(TIME_VALUES, JSON_VALUES, st.integers(min_value=-10 ** 30, max_value=10 ** 30),
                       st.floats(allow_nan=True, allow_infinity=True), st.binary(max_size=8)))
def test_parse_time_never_raises(value):
    result = parse_time(value)
    assert result is None or TIME_FORMAT.match(result)


# Every instant, with every offset and the ways the APIs write it, reads back as the same UTC millisecond.
INSTANTS = st.datetimes(min_value=datetime.datetime(1971, 1, 1), max_value=datetime.datetime(5000, 1, 1))


def formatted(instant):
    return '%04d-%02d-%02dT%02d:%02d:%02d.%03dZ' % (
        instant.year, instant.month, instant.day, instant.hour, instant.minute, instant.second, instant.microsecond // 1000)


@PROPERTY_SETTINGS
@given(instant=INSTANTS, offset_minutes=st.integers(min_value=-23 * 60 - 59, max_value=23 * 60 + 59),
       colon=st.booleans(), separator=st.sampled_from('T '))
def test_parse_time_reads_iso_with_any_offset(instant, offset_minutes, colon, separator):
    instant = instant.replace(microsecond=instant.microsecond // 1000 * 1000)
    local = instant + datetime.timedelta(minutes=offset_minutes)
    sign = '+' if offset_minutes >= 0 else '-'
    hours, minutes = divmod(abs(offset_minutes), 60)
    text = '%s%s%02d:%02d:%02d.%03d%s%02d%s%02d' % (
        local.strftime('%Y-%m-%d'), separator, local.hour, local.minute, local.second, local.microsecond // 1000,
        sign, hours, ':' if colon else '', minutes)
    assert parse_time(text) == formatted(instant)


@PROPERTY_SETTINGS
@given(instant=INSTANTS)
def test_parse_time_reads_epoch_seconds_and_milliseconds(instant):
    instant = instant.replace(microsecond=instant.microsecond // 1000 * 1000)
    millis = (instant - datetime.datetime(1970, 1, 1)) // datetime.timedelta(milliseconds=1)
    if millis >= 10 ** 11:   # epochs below the threshold read as seconds
        assert parse_time(millis) == parse_time(str(millis)) == formatted(instant)
    seconds = millis // 1000
    if seconds < 10 ** 11:
        assert parse_time(seconds) == parse_time(str(seconds)) == formatted(instant.replace(microsecond=0))


@PROPERTY_SETTINGS
@given(body=st.one_of(JSON_VALUES, st.dictionaries(st.sampled_from(JOB_FIELD_NAMES + ('errorCode', 'errorMessage')), JSON_VALUES)),
       text=st.one_of(st.none(), st.text(), st.binary(max_size=20),
                      st.builds(lambda a, b: '<html><title>%s</title>%s' % (a, b), st.text(), st.text())))
def test_extract_error_never_raises(body, text):
    result = extract_error(body, text)
    assert isinstance(result, tuple) and len(result) == 2
    assert all(isinstance(value, (str, type(None))) for value in result)
