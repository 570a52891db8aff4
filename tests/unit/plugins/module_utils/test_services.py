# -*- coding: utf-8 -*-
# Copyright (c) otc.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The per-service table (SPEC §2b): complete, consistent, and as shared/api/job-apis.md documents each job API.

The expected values here are written out from job-apis.md, not read from the table, so that a wrong
entry fails a test instead of confirming itself.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

import pytest

from ansible_collections.otc.jobs.plugins.module_utils.wire._normalize import STATES
from ansible_collections.otc.jobs.plugins.module_utils.wire._services import SERVICE_TABLE, SERVICES, JobApi, job_api

ALL_SERVICES = ('elb', 'cfw', 'ecs', 'evs', 'ims', 'bms', 'vbs', 'cce', 'rds', 'dds', 'ddm')

# job-apis.md "Summary": request path, wrapper, id key path, status key path.
DOCUMENTED = {
    'elb': ('/v1.0/{project_id}/jobs/{job_id}', None, ('job_id',), ('status',)),
    'cfw': ('/v3/{project_id}/jobs/{job_id}', 'data', ('id',), ('status',)),
    'ecs': ('/v1/{project_id}/jobs/{job_id}', None, ('job_id',), ('status',)),
    'evs': ('/v1/{project_id}/jobs/{job_id}', None, ('job_id',), ('status',)),
    'ims': ('/v1/{project_id}/jobs/{job_id}', None, ('job_id',), ('status',)),
    'bms': ('/v1/{project_id}/jobs/{job_id}', None, ('job_id',), ('status',)),
    'vbs': ('/v1/{project_id}/jobs/{job_id}', None, ('job_id',), ('status',)),
    'cce': ('/api/v3/projects/{project_id}/jobs/{job_id}', None, ('metadata', 'uid'), ('status', 'phase')),
    'rds': ('/v3/{project_id}/jobs?id={job_id}', 'job', ('id',), ('status',)),
    'dds': ('/v3/{project_id}/jobs?id={job_id}', 'job', ('id',), ('status',)),
    'ddm': ('/v3/{project_id}/jobs/{job_id}', 'job', ('id',), ('status',)),
}

# job-apis.md "Summary": pending, success and failure statuses (as documented, any case matches).
V1_STATUSES = {'INIT': 'init', 'RUNNING': 'running', 'SUCCESS': 'success', 'FAIL': 'failed'}
DOCUMENTED_STATUSES = {
    'elb': V1_STATUSES,
    'cfw': {'Running': 'running', 'Success': 'success', 'Failed': 'failed'},
    'ecs': V1_STATUSES, 'evs': V1_STATUSES, 'ims': V1_STATUSES, 'bms': V1_STATUSES, 'vbs': V1_STATUSES,
    'cce': {'Initializing': 'init', 'Running': 'running', 'Success': 'success', 'Failed': 'failed'},
    'rds': {'Running': 'running', 'Completed': 'success', 'Failed': 'failed'},
    'dds': {'Running': 'running', 'Completed': 'success', 'Failed': 'failed'},
    'ddm': {'Running': 'running', 'Completed': 'success', 'Failed': 'failed'},
}

# job-apis.md "Summary" and "Catalog evidence": the catalog type looked for first.
FIRST_CATALOG_TYPE = {
    'elb': 'elb', 'cfw': 'cfw', 'ecs': 'ecs', 'evs': 'evs', 'ims': 'image', 'bms': 'bms', 'vbs': 'vbsv2',
    'cce': 'ccev2.0', 'rds': 'rdsv3', 'dds': 'ddsv3', 'ddm': 'ddmv3',
}


def test_services_are_the_eleven_documented_ones():
    assert sorted(SERVICES) == sorted(ALL_SERVICES)
    assert len(SERVICES) == len(set(SERVICES)) == 11
    assert SERVICES[:2] == ('elb', 'cfw')       # the seeds first, as the module docs list them
    assert sorted(SERVICE_TABLE) == sorted(ALL_SERVICES)


@pytest.mark.parametrize('service', ALL_SERVICES)
def test_entry_is_named_after_its_service(service):
    api = job_api(service)
    assert isinstance(api, JobApi)
    assert api is SERVICE_TABLE[service]
    assert api.name == service
    assert repr(api) == "JobApi('%s')" % service
    assert isinstance(api.title, str) and api.title.strip()


@pytest.mark.parametrize('bad', ['vpc', 'ELB', '', None, 'elb ', ['elb'], {'elb': 1}])
def test_job_api_refuses_an_unknown_service(bad):
    with pytest.raises(ValueError) as caught:
        job_api(bad)
    assert str(caught.value) == 'unknown service %r: expected one of %s' % (bad, ', '.join(SERVICES))


