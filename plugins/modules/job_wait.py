#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) otc.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: job_wait
short_description: Wait for classic ELB or Cloud Firewall jobs on Open Telekom Cloud to finish
version_added: 0.1.0
description:
  - Polls one or many jobs of classic ELB v1.0 or Cloud Firewall v3 until each is finished, within one deadline.
  - Fails the task when any job ends failed (C(FAIL), C(Failed)); the message names every failed job with its error code
    and message, job type and failed sub-jobs, and the result still carries RV(job)/RV(jobs).
  - The next poll of a job comes max(O(sleep), 0.2 x seconds already waited) later, capped at O(max_sleep), with 10% jitter.
    All jobs of O(job_ids) share this rhythm, so jobs ending together are seen finished on the same poll round.
  - Connection errors, read timeouts, HTTP 429, 500, 502, 503, 504 and bodies that are not JSON are retried with jittered
    exponential backoff until the deadline, honouring C(Retry-After). A 401 re-authenticates once where the method can
    (password); other client errors fail at once.
  - An unknown status draws one warning and the wait goes on.
author:
  - otc.jobs maintainers (@otc-jobs)
extends_documentation_fragment:
  - otc.jobs.auth
  - otc.jobs.auth.jobs
  - otc.jobs.auth.attributes
options:
  timeout:
    description:
      - Seconds for the whole wait, on a monotonic clock. Then the task fails naming each unfinished job and its last status.
      - No wait runs longer than O(timeout) plus one O(api_timeout).
    type: float
    default: 1800
  sleep:
    description: Shortest interval between two polls of a job, in seconds.
    type: float
    default: 1
  max_sleep:
    description: Longest interval between two polls of a job, in seconds.
    type: float
    default: 10
  not_found_timeout:
    description:
      - A job the service does not know (ELB HTTP 404, CFW C(CFW.00200005)) counts as pending this many seconds after the
        wait began, since new jobs can appear late; after that the task fails.
    type: float
    default: 30
  max_concurrency:
    description: How many jobs of O(job_ids) are polled at once; never more requests are in flight.
    type: int
    default: 8
'''

EXAMPLES = r'''
- name: Create a classic load balancer
  ansible.builtin.uri:
    url: "https://elb.eu-de.otc.t-systems.com/v1.0/{{ project_id }}/elbaas/loadbalancers"
    method: POST
    headers:
      X-Auth-Token: "{{ iam_token }}"
    body_format: json
    body: {name: web, vpc_id: "{{ vpc_id }}", type: External, bandwidth: 10, admin_state_up: true}
  register: created

- name: Wait until the load balancer exists
  otc.jobs.job_wait:
    service: elb
    job_id: "{{ created.json.job_id }}"
    timeout: 600
    auth:
      token: "{{ iam_token }}"
      project_id: "{{ project_id }}"
  register: waited

- name: Wait for many firewall jobs, four at a time, credentials from clouds.yaml
  otc.jobs.job_wait:
    cloud: otc
    service: cfw
    job_ids: "{{ cfw_changes.results | map(attribute='json.data.id') | list }}"
    max_concurrency: 4

- name: Handle a failed job
  block:
    - name: Wait for the delete
      otc.jobs.job_wait:
        service: elb
        job_id: "{{ deleted.json.job_id }}"
  rescue:
    - name: Show why it failed
      ansible.builtin.debug:
        msg: "{{ ansible_failed_result.job.error }}"
'''

RETURN = r'''
job:
  description: The normalized final job, with O(job_id); also on failure when the job failed or the wait timed out.
  returned: success, or failure of the job
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
  description: The normalized final jobs in the order of O(job_ids); each has the keys of RV(job).
  returned: success, or failure of a job, and O(job_ids) given
  type: list
  elements: dict
elapsed:
  description: Seconds the wait took.
  returned: always
  type: float
  sample: 26.4
polls:
  description: Job GET requests sent, retries included.
  returned: always
  type: int
  sample: 14
status_code:
  description: HTTP status of a failed API call.
  returned: failure of an API call
  type: int
  sample: 403
error:
  description: C(code) and C(message) the API returned with a failed call.
  returned: failure of an API call
  type: dict
'''

import time

from ansible_collections.otc.jobs.plugins.module_utils._errors import OtcJobsError
from ansible_collections.otc.jobs.plugins.module_utils._module import OtcJobsModule
from ansible_collections.otc.jobs.plugins.module_utils._waiter import JobWaiter, failure_message


def main():
    module = OtcJobsModule(argument_spec=dict(
        timeout=dict(type='float', default=1800),
        sleep=dict(type='float', default=1),
        max_sleep=dict(type='float', default=10),
        not_found_timeout=dict(type='float', default=30),
        max_concurrency=dict(type='int', default=8),
    ))
    options = dict((name, module.params[name]) for name in ('timeout', 'sleep', 'max_sleep', 'not_found_timeout', 'max_concurrency'))
    client = module.job_client(pool_size=options['max_concurrency'])
    started = time.monotonic()
    try:
        outcome = JobWaiter(client, warn=module.warn, **options).wait(module.job_ids)
    except OtcJobsError as exc:
        module.fail_from(exc, polls=client.polls, elapsed=round(time.monotonic() - started, 3))
    result = module.jobs_result(outcome.jobs, elapsed=outcome.elapsed, polls=outcome.polls)
    failure = failure_message(outcome.jobs)
    if failure:
        module.fail_json(msg=failure, **result)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
