#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) otc.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: job_info
short_description: Read the status of classic ELB or Cloud Firewall jobs on Open Telekom Cloud
version_added: 0.1.0
description:
  - Queries each given job of classic ELB v1.0 or Cloud Firewall v3 once and returns it in one normalized shape.
  - A failed job is information, not a task failure; use M(otc.jobs.job_wait) to wait for jobs and fail on failure.
  - An API error (unknown job, refused credentials, server errors after retries) fails the task naming the job, the HTTP
    status, the API error code and message.
author:
  - otc.jobs maintainers (@otc-jobs)
extends_documentation_fragment:
  - otc.jobs.auth
  - otc.jobs.auth.jobs
  - otc.jobs.auth.attributes
'''

EXAMPLES = r'''
- name: Read the job of a classic ELB create
  otc.jobs.job_info:
    service: elb
    job_id: "{{ created.json.job_id }}"
    auth:
      token: "{{ iam_token }}"
      project_id: "{{ project_id }}"
  register: elb_job

- name: Read two Cloud Firewall jobs with the credentials of a clouds.yaml entry
  otc.jobs.job_info:
    cloud: otc
    service: cfw
    job_ids:
      - f588ce71-e26c-400d-8981-f854355f6849
      - 0b6f2c47-21c3-4c8e-9c5c-7d7b2d6f6a10
  register: cfw_jobs

- name: Ad hoc, credentials from OS_* variables
  ansible.builtin.debug:
    msg: ansible localhost -m otc.jobs.job_info -a 'service=elb job_id=ff8080825ecc523f015ecd0a98f82f77'
'''

RETURN = r'''
job:
  description: The normalized job, with O(job_id).
  returned: success and O(job_id) given
  type: dict
  contains:
      id:
        description: Job id.
        type: str
        sample: ff8080825ecc523f015ecd0a98f82f77
      service:
        description: C(elb) or C(cfw).
        type: str
      project_id:
        description: Project the job belongs to.
        type: str
      status:
        description: The raw status as the API sent it (C(INIT), C(RUNNING), C(SUCCESS), C(FAIL); C(Running), C(Success), C(Failed)).
        type: str
        sample: SUCCESS
      state:
        description: Normalized state.
        type: str
        choices: [init, running, success, failed, unknown]
      finished:
        description: Whether the state is C(success) or C(failed).
        type: bool
      succeeded:
        description: Whether the state is C(success).
        type: bool
      job_type:
        description: Job type such as C(createELB) (ELB only).
        type: str
        sample: createELB
      begin_time:
        description: Start, ISO 8601 UTC with milliseconds.
        type: str
        sample: '2017-09-29T09:49:37.399Z'
      end_time:
        description: End, ISO 8601 UTC with milliseconds; null until finished.
        type: str
        sample: '2017-09-29T09:50:03.272Z'
      duration:
        description: Seconds from begin to end; null until finished.
        type: float
        sample: 25.873
      error:
        description: C(code) and C(message) of a failed job; null unless it failed.
        type: dict
        sample: {code: ELB.8902, message: Insufficient EIP quota for the load balancer.}
      entities:
        description: ELB C(entities) as sent (empty for CFW).
        type: dict
      sub_jobs:
        description: Normalized sub-jobs, same keys.
        type: list
        elements: dict
      raw:
        description: The API body exactly as received.
        type: dict
jobs:
  description: The normalized jobs in the order of O(job_ids); each has the keys of RV(job).
  returned: success and O(job_ids) given
  type: list
  elements: dict
status_code:
  description: HTTP status of a failed API call.
  returned: failure
  type: int
  sample: 404
error:
  description: C(code) and C(message) the API returned with a failed call.
  returned: failure
  type: dict
  sample: {code: CFW.00200005, message: Job does not exist.}
'''

from ansible_collections.otc.jobs.plugins.module_utils._errors import OtcJobsError
from ansible_collections.otc.jobs.plugins.module_utils._module import OtcJobsModule


def main():
    module = OtcJobsModule()
    client = module.job_client()
    try:
        jobs = client.fetch_all(module.job_ids, warn=module.warn)
    except OtcJobsError as exc:
        module.fail_from(exc)
    module.exit_json(**module.jobs_result(jobs))


if __name__ == '__main__':
    main()
