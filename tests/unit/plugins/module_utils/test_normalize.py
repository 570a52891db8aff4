# -*- coding: utf-8 -*-
# Copyright (c) otc.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tests of job normalization (SPEC §2, §2b, §3) for every job family of shared/api/job-apis.md.

Expected values are written out from the API documents (statuses, key names, example bodies), not
read from the service table, so that a wrong table entry fails here.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import datetime
import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.otc.jobs.plugins.module_utils.core._errors import InvalidResponse
from ansible_collections.otc.jobs.plugins.module_utils.wire._normalize import (
    JOB_KEYS,
    MAX_SUB_JOB_DEPTH,
    STATES,
    job_state,
    normalize_job,
    parse_progress,
    parse_time,
)
from ansible_collections.otc.jobs.plugins.module_utils.wire._services import SERVICES

TIME_FORMAT = re.compile(r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$')
PROPERTY_SETTINGS = settings(max_examples=300, deadline=None, derandomize=True, database=None)
FAMILY_SETTINGS = settings(max_examples=600, deadline=None, derandomize=True, database=None)

ALL_SERVICES = ('elb', 'cfw', 'ecs', 'evs', 'ims', 'bms', 'vbs', 'cce', 'rds', 'dds', 'ddm')
PROJECT = '09bb24e6fe80d23d2fa2c010b53b418c'

# job-apis.md "Summary": the statuses of each family, as documented.
V1_STATUSES = {'INIT': 'init', 'RUNNING': 'running', 'SUCCESS': 'success', 'FAIL': 'failed'}
DB_STATUSES = {'Running': 'running', 'Completed': 'success', 'Failed': 'failed'}
DOCUMENTED_STATUSES = {
    'elb': V1_STATUSES,
    'cfw': {'Running': 'running', 'Success': 'success', 'Failed': 'failed'},
    'ecs': V1_STATUSES, 'evs': V1_STATUSES, 'ims': V1_STATUSES, 'bms': V1_STATUSES, 'vbs': V1_STATUSES,
    'cce': {'Initializing': 'init', 'Running': 'running', 'Success': 'success', 'Failed': 'failed'},
    'rds': DB_STATUSES, 'dds': DB_STATUSES, 'ddm': DB_STATUSES,
}
EVERY_DOCUMENTED_STATUS = sorted(set(status for table in DOCUMENTED_STATUSES.values() for status in table))


def documented_state(service, status):
    """The state job-apis.md gives ``status`` (a str) in ``service``, matched case-insensitively."""
    table = dict((key.lower(), state) for key, state in DOCUMENTED_STATUSES[service].items())
    return table.get(status.strip().lower(), 'unknown') if isinstance(status, str) else 'unknown'


# Where each family keeps what (job-apis.md): key paths into the job object, and the wrapper around it.
SHAPES = {
    'elb': dict(wrapper=None, id=('job_id',), status=('status',), begin=('begin_time',), end=('end_time',),
                job_type=('job_type',), subs=('sub_jobs',), progress=None, resource=('entities', 'elb', 'id'),
                code=('error_code',), reason=('fail_reason',)),
    'cfw': dict(wrapper='data', id=('id',), status=('status',), begin=('begin_time',), end=('end_time',),
                job_type=None, subs=None, progress=None, resource=None, code=('error_code',), reason=('fail_reason',)),
    'ecs': dict(wrapper=None, id=('job_id',), status=('status',), begin=('begin_time',), end=('end_time',),
                job_type=('job_type',), subs=('entities', 'sub_jobs'), progress=None, resource=('entities', 'server_id'),
                code=('error_code',), reason=('fail_reason',)),
    'evs': dict(wrapper=None, id=('job_id',), status=('status',), begin=('begin_time',), end=('end_time',),
                job_type=('job_type',), subs=('entities', 'sub_jobs'), progress=None, resource=('entities', 'volume_id'),
                code=('error_code',), reason=('fail_reason',)),
    'ims': dict(wrapper=None, id=('job_id',), status=('status',), begin=('begin_time',), end=('end_time',),
                job_type=('job_type',), subs=('entities', 'sub_jobs_result'), progress=('entities', 'process_percent'),
                resource=('entities', 'image_id'), code=('error_code',), reason=('fail_reason',)),
    'bms': dict(wrapper=None, id=('job_id',), status=('status',), begin=('begin_time',), end=('end_time',),
                job_type=('job_type',), subs=('entities', 'sub_jobs'), progress=None, resource=('entities', 'server_id'),
                code=('error_code',), reason=('fail_reason',)),
    'vbs': dict(wrapper=None, id=('job_id',), status=('status',), begin=('begin_time',), end=('end_time',),
                job_type=('job_type',), subs=('sub_jobs',), progress=None, resource=('entities', 'backup_id'),
                code=('error_code',), reason=('fail_reason',)),
    'cce': dict(wrapper=None, id=('metadata', 'uid'), status=('status', 'phase'), begin=('metadata', 'creationTimestamp'),
                end=('metadata', 'updateTimestamp'), job_type=('spec', 'type'), subs=('spec', 'subJobs'), progress=None,
                resource=('spec', 'resourceID'), code=None, reason=('status', 'reason')),
    'rds': dict(wrapper='job', id=('id',), status=('status',), begin=('created',), end=('ended',), job_type=('name',),
                subs=None, progress=('process',), resource=('instance', 'id'), code=None, reason=('fail_reason',)),
    'dds': dict(wrapper='job', id=('id',), status=('status',), begin=('created',), end=('ended',), job_type=('name',),
                subs=None, progress=('progress',), resource=('instance', 'id'), code=None, reason=('fail_reason',)),
    'ddm': dict(wrapper='job', id=('id',), status=('status',), begin=('created_time',), end=('end_time',),
                job_type=('name',), subs=None, progress=('process',), resource=('instance', 'id'), code=None, reason=None),
}


def put(obj, path, value):
    """Set ``value`` at ``path`` in ``obj``, making the objects on the way."""
    for key in path[:-1]:
        obj = obj.setdefault(key, {})
    obj[path[-1]] = value
    return obj


def family_job(service, status, job_id='job-1', wrap=True, begin=None, end=None, subs=None, resource=None,
               progress=None, code=None, reason=None, **extra):
    """A job body of ``service`` in its own shape; keys with None values are left out."""
    shape = SHAPES[service]
    job = {}
    put(job, shape['status'], status)
    for key, value in (('id', job_id), ('begin', begin), ('end', end), ('subs', subs), ('resource', resource),
                       ('progress', progress), ('code', code), ('reason', reason)):
        if value is not None:
            assert shape[key], (service, key)
            put(job, shape[key], value)
    job.update(extra)
    return {shape['wrapper']: job} if wrap and shape['wrapper'] else job


def is_percent(value):
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 100


def without_raw(job):
    job = dict(job)
    job.pop('raw')
    job['sub_jobs'] = [without_raw(sub_job) for sub_job in job['sub_jobs']]
    return job


# --- job_state ------------------------------------------------------------------------------------


def case_variants(status):
    return sorted(set([status, status.upper(), status.lower(), status.title(), ' %s ' % status, '\t%s\n' % status.upper()]))


@pytest.mark.parametrize('service, status, state', [
    (service, variant, state)
    for service in ALL_SERVICES
    for status, state in sorted(DOCUMENTED_STATUSES[service].items())
    for variant in case_variants(status)
])
def test_job_state_documented_statuses(service, status, state):
    assert job_state(status, service) == state


@pytest.mark.parametrize('service, status', [
    (service, status)
    for service in ALL_SERVICES
    for status in EVERY_DOCUMENTED_STATUS
    if status.lower() not in [own.lower() for own in DOCUMENTED_STATUSES[service]]
])
def test_job_state_status_of_another_family_is_unknown(service, status):
    assert job_state(status, service) == 'unknown'
    assert job_state(status.upper(), service) == 'unknown'


def test_statuses_of_other_families_are_really_tested():
    # The cases the issue names: 'Completed' is no ECS status, 'FAIL' no RDS status, 'Failed' no ELB one.
    assert job_state('Completed', 'ecs') == job_state('FAIL', 'rds') == job_state('Failed', 'elb') == 'unknown'
    assert job_state('SUCCESS', 'rds') == job_state('Initializing', 'ddm') == job_state('INIT', 'cfw') == 'unknown'
    assert job_state('Completed', 'cfw') == job_state('FAIL', 'cce') == job_state('Completed', 'cce') == 'unknown'


@pytest.mark.parametrize('service', ALL_SERVICES)
@pytest.mark.parametrize('status', [
    None, '', '   ', 'PENDING', 'PENDING_PAYMENT', 'WAITING_EXECUTE', 'ERROR', 'Deleted', 'succeeded', 'SUCCESSFUL',
    'run ning', 'Successes', 'Completing', 0, 1, 1.5, True, False, ['SUCCESS'], {'status': 'Running'}, b'RUNNING',
])
def test_job_state_unknown(service, status):
    assert job_state(status, service) == 'unknown'


def test_job_state_defaults_to_elb():
    assert (job_state('FAIL'), job_state('Failed'), job_state('Completed')) == ('failed', 'unknown', 'unknown')


def test_job_state_refuses_an_unknown_service():
    with pytest.raises(ValueError):
        job_state('SUCCESS', 'vpc')


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
    # The families' own formats (job-apis.md "Things that cut across services" 5).
    ('2020-02-02 08:12:40.672772389 +0000 UTC', '2020-02-02T08:12:40.673Z'),     # CCE (Go, ns, zone name)
    ('2020-02-02 08:21:50.478108569 +0000 UTC', '2020-02-02T08:21:50.478Z'),
    ('2020-02-02 09:12:40.672772389 +0100 CET', '2020-02-02T08:12:40.673Z'),     # the offset decides, not the name
    ('2020-02-02 08:12:40 +0000 UTC', '2020-02-02T08:12:40.000Z'),
    ('2018-08-06T10:41:14+0000', '2018-08-06T10:41:14.000Z'),                     # RDS
    ('2021-07-12T09:22:04+0000', '2021-07-12T09:22:04.000Z'),                     # DDS
    ('2018-08-06T10:41:14+0100', '2018-08-06T09:41:14.000Z'),                     # DDM (CET)
    ('2016-04-25T20:04:47.591Z', '2016-04-25T20:04:47.591Z'),                     # ECS, EVS, IMS, BMS, VBS
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
    '2022-01-05T08:15:01.Z', '2022-01-05T08:15:01ZZ', '22-01-05T08:15:01Z',
    # A zone name alone says nothing about the offset: only Go's '+0000 UTC' (offset, then name) is read.
    '2022-01-05T08:15:01 UTC', '2022-01-05T08:15:01 PST', '2022-01-05T08:15:01Z UTC', '2020-02-02 08:12:40 +0000 utc',
    '2020-02-02 08:12:40 +0000 UTCPLUS', '2020-02-02 08:12:40.672772389 +0000 UTC m=+0.1',
    '9999-12-31T23:59:59.9999Z', '9999-12-31T23:00:00-01:00', '0001-01-01T00:00:00+01:00',
    '\uff12\uff10\uff12\uff12-01-05T08:15:01Z', '\u0661\u0662\u0663',      # non-ASCII digits are no digits here
])
def test_parse_time_unreadable_or_unset(value):
    assert parse_time(value) is None


