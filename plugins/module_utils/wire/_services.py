# -*- coding: utf-8 -*-
# Copyright (c) otc.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What each OTC job API looks like: one entry per service, read by normalization, endpoints and the client.

Like botocore's waiter tables, this is data, not code: the path, where the job sits in the body, its
id and status keys, the status vocabulary, where sub-jobs, times, failure details, progress and
resource ids live, how the service says "no such job", and how its token-catalog entry is found and
reduced to the API root, where a create answer puts the job id. Adding a service is one entry here
plus its tests: the service lists and tables of the docs are generated from this table
(``make gen-docs``, checked by tests/unit/plugins/test_generated_docs.py).

Facts and sources: SPEC §2/§2b and shared/api/job-apis.md (the official OTC API references).
A key path is a tuple of keys into the job object; several paths are tried in order.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# Status vocabularies as the APIs send them, in the order a job goes through them (statuses match
# case-insensitively; the spelling is for the docs).
_V1_STATUSES = {'INIT': 'init', 'RUNNING': 'running', 'SUCCESS': 'success', 'FAIL': 'failed'}
_CFW_STATUSES = {'Running': 'running', 'Success': 'success', 'Failed': 'failed'}
_CCE_STATUSES = {'Initializing': 'init', 'Running': 'running', 'Success': 'success', 'Failed': 'failed'}
_DB_STATUSES = {'Running': 'running', 'Completed': 'success', 'Failed': 'failed'}

# A catalog URL or endpoint ends in the API version and the project: '/v1.0/{p}', '/v2/$(tenant_id)s', '/v3'.
_VERSION_SUFFIX = r'/v\d+(?:\.\d+)?(?:/[^/]*)?'
# CCE roots may also carry its job API's own prefix ('/api/v3/projects/{p}').
_CCE_SUFFIX = r'/api/v\d+(?:/projects(?:/[^/]*)?)?'


class JobApi:
    """One service's job API. Key paths are tuples; every attribute is read-only data."""

    def __init__(self, name, title, path, catalog_types, statuses, id_paths, resource, operations, status_path=('status',),
                 wrapper=None, begin_paths=(('begin_time',),), end_paths=(('end_time',),),
                 job_type_paths=(('job_type',),), entities_path=('entities',), sub_job_paths=(),
                 error_code_paths=(('error_code',), ('code',)), error_message_paths=(('fail_reason',), ('message',)),
                 progress_paths=(), progress_fraction=False, resource_id_paths=(), not_found=(), root_suffixes=(_VERSION_SUFFIX,),
                 error_shapes=(('error_code', 'error_msg'), ('code', 'message')), host=None,
                 project_root='/v1/{project_id}', create_id_paths=(('job_id',),), id_shape=None):
        self.name = name
        self.title = title                          # for docs and messages: 'Elastic Cloud Server'
        self.resource = resource                    # docs: what its jobs make ('server'), see resource_ids
        self.operations = operations                # docs: which calls answer with a job
        self.path = path                            # appended to the root; '{project_id}' and '{job_id}' filled in
        # Token-catalog types to look for, in order: only documented ones (an old 'rds' entry is the v1
        # API, whose root would be wrong here).
        self.catalog_types = catalog_types
        self.statuses = dict((raw.lower(), state) for raw, state in statuses.items())  # lower-cased raw -> state
        self.status_words = tuple(statuses)         # as sent, for the docs
        self.id_paths = id_paths                    # where the job object holds its id
        self.status_path = status_path
        self.wrapper = wrapper                      # key of the object around the job ('data', 'job'), or None
        self.begin_paths = begin_paths
        self.end_paths = end_paths                  # read only once the job is finished
        self.job_type_paths = job_type_paths
        self.entities_path = entities_path          # returned as `entities` when it is an object
        self.sub_job_paths = sub_job_paths          # lists of job objects of the same service
        self.error_code_paths = error_code_paths    # failure detail of a failed job
        self.error_message_paths = error_message_paths
        self.progress_paths = progress_paths        # percent done: 60, '60', '60%'
        self.progress_fraction = progress_fraction  # whether numbers up to 1 are fractions (0.6 = 60 %)
        self.resource_id_paths = resource_id_paths  # ids of what the job made or changed
        self.not_found = not_found                  # (HTTP status, API error code or None for any) pairs
        self.root_suffixes = root_suffixes          # regexes stripped from the end of catalog/endpoint URLs
        self.error_shapes = error_shapes            # (code key, message key) of its error bodies, tried first
        self.host = host or name                    # public default https://{host}.{region}.otc.t-systems.com
        # otc.jobs.request: where a relative path starts (after the root), and where create/delete answers put the job id.
        self.project_root = project_root
        self.create_id_paths = create_id_paths
        self.id_shape = id_shape or _UUID           # regex of its job ids, lower-cased

    def __repr__(self):
        return 'JobApi(%r)' % self.name

    def is_not_found(self, status_code, code):
        """Whether an error answer means "no such job" (perhaps not yet: new jobs appear late)."""
        code = (code or '').lower()
        for status, expected in self.not_found:
            if status_code == status and (expected is None or code == expected.lower()):
                return True
        return False


