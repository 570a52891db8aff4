# -*- coding: utf-8 -*-
# Copyright (c) otc.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every otc.jobs module shares: the argument spec, input checks, connecting, failing well."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.otc.jobs.plugins.module_utils._config import OptionAdapter, resolve_settings
from ansible_collections.otc.jobs.plugins.module_utils._errors import OtcJobsError
from ansible_collections.otc.jobs.plugins.module_utils._http import REQUESTS_IMPORT_ERROR
from ansible_collections.otc.jobs.plugins.module_utils._jobs import connect, validate_job_ids
from ansible_collections.otc.jobs.plugins.module_utils._normalize import SERVICES


def auth_argument_spec():
    """The options of the otc.jobs.auth doc fragment. No env fallbacks here: _config applies them
    after clouds.yaml, so that the precedence auth > cloud > environment holds key by key."""
    return dict(
        cloud=dict(type='str'),
        auth=dict(type='dict', no_log=False, options=dict(
            auth_url=dict(type='str'),
            username=dict(type='str'),
            password=dict(type='str', no_log=True),
            user_domain_name=dict(type='str', aliases=['domain_name']),
            user_domain_id=dict(type='str'),
            project_name=dict(type='str'),
            project_id=dict(type='str'),
            token=dict(type='str', no_log=True),
            ak=dict(type='str', aliases=['access_key'], no_log=False),
            sk=dict(type='str', aliases=['secret_key'], no_log=True),
            security_token=dict(type='str', no_log=True),
        )),
        auth_type=dict(type='str', choices=['password', 'token', 'aksk']),
        region_name=dict(type='str', aliases=['region']),
        endpoint=dict(type='str'),
        validate_certs=dict(type='bool'),
        ca_cert=dict(type='path'),
        api_timeout=dict(type='float'),
        token_cache=dict(type='bool', default=True, no_log=False),
    )


def jobs_argument_spec():
    return dict(
        service=dict(type='str', required=True, choices=list(SERVICES)),
        job_id=dict(type='str'),
        job_ids=dict(type='list', elements='str'),
    )


class OtcJobsModule(AnsibleModule):
    """An AnsibleModule with the shared options; ``job_ids`` are validated before anything is sent."""

    def __init__(self, argument_spec=None, **kwargs):
        spec = auth_argument_spec()
        spec.update(jobs_argument_spec())
        spec.update(argument_spec or {})
        super(OtcJobsModule, self).__init__(
            argument_spec=spec,
            mutually_exclusive=[('job_id', 'job_ids')],
            required_one_of=[('job_id', 'job_ids')],
            supports_check_mode=True,
            **kwargs)
        if REQUESTS_IMPORT_ERROR is not None:
            self.fail_json(msg=missing_required_lib('requests'), exception=REQUESTS_IMPORT_ERROR)
        self.service = self.params['service']
        self.single = self.params['job_id'] is not None
        try:
            if self.single:
                self.job_ids = validate_job_ids([self.params['job_id']], 'job_id')
            else:
                self.job_ids = validate_job_ids(self.params['job_ids'], 'job_ids item')
                if not self.job_ids:
                    raise OtcJobsError('job_ids is empty: give at least one job id')
        except OtcJobsError as exc:
            self.fail_from(exc)

    def job_client(self, pool_size=1):
        try:
            settings = resolve_settings(OptionAdapter.from_module(self))
            return connect(self.service, settings, warn=self.warn, pool_size=pool_size)
        except OtcJobsError as exc:
            self.fail_from(exc)

    def jobs_result(self, jobs, **extra):
        """``job`` for job_id, ``jobs`` (input order) for job_ids."""
        result = dict(changed=False, **extra)
        if self.single:
            result['job'] = jobs[0]
        else:
            result['jobs'] = jobs
        return result

    def fail_from(self, exc, **extra):
        details = dict(exc.details)
        jobs = details.pop('jobs', None)
        result = self.jobs_result(jobs, **details) if jobs is not None else dict(changed=False, **details)
        result.update(extra)
        self.fail_json(msg=exc.message, **result)