# --- parse_progress -------------------------------------------------------------------------------


@pytest.mark.parametrize('value, expected', [
    ('60%', 60), ('60', 60), (60, 60), (60.5, 60), ('60.5%', 60), (' 60 % ', 60), ('0%', 0), (0, 0), ('100%', 100),
    (100, 100), ('060', 60), (100.0, 100),
    ('', None), (None, None), ('%', None), (101, None), ('101%', None), (-1, None), ('-1', None), ('-1%', None),
    ('abc', None), ('60 percent', None), ('6 0', None), ('1e2', None), ('0060', None), (True, None), (False, None),
    (float('nan'), None), (float('inf'), None), (1e300, None), pytest.param(10 ** 5000, None, id='10**5000'), ([60], None), ({'process': 60}, None),
    ('\u0666\u0660', None),
])
def test_parse_progress(value, expected):
    assert parse_progress(value) == expected


@pytest.mark.parametrize('value, expected', [
    (0, 0), (0.0, 0), (0.6, 60), ('0.6', 60), (' 0.25 ', 25), (0.29, 29), (0.999, 99), (1, 100), (1.0, 100), ('1', 100),
    # Above 1: a percent, as without fraction.
    (1.5, 1), (2, 2), ('40', 40), ('40%', 40), ('0.5%', 0), (100, 100), (101, None),
    (-1, None), (True, None), (float('nan'), None), (float('inf'), None), pytest.param(10 ** 5000, None, id='10**5000'),
    ('', None), (None, None), ('abc', None),
])
def test_parse_progress_as_a_fraction(value, expected):
    """IMS process_percent: documented as a Double that is 1 once the job finished."""
    assert parse_progress(value, fraction=True) == expected


# --- normalize_job: the documented examples, verbatim ----------------------------------------------

# api/000_7fd70ab5d6972226.txt (classic ELB v1.0).
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

# api/001_bcfaaa33914fa11f.txt (Cloud Firewall v3).
CFW_DOC_BODY = {
    "data": {
        "begin_time": 1641370501000,
        "end_time": 1641370515000,
        "id": "f588ce71-e26c-400d-8981-f854355f6849",
        "status": "Success",
    }
}

# The examples of api/job-apis.md, as JSON text exactly as printed there.
ECS_DOC_TEXT = u'''{"status":"SUCCESS","job_id":"2c9eb2c5544cbf6101544f0602af2b4f","job_type":"createServer",
 "begin_time":"2016-04-25T20:04:34.604Z","end_time":"2016-04-25T20:08:41.593Z","error_code":null,"fail_reason":null,
 "entities":{"sub_jobs_total":1,"sub_jobs":[{"status":"SUCCESS","job_id":"2c9eb2c5544cbf6101544f0635672b60",
   "job_type":"createSingleServer","entities":{"server_id":"bae51750-0089-41a1-9b18-5c777978ff6d"},
   "begin_time":"2016-04-25T20:04:47.591Z","end_time":"2016-04-25T20:08:21.328Z","error_code":null,"fail_reason":null}]}}'''
EVS_DOC_TEXT = u'''{"status":"RUNNING","entities":{"volume_id":"bdf1bb37-f20f-4266-9a04-f43e0a127376"},"job_id":"4010a32d535527910153552b492c0002",
 "job_type":"createVolume","begin_time":"2016-03-08T07:40:13.219Z","end_time":"","error_code":null,"fail_reason":null}'''
IMS_DOC_TEXT = u'''{"job_id":"9a175ac792fa12d20193002100dd2762","job_type":"imsCreateImageByInstance","status":"SUCCESS",
 "begin_time":"2024-11-06T06:19:43.195Z","end_time":"2024-11-06T06:23:25.158Z","error_code":null,"fail_reason":null,
 "entities":{"image_name":"test","image_id":"3f7185de-b59a-4bb8-aa1d-7a513528b0e9"}}'''
BMS_DOC_TEXT = u'''{"status":"FAIL","job_id":"2c9eb2c5544cbf6101544f0602af2b4f","job_type":"baremetalBatchCreate",
 "begin_time":"2019-04-25T20:04:34.604Z","end_time":"2019-04-25T20:08:41.593Z","error_code":"BMS.0017",
 "fail_reason":"EIP quota","entities":{"sub_jobs_total":1,"sub_jobs":[{"status":"FAIL","job_type":"baremetalSingleCreate","\u2026":"\u2026"}]}}'''
VBS_DOC_TEXT = u'''{"status":"SUCCESS","entities":{"backup_id":"ba5401a2-7cd2-4c01-8c0d-c936ab412d6d","volume_id":"7e5fdc5a-5e36-4b22-8bcc-7f17037290cc"},
 "job_id":"4010b39b5281d3590152874bfa3b1604","job_type":"bksCreateBackup","begin_time":"2016-01-28T16:14:09.466Z",
 "end_time":"2016-01-28T16:25:27.690Z","error_code":null,"fail_reason":null}'''
CCE_DOC_TEXT = u'''{"kind":"Job","apiVersion":"v3","metadata":{"uid":"354331b2c-229a-11e8-9c75-0255ac100ceb",
 "creationTimestamp":"2020-02-02 08:12:40.672772389 +0000 UTC","updateTimestamp":"2020-02-02 08:21:50.478108569 +0000 UTC"},
 "spec":{"type":"CreateCluster","clusterUID":"4d1ecb2c-229a-11e8-9c75-0255ac100ceb","resourceName":"cluster-name",
  "subJobs":[{"kind":"Job","apiVersion":"v3","metadata":{"uid":"fd474f82-\u2026"},"spec":{"type":"CreatePSMCert"},"status":{"phase":"Success"}}]},
 "status":{"phase":"Running","reason":""}}'''
RDS_DOC_TEXT = u'''{"job":{"id":"31b8ae23-c687-4d80-b7b4-42a66c9bb886","name":"CreateMysqlSingleHAInstance","status":"Failed",
 "created":"2018-08-06T10:41:14+0000","ended":"2018-08-06T16:41:14+0000","process":"",
 "instance":{"id":"a48e43ff268f4c0e879652d65e63d0fbin01","name":"mysql-single"},
 "entities":{"instance":{"type":"Single","datastore":{"type":"mysql","version":"5.7"}}},"fail_reason":"createVM failed."}}'''
DDS_DOC_TEXT = u'''{"job":{"id":"f85104b5-4a9c-4e0f-9505-fc5409d8f7ae","name":"Create_MongoDB","status":"Completed",
 "created":"2021-07-12T09:22:04+0000","ended":"2021-07-12T10:10:13+0000","progress":"",
 "instance":{"id":"d87f5b33049144ec95f0cab0a5f22cfbin02","name":"dds-5ff4-sh"},"fail_reason":null}}'''
DDM_DOC_TEXT = u'''{"job":{"id":"31b8ae23-c687-4d80-b7b4-42a66c9bb886","name":"CreateInstance","status":"Running",
 "created_time":"2018-08-06T10:41:14+0100","end_time":"2018-08-06T16:41:14+0100","process":"60%",
 "instance":{"id":"a48e43ff268f4c0e879652d65e63d0fbin09","name":"DDM-test"}}}'''


def job_dict(**fields):
    """A normalized job with the defaults of a job that says little; ``fields`` override them."""
    job = dict((key, None) for key in JOB_KEYS)
    job.update(project_id=PROJECT, finished=False, succeeded=False, entities={}, sub_jobs=[], resource_ids=[])
    job.update(fields)
    assert sorted(job) == sorted(JOB_KEYS)
    return job


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
        'progress': None,
        'resource_ids': ['ef265755daf84333baf4ddc1d91cbc2f'],
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
        'progress': None,
        'resource_ids': [],
        'raw': CFW_DOC_BODY,
    }
    assert job['raw'] is CFW_DOC_BODY


def test_ecs_doc_example():
    body = json.loads(ECS_DOC_TEXT)
    job = normalize_job('ecs', body, project_id=PROJECT, job_id='2c9eb2c5544cbf6101544f0602af2b4f')
    sub_body = body['entities']['sub_jobs'][0]
    assert job == job_dict(
        id='2c9eb2c5544cbf6101544f0602af2b4f', service='ecs', status='SUCCESS', state='success', finished=True,
        succeeded=True, job_type='createServer', begin_time='2016-04-25T20:04:34.604Z',
        end_time='2016-04-25T20:08:41.593Z', duration=246.989,
        entities={'sub_jobs_total': 1, 'sub_jobs': [sub_body]},
        sub_jobs=[job_dict(
            id='2c9eb2c5544cbf6101544f0635672b60', service='ecs', status='SUCCESS', state='success', finished=True,
            succeeded=True, job_type='createSingleServer', begin_time='2016-04-25T20:04:47.591Z',
            end_time='2016-04-25T20:08:21.328Z', duration=213.737,
            entities={'server_id': 'bae51750-0089-41a1-9b18-5c777978ff6d'},
            resource_ids=['bae51750-0089-41a1-9b18-5c777978ff6d'], raw=sub_body)],
        resource_ids=['bae51750-0089-41a1-9b18-5c777978ff6d'], raw=body)
    assert job['raw'] is body and job['sub_jobs'][0]['raw'] is sub_body


def test_evs_doc_example_running_with_an_empty_end_time():
    body = json.loads(EVS_DOC_TEXT)
    job = normalize_job('evs', body, project_id=PROJECT, job_id='4010a32d535527910153552b492c0002')
    assert job == job_dict(
        id='4010a32d535527910153552b492c0002', service='evs', status='RUNNING', state='running',
        job_type='createVolume', begin_time='2016-03-08T07:40:13.219Z', end_time=None, duration=None,
        entities={'volume_id': 'bdf1bb37-f20f-4266-9a04-f43e0a127376'},
        resource_ids=['bdf1bb37-f20f-4266-9a04-f43e0a127376'], raw=body)


