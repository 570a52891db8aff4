# -*- coding: utf-8 -*-
# Copyright (c) otc.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: job
short_description: Read asynchronous jobs of Open Telekom Cloud services
version_added: 0.1.0
description:
  - Returns the normalized job for each job id given, with the same options and the same code path as
    M(otc.jobs.job_info).
  - A failed job is returned, not raised; an API error or bad input fails the lookup with a message naming the job.
  - B(Lookups do not see module_defaults.) Give the connection options as keyword arguments, or set them once as
    variables (O(cloud) as C(otc_jobs_cloud), O(auth) as C(otc_jobs_auth), and so on) or in the C([otc_jobs]) section
    of C(ansible.cfg). Variables are templated like any variable, so they may hold Jinja expressions and vaulted
    strings.
  - Without any of those, the lookup uses C(clouds.yaml) through E(OS_CLOUD), or the E(OS_*) environment, with the
    same precedence as the modules.
  - Runs on the controller; it needs the Python library C(requests) there (and C(PyYAML) for C(clouds.yaml)).
author:
  - otc.jobs maintainers (@otc-jobs)
options:
  _terms:
    description: Job ids, 1-64 letters, digits, C(-) or C(_); a list of ids counts as its ids.
    type: list
    elements: str
    required: true
  service:
    description:
      - The service the jobs belong to, as O(otc.jobs.job_info#module:service) of M(otc.jobs.job_info).
      # begin generated service-names
      - C(elb) classic Elastic Load Balance v1.0, C(cfw) Cloud Firewall v3, C(ecs) Elastic Cloud Server, C(evs) Elastic
        Volume Service, C(ims) Image Management Service, C(bms) Bare Metal Server, C(vbs) Volume Backup Service, C(cce)
        Cloud Container Engine v3, C(rds) Relational Database Service v3, C(dds) Document Database Service v3, C(ddm)
        Distributed Database Middleware v3.
      # end generated service-names
    type: str
    required: true
    # begin generated service-choices
    choices: [elb, cfw, ecs, evs, ims, bms, vbs, cce, rds, dds, ddm]
    # end generated service-choices
extends_documentation_fragment:
  - otc.jobs.auth
  - otc.jobs.auth.plugins
notes:
  - Lookups do not see C(module_defaults); use the O(cloud) and O(auth) keywords or the C(otc_jobs_*) variables.
  - Secrets (passwords, tokens, secret keys) never appear in the lookup's messages or warnings, even when an API echoes
    them back.
'''

EXAMPLES = r'''
- name: State of a classic ELB job, credentials from a clouds.yaml entry
  ansible.builtin.debug:
    msg: "{{ lookup('otc.jobs.job', created.json.job_id, service='elb', cloud='otc').state }}"

- name: Several Cloud Firewall jobs at once, credentials from the OS_* environment (or OS_CLOUD)
  ansible.builtin.debug:
    msg: "{{ query('otc.jobs.job', 'job-one', 'job-two', service='cfw') | map(attribute='status') }}"

# module_defaults do not reach lookups: set the connection once as variables instead.
- name: Read an RDS job with credentials set as play variables
  hosts: localhost
  gather_facts: false
  vars:
    otc_jobs_auth:
      auth_url: "{{ iam_url }}/v3"            # templated like any variable
      username: deployer
      password: "{{ vault_otc_password }}"    # a vaulted string works too
      user_domain_name: OTC00000000001000000xxx
      project_name: eu-de_prod
  tasks:
    - name: Show how far the database job is
      ansible.builtin.debug:
        msg: "{{ lookup('otc.jobs.job', rds_job_id, service='rds').progress }}"
'''

RETURN = r'''
_raw:
  description:
    - One normalized job per id (see the RV(otc.jobs.job_info#module:job) return value of M(otc.jobs.job_info)), with the keys
      C(id), C(service), C(project_id), C(status), C(state), C(finished), C(succeeded), C(job_type), C(begin_time),
      C(end_time), C(duration), C(error), C(entities), C(sub_jobs), C(progress), C(resource_ids), C(raw).
  type: list
  elements: dict
'''

from ansible.errors import AnsibleError
from ansible.plugins.lookup import LookupBase
from ansible.utils.display import Display

from ansible_collections.otc.jobs.plugins.module_utils.config._argspec import auth_argument_spec
from ansible_collections.otc.jobs.plugins.module_utils.core._secrets import Secrets
from ansible_collections.otc.jobs.plugins.module_utils.engine._runner import run
from ansible_collections.otc.jobs.plugins.module_utils.net._http import REQUESTS_IMPORT_ERROR

display = Display()

PREFIX = 'otc.jobs.job lookup: '


class LookupModule(LookupBase):

    def run(self, terms, variables=None, **kwargs):
        var_options = self._templated_vars(variables, kwargs)
        self.set_options(var_options=var_options, direct=kwargs)
        if REQUESTS_IMPORT_ERROR is not None:
            raise AnsibleError(PREFIX + 'the Python library requests is required on the controller: pip install requests')
        # lookup('otc.jobs.job', id_list, ...) passes the list as one term
        params = dict(service=self.get_option('service'), job_ids=[str(term) for term in self._flatten(terms)])
        for name in auth_argument_spec():
            value = self._connection_option(name, var_options, kwargs)
            if value is not None:
                params[name] = value

        secrets = Secrets()
        warnings = []
        try:
            result = run('job_info', params, warnings.append, secrets)
        except Exception as exc:  # pylint: disable=broad-except
            # Not expected (run reports user-caused failures in its result), but its text may carry a secret.
            raise AnsibleError(PREFIX + 'unexpected %s: %s' % (type(exc).__name__, secrets.scrub(str(exc)))) from None
        finally:
            # Scrubbed with every secret registered during the run, the IAM-issued token included.
            for line in warnings:
                display.warning(PREFIX + secrets.scrub(line))
        if result.get('failed'):
            raise AnsibleError(PREFIX + secrets.scrub(result.get('msg') or 'failed'))
        return secrets.scrub_data(result['jobs'])

    def _templated_vars(self, variables, direct):
        """The variables that feed options (``otc_jobs_auth``, ...), templated like any variable.

        Ansible hands lookups the raw variables: ``{"auth_url": "{{ iam_url }}/v3"}`` is still a template,
        a vaulted string still encrypted. Templating them here, before the option types are applied,
        resolves Jinja expressions (also a whole ``otc_jobs_auth: "{{ my_auth }}"``) and decrypts vaulted
        strings on every ansible-core from 2.17 on (2.19 templates only trusted strings, so data from an
        API is never evaluated). Options given as keyword arguments come templated already and win over
        variables, so their variables are left alone.
        """
        if not variables:
            return variables
        selected = {}
        for option, definition in self.option_definitions.items():
            if option in direct:
                continue
            for source in definition.get('vars') or ():
                name = source.get('name')
                if name and name in variables:
                    selected[name] = self._templar.template(variables[name])
        return selected

    def _connection_option(self, name, var_options, direct):
        """One connection option for the runner, or None when it is not set here.

        Values from the environment are left to module_utils, which reads OS_* itself with openstacksdk's
        precedence (a clouds.yaml region wins over OS_REGION_NAME), exactly as for the modules.
        """
        try:
            value, origin = self.get_option(name), self._origin(name, var_options, direct)
        except KeyError:
            return None
        if value is not None and str(origin or '').startswith('env'):
            return None
        return value

    def _origin(self, name, var_options, direct):
        """Where an option's value came from: 'Direct', 'var: NAME', 'env: NAME', 'ini: ...' or 'default'."""
        if name in direct:
            return 'Direct'
        # ansible-core 2.18+ keep the origins of set_options; 2.17 looks them up again from the same sources.
        origins = getattr(self, '_origins', None)
        if origins and name in origins:
            return origins[name]
        return self.get_option_and_origin(name, hostvars=var_options)[1]
