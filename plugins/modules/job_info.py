#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) otc.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: job_info
short_description: Read the status of asynchronous jobs of Open Telekom Cloud services
version_added: 0.1.0
description:
  - Queries each given job once and returns it in one normalized shape, whatever the service - classic ELB, Cloud
    Firewall, ECS, EVS, IMS, BMS, VBS, CCE, RDS, DDS or DDM (see O(service)).
  - A failed job is information, not a task failure; use M(otc.jobs.job_wait) to wait for jobs and fail on failure.
  - An API error (unknown job, refused credentials, server errors after retries) fails the task naming the job, the HTTP
    status, the API error code and message. Transient failures are retried, but the whole task ends within two
    O(api_timeout) (a C(Retry-After) longer than what is left ends it at once, saying so).
  - An answer for another job id than the one asked for is refused. A job that succeeded while one of its sub-jobs
    failed draws one warning naming the sub-job.
notes:
  - Where the work runs. On the controller (connection C(local), which includes the implicit C(localhost) and tasks
    delegated to C(localhost)), without C(async) and without C(become), the action plugin of the same name runs this
    module's code in the controller's own process; no module is shipped and no Python is started for the task, so a
    task costs a fraction of a module run. The result is the one the module returns, with C(invocation), warnings and
    C(no_log) masking alike. This needs C(requests) in the Python that runs Ansible.
  - Everywhere else (any other connection such as C(ssh), C(async), C(become), or C(requests) missing on the
    controller) the module runs on the target as modules do. C(-vvv) names the path a task took. The task's
    C(environment) applies on both paths.
author:
  - otc.jobs maintainers (@otc-jobs)
extends_documentation_fragment:
  - otc.jobs.auth
  - otc.jobs.auth.jobs
  - otc.jobs.auth.attributes
'''

EXAMPLES = r'''
- name: Create a classic load balancer (answers at once with a job id)
  otc.jobs.request:
    cloud: otc
    service: elb
    method: POST
    path: elbaas/loadbalancers
    body: {name: web, vpc_id: "{{ vpc_id }}", type: External}
  register: created

- name: Read its job once, with a token you already have
  otc.jobs.job_info:
    service: elb
    job_id: "{{ created.job_id }}"
    auth:
      token: "{{ vault_otc_token }}"
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

- name: How far is a CCE cluster create, with AK/SK from OS_ACCESS_KEY/OS_SECRET_KEY and OS_PROJECT_NAME
  otc.jobs.job_info:
    service: cce
    job_id: "{{ cluster | otc.jobs.job_ids('cce') | first }}"   # cluster: a registered create result
  register: cluster_job

- name: Show an RDS job's progress in percent
  ansible.builtin.debug:
    msg: "{{ lookup('otc.jobs.job', database.job_id, service='rds', cloud='otc').progress }}"

- name: Ad hoc, credentials from OS_* variables
  ansible.builtin.debug:
    msg: ansible localhost -m otc.jobs.job_info -a 'service=ecs job_id=2c9eb2c5544cbf6101544f0602af2b4f'
'''

RETURN = r'''
job:
  description: The normalized job, with O(job_id).
  returned: success and O(job_id) given
  type: dict
  contains:
    # begin generated job-return
    id:
      description: Job id.
      type: str
      sample: ff8080825ecc523f015ecd0a98f82f77
    service:
      description: The service of the job, as given in O(service).
      type: str
      sample: ecs
    project_id:
      description: Project the job belongs to.
      type: str
    status:
      description:
        - The raw status as the API sent it - elb, ecs, evs, ims, bms and vbs C(INIT), C(RUNNING), C(SUCCESS), C(FAIL);
          cfw C(Running), C(Success), C(Failed); cce C(Initializing), C(Running), C(Success), C(Failed); rds, dds and
          ddm C(Running), C(Completed), C(Failed).
      type: str
      sample: SUCCESS
    state:
      description: Normalized state; a status outside the service's vocabulary is C(unknown).
      type: str
      choices: [init, running, success, failed, unknown]
    finished:
      description: Whether the state is C(success) or C(failed).
      type: bool
    succeeded:
      description: Whether the state is C(success).
      type: bool
    job_type:
      description: What the job does, such as C(createELB) or C(createServer), from C(job_type), C(spec.type), C(name);
        null where the API has none (cfw).
      type: str
      sample: createELB
    begin_time:
      description: Start, ISO 8601 UTC with milliseconds, from whatever format the API used.
      type: str
      sample: '2017-09-29T09:49:37.399Z'
    end_time:
      description: End, ISO 8601 UTC with milliseconds; null until finished (even where an API sends one earlier).
      type: str
      sample: '2017-09-29T09:50:03.272Z'
    duration:
      description: Seconds from begin to end; null until finished.
      type: float
      sample: 25.873
    error:
      description:
        - C(code) and C(message) of a failed job, null unless it failed. Either may be null where the API gives no
          reason (cce, rds, dds and ddm give a message only).
      type: dict
      sample: {code: ELB.8902, message: Insufficient EIP quota for the load balancer.}
    entities:
      description: The job's C(entities) as sent (elb, ecs, evs, ims, bms, vbs and rds); empty where the API has none.
      type: dict
    sub_jobs:
      description: Normalized sub-jobs, same keys, from wherever the service keeps them (C(sub_jobs),
        C(entities.sub_jobs), C(entities.sub_jobs_result), C(spec.subJobs)).
      type: list
      elements: dict
    progress:
      description: Percent done where the API reports it (ims C(entities.process_percent) or C(process_percent), a
        fraction 0-1 read as percent; rds and ddm C(process); dds C(progress)), else null.
      type: int
      sample: 60
    resource_ids:
      description:
        - Ids of what the job made or changed, sub-jobs included, in order - the load balancer for elb; the server for
          ecs and bms; the volume for evs; the image for ims; the backup for vbs; the cluster or node for cce; the
          instance for rds, dds and ddm.
      type: list
      elements: str
      sample: [bae51750-0089-41a1-9b18-5c777978ff6d]
    raw:
      description: The API body exactly as received (left out with O(return_raw=false)).
      type: dict
    # end generated job-return
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
reason:
  description:
    - Why the task failed, for a C(when) in a C(rescue).
    - V(not_found) the service does not know the job; V(api_error) the API answered with an error or could not be reached;
      V(auth_error) credentials missing or refused; V(invalid_input) options or ids refused before any request;
      V(internal) a defect of otc.jobs.
  returned: failure
  type: str
  sample: not_found
'''

from ansible_collections.otc.jobs.plugins.module_utils.engine._module import main as run_module


def main():
    run_module('job_info')


if __name__ == '__main__':
    main()