def test_ims_doc_example():
    body = json.loads(IMS_DOC_TEXT)
    job = normalize_job('ims', body, project_id=PROJECT, job_id='9a175ac792fa12d20193002100dd2762')
    assert job == job_dict(
        id='9a175ac792fa12d20193002100dd2762', service='ims', status='SUCCESS', state='success', finished=True,
        succeeded=True, job_type='imsCreateImageByInstance', begin_time='2024-11-06T06:19:43.195Z',
        end_time='2024-11-06T06:23:25.158Z', duration=221.963,
        entities={'image_name': 'test', 'image_id': '3f7185de-b59a-4bb8-aa1d-7a513528b0e9'},
        resource_ids=['3f7185de-b59a-4bb8-aa1d-7a513528b0e9'], raw=body)


def test_bms_doc_example_failed_with_a_failed_sub_job():
    body = json.loads(BMS_DOC_TEXT)
    job = normalize_job('bms', body, project_id=PROJECT, job_id='2c9eb2c5544cbf6101544f0602af2b4f')
    sub_body = body['entities']['sub_jobs'][0]
    assert job == job_dict(
        id='2c9eb2c5544cbf6101544f0602af2b4f', service='bms', status='FAIL', state='failed', finished=True,
        job_type='baremetalBatchCreate', begin_time='2019-04-25T20:04:34.604Z', end_time='2019-04-25T20:08:41.593Z',
        duration=246.989, error={'code': 'BMS.0017', 'message': 'EIP quota'},
        entities={'sub_jobs_total': 1, 'sub_jobs': [sub_body]},
        sub_jobs=[job_dict(
            service='bms', status='FAIL', state='failed', finished=True, job_type='baremetalSingleCreate',
            error={'code': None, 'message': None}, raw=sub_body)],
        raw=body)


def test_vbs_doc_example():
    body = json.loads(VBS_DOC_TEXT)
    job = normalize_job('vbs', body, project_id=PROJECT, job_id='4010b39b5281d3590152874bfa3b1604')
    assert job == job_dict(
        id='4010b39b5281d3590152874bfa3b1604', service='vbs', status='SUCCESS', state='success', finished=True,
        succeeded=True, job_type='bksCreateBackup', begin_time='2016-01-28T16:14:09.466Z',
        end_time='2016-01-28T16:25:27.690Z', duration=678.224,
        entities={'backup_id': 'ba5401a2-7cd2-4c01-8c0d-c936ab412d6d', 'volume_id': '7e5fdc5a-5e36-4b22-8bcc-7f17037290cc'},
        resource_ids=['ba5401a2-7cd2-4c01-8c0d-c936ab412d6d'], raw=body)


def test_cce_doc_example_running_with_a_finished_sub_job():
    body = json.loads(CCE_DOC_TEXT)
    job = normalize_job('cce', body, project_id=PROJECT, job_id='354331b2c-229a-11e8-9c75-0255ac100ceb')
    sub_body = body['spec']['subJobs'][0]
    assert job == job_dict(
        id='354331b2c-229a-11e8-9c75-0255ac100ceb', service='cce', status='Running', state='running',
        job_type='CreateCluster', begin_time='2020-02-02T08:12:40.673Z', end_time=None, duration=None,
        sub_jobs=[job_dict(
            id=u'fd474f82-\u2026', service='cce', status='Success', state='success', finished=True, succeeded=True,
            job_type='CreatePSMCert', raw=sub_body)],
        raw=body)


def test_rds_doc_example_failed():
    body = json.loads(RDS_DOC_TEXT)
    job = normalize_job('rds', body, project_id=PROJECT, job_id='31b8ae23-c687-4d80-b7b4-42a66c9bb886')
    assert job == job_dict(
        id='31b8ae23-c687-4d80-b7b4-42a66c9bb886', service='rds', status='Failed', state='failed', finished=True,
        job_type='CreateMysqlSingleHAInstance', begin_time='2018-08-06T10:41:14.000Z',
        end_time='2018-08-06T16:41:14.000Z', duration=21600.0, error={'code': None, 'message': 'createVM failed.'},
        entities={'instance': {'type': 'Single', 'datastore': {'type': 'mysql', 'version': '5.7'}}},
        resource_ids=['a48e43ff268f4c0e879652d65e63d0fbin01'], raw=body)


def test_dds_doc_example_completed():
    body = json.loads(DDS_DOC_TEXT)
    job = normalize_job('dds', body, project_id=PROJECT, job_id='f85104b5-4a9c-4e0f-9505-fc5409d8f7ae')
    assert job == job_dict(
        id='f85104b5-4a9c-4e0f-9505-fc5409d8f7ae', service='dds', status='Completed', state='success', finished=True,
        succeeded=True, job_type='Create_MongoDB', begin_time='2021-07-12T09:22:04.000Z',
        end_time='2021-07-12T10:10:13.000Z', duration=2889.0,
        resource_ids=['d87f5b33049144ec95f0cab0a5f22cfbin02'], raw=body)


def test_ddm_doc_example_running_with_an_end_time():
    body = json.loads(DDM_DOC_TEXT)
    job = normalize_job('ddm', body, project_id=PROJECT, job_id='31b8ae23-c687-4d80-b7b4-42a66c9bb886')
    assert job == job_dict(
        id='31b8ae23-c687-4d80-b7b4-42a66c9bb886', service='ddm', status='Running', state='running',
        job_type='CreateInstance', begin_time='2018-08-06T09:41:14.000Z', end_time=None, duration=None, progress=60,
        resource_ids=['a48e43ff268f4c0e879652d65e63d0fbin09'], raw=body)


DOC_BODIES = [
    ('elb', lambda: copy.deepcopy(ELB_DOC_BODY)), ('cfw', lambda: copy.deepcopy(CFW_DOC_BODY)),
    ('ecs', lambda: json.loads(ECS_DOC_TEXT)), ('evs', lambda: json.loads(EVS_DOC_TEXT)),
    ('ims', lambda: json.loads(IMS_DOC_TEXT)), ('bms', lambda: json.loads(BMS_DOC_TEXT)),
    ('vbs', lambda: json.loads(VBS_DOC_TEXT)), ('cce', lambda: json.loads(CCE_DOC_TEXT)),
    ('rds', lambda: json.loads(RDS_DOC_TEXT)), ('dds', lambda: json.loads(DDS_DOC_TEXT)),
    ('ddm', lambda: json.loads(DDM_DOC_TEXT)),
]


@pytest.mark.parametrize('service, make_body', DOC_BODIES, ids=[service for service, make in DOC_BODIES])
def test_normalize_does_not_modify_the_body(service, make_body):
    body = make_body()
    normalize_job(service, body, project_id=PROJECT)
    assert body == make_body()


# --- normalize_job: times per family -------------------------------------------------------------


@pytest.mark.parametrize('service, status, begin, end, expected', [
    # EVS: end_time "" while running, and even when finished it is no time.
    ('evs', 'RUNNING', '2016-03-08T07:40:13.219Z', '', ('2016-03-08T07:40:13.219Z', None, None)),
    ('evs', 'SUCCESS', '2016-03-08T07:40:13.219Z', '', ('2016-03-08T07:40:13.219Z', None, None)),
    ('evs', 'SUCCESS', '2016-03-08T07:40:13.219Z', '2016-03-08T07:41:13.719Z',
     ('2016-03-08T07:40:13.219Z', '2016-03-08T07:41:13.719Z', 60.5)),
    # DDS and DDM send an end time while the job runs: it is no end until the job is finished.
    ('dds', 'Running', '2021-07-12T09:22:04+0000', '2021-07-12T10:10:13+0000', ('2021-07-12T09:22:04.000Z', None, None)),
    ('dds', 'Completed', '2021-07-12T09:22:04+0000', '2021-07-12T10:10:13+0000',
     ('2021-07-12T09:22:04.000Z', '2021-07-12T10:10:13.000Z', 2889.0)),
    ('dds', 'Failed', '2021-07-12T09:22:04+0000', '2021-07-12T09:22:14+0000',
     ('2021-07-12T09:22:04.000Z', '2021-07-12T09:22:14.000Z', 10.0)),
    ('ddm', 'Running', '2018-08-06T10:41:14+0100', '2018-08-06T16:41:14+0100', ('2018-08-06T09:41:14.000Z', None, None)),
    ('ddm', 'Completed', '2018-08-06T10:41:14+0100', '2018-08-06T16:41:14+0100',
     ('2018-08-06T09:41:14.000Z', '2018-08-06T15:41:14.000Z', 21600.0)),
    ('ddm', 'Weird', '2018-08-06T10:41:14+0100', '2018-08-06T16:41:14+0100', ('2018-08-06T09:41:14.000Z', None, None)),
    ('rds', 'Running', '2018-08-06T10:41:14+0000', '2018-08-06T16:41:14+0000', ('2018-08-06T10:41:14.000Z', None, None)),
    ('rds', 'Completed', '2018-08-06T10:41:14+0000', '2018-08-06T10:41:15+0000',
     ('2018-08-06T10:41:14.000Z', '2018-08-06T10:41:15.000Z', 1.0)),
    # CCE: creationTimestamp is the begin; updateTimestamp is the end only once the job is done.
    ('cce', 'Running', '2020-02-02 08:12:40.672772389 +0000 UTC', '2020-02-02 08:21:50.478108569 +0000 UTC',
     ('2020-02-02T08:12:40.673Z', None, None)),
    ('cce', 'Initializing', '2020-02-02 08:12:40.672772389 +0000 UTC', '2020-02-02 08:21:50.478108569 +0000 UTC',
     ('2020-02-02T08:12:40.673Z', None, None)),
    ('cce', 'Success', '2020-02-02 08:12:40.672772389 +0000 UTC', '2020-02-02 08:21:50.478108569 +0000 UTC',
     ('2020-02-02T08:12:40.673Z', '2020-02-02T08:21:50.478Z', 549.805)),
    ('cce', 'Failed', '2020-02-02 08:12:40 +0000 UTC', '2020-02-02 08:12:41.5 +0000 UTC',
     ('2020-02-02T08:12:40.000Z', '2020-02-02T08:12:41.500Z', 1.5)),
    # CFW: epoch milliseconds (its example) and the documented offset strings.
    ('cfw', 'Success', 1641370501000, '2022-01-05T16:15:15+0800', ('2022-01-05T08:15:01.000Z', '2022-01-05T08:15:15.000Z', 14.0)),
    ('cfw', 'Running', 1641370501000, 1641370515000, ('2022-01-05T08:15:01.000Z', None, None)),
    # The v1 family: ISO with 'Z' and milliseconds.
    ('ecs', 'FAIL', '2016-04-25T20:04:34.604Z', '2016-04-25T20:08:41.593Z', ('2016-04-25T20:04:34.604Z', '2016-04-25T20:08:41.593Z', 246.989)),
    ('ims', 'INIT', '2024-11-06T06:19:43.195Z', None, ('2024-11-06T06:19:43.195Z', None, None)),
    ('bms', 'SUCCESS', None, '2019-04-25T20:08:41.593Z', (None, '2019-04-25T20:08:41.593Z', None)),
    ('vbs', 'SUCCESS', 'garbage', '2016-01-28T16:25:27.690Z', (None, '2016-01-28T16:25:27.690Z', None)),
    ('elb', 'SUCCESS', '2024-01-01T00:00:10Z', '2024-01-01T00:00:00Z', ('2024-01-01T00:00:10.000Z', '2024-01-01T00:00:00.000Z', 0.0)),
])
def test_times_per_family(service, status, begin, end, expected):
    job = normalize_job(service, family_job(service, status, begin=begin, end=end), project_id=PROJECT)
    assert (job['begin_time'], job['end_time'], job['duration']) == expected
    assert isinstance(job['duration'], (float, type(None)))


