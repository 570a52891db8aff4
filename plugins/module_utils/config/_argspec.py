# -*- coding: utf-8 -*-
# Copyright (c) otc.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The argument specs of job_info and job_wait, shared by the modules and the action plugins of the same names.

The auth options match the ``otc.jobs.auth`` doc fragment. They have no environment fallbacks
here: ``_config`` and ``_clouds`` apply OS_* after clouds.yaml, exactly as openstacksdk does.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.otc.jobs.plugins.module_utils.auth._auth import AUTH_TYPE_CHOICES, auth_options
from ansible_collections.otc.jobs.plugins.module_utils.wire._services import SERVICES

ACTIONS = ('job_info', 'job_wait', 'request')

# Keys openstack.cloud users share across tasks that mean nothing to the job APIs: accepted, then
# named in one warning.
COMPATIBLE_AUTH_KEYS = ('default_domain_id', 'default_domain_name', 'system_scope', 'trust_id')


def auth_argument_spec():
    options = auth_options()
    options.update((key, dict(type='str')) for key in COMPATIBLE_AUTH_KEYS)
    return dict(
        cloud=dict(type='raw'),
        auth=dict(type='dict', no_log=False, options=options),
        auth_type=dict(type='str', choices=list(AUTH_TYPE_CHOICES)),
        region_name=dict(type='str', aliases=['region']),
        endpoint=dict(type='str'),
        interface=dict(type='str', choices=['public', 'internal', 'admin'], aliases=['endpoint_type']),
        validate_certs=dict(type='bool', aliases=['verify']),
        ca_cert=dict(type='path', aliases=['cacert']),
        api_timeout=dict(type='float'),
        token_cache=dict(type='bool', default=True, no_log=False),
    )


def jobs_argument_spec():
    return dict(
        service=dict(type='str', required=True, choices=list(SERVICES)),
        job_id=dict(type='str'),
        job_ids=dict(type='list', elements='str'),
        return_raw=dict(type='bool', default=True),
    )


def wait_argument_spec():
    return dict(
        timeout=dict(type='float', default=1800),
        sleep=dict(type='float', default=1),
        max_sleep=dict(type='float', default=10),
        not_found_timeout=dict(type='float', default=30),
        max_concurrency=dict(type='int', default=64),
        progress_interval=dict(type='float', default=30),
    )


def request_argument_spec():
    spec = dict(
        service=dict(type='str', required=True, choices=list(SERVICES)),
        method=dict(type='str', default='GET', choices=['GET', 'POST', 'PUT', 'PATCH', 'DELETE']),
        path=dict(type='str', required=True),
        query=dict(type='dict'),
        body=dict(type='raw'),
        headers=dict(type='dict'),
        status_code=dict(type='list', elements='int'),
        wait=dict(type='bool', default=False),
    )
    waits = wait_argument_spec()
    waits.pop('max_concurrency')
    spec.update(waits)
    return spec


def module_kwargs(action):
    """Keyword arguments of AnsibleModule (and of ModuleArgumentSpecValidator, less supports_check_mode)."""
    if action == 'request':
        spec = auth_argument_spec()
        spec.update(request_argument_spec())
        return dict(argument_spec=spec, supports_check_mode=True)
    spec = auth_argument_spec()
    spec.update(jobs_argument_spec())
    if action == 'job_wait':
        spec.update(wait_argument_spec())
    return dict(
        argument_spec=spec,
        mutually_exclusive=[('job_id', 'job_ids')],
        required_one_of=[('job_id', 'job_ids')],
        supports_check_mode=True,
    )


def no_log_values(argument_spec, params):
    """The values of ``params`` under ``no_log`` options, at any depth, as AnsibleModule collects them.

    The action plugins mask their results with these; ansible-core keeps its own collection private.
    """
    found = set()
    for name, option in argument_spec.items():
        value = (params or {}).get(name)
        if value is None:
            continue
        if option.get('no_log'):
            found.update(_leaves(value))
        sub_spec = option.get('options')
        if sub_spec:
            for item in (value if isinstance(value, list) else [value]):
                if isinstance(item, dict):
                    found.update(no_log_values(sub_spec, item))
    return found


def _leaves(value):
    """Each text or number inside ``value`` as a string; booleans name nothing secret."""
    if isinstance(value, bool):
        return []
    if isinstance(value, dict):
        return [leaf for item in value.values() for leaf in _leaves(item)]
    if isinstance(value, (list, tuple, set, frozenset)):
        return [leaf for item in value for leaf in _leaves(item)]
    text = str(value)
    return [text] if text else []