def _v1_family(name, title, catalog_types, resource, operations, sub_job_paths, resource_id_paths, not_found, **extra):
    """ECS, EVS, IMS, BMS and VBS share one job API shape (the classic ELB one under /v1)."""
    return JobApi(
        name, title, '/v1/{project_id}/jobs/{job_id}', catalog_types, _V1_STATUSES, (('job_id',),), resource, operations,
        sub_job_paths=sub_job_paths, resource_id_paths=resource_id_paths, not_found=not_found,
        error_shapes=(('code', 'message'),), id_shape=_HEX32, **extra)


_COMMON_0011 = ((400, 'Common.0011'), (404, None))
# Job id shapes: the v1 families use 32 hex digits, the others UUIDs (for the hint of a "not found" message).
_HEX32 = r'\A[0-9a-f]{32}\Z'
_UUID = r'\A[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\Z'

SERVICE_TABLE = dict((api.name, api) for api in (
    JobApi(
        'elb', 'classic Elastic Load Balance v1.0', '/v1.0/{project_id}/jobs/{job_id}', ('elb', 'elbv1'),
        _V1_STATUSES, (('job_id',),), 'load balancer', 'load balancer create and delete',
        sub_job_paths=(('sub_jobs',),),
        resource_id_paths=(('entities', 'elb', 'id'),),
        not_found=((404, None),),
        project_root='/v1.0/{project_id}', id_shape=_HEX32,
    ),
    JobApi(
        'cfw', 'Cloud Firewall v3', '/v3/{project_id}/jobs/{job_id}', ('cfw', 'cfwv3'),
        _CFW_STATUSES, (('id',),), None, 'firewall operations', wrapper='data',
        job_type_paths=(), entities_path=None,
        error_code_paths=(('error_code',),), error_message_paths=(('error_msg',), ('fail_reason',)),
        not_found=((400, 'CFW.00200005'), (404, None)),
        project_root='/v1/{project_id}', create_id_paths=(('data', 'id'),),
    ),
    _v1_family(
        'ecs', 'Elastic Cloud Server', ('ecs',), 'server', 'server create and delete, batch operations, NICs',
        sub_job_paths=(('entities', 'sub_jobs'),),
        resource_id_paths=(('entities', 'server_id'),),
        not_found=_COMMON_0011,
        error_message_paths=(('fail_reason',), ('entities', 'errorcode_message'), ('message',)),
    ),
    _v1_family(
        'evs', 'Elastic Volume Service', ('evs',), 'volume', 'volume create, extend and delete', project_root='/v2/{project_id}',
        sub_job_paths=(('entities', 'sub_jobs'),),
        resource_id_paths=(('entities', 'volume_id'),),
        not_found=_COMMON_0011,
    ),
    _v1_family(
        'ims', 'Image Management Service', ('image',), 'image', 'image create, import, export, copy', project_root='',
        sub_job_paths=(('entities', 'sub_jobs_result'),),
        resource_id_paths=(('entities', 'image_id'), ('entities', 'results', '*', 'image_id')),
        # entities.process_percent: a Double "Job progress", 1 once finished (the IMS reference's "Querying the
        # Progress of an Asynchronous Job"): a fraction; a value above 1 is read as a percent. gopher reads it too.
        progress_paths=(('entities', 'process_percent'), ('process_percent',)), progress_fraction=True,
        # No code is documented for a missing job: IMG.0023 is the closest, Common.0011 the family's.
        not_found=((400, 'IMG.0023'),) + _COMMON_0011,
    ),
    _v1_family(
        'bms', 'Bare Metal Server', ('bms',), 'server', 'server create, operations, volumes',
        sub_job_paths=(('entities', 'sub_jobs'),),
        resource_id_paths=(('entities', 'server_id'),),
        not_found=_COMMON_0011,  # not documented; inferred from ECS
    ),
    _v1_family(
        'vbs', 'Volume Backup Service', ('vbsv2', 'vbs'), 'backup', 'backup create and restore', project_root='/v2/{project_id}',
        sub_job_paths=(('sub_jobs',),),
        resource_id_paths=(('entities', 'backup_id'),),
        not_found=_COMMON_0011,  # documented as 'common.0011'; codes match case-insensitively
    ),
    JobApi(
        'cce', 'Cloud Container Engine v3', '/api/v3/projects/{project_id}/jobs/{job_id}', ('ccev2.0',),
        _CCE_STATUSES, (('metadata', 'uid'),), 'cluster or node', 'cluster and node create and delete',
        status_path=('status', 'phase'),
        begin_paths=(('metadata', 'creationTimestamp'),), end_paths=(('metadata', 'updateTimestamp'),),
        job_type_paths=(('spec', 'type'),), entities_path=None,
        sub_job_paths=(('spec', 'subJobs'),),
        error_code_paths=(), error_message_paths=(('status', 'reason'),),
        resource_id_paths=(('spec', 'resourceID'),),
        not_found=((404, None),),
        error_shapes=(('errorCode', 'errorMessage'),),
        root_suffixes=(_CCE_SUFFIX, _VERSION_SUFFIX),
        project_root='/api/v3/projects/{project_id}', create_id_paths=(('status', 'jobID'),),
    ),
    JobApi(
        'rds', 'Relational Database Service v3', '/v3/{project_id}/jobs?id={job_id}', ('rdsv3',),
        _DB_STATUSES, (('id',),), 'instance', 'instance create, resize, delete', wrapper='job',
        begin_paths=(('created',),), end_paths=(('ended',),), job_type_paths=(('name',),),
        error_code_paths=(), error_message_paths=(('fail_reason',),),
        progress_paths=(('process',),),
        resource_id_paths=(('instance', 'id'),),
        not_found=((400, 'DBS.200543'), (404, None)),
        project_root='/v3/{project_id}',
    ),
    JobApi(
        'dds', 'Document Database Service v3', '/v3/{project_id}/jobs?id={job_id}', ('ddsv3',),
        _DB_STATUSES, (('id',),), 'instance', 'instance operations', wrapper='job',
        begin_paths=(('created',),), end_paths=(('ended',),), job_type_paths=(('name',),), entities_path=None,
        error_code_paths=(), error_message_paths=(('fail_reason',),),
        progress_paths=(('progress',),),
        resource_id_paths=(('instance', 'id'),),
        not_found=((400, 'DBS.200543'), (404, None)),  # not documented; inferred from RDS
        project_root='/v3/{project_id}',
    ),
    JobApi(
        'ddm', 'Distributed Database Middleware v3', '/v3/{project_id}/jobs/{job_id}', ('ddmv3',),
        _DB_STATUSES, (('id',),), 'instance', 'instance create and delete', wrapper='job',
        begin_paths=(('created_time',),), end_paths=(('end_time',),), job_type_paths=(('name',),), entities_path=None,
        error_code_paths=(), error_message_paths=(('fail_reason',),),
        progress_paths=(('process',),),
        resource_id_paths=(('instance', 'id'),),
        not_found=((400, 'DBS.300120'), (404, None)),  # not documented; DBS.300120 is the closest
        error_shapes=(('errCode', 'externalMessage'), ('error_code', 'error_msg')),
        project_root='/v1/{project_id}',
    ),
))

SERVICES = tuple(SERVICE_TABLE)


def job_api(service):
    """The table entry of ``service``; ValueError for a name that is not in the table."""
    try:
        return SERVICE_TABLE[service]
    except (KeyError, TypeError):
        raise ValueError('unknown service %r: expected one of %s' % (service, ', '.join(SERVICES)))