@pytest.mark.parametrize('service', ['rds', 'dds', 'ddm', 'cce', 'evs'])
def test_the_times_of_other_families_are_not_read(service):
    # A v1-style begin_time/end_time means nothing to the families that name their times differently, and back.
    names = {'begin_time': '2024-01-01T00:00:00Z', 'end_time': '2024-01-01T00:00:05Z', 'created': '2024-01-01T00:00:00Z',
             'ended': '2024-01-01T00:00:05Z', 'created_time': '2024-01-01T00:00:00Z'}
    own = [SHAPES[service]['begin'][-1], SHAPES[service]['end'][-1]]
    extra = dict((key, value) for key, value in names.items() if key not in own)
    status = [status for status, state in DOCUMENTED_STATUSES[service].items() if state == 'success'][0]
    job = normalize_job(service, family_job(service, status, **extra))
    assert (job['begin_time'], job['end_time'], job['duration']) == (None, None, None)


# --- normalize_job: ids, wrappers and answers for another job ----------------------------------------


@pytest.mark.parametrize('service', ALL_SERVICES)
def test_id_falls_back_to_the_id_asked_for(service):
    status = list(DOCUMENTED_STATUSES[service])[0]
    for raw_id in (None, '', '  '):
        body = family_job(service, status, job_id=raw_id)
        assert normalize_job(service, body, job_id='asked-for')['id'] == 'asked-for'
    assert normalize_job(service, family_job(service, status, job_id=None))['id'] is None


@pytest.mark.parametrize('service, body, expected', [
    ('elb', {'status': 'RUNNING', 'job_id': 'elb-1'}, 'elb-1'),
    ('elb', {'status': 'RUNNING', 'job_id': 12345}, '12345'),
    ('cfw', {'data': {'status': 'Running', 'id': 'cfw-1'}}, 'cfw-1'),
    ('ecs', {'status': 'RUNNING', 'job_id': 'ecs-1'}, 'ecs-1'),
    ('cce', {'metadata': {'uid': 'cce-1'}, 'status': {'phase': 'Running'}}, 'cce-1'),
    ('rds', {'job': {'status': 'Running', 'id': 'rds-1'}}, 'rds-1'),
    ('ddm', {'job': {'status': 'Running', 'id': 'ddm-1'}}, 'ddm-1'),
])
def test_id_from_the_body(service, body, expected):
    assert normalize_job(service, body, job_id=expected)['id'] == expected
    assert normalize_job(service, body)['id'] == expected


@pytest.mark.parametrize('service, body', [
    # Another family's id key is no id of this one: the id asked for stands.
    ('elb', {'status': 'RUNNING', 'id': 'other'}),
    ('cfw', {'data': {'status': 'Running', 'job_id': 'other'}}),
    ('cce', {'metadata': {'name': 'other'}, 'uid': 'other', 'id': 'other', 'status': {'phase': 'Running'}}),
    ('rds', {'job': {'status': 'Running', 'job_id': 'other'}}),
])
def test_id_keys_of_other_families_are_not_read(service, body):
    assert normalize_job(service, body, job_id='asked-for')['id'] == 'asked-for'


@pytest.mark.parametrize('service', ALL_SERVICES)
def test_an_answer_for_another_job_is_refused(service):
    status = list(DOCUMENTED_STATUSES[service])[0]
    body = family_job(service, status, job_id='answer-b')
    with pytest.raises(InvalidResponse) as caught:
        normalize_job(service, body, project_id=PROJECT, job_id='asked-a')
    assert caught.value.message == '%s job asked-a: asked for job asked-a, the API answered for job answer-b; refused' % service
    # The same answer for the job asked for is fine.
    assert normalize_job(service, body, project_id=PROJECT, job_id='answer-b')['id'] == 'answer-b'


@pytest.mark.parametrize('answered, shown', [
    ('x\ny', "'x\\ny'"),                                  # not an id: quoted, so that it cannot forge a line
    (' asked-a', "' asked-a'"),
    ('9' * 100, "'" + '9' * 76 + '...'),                 # long: cut
    (12345, '12345'),
])
def test_an_answer_for_another_job_is_refused_with_a_printable_id(answered, shown):
    with pytest.raises(InvalidResponse) as caught:
        normalize_job('ecs', {'status': 'SUCCESS', 'job_id': answered}, job_id='asked-a')
    assert caught.value.message == 'ecs job asked-a: asked for job asked-a, the API answered for job %s; refused' % shown


@pytest.mark.parametrize('service', ['cfw', 'rds', 'dds', 'ddm'])
def test_wrapped_and_bare_job_objects_read_the_same(service):
    wrapped = family_job(service, 'Failed', job_id='j', begin='2024-01-01T00:00:00+0000', end='2024-01-01T00:00:02+0000',
                         resource=('inst-1' if SHAPES[service]['resource'] else None),
                         reason=('broken' if SHAPES[service]['reason'] else None))
    bare = wrapped[SHAPES[service]['wrapper']]
    from_wrapped = normalize_job(service, wrapped, project_id=PROJECT, job_id='j')
    from_bare = normalize_job(service, bare, project_id=PROJECT, job_id='j')
    assert from_wrapped['raw'] is wrapped and from_bare['raw'] is bare
    assert without_raw(from_wrapped) == without_raw(from_bare)
    assert (from_bare['state'], from_bare['duration']) == ('failed', 2.0)


def test_cfw_bare_job_object_is_accepted():
    bare = CFW_DOC_BODY['data']
    job = normalize_job('cfw', bare, project_id=PROJECT)
    assert (job['id'], job['state'], job['duration'], job['raw']) == (bare['id'], 'success', 14.0, bare)


@pytest.mark.parametrize('service, body', [
    ('elb', {'data': {'status': 'SUCCESS', 'job_id': 'j'}}),      # ELB has no wrapper
    ('ecs', {'job': {'status': 'SUCCESS', 'job_id': 'j'}}),
    ('rds', {'data': {'status': 'Completed', 'id': 'j'}}),        # RDS's wrapper is 'job'
    ('cfw', {'job': {'status': 'Success', 'id': 'j'}}),
])
def test_wrappers_of_other_families_are_not_unwrapped(service, body):
    with pytest.raises(InvalidResponse) as caught:
        normalize_job(service, body, job_id='j')
    assert "the job has no 'status'" in caught.value.message


# --- normalize_job: entities and job types ---------------------------------------------------------


@pytest.mark.parametrize('service, body, entities', [
    ('elb', {'status': 'RUNNING', 'entities': {'elb': {'id': 'x'}}}, {'elb': {'id': 'x'}}),
    ('elb', {'status': 'RUNNING', 'entities': None}, {}),
    ('elb', {'status': 'RUNNING', 'entities': []}, {}),
    ('elb', {'status': 'RUNNING', 'entities': 'x'}, {}),
    ('elb', {'status': 'RUNNING'}, {}),
    ('vbs', {'status': 'RUNNING', 'entities': {'backup_id': 'b', 'volume_id': 'v'}}, {'backup_id': 'b', 'volume_id': 'v'}),
    ('rds', {'job': {'status': 'Running', 'entities': {'instance': {'type': 'Single'}}}}, {'instance': {'type': 'Single'}}),
    ('rds', {'job': {'status': 'Running', 'entities': {}}}, {}),
    ('cfw', {'data': {'status': 'Running', 'entities': {'a': 1}}}, {}),
    ('dds', {'job': {'status': 'Running', 'entities': {'a': 1}}}, {}),          # DDS has no entities
    ('ddm', {'job': {'status': 'Running', 'entities': {'a': 1}}}, {}),
    ('cce', {'status': {'phase': 'Running'}, 'entities': {'a': 1}, 'spec': {'type': 'x'}}, {}),
])
def test_entities(service, body, entities):
    assert normalize_job(service, body)['entities'] == entities


@pytest.mark.parametrize('service, body, job_type', [
    ('elb', {'status': 'RUNNING', 'job_type': 'deleteELB'}, 'deleteELB'),
    ('elb', {'status': 'RUNNING', 'job_type': None}, None),
    ('elb', {'status': 'RUNNING', 'job_type': '  '}, None),
    ('elb', {'status': 'RUNNING'}, None),
    ('ecs', {'status': 'RUNNING', 'job_type': 'createServer'}, 'createServer'),
    ('ims', {'status': 'RUNNING', 'job_type': 'imsImportImageJob'}, 'imsImportImageJob'),
    ('cfw', {'data': {'status': 'Running', 'job_type': 'x'}}, None),
    ('cce', {'status': {'phase': 'Running'}, 'spec': {'type': 'CreateCluster'}}, 'CreateCluster'),
    ('cce', {'status': {'phase': 'Running'}, 'job_type': 'x', 'kind': 'Job'}, None),
    ('rds', {'job': {'status': 'Running', 'name': 'CreateMysqlSingleHAInstance'}}, 'CreateMysqlSingleHAInstance'),
    ('dds', {'job': {'status': 'Running', 'name': 'Create_MongoDB', 'job_type': 'x'}}, 'Create_MongoDB'),
    ('ddm', {'job': {'status': 'Running', 'name': 'CreateInstance'}}, 'CreateInstance'),
])
def test_job_type(service, body, job_type):
    assert normalize_job(service, body)['job_type'] == job_type


# --- normalize_job: status and state ---------------------------------------------------------------


@pytest.mark.parametrize('status, raw_status, state, finished, succeeded', [
    ('INIT', 'INIT', 'init', False, False),
    ('RUNNING', 'RUNNING', 'running', False, False),
    ('SUCCESS', 'SUCCESS', 'success', True, True),
    ('FAIL', 'FAIL', 'failed', True, False),
    (' Success ', ' Success ', 'success', True, True),    # the raw status is kept as sent
    ('PENDING', 'PENDING', 'unknown', False, False),
    ('Failed', 'Failed', 'unknown', False, False),        # CFW's word, not ELB's
    (None, None, 'unknown', False, False),
    (3, '3', 'unknown', False, False),
    (True, 'true', 'unknown', False, False),
    (['SUCCESS'], None, 'unknown', False, False),
    ({'value': 'SUCCESS'}, None, 'unknown', False, False),
])
def test_status_and_state(status, raw_status, state, finished, succeeded):
    job = normalize_job('elb', family_job('elb', status, begin='2024-01-01T00:00:00Z', end='2024-01-01T00:00:05Z'))
    assert (job['status'], job['state'], job['finished'], job['succeeded']) == (raw_status, state, finished, succeeded)
    assert job['duration'] == (5.0 if finished else None)