# --- completeness and consistency -----------------------------------------------------------------


@pytest.mark.parametrize('service', ALL_SERVICES)
def test_statuses_cover_pending_success_and_failure(service):
    states = set(job_api(service).statuses.values())
    assert states & {'init', 'running'}
    assert 'success' in states and 'failed' in states
    assert states <= set(STATES) - {'unknown'}


@pytest.mark.parametrize('service', ALL_SERVICES)
def test_status_keys_are_lower_case(service):
    # job_state lower-cases the raw status before the lookup: an upper-case key could never match.
    for status in job_api(service).statuses:
        assert status == status.strip().lower() and status


@pytest.mark.parametrize('service', ALL_SERVICES)
def test_statuses_are_exactly_the_documented_ones(service):
    documented = dict((status.lower(), state) for status, state in DOCUMENTED_STATUSES[service].items())
    assert job_api(service).statuses == documented


def test_every_catalog_type_belongs_to_one_service():
    owners = {}
    for service in ALL_SERVICES:
        types = job_api(service).catalog_types
        assert types and len(types) == len(set(types)), service
        for catalog_type in types:
            assert catalog_type not in owners, (catalog_type, owners.get(catalog_type), service)
            owners[catalog_type] = service
    # The documented types (job-apis.md summary and "Catalog evidence") are all there.
    for catalog_type, service in (('elb', 'elb'), ('elbv1', 'elb'), ('cfw', 'cfw'), ('cfwv3', 'cfw'), ('ecs', 'ecs'),
                                  ('evs', 'evs'), ('image', 'ims'), ('bms', 'bms'), ('vbsv2', 'vbs'), ('vbs', 'vbs'),
                                  ('ccev2.0', 'cce'), ('rdsv3', 'rds'), ('ddsv3', 'dds'), ('ddmv3', 'ddm')):
        assert owners.get(catalog_type) == service, catalog_type


@pytest.mark.parametrize('service', ALL_SERVICES)
def test_documented_catalog_type_is_tried_first(service):
    assert job_api(service).catalog_types[0] == FIRST_CATALOG_TYPE[service]


@pytest.mark.parametrize('service', ALL_SERVICES)
def test_path_has_project_and_job_and_nothing_else(service):
    path = job_api(service).path
    assert path.startswith('/')
    assert path.count('{project_id}') == 1 and path.count('{job_id}') == 1
    assert set(re.findall(r'\{([^}]*)\}', path)) == {'project_id', 'job_id'}
    assert path.format(project_id='P', job_id='J').endswith('J')


@pytest.mark.parametrize('service', ALL_SERVICES)
def test_path_wrapper_id_and_status_keys_are_the_documented_ones(service):
    api = job_api(service)
    path, wrapper, id_path, status_path = DOCUMENTED[service]
    assert api.path == path
    assert api.wrapper == wrapper
    assert api.id_paths[0] == id_path
    assert api.status_path == status_path


@pytest.mark.parametrize('service, query_id', [(service, service in ('rds', 'dds')) for service in ALL_SERVICES])
def test_only_rds_and_dds_take_the_id_in_the_query(service, query_id):
    assert ('?' in job_api(service).path) is query_id


@pytest.mark.parametrize('service', ALL_SERVICES)
def test_key_paths_are_tuples_of_keys(service):
    api = job_api(service)
    path_lists = (api.id_paths, api.begin_paths, api.end_paths, api.job_type_paths, api.sub_job_paths,
                  api.error_code_paths, api.error_message_paths, api.progress_paths, api.resource_id_paths)
    for paths in path_lists:
        assert isinstance(paths, tuple)
        for path in paths:
            assert isinstance(path, tuple) and path and all(isinstance(key, str) and key for key in path), (service, path)
    for path in (api.status_path,) + ((api.entities_path,) if api.entities_path else ()):
        assert isinstance(path, tuple) and path and all(isinstance(key, str) for key in path)
    for shape in api.error_shapes:
        assert isinstance(shape, tuple) and len(shape) == 2 and all(isinstance(key, str) for key in shape)
    for status, code in api.not_found:
        assert isinstance(status, int) and 400 <= status < 500
        assert code is None or (isinstance(code, str) and code)
    assert api.not_found, service
    assert api.root_suffixes and all(re.compile(suffix) for suffix in api.root_suffixes)


@pytest.mark.parametrize('service', ALL_SERVICES)
def test_public_host_is_the_service_name(service):
    assert job_api(service).host == service


@pytest.mark.parametrize('service', ALL_SERVICES)
def test_statuses_are_documented_words_in_job_order(service):
    api = job_api(service)
    assert api.status_words[-2:] in (('SUCCESS', 'FAIL'), ('Success', 'Failed'), ('Completed', 'Failed'))
    assert [api.statuses[word.lower()] for word in api.status_words][-2:] == ['success', 'failed']
    assert set(api.statuses) == set(word.lower() for word in api.status_words)


