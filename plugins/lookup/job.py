# -*- coding: utf-8 -*-
# Copyright (c) otc.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: job
short_description: Read classic ELB or Cloud Firewall jobs of Open Telekom Cloud
version_added: 0.1.0
description:
  - Returns the normalized job for each job id given, with the same options and code path as M(otc.jobs.job_info).
  - A failed job is returned, not raised; an API error or bad input fails the lookup with a message naming the job.
author:
  - otc.jobs maintainers (@otc-jobs)
options:
  _terms:
    description: Job ids, 1-64 letters, digits, C(-) or C(_).
    type: list
    elements: str
    required: true
  service:
    description: C(elb) for classic ELB v1.0 jobs, C(cfw) for Cloud Firewall v3 jobs.
    type: str
    required: true
    choices: [elb, cfw]
extends_documentation_fragment:
  - otc.jobs.auth
  - otc.jobs.auth.plugins
'''

EXAMPLES = r'''
- name: Show the state of a classic ELB job, credentials from clouds.yaml
  ansible.builtin.debug:
    msg: "{{ lookup('otc.jobs.job', created.json.job_id, service='elb', cloud='otc').state }}"

- name: Several Cloud Firewall jobs at once, credentials from OS_* variables
  ansible.builtin.debug:
    msg: "{{ query('otc.jobs.job', 'job-one', 'job-two', service='cfw') | map(attribute='status') }}"
'''

RETURN = r'''
_raw:
  description:
    - One normalized job per id (see the RV(otc.jobs.job_info#module:job) return value of M(otc.jobs.job_info)), with the keys
      C(id), C(service), C(project_id), C(status), C(state), C(finished), C(succeeded), C(job_type), C(begin_time),
      C(end_time), C(duration), C(error), C(entities), C(sub_jobs), C(raw).
  type: list
  elements: dict
'''

from ansible.errors import AnsibleError
from ansible.plugins.lookup import LookupBase
from ansible.utils.display import Display

from ansible_collections.otc.jobs.plugins.module_utils._config import OptionAdapter, resolve_settings
from ansible_collections.otc.jobs.plugins.module_utils._errors import OtcJobsError
from ansible_collections.otc.jobs.plugins.module_utils._jobs import connect, validate_job_ids

display = Display()


class LookupModule(LookupBase):

    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)
        service = self.get_option('service')
        try:
            job_ids = validate_job_ids([str(term) for term in terms], 'job id')
            settings = resolve_settings(OptionAdapter.from_plugin(self))
            client = connect(service, settings, warn=display.warning)
            return client.fetch_all(job_ids, warn=display.warning)
        except OtcJobsError as exc:
            raise AnsibleError('otc.jobs.job lookup: %s' % exc.message)