@pytest.mark.parametrize('service, status, state', [
    (service, status, state) for service in ALL_SERVICES for status, state in sorted(DOCUMENTED_STATUSES[service].items())
])
def test_every_documented_status_in_a_body(service, status, state):
    job = normalize_job(service, family_job(service, status.lower()), project_id=PROJECT)
    assert (job['status'], job['state']) == (status.lower(), state)
    assert job['finished'] is (state in ('success', 'failed')) and job['succeeded'] is (state == 'success')


# --- normalize_job: errors of failed jobs ---------------------------------------------------------


@pytest.mark.parametrize('service, body, error', [
    # The v1 family (and ELB): error_code + fail_reason, else the top-level code/message.
    ('elb', {'status': 'FAIL', 'error_code': 'ELB.8902', 'fail_reason': 'Insufficient EIP quota'},
     {'code': 'ELB.8902', 'message': 'Insufficient EIP quota'}),
    ('elb', {'status': 'FAIL', 'code': 'ELB.1000', 'message': 'something broke'}, {'code': 'ELB.1000', 'message': 'something broke'}),
    ('elb', {'status': 'FAIL', 'error_code': 'ELB.8902', 'fail_reason': None, 'message': 'from message'},
     {'code': 'ELB.8902', 'message': 'from message'}),
    ('elb', {'status': 'FAIL', 'error_code': '', 'fail_reason': '', 'code': 'ELB.2', 'message': 'fallback'},
     {'code': 'ELB.2', 'message': 'fallback'}),
    ('elb', {'status': 'FAIL', 'error_code': 1234, 'fail_reason': None}, {'code': '1234', 'message': None}),
    ('elb', {'status': 'FAIL', 'error_code': None, 'fail_reason': None}, {'code': None, 'message': None}),
    ('elb', {'status': 'fail'}, {'code': None, 'message': None}),
    ('ecs', {'status': 'FAIL', 'error_code': 'Ecs.0000', 'fail_reason': 'Request error.'}, {'code': 'Ecs.0000', 'message': 'Request error.'}),
    ('ecs', {'status': 'FAIL', 'error_code': 'Ecs.0039', 'entities': {'errorcode_message': 'quota exceeded'}},
     {'code': 'Ecs.0039', 'message': 'quota exceeded'}),
    ('ecs', {'status': 'FAIL', 'code': 'Ecs.0039', 'message': 'top level'}, {'code': 'Ecs.0039', 'message': 'top level'}),
    ('evs', {'status': 'FAIL', 'error_code': 'EVS.2024', 'fail_reason': 'volume in use'}, {'code': 'EVS.2024', 'message': 'volume in use'}),
    ('ims', {'status': 'FAIL', 'error_code': 'IMG.0001', 'fail_reason': 'bad image'}, {'code': 'IMG.0001', 'message': 'bad image'}),
    ('bms', {'status': 'FAIL', 'error_code': 'BMS.0017', 'fail_reason': 'EIP quota'}, {'code': 'BMS.0017', 'message': 'EIP quota'}),
    ('vbs', {'status': 'FAIL', 'error_code': 'VolumeBackup.0064', 'fail_reason': 'snapshot failed'},
     {'code': 'VolumeBackup.0064', 'message': 'snapshot failed'}),
    ('vbs', {'status': 'FAIL', 'code': 'VolumeBackup.0001', 'message': 'top level'}, {'code': 'VolumeBackup.0001', 'message': 'top level'}),
    # CFW: error_code/error_msg inside data or beside it; inside wins.
    ('cfw', {'data': {'status': 'Failed', 'id': 'j'}, 'error_code': 'CFW.0001', 'error_msg': 'rule conflict'},
     {'code': 'CFW.0001', 'message': 'rule conflict'}),
    ('cfw', {'data': {'status': 'Failed', 'id': 'j', 'error_code': 'CFW.0002', 'fail_reason': 'inner'},
             'error_code': 'CFW.0001', 'error_msg': 'outer'}, {'code': 'CFW.0002', 'message': 'inner'}),
    ('cfw', {'data': {'status': 'Failed'}}, {'code': None, 'message': None}),
    # RDS and DDS: fail_reason only.
    ('rds', {'job': {'status': 'Failed', 'fail_reason': 'createVM failed.'}}, {'code': None, 'message': 'createVM failed.'}),
    ('rds', {'job': {'status': 'Failed', 'fail_reason': 'x', 'error_code': 'DBS.1', 'code': 'DBS.2'}}, {'code': None, 'message': 'x'}),
    ('rds', {'job': {'status': 'Failed', 'fail_reason': None}}, {'code': None, 'message': None}),
    ('dds', {'job': {'status': 'Failed', 'fail_reason': 'shard creation failed'}}, {'code': None, 'message': 'shard creation failed'}),
    ('dds', {'job': {'status': 'FAILED', 'fail_reason': '', 'message': 'not a DDS key'}}, {'code': None, 'message': None}),
    # CCE: status.reason only.
    ('cce', {'status': {'phase': 'Failed', 'reason': 'Create cluster failed: quota'}, 'metadata': {'uid': 'j'}},
     {'code': None, 'message': 'Create cluster failed: quota'}),
    ('cce', {'status': {'phase': 'Failed', 'reason': ''}}, {'code': None, 'message': None}),
    ('cce', {'status': {'phase': 'Failed'}, 'error_code': 'CCE.1', 'fail_reason': 'not a CCE key'}, {'code': None, 'message': None}),
    # DDM documents no failure detail at all.
    ('ddm', {'job': {'status': 'Failed', 'id': 'j'}}, {'code': None, 'message': None}),
    ('ddm', {'job': {'status': 'Failed', 'error_code': 'DBS.1', 'message': 'not a DDM key'}}, {'code': None, 'message': None}),
])
def test_error_of_a_failed_job(service, body, error):
    assert normalize_job(service, body)['error'] == error


@pytest.mark.parametrize('service', ALL_SERVICES)
def test_no_error_unless_failed(service):
    for status, state in DOCUMENTED_STATUSES[service].items():
        if state == 'failed':
            continue
        for raw in (status, 'PENDING'):
            body = family_job(service, raw, code=('X.1' if SHAPES[service]['code'] else None),
                              reason=('stale reason' if SHAPES[service]['reason'] else None))
            assert normalize_job(service, body)['error'] is None, (service, raw)


# --- normalize_job: sub-jobs in every place ---------------------------------------------------------


def sub_job(service, status, job_id, resource=None):
    return family_job(service, status, job_id=job_id, wrap=False, resource=resource)


@pytest.mark.parametrize('service, success, failed', [
    ('elb', 'SUCCESS', 'FAIL'), ('vbs', 'SUCCESS', 'FAIL'), ('ecs', 'SUCCESS', 'FAIL'), ('bms', 'SUCCESS', 'FAIL'),
    ('evs', 'SUCCESS', 'FAIL'), ('ims', 'SUCCESS', 'FAIL'), ('cce', 'Success', 'Failed'),
])
def test_sub_jobs_in_their_place(service, success, failed):
    subs = [sub_job(service, success, 'sub-1'), 'junk', 7, None, sub_job(service, failed, 'sub-2')]
    body = family_job(service, success, job_id='parent', subs=subs)
    job = normalize_job(service, body, project_id=PROJECT, job_id='parent')
    assert [(sub['id'], sub['state'], sub['service'], sub['project_id']) for sub in job['sub_jobs']] == [
        ('sub-1', 'success', service, PROJECT), ('sub-2', 'failed', service, PROJECT)]
    assert job['sub_jobs'][0]['raw'] is subs[0] and job['sub_jobs'][1]['raw'] is subs[4]
    assert job['sub_jobs'][1]['error'] == {'code': None, 'message': None}


@pytest.mark.parametrize('service, place', [
    # Each family reads its own place only (job-apis.md "Things that cut across services" 4).
    ('elb', ('entities', 'sub_jobs')), ('vbs', ('entities', 'sub_jobs')),
    ('ecs', ('sub_jobs',)), ('bms', ('sub_jobs',)), ('evs', ('sub_jobs',)),
    ('ims', ('entities', 'sub_jobs')), ('ims', ('entities', 'sub_jobs_list')), ('ims', ('sub_jobs',)),
    ('cce', ('spec', 'subjobs')), ('cce', ('sub_jobs',)),
    ('cfw', ('sub_jobs',)), ('rds', ('sub_jobs',)), ('dds', ('entities', 'sub_jobs')), ('ddm', ('sub_jobs',)),
])
def test_sub_jobs_elsewhere_are_not_read(service, place):
    status = list(DOCUMENTED_STATUSES[service])[0]
    body = family_job(service, status, job_id='parent', wrap=False)
    put(body, place, [sub_job(service, status, 'sub-1')])
    assert normalize_job(service, body, job_id='parent')['sub_jobs'] == []


def test_ims_sub_jobs_result_with_sub_jobs_list():
    body = {'status': 'RUNNING', 'job_id': 'parent', 'job_type': 'imsCopyImageInRegionJob',
            'entities': {'sub_jobs_list': ['a', 'b'], 'sub_jobs_result': [
                {'status': 'SUCCESS', 'job_id': 'a', 'entities': {'image_id': 'img-a'}},
                {'status': 'RUNNING', 'job_id': 'b', 'entities': {'image_id': 'img-b'}, 'process_percent': 40}]}}
    job = normalize_job('ims', body, job_id='parent')
    assert [(sub['id'], sub['state'], sub['progress']) for sub in job['sub_jobs']] == [('a', 'success', None), ('b', 'running', 40)]
    assert job['resource_ids'] == ['img-a', 'img-b']