# Where each family keeps its sub-jobs, progress and resource ids (job-apis.md "Things that cut across services").
@pytest.mark.parametrize('service, sub_job_paths', [
    ('elb', (('sub_jobs',),)),
    ('vbs', (('sub_jobs',),)),
    ('ecs', (('entities', 'sub_jobs'),)),
    ('bms', (('entities', 'sub_jobs'),)),
    ('evs', (('entities', 'sub_jobs'),)),
    ('ims', (('entities', 'sub_jobs_result'),)),
    ('cce', (('spec', 'subJobs'),)),
    ('cfw', ()), ('rds', ()), ('dds', ()), ('ddm', ()),
])
def test_sub_job_places(service, sub_job_paths):
    assert job_api(service).sub_job_paths == sub_job_paths


@pytest.mark.parametrize('service, first_progress_path', [
    ('rds', ('process',)), ('dds', ('progress',)), ('ddm', ('process',)), ('ims', ('entities', 'process_percent')),
    ('elb', None), ('cfw', None), ('ecs', None), ('evs', None), ('bms', None), ('vbs', None), ('cce', None),
])
def test_progress_places(service, first_progress_path):
    paths = job_api(service).progress_paths
    assert (paths[0] if paths else None) == first_progress_path


def test_only_ims_reports_progress_as_a_fraction():
    # IMS process_percent is a Double, 1 once finished (job-apis.md); the others send '60%'-style percents.
    assert [service for service in SERVICES if job_api(service).progress_fraction] == ['ims']


# --- "no such job" ---------------------------------------------------------------------------------


@pytest.mark.parametrize('service, status, code', [
    ('elb', 404, None), ('elb', 404, 'ELB.1102'),
    ('cfw', 400, 'CFW.00200005'), ('cfw', 400, 'cfw.00200005'), ('cfw', 404, None),
    ('ecs', 400, 'Common.0011'), ('ecs', 400, 'COMMON.0011'), ('ecs', 404, 'Common.0011'), ('ecs', 404, None),
    ('evs', 400, 'Common.0011'), ('evs', 404, None),
    ('ims', 400, 'IMG.0023'), ('ims', 400, 'Common.0011'), ('ims', 404, None),
    ('bms', 400, 'Common.0011'), ('bms', 404, None),
    ('vbs', 400, 'common.0011'), ('vbs', 400, 'Common.0011'), ('vbs', 404, 'common.0011'), ('vbs', 404, None),
    ('cce', 404, 'CCE.01404001'), ('cce', 404, None), ('cce', 404, 'CCE.02404001'),
    ('rds', 400, 'DBS.200543'), ('rds', 400, 'dbs.200543'), ('rds', 404, None),
    ('dds', 400, 'DBS.200543'), ('dds', 404, None),
    ('ddm', 400, 'DBS.300120'), ('ddm', 404, None),
])
def test_not_found_answers(service, status, code):
    assert job_api(service).is_not_found(status, code) is True


@pytest.mark.parametrize('service, status, code', [
    ('elb', 400, None), ('elb', 400, 'ELB.1102'), ('elb', 500, None), ('elb', 200, None),
    ('cfw', 400, 'CFW.00100001'), ('cfw', 400, None), ('cfw', 401, 'CFW.00200005'),
    ('ecs', 400, 'Common.0012'), ('ecs', 400, None), ('ecs', 400, 'Common.00110'), ('ecs', 403, 'Common.0011'),
    ('evs', 400, 'IMG.0023'), ('bms', 400, 'DBS.200543'),
    ('vbs', 400, 'common.0012'), ('vbs', 500, 'common.0011'),
    ('cce', 400, 'CCE.01404001'), ('cce', 401, None),
    ('rds', 400, 'DBS.300120'), ('rds', 400, 'RDS.5041'), ('rds', 400, None), ('rds', 403, 'DBS.200543'),
    ('dds', 400, 'DBS.300120'),
    ('ddm', 400, 'DBS.200543'), ('ddm', 400, None), ('ddm', 500, 'DBS.300120'),
    ('ims', 400, 'IMG.0001'), ('ims', 500, 'IMG.0023'),
])
def test_other_errors_are_not_not_found(service, status, code):
    assert job_api(service).is_not_found(status, code) is False


@pytest.mark.parametrize('service', ALL_SERVICES)
def test_any_404_is_not_found(service):
    # Every family answers 404 for an unknown path or resource, whatever the code (or none).
    for code in (None, '', 'APIGW.0101', 'anything'):
        assert job_api(service).is_not_found(404, code) is True
    assert job_api(service).is_not_found(None, None) is False