def test_cce_sub_jobs_are_full_cce_jobs():
    sub = {'kind': 'Job', 'metadata': {'uid': 'node-job', 'creationTimestamp': '2020-02-02 08:12:40 +0000 UTC',
                                       'updateTimestamp': '2020-02-02 08:13:40 +0000 UTC'},
           'spec': {'type': 'CreateNode', 'resourceID': 'node-1',
                    'subJobs': [{'metadata': {'uid': 'leaf'}, 'spec': {'type': 'InstallNode'}, 'status': {'phase': 'Initializing'}}]},
           'status': {'phase': 'Failed', 'reason': 'node quota'}}
    body = {'metadata': {'uid': 'parent'}, 'spec': {'type': 'CreateNodePool', 'resourceID': 'pool-1', 'subJobs': [sub]},
            'status': {'phase': 'Running'}}
    job = normalize_job('cce', body, project_id=PROJECT, job_id='parent')
    node = job['sub_jobs'][0]
    assert (node['id'], node['job_type'], node['state'], node['error']) == (
        'node-job', 'CreateNode', 'failed', {'code': None, 'message': 'node quota'})
    assert (node['begin_time'], node['end_time'], node['duration']) == ('2020-02-02T08:12:40.000Z', '2020-02-02T08:13:40.000Z', 60.0)
    assert [(leaf['id'], leaf['state']) for leaf in node['sub_jobs']] == [('leaf', 'init')]
    assert job['resource_ids'] == ['pool-1', 'node-1']


@pytest.mark.parametrize('sub_jobs', ['missing', None, '', [], 'not a list', 0, {'status': 'FAIL'}])
def test_no_sub_jobs(sub_jobs):
    for service in ('elb', 'ecs'):
        body = family_job(service, 'SUCCESS')
        if sub_jobs != 'missing':
            put(body, SHAPES[service]['subs'], sub_jobs)
        assert normalize_job(service, body)['sub_jobs'] == []


def test_nested_sub_jobs_with_a_failed_one():
    failed_leaf = {'status': 'FAIL', 'job_id': 'leaf', 'job_type': 'createListener', 'entities': {'listener': {}},
                   'begin_time': '2024-01-01T00:00:01Z', 'end_time': '2024-01-01T00:00:03Z',
                   'error_code': 'ELB.1101', 'fail_reason': 'port in use', 'sub_jobs': None}
    middle = {'status': 'FAIL', 'job_id': 'middle', 'job_type': 'createMember', 'sub_jobs': [failed_leaf, 'junk', 7, None]}
    done = {'status': 'SUCCESS', 'job_id': 'done', 'sub_jobs': ''}
    body = {'status': 'FAIL', 'job_id': 'parent', 'error_code': 'ELB.1000', 'fail_reason': 'sub-job failed', 'sub_jobs': [done, middle]}
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
        'progress': None, 'resource_ids': [], 'raw': failed_leaf,
    }


def test_ecs_failed_sub_job_reason_from_its_entities():
    sub = {'status': 'FAIL', 'job_id': 'sub', 'error_code': 'Ecs.0039',
           'entities': {'server_id': 's-1', 'errorcode_message': 'Insufficient quota'}}
    job = normalize_job('ecs', {'status': 'SUCCESS', 'job_id': 'p', 'entities': {'sub_jobs_total': 1, 'sub_jobs': [sub]}})
    assert job['state'] == 'success'
    assert job['sub_jobs'][0]['error'] == {'code': 'Ecs.0039', 'message': 'Insufficient quota'}


def test_sub_jobs_are_read_leniently():
    body = {'status': 'RUNNING', 'job_id': 'parent', 'sub_jobs': [{}, {'job_id': 'no-status'}]}
    subs = normalize_job('elb', body, job_id='parent')['sub_jobs']
    assert [(sub['id'], sub['status'], sub['state']) for sub in subs] == [(None, None, 'unknown'), ('no-status', None, 'unknown')]


def test_a_sub_job_for_another_id_is_not_refused():
    # Only the top-level job is checked against the id asked for; sub-jobs have ids of their own.
    body = {'status': 'SUCCESS', 'job_id': 'parent', 'sub_jobs': [{'status': 'SUCCESS', 'job_id': 'parent-2'}]}
    assert normalize_job('vbs', body, job_id='parent')['sub_jobs'][0]['id'] == 'parent-2'


@pytest.mark.parametrize('service', ['elb', 'ecs', 'ims', 'cce'])
def test_sub_job_depth_is_capped(service):
    status = {'cce': 'Running'}.get(service, 'RUNNING')
    body = family_job(service, status, job_id='level-0')
    innermost = body
    for level in range(1, 5000):   # far deeper than the stack would allow unchecked
        child = family_job(service, status, job_id='level-%d' % level)
        put(innermost, SHAPES[service]['subs'], [child])
        innermost = child
    job = normalize_job(service, body)
    depth = 0
    while job['sub_jobs']:
        job = job['sub_jobs'][0]
        depth += 1
    assert depth == MAX_SUB_JOB_DEPTH
    assert job['id'] == 'level-%d' % MAX_SUB_JOB_DEPTH


# --- normalize_job: progress ------------------------------------------------------------------------


@pytest.mark.parametrize('service, fields, progress', [
    ('rds', {'process': '60%'}, 60), ('rds', {'process': ''}, None), ('rds', {'process': None}, None),
    ('rds', {'process': '100%'}, 100), ('rds', {'process': 101}, None), ('rds', {'process': -1}, None),
    ('rds', {'process': 'abc'}, None), ('rds', {'progress': '60%'}, None),
    ('dds', {'progress': '60%'}, 60), ('dds', {'progress': '45'}, 45), ('dds', {'progress': 45}, 45),
    ('dds', {'progress': ''}, None), ('dds', {'process': '60%'}, None),
    ('ddm', {'process': '60%'}, 60), ('ddm', {'process': ''}, None), ('ddm', {'process': '101%'}, None),
    # IMS process_percent: a fraction (documented finished value 1), in entities or (gopher) at the top level;
    # a value above 1 is a percent.
    ('ims', {'entities': {'process_percent': 0.6}}, 60), ('ims', {'entities': {'process_percent': 1}}, 100),
    ('ims', {'entities': {'process_percent': 1.0}}, 100), ('ims', {'entities': {'process_percent': 0}}, 0),
    ('ims', {'entities': {'process_percent': 0.29}}, 29), ('ims', {'entities': {'process_percent': '0.5'}}, 50),
    ('ims', {'entities': {'process_percent': 0.999}}, 99), ('ims', {'process_percent': 0.25}, 25),
    ('ims', {'process_percent': 40}, 40), ('ims', {'process_percent': '40'}, 40), ('ims', {'process_percent': 40.9}, 40),
    ('ims', {'process_percent': '40%'}, 40), ('ims', {'process_percent': '1%'}, 1),
    ('ims', {'entities': {'process_percent': 70}}, 70), ('ims', {'process_percent': '', 'entities': {'process_percent': 70}}, 70),
    ('ims', {'process_percent': -1}, None), ('ims', {'process_percent': 'abc'}, None), ('ims', {'process_percent': True}, None),
    ('ims', {'process_percent': 101}, None), ('ims', {'process_percent': float('nan')}, None),
    # Families that report no progress: a key of another family means nothing.
    ('elb', {'process': '60%'}, None), ('cfw', {'progress': 60}, None), ('ecs', {'process_percent': 60}, None),
    ('evs', {'process': '60%'}, None), ('bms', {'progress': 60}, None), ('vbs', {'process': '60%'}, None),
    ('cce', {'process': '60%', 'progress': 60}, None),
])
def test_progress(service, fields, progress):
    status = list(DOCUMENTED_STATUSES[service])[0]
    body = family_job(service, status, wrap=False)
    body.update(fields)
    job = normalize_job(service, body)
    assert job['progress'] == progress
    assert job['progress'] is None or is_percent(job['progress'])


# --- normalize_job: resource ids --------------------------------------------------------------------


@pytest.mark.parametrize('service, body, resource_ids', [
    ('elb', {'status': 'SUCCESS', 'entities': {'elb': {'id': 'lb-1', 'name': 'x'}}}, ['lb-1']),
    ('elb', {'status': 'SUCCESS', 'entities': {'elb': {'name': 'x'}, 'id': 'no'}}, []),
    ('elb', {'status': 'SUCCESS', 'entities': {'elb': {'id': 'lb-1'}},
             'sub_jobs': [{'status': 'SUCCESS', 'entities': {'elb': {'id': 'lb-2'}}},
                          {'status': 'SUCCESS', 'entities': {'elb': {'id': 'lb-1'}}}]}, ['lb-1', 'lb-2']),
    ('ecs', {'status': 'SUCCESS', 'entities': {'server_id': 'srv-1'}}, ['srv-1']),
    ('ecs', {'status': 'SUCCESS', 'entities': {'nic_id': 'nic-1'}}, []),
    ('ecs', {'status': 'SUCCESS', 'entities': {'sub_jobs_total': 3, 'sub_jobs': [
        {'status': 'SUCCESS', 'entities': {'server_id': 'srv-2'}},
        {'status': 'SUCCESS', 'entities': {'server_id': 'srv-1'}},
        {'status': 'SUCCESS', 'entities': {'server_id': 'srv-2'}}]}}, ['srv-2', 'srv-1']),
    ('ecs', {'status': 'SUCCESS', 'entities': {'server_id': 'srv-0', 'sub_jobs': [
        {'status': 'SUCCESS', 'entities': {'server_id': 'srv-1', 'sub_jobs': [{'status': 'SUCCESS', 'entities': {'server_id': 'srv-2'}}]}},
        {'status': 'SUCCESS', 'entities': {'server_id': 'srv-0'}}]}}, ['srv-0', 'srv-1', 'srv-2']),
    ('bms', {'status': 'SUCCESS', 'entities': {'sub_jobs_total': 2, 'sub_jobs': [
        {'status': 'SUCCESS', 'entities': {'server_id': 'bm-1'}}, {'status': 'SUCCESS', 'entities': {'nic_id': 'nic'}}]}}, ['bm-1']),
    ('evs', {'status': 'SUCCESS', 'entities': {'volume_id': 'vol-1', 'sub_jobs': [
        {'status': 'SUCCESS', 'entities': {'volume_id': 'vol-2'}}]}}, ['vol-1', 'vol-2']),
    ('ims', {'status': 'SUCCESS', 'entities': {'image_id': 'img-0', 'results': [
        {'image_id': 'img-1', 'project_id': 'p', 'status': 'success'}, {'image_id': 'img-0'}, {'status': 'success'},
        'junk', None, {'image_id': 'img-2'}]}}, ['img-0', 'img-1', 'img-2']),
    ('ims', {'status': 'SUCCESS', 'entities': {'results': {'image_id': 'not-a-list'}}}, []),
    ('vbs', {'status': 'SUCCESS', 'entities': {'backup_id': 'bk-1', 'volume_id': 'vol-1', 'snapshot_id': 'sn-1'}}, ['bk-1']),
    ('cce', {'status': {'phase': 'Success'}, 'spec': {'resourceID': 'cluster-1', 'clusterUID': 'uid-x'}}, ['cluster-1']),
    ('cce', {'status': {'phase': 'Success'}, 'spec': {'resourceid': 'lower-case-v2-key'}}, []),
    ('rds', {'job': {'status': 'Completed', 'instance': {'id': 'inst-1', 'name': 'mysql'}}}, ['inst-1']),
    ('dds', {'job': {'status': 'Completed', 'instance': {'id': 'inst-2', 'name': 'mongo'}}}, ['inst-2']),
    ('ddm', {'job': {'status': 'Completed', 'instance': {'id': 'inst-3', 'name': 'ddm'}}}, ['inst-3']),
    ('rds', {'job': {'status': 'Completed', 'instance': {'name': 'no id'}}}, []),
    ('rds', {'job': {'status': 'Completed', 'instance': {'id': 12345}}}, ['12345']),
    ('rds', {'job': {'status': 'Completed', 'instance': {'id': ''}}}, []),
    ('rds', {'job': {'status': 'Completed', 'instance': {'id': None}}}, []),
    ('rds', {'job': {'status': 'Completed', 'instance': {'id': {'nested': 'x'}}}}, []),
    ('rds', {'job': {'status': 'Completed', 'instance': ['inst-1']}}, []),
    ('cfw', {'data': {'status': 'Success', 'instance': {'id': 'x'}, 'entities': {'elb': {'id': 'y'}}}}, []),
])
def test_resource_ids(service, body, resource_ids):
    assert normalize_job(service, body)['resource_ids'] == resource_ids


# --- normalize_job: bodies that are not jobs ------------------------------------------------------


@pytest.mark.parametrize('service, body, reason', [
    ('elb', None, 'the body is null'),
    ('elb', [], 'the body is a list'),
    ('elb', 'SUCCESS', 'the body is a string'),
    ('elb', 42, 'the body is a number'),
    ('elb', True, 'the body is a boolean'),
    ('elb', {}, "the job has no 'status'"),
    ('elb', {'job_id': 'x', 'begin_time': 1}, "the job has no 'status'"),
    ('cfw', {'data': None}, "'data' is null, not an object"),
    ('cfw', {'data': []}, "'data' is a list, not an object"),
    ('cfw', {'data': 'Success'}, "'data' is a string, not an object"),
    ('cfw', {'data': {}}, "the job has no 'status'"),
    ('cfw', {'data': {'id': 'x'}}, "the job has no 'status'"),
    ('cfw', {}, "the job has no 'status'"),
    ('cfw', [CFW_DOC_BODY], 'the body is a list'),
    ('rds', {'job': None}, "'job' is null, not an object"),
    ('rds', {'job': [{'status': 'Running'}]}, "'job' is a list, not an object"),
    ('rds', {'jobs': [{'status': 'Running', 'id': 'x'}]}, "the job has no 'status'"),
    ('dds', {'job': 1.5}, "'job' is a number, not an object"),
    ('ddm', {'job': {'id': 'x'}}, "the job has no 'status'"),
    ('cce', {'status': 'Running'}, "the job has no 'status.phase'"),
    ('cce', {'status': {'reason': 'x'}, 'metadata': {'uid': 'x'}}, "the job has no 'status.phase'"),
    ('cce', {'phase': 'Running'}, "the job has no 'status.phase'"),
    ('ecs', {'job': {'status': 'SUCCESS'}}, "the job has no 'status'"),
])
def test_not_a_job(service, body, reason):
    with pytest.raises(InvalidResponse) as caught:
        normalize_job(service, body, job_id='job-42')
    assert caught.value.message.startswith('%s job job-42: the API answered with a body that is not a job (' % service)
    assert reason in caught.value.message


def test_not_a_job_without_an_id_asked_for():
    with pytest.raises(InvalidResponse) as caught:
        normalize_job('ddm', {'job': None})
    assert caught.value.message == "ddm job (unknown id): the API answered with a body that is not a job ('job' is null, not an object)"


@pytest.mark.parametrize('service, body, quoted', [
    ('cfw', {'error_code': 'CFW.00200005', 'error_msg': 'The job does not exist.'}, 'CFW.00200005 The job does not exist.'),
    ('rds', {'error_code': 'DBS.200543', 'error_msg': 'The job does not exist.'}, 'DBS.200543 The job does not exist.'),
    ('cce', {'errorCode': 'CCE.01404001', 'errorMessage': 'Resource not found.'}, 'CCE.01404001 Resource not found.'),
    ('ddm', {'errCode': 'DBS.300120', 'externalMessage': 'Failed to obtain task information.'},
     'DBS.300120 Failed to obtain task information.'),
    ('ecs', {'error': {'message': 'Failed to query system tasks.', 'code': 'Common.0011'}}, 'Common.0011 Failed to query system tasks.'),
    ('vbs', {'error': {'message': 'Failed to query the task.', 'code': 'common.0011'}}, 'common.0011 Failed to query the task.'),
])
def test_not_a_job_quotes_an_api_error_in_the_body(service, body, quoted):
    with pytest.raises(InvalidResponse) as caught:
        normalize_job(service, body, job_id='job-42')
    assert caught.value.message.endswith('): ' + quoted)


def test_unknown_service_is_a_programming_error():
    with pytest.raises(ValueError):
        normalize_job('vpc', {'status': 'SUCCESS'})


# --- properties -----------------------------------------------------------------------------------

JOB_FIELD_NAMES = ('status', 'job_id', 'id', 'job_type', 'begin_time', 'end_time', 'entities', 'sub_jobs',
                   'error_code', 'fail_reason', 'code', 'message', 'error_msg', 'data', 'error', 'job', 'metadata',
                   'spec', 'subJobs', 'phase', 'uid', 'created', 'ended', 'created_time', 'process', 'progress',
                   'process_percent', 'instance', 'server_id', 'volume_id', 'image_id', 'backup_id', 'resourceID',
                   'results', 'sub_jobs_result', 'reason', 'name')
STATUS_VALUES = st.one_of(
    st.sampled_from(EVERY_DOCUMENTED_STATUS),
    st.sampled_from(EVERY_DOCUMENTED_STATUS).map(lambda status: status.upper()),
    st.sampled_from(EVERY_DOCUMENTED_STATUS).map(lambda status: ' %s ' % status.lower()),
    st.sampled_from(['weird', 'PENDING_PAYMENT', '', 'Deleted']),
)
REAL_INSTANTS = st.datetimes(min_value=datetime.datetime(2000, 1, 1), max_value=datetime.datetime(2100, 1, 1))
READABLE_TIMES = st.one_of(
    st.builds(lambda instant: instant.isoformat() + 'Z', REAL_INSTANTS),
    st.builds(lambda instant: instant.strftime('%Y-%m-%d %H:%M:%S+0800'), REAL_INSTANTS),
    st.builds(lambda instant: instant.strftime('%Y-%m-%dT%H:%M:%S+0000'), REAL_INSTANTS),                 # RDS, DDS
    st.builds(lambda instant: instant.strftime('%Y-%m-%dT%H:%M:%S+0100'), REAL_INSTANTS),                 # DDM
    st.builds(lambda instant, ns: instant.strftime('%Y-%m-%d %H:%M:%S.') + '%09d +0000 UTC' % ns,       # CCE
              REAL_INSTANTS, st.integers(min_value=0, max_value=999999999)),
    st.integers(min_value=10 ** 11, max_value=4 * 10 ** 12),     # epoch milliseconds
    st.integers(min_value=1, max_value=4 * 10 ** 9),             # epoch seconds
)
TIME_VALUES = st.one_of(
    READABLE_TIMES, READABLE_TIMES, st.just(''), st.none(), st.integers(), st.floats(), st.text(max_size=40),
    st.from_regex(r'\A\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(\.\d{1,9})?(Z|[+-]\d\d:?\d\d)?( [A-Z]{3})?\Z'),
    st.from_regex(r'\A\d{1,16}(\.\d{1,6})?\Z'),
)
PROGRESS_VALUES = st.one_of(
    st.integers(min_value=-5, max_value=105), st.integers(min_value=0, max_value=100).map(lambda n: '%d%%' % n),
    st.integers(min_value=0, max_value=100).map(str), st.just(''), st.none(), st.floats(), st.text(max_size=6),
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
IDS = st.one_of(st.from_regex(r'\A[a-z0-9-]{1,12}\Z'), st.just(''), st.none())


@st.composite
def family_bodies(draw, service, depth=0):
    """A job object of ``service`` in its own shape, with random values where the family keeps them."""
    shape = SHAPES[service]
    job = {}
    put(job, shape['status'], draw(st.one_of(STATUS_VALUES, STATUS_VALUES, STATUS_VALUES, JSON_VALUES)))
    for key, values in (('id', IDS), ('begin', TIME_VALUES), ('end', TIME_VALUES), ('job_type', JSON_VALUES),
                        ('progress', PROGRESS_VALUES), ('resource', st.one_of(IDS, IDS, JSON_VALUES)),
                        ('code', JSON_VALUES), ('reason', JSON_VALUES)):
        if shape[key] and draw(st.booleans()):
            put(job, shape[key], draw(values))
    if service == 'ims' and draw(st.booleans()):
        put(job, ('entities', 'results'), draw(st.lists(st.fixed_dictionaries({}, optional={'image_id': IDS}), max_size=3)))
    if shape['subs'] and depth < 3 and draw(st.booleans()):
        put(job, shape['subs'], draw(st.lists(st.one_of(family_bodies(service, depth + 1), JSON_VALUES), max_size=3)))
    if draw(st.integers(min_value=0, max_value=9)) == 0:      # now and then, a stray key of another family
        job[draw(st.sampled_from(stray_keys(service)))] = draw(JSON_VALUES)
    return job


def stray_keys(service):
    """Keys of other families that ``service`` does not read (its own keys and the wrappers left out)."""
    shape = SHAPES[service]
    own = set(path[0] for key, path in shape.items() if key != 'wrapper' and path) | {'data', 'job', 'entities'}
    return sorted(set(JOB_FIELD_NAMES) - own)


def wrapped(service, job, data):
    return {SHAPES[service]['wrapper']: job} if SHAPES[service]['wrapper'] and data.draw(st.booleans()) else job


def get(obj, path):
    for key in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


def expected_resource_ids(service, job, depth=0):
    """The resource ids job-apis.md names, read independently of the table: parent first, then sub-jobs."""
    shape = SHAPES[service]
    found = []
    if shape['resource']:
        candidates = [get(job, shape['resource'])]
        if service == 'ims':
            results = get(job, ('entities', 'results'))
            candidates += [item.get('image_id') for item in results if isinstance(item, dict)] if isinstance(results, list) else []
        found.extend(value for value in candidates if isinstance(value, str) and value)
    subs = get(job, shape['subs']) if shape['subs'] else None
    if depth < MAX_SUB_JOB_DEPTH and isinstance(subs, list):
        for sub in subs:
            if isinstance(sub, dict):
                found.extend(expected_resource_ids(service, sub, depth + 1))
    unique = []
    for value in found:
        if value not in unique:
            unique.append(value)
    return unique


def only_string_ids(service, job):
    """True when every resource-id value in ``job`` is a string or absent (so the oracle above is exact)."""
    shape = SHAPES[service]
    if shape['resource'] and get(job, shape['resource']) is not None and not isinstance(get(job, shape['resource']), str):
        return False
    subs = get(job, shape['subs']) if shape['subs'] else None
    return all(only_string_ids(service, sub) for sub in subs if isinstance(sub, dict)) if isinstance(subs, list) else True


def assert_normalized(job, service, project_id, depth=0):
    assert isinstance(job, dict) and tuple(sorted(job)) == tuple(sorted(JOB_KEYS))
    assert job['service'] == service and job['project_id'] == project_id
    assert isinstance(job['id'], (str, type(None)))
    assert isinstance(job['status'], (str, type(None)))
    assert job['state'] in STATES
    assert job['state'] == documented_state(service, job['status'])
    assert job['finished'] is (job['state'] in ('success', 'failed'))
    assert job['succeeded'] is (job['state'] == 'success')
    assert isinstance(job['job_type'], (str, type(None)))
    for key in ('begin_time', 'end_time'):
        assert job[key] is None or TIME_FORMAT.match(job[key])
    if not job['finished']:
        assert job['end_time'] is None and job['duration'] is None
    assert job['duration'] is None or (isinstance(job['duration'], float) and job['duration'] >= 0.0)
    if job['duration'] is not None:
        assert job['finished'] and job['begin_time'] and job['end_time']
    if job['state'] == 'failed':
        assert sorted(job['error']) == ['code', 'message']
        assert all(isinstance(value, (str, type(None))) for value in job['error'].values())
    else:
        assert job['error'] is None
    assert isinstance(job['entities'], dict)
    assert job['progress'] is None or is_percent(job['progress'])
    assert isinstance(job['resource_ids'], list) and all(isinstance(value, str) and value for value in job['resource_ids'])
    assert len(set(job['resource_ids'])) == len(job['resource_ids'])
    assert isinstance(job['sub_jobs'], list)
    assert depth <= MAX_SUB_JOB_DEPTH
    for sub_job in job['sub_jobs']:
        assert_normalized(sub_job, service, project_id, depth + 1)
        # A parent's resource ids include its sub-jobs' ones.
        assert set(sub_job['resource_ids']) <= set(job['resource_ids'])


def assert_matches_family_body(job, service, obj):
    """``job`` says what ``obj`` (a job object in ``service``'s shape) says, read by the documented key names."""
    shape = SHAPES[service]
    status = get(obj, shape['status'])
    assert job['state'] == documented_state(service, status)
    if isinstance(status, str):
        assert job['status'] == status
    raw_id = get(obj, shape['id'])
    if isinstance(raw_id, str) and raw_id.strip():
        assert job['id'] == raw_id
    assert job['begin_time'] == parse_time(get(obj, shape['begin']))
    assert job['end_time'] == (parse_time(get(obj, shape['end'])) if job['finished'] else None)
    fraction = service == 'ims'  # IMS process_percent is a fraction 0-1 (a value above 1 a percent)
    progress = parse_progress(get(obj, shape['progress']), fraction) if shape['progress'] else None
    if service == 'ims' and progress is None:      # IMS: process_percent in entities (documented) or at the top level (gopher)
        progress = parse_progress(get(obj, ('process_percent',)), fraction)
    assert job['progress'] == progress
    if only_string_ids(service, obj):
        assert job['resource_ids'] == expected_resource_ids(service, obj)
    subs = get(obj, shape['subs']) if shape['subs'] else None
    sub_objects = [sub for sub in subs if isinstance(sub, dict)] if isinstance(subs, list) else []
    assert len(job['sub_jobs']) == len(sub_objects)
    for sub_job, sub_object in zip(job['sub_jobs'], sub_objects):
        assert sub_job['raw'] is sub_object
        assert_matches_family_body(sub_job, service, sub_object)


@FAMILY_SETTINGS
@given(service=st.sampled_from(ALL_SERVICES), data=st.data(), project_id=st.one_of(st.none(), st.just(PROJECT)))
def test_family_bodies_normalize_as_documented(service, data, project_id):
    obj = data.draw(family_bodies(service))
    body = wrapped(service, obj, data)
    job = normalize_job(service, body, project_id=project_id)     # never raises: every body carries a status
    assert job['raw'] is body
    assert_normalized(job, service, project_id)
    assert_matches_family_body(job, service, obj)


@PROPERTY_SETTINGS
@given(service=st.sampled_from(ALL_SERVICES), data=st.data(), asked=st.from_regex(r'\A[a-z0-9-]{1,12}\Z'))
def test_family_bodies_for_another_id_are_refused(service, data, asked):
    obj = data.draw(family_bodies(service))
    raw_id = get(obj, SHAPES[service]['id'])
    body = wrapped(service, obj, data)
    try:
        job = normalize_job(service, body, job_id=asked)
    except InvalidResponse as exc:
        assert isinstance(raw_id, str) and raw_id.strip() and raw_id != asked
        assert exc.message == '%s job %s: asked for job %s, the API answered for job %s; refused' % (service, asked, asked, raw_id)
        return
    assert job['id'] == asked
    assert raw_id in (None, '', asked) or not isinstance(raw_id, str)


def job_like(children):
    """Dicts that look like jobs of any family, so that the interesting paths are reached often."""
    fields = {
        'job_id': JSON_VALUES, 'id': JSON_VALUES, 'job_type': JSON_VALUES, 'name': JSON_VALUES,
        'begin_time': TIME_VALUES, 'end_time': TIME_VALUES, 'created': TIME_VALUES, 'ended': TIME_VALUES,
        'created_time': TIME_VALUES, 'entities': JSON_VALUES, 'error_code': JSON_VALUES, 'fail_reason': JSON_VALUES,
        'code': JSON_VALUES, 'message': JSON_VALUES, 'process': PROGRESS_VALUES, 'progress': PROGRESS_VALUES,
        'process_percent': PROGRESS_VALUES, 'instance': st.one_of(JSON_VALUES, st.fixed_dictionaries({'id': JSON_VALUES})),
        'sub_jobs': st.one_of(JSON_VALUES, st.lists(children, max_size=3)),
        'metadata': st.one_of(JSON_VALUES, st.fixed_dictionaries({}, optional={'uid': JSON_VALUES, 'creationTimestamp': TIME_VALUES,
                                                                               'updateTimestamp': TIME_VALUES})),
        'spec': st.one_of(JSON_VALUES, st.fixed_dictionaries({}, optional={'subJobs': st.lists(children, max_size=3),
                                                                           'resourceID': JSON_VALUES, 'type': JSON_VALUES})),
    }
    # A status is there most of the time (a string, or CCE's {'phase': ...}); bodies without one come from JSON_VALUES.
    status = st.one_of(STATUS_VALUES, STATUS_VALUES, JSON_VALUES,
                       st.fixed_dictionaries({'phase': st.one_of(STATUS_VALUES, JSON_VALUES)}, optional={'reason': JSON_VALUES}))
    return st.fixed_dictionaries({'status': status}, optional=fields)


JOB_LIKE = st.recursive(st.just({'status': 'RUNNING'}), job_like, max_leaves=8)
BODIES = st.one_of(
    JSON_VALUES,
    JOB_LIKE,
    st.fixed_dictionaries({'data': st.one_of(JOB_LIKE, JSON_VALUES)},
                          optional={'error_code': JSON_VALUES, 'error_msg': JSON_VALUES}),
    st.fixed_dictionaries({'job': st.one_of(JOB_LIKE, JSON_VALUES)},
                          optional={'error_code': JSON_VALUES, 'error_msg': JSON_VALUES, 'errCode': JSON_VALUES}),
)


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
    if job_id is not None:
        assert job['id'] == job_id


@PROPERTY_SETTINGS
@given(value=st.one_of(TIME_VALUES, JSON_VALUES, st.integers(min_value=-10 ** 30, max_value=10 ** 30),
                       st.floats(allow_nan=True, allow_infinity=True), st.binary(max_size=8)))
def test_parse_time_never_raises(value):
    result = parse_time(value)
    assert result is None or TIME_FORMAT.match(result)


@PROPERTY_SETTINGS
@given(value=st.one_of(PROGRESS_VALUES, JSON_VALUES, st.floats(allow_nan=True, allow_infinity=True), st.binary(max_size=4)))
def test_parse_progress_is_none_or_a_percentage(value):
    for fraction in (False, True):
        result = parse_progress(value, fraction)
        assert result is None or is_percent(result)


# Every instant, with every offset and the ways the APIs write it, reads back as the same UTC millisecond.
INSTANTS = st.datetimes(min_value=datetime.datetime(1971, 1, 1), max_value=datetime.datetime(5000, 1, 1))


def formatted(instant):
    return '%04d-%02d-%02dT%02d:%02d:%02d.%03dZ' % (
        instant.year, instant.month, instant.day, instant.hour, instant.minute, instant.second, instant.microsecond // 1000)


@PROPERTY_SETTINGS
@given(instant=INSTANTS, offset_minutes=st.integers(min_value=-23 * 60 - 59, max_value=23 * 60 + 59),
       colon=st.booleans(), separator=st.sampled_from('T '), zone_name=st.sampled_from(['', ' UTC', ' CET', ' CEST']))
def test_parse_time_reads_iso_with_any_offset(instant, offset_minutes, colon, separator, zone_name):
    instant = instant.replace(microsecond=instant.microsecond // 1000 * 1000)
    local = instant + datetime.timedelta(minutes=offset_minutes)
    sign = '+' if offset_minutes >= 0 else '-'
    hours, minutes = divmod(abs(offset_minutes), 60)
    text = '%s%s%02d:%02d:%02d.%03d%s%02d%s%02d%s' % (
        local.strftime('%Y-%m-%d'), separator, local.hour, local.minute, local.second, local.microsecond // 1000,
        sign, hours, ':' if colon else '', minutes, zone_name)
    assert parse_time(text) == formatted(instant)


@PROPERTY_SETTINGS
@given(instant=INSTANTS, nanos=st.integers(min_value=0, max_value=999999999))
def test_parse_time_reads_go_times_with_nanoseconds(instant, nanos):
    text = '%s.%09d +0000 UTC' % (instant.strftime('%Y-%m-%d %H:%M:%S'), nanos)
    millis = (nanos + 500000) // 1000000    # to the nearest millisecond (a tie cannot occur with 9 digits but .5 ms)
    if nanos % 1000000 == 500000:
        millis = nanos // 1000000 + (nanos // 1000000) % 2     # half to even
    expected = instant.replace(microsecond=0) + datetime.timedelta(milliseconds=millis)
    assert parse_time(text) == formatted(expected)


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
