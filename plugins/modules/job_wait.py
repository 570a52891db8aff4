#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) otc.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: job_wait
short_description: Wait for asynchronous jobs of Open Telekom Cloud services to finish
version_added: 0.1.0
description:
  - Polls one or many jobs until each is finished, within one deadline, whatever the service - classic ELB, Cloud
    Firewall, ECS, EVS, IMS, BMS, VBS, CCE, RDS, DDS or DDM (see O(service)).
  - Fails the task when any job ends failed (C(FAIL), C(Failed)); the message names every failed job with its error code
    and message (or says that the API gave no reason), job type and failed sub-jobs, and the result still carries
    RV(job)/RV(jobs). A job that succeeded while one of its sub-jobs failed succeeds, with one warning per failed sub-job.
  - The next poll of a job comes max(O(sleep), 0.2 x seconds already waited) later, capped at O(max_sleep), with 10% jitter.
    All jobs of O(job_ids) share this rhythm, so jobs ending together are seen finished on the same poll round.
  - Connection errors, read timeouts, HTTP 500, 502, 503, 504 and bodies that are not usable JSON are retried with
    jittered exponential backoff until the deadline, honouring C(Retry-After). HTTP 429 slows the whole wait down (fewer
    polls in flight, a pause until C(Retry-After)), which then recovers. A 401 re-authenticates once where the method can
    (password); other client errors fail at once. Redirects are not followed; answers over 8 MiB are refused; an answer
    for another job id is refused.
  - An unknown status draws one warning and the wait goes on.
notes:
  - Where the work runs. On the controller (connection C(local), which includes the implicit C(localhost) and tasks
    delegated to C(localhost)), without C(async) and without C(become), the action plugin of the same name runs this
    module's code in the controller's own process; no module is shipped and no Python is started for the task, and
    the wait shows progress lines (O(progress_interval)). The result is the one the module returns, with
    C(invocation), warnings and C(no_log) masking alike. This needs C(requests) in the Python that runs Ansible.
  - Everywhere else (any other connection such as C(ssh), C(async), C(become), or C(requests) missing on the
    controller) the module runs on the target as modules do, without progress lines. C(-vvv) names the path a task took.
    The task's C(environment) applies on both paths.
author:
  - otc.jobs maintainers (@otc-jobs)
extends_documentation_fragment:
  - otc.jobs.auth
  - otc.jobs.auth.jobs
  - otc.jobs.auth.attributes
options:
  timeout:
    description:
      - Seconds for the whole task (authentication included), on a monotonic clock, greater than 0 and at most 604800
        (one week). Then the task fails naming each unfinished job and its last status.
      - A request still running at the deadline is cut off then, so no wait runs longer than O(timeout) plus one
        O(api_timeout), whatever the server does.
    type: float
    default: 1800
  sleep:
    description: Shortest interval between two polls of a job, in seconds, greater than 0 and at most 3600.
    type: float
    default: 1
  max_sleep:
    description: Longest interval between two polls of a job, in seconds, at least O(sleep) and at most 3600.
    type: float
    default: 10
  not_found_timeout:
    description:
      - A job the service does not know (HTTP 404, or its documented "no such job" code such as CFW C(CFW.00200005),
        ECS/EVS C(Common.0011), RDS C(DBS.200543)) counts as pending this many seconds after the wait began, since new jobs
        can appear late (RDS and DDS say so); after that the task fails, naming the service whose API was asked. From 0 to
        604800 (one week).
    type: float
    default: 30
  max_concurrency:
    description:
      - The most requests in flight at once with O(job_ids) (1-64); never more. It is a ceiling; the wait starts with 8
        (or this, if lower) and adapts below it, as TCP does (additive increase, multiplicative decrease). While polls that
        are due wait for a free slot it grows, by one with every healthy answer until the first cut, then by one per
        round trip (a window's worth of answers); it shrinks to 70 % on HTTP 429
        (then pausing every new poll for the answer's C(Retry-After)), 503 or a request that timed out, at most once
        per O(sleep).
      - Why 64 by default. OTC documents its API rate limits per API and per account, enforced by its API gateway with
        HTTP 429 (the Relational Database Service reference, for one, gives 8,000 calls per minute per API and 60 per
        minute per user), and most job APIs publish no number, so no fixed concurrency is right for every service,
        region and account. The gateway's 429s bring the window down where a limit is lower; the ceiling only keeps one
        task from flooding an API that never pushes back. At 64, the latency of a real region (30-150 ms), not the
        ceiling, bounds a large wait (1000 jobs polled in about 2.3 s at 150 ms); at the old default of 8 one round of
        1000 polls took 19 s.
    type: int
    default: 64
  progress_interval:
    description:
      - >-
        Seconds between two progress lines while the task waits, such as
        C(otc.jobs.job_wait: elb 3/50 finished, 47 running, 2m10s of 30m), which also counts the failed jobs once there
        are some, and with one job left names it and its last status. A job that fails gets a line of its own as soon
        as it is seen failed.
      - C(0) turns the lines off; otherwise at least 1 and at most 604800. A wait shorter than one interval prints
        nothing extra, and a task with C(no_log) prints none. The lines go to standard output, as Ansible's own output does; under a machine-readable
        stdout callback (JSON, YAML) set O(progress_interval=0), for example in C(module_defaults).
      - The default callback prints the lines at the default verbosity, and AWX/AAP (ansible-runner) shows them in the
        job output, while the task runs. Only the controller path shows them (see the notes); elsewhere this option
        is checked and has no effect.
    type: float
    default: 30
'''

EXAMPLES = r'''
- name: Create a classic load balancer (otc.jobs.request, same credentials)
  otc.jobs.request:
    cloud: otc
    service: elb
    method: POST
    path: elbaas/loadbalancers
    body: {name: web, vpc_id: "{{ vpc_id }}", type: External, bandwidth: 10, admin_state_up: true}
  register: created

- name: Wait until the load balancer exists
  otc.jobs.job_wait:
    cloud: otc
    service: elb
    job_id: "{{ created.job_id }}"
    timeout: 600
  register: waited

- name: Or create and wait in one task
  otc.jobs.request:
    cloud: otc
    service: elb
    method: POST
    path: elbaas/loadbalancers
    body: {name: web-2, vpc_id: "{{ vpc_id }}", type: External}
    wait: true
    timeout: 600

- name: Create a server with ansible.builtin.uri and a token you already have
  ansible.builtin.uri:
    url: "https://ecs.eu-de.otc.t-systems.com/v1/{{ project_id }}/cloudservers"
    method: POST
    headers:
      X-Auth-Token: "{{ vault_otc_token }}"
    body_format: json
    body: {server: "{{ server_spec }}"}
  register: server

- name: Wait for the server; its id is in resource_ids
  otc.jobs.job_wait:
    service: ecs
    job_id: "{{ server.json.job_id }}"
    auth:
      token: "{{ vault_otc_token }}"
      project_id: "{{ project_id }}"
  register: server_job

- name: Create a volume (EVS)
  otc.jobs.request:
    cloud: otc
    service: evs
    method: POST
    path: cloudvolumes
    body: {volume: {name: data, size: 100, volume_type: SSD, availability_zone: eu-de-01}}
  register: volume

- name: Wait for the volume
  otc.jobs.job_wait:
    cloud: otc
    service: evs
    job_id: "{{ volume.job_id }}"

- name: Create an image from the server (IMS paths start at the API root)
  otc.jobs.request:
    cloud: otc
    service: ims
    method: POST
    path: /v2/cloudimages/action
    body: {name: golden, instance_id: "{{ server_job.job.resource_ids[0] }}"}
  register: image

- name: Wait for the image
  otc.jobs.job_wait:
    cloud: otc
    service: ims
    job_id: "{{ image.job_id }}"
    timeout: 3600

- name: Create bare metal servers (BMS)
  otc.jobs.request:
    cloud: otc
    service: bms
    method: POST
    path: baremetalservers
    body: {server: "{{ bms_spec }}"}
  register: bms

- name: Wait for the bare metal servers
  otc.jobs.job_wait:
    cloud: otc
    service: bms
    job_id: "{{ bms.job_id }}"
    timeout: 3600

- name: Back up a volume (VBS)
  otc.jobs.request:
    cloud: otc
    service: vbs
    method: POST
    path: cloudbackups
    body: {backup: {volume_id: "{{ volume_id }}", name: nightly}}
  register: backup

- name: Wait for the backup
  otc.jobs.job_wait:
    cloud: otc
    service: vbs
    job_id: "{{ backup.job_id }}"

- name: Create a CCE cluster (the job id is in status.jobID; request reads it from there)
  otc.jobs.request:
    cloud: otc
    service: cce
    method: POST
    path: clusters
    body: "{{ cluster_spec }}"
  register: cluster

- name: Wait for the cluster, printing progress every minute
  otc.jobs.job_wait:
    cloud: otc
    service: cce
    job_id: "{{ cluster.job_id }}"
    timeout: 3600
    max_sleep: 30
    progress_interval: 60

- name: Create an RDS instance
  otc.jobs.request:
    cloud: otc
    service: rds
    method: POST
    path: instances
    body: "{{ rds_spec }}"
  register: database

- name: Wait for the instance (its job can be "not found" for a few seconds)
  otc.jobs.job_wait:
    cloud: otc
    service: rds
    job_id: "{{ database.job_id }}"
    timeout: 3600

- name: Create a DDS instance
  otc.jobs.request:
    cloud: otc
    service: dds
    method: POST
    path: instances
    body: "{{ dds_spec }}"
  register: mongo

- name: Wait for the DDS instance
  otc.jobs.job_wait:
    cloud: otc
    service: dds
    job_id: "{{ mongo.job_id }}"
    timeout: 3600

- name: Create a DDM instance (DDM's v1 API, from the project root /v1/{project_id})
  otc.jobs.request:
    cloud: otc
    service: ddm
    method: POST
    path: instances
    body: "{{ ddm_spec }}"
  register: ddm

- name: Wait for the DDM instance
  otc.jobs.job_wait:
    cloud: otc
    service: ddm
    job_id: "{{ ddm.job_id }}"
    timeout: 3600

- name: Wait for many firewall jobs, four at a time, credentials from clouds.yaml
  otc.jobs.job_wait:
    cloud: otc
    service: cfw
    job_ids: "{{ cfw_changes | otc.jobs.job_ids('cfw') }}"
    max_concurrency: 4

- name: Handle a failed job, and only a failed job
  block:
    - name: Wait for the delete
      otc.jobs.job_wait:
        service: elb
        job_id: "{{ deleted.job_id }}"
  rescue:
    - name: Show why the job failed
      ansible.builtin.debug:
        msg: "{{ ansible_failed_result.job.error }}"
      when: ansible_failed_result.reason == 'job_failed'
    - name: Anything else (timeout, API or credential error) still fails the play
      ansible.builtin.fail:
        msg: "{{ ansible_failed_result.msg }}"
      when: ansible_failed_result.reason != 'job_failed'
'''

RETURN = r'''
job:
  description: The normalized final job, with O(job_id); also on failure when the job failed or the wait timed out.
  returned: success, or failure of the job
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
reason:
  description:
    - Why the task failed, for a C(when) in a C(rescue).
    - V(job_failed) a job ended in failure (RV(job)/RV(jobs) carry it); V(timed_out) the O(timeout) passed; V(not_found)
      the service does not know the job; V(api_error) the API answered with an error or could not be reached;
      V(auth_error) credentials missing or refused; V(invalid_input) options or ids refused before any request; V(cancelled)
      the process that started the wait is gone;
      V(internal) a defect of otc.jobs.
  returned: failure
  type: str
  sample: job_failed
'''

from ansible_collections.otc.jobs.plugins.module_utils.engine._module import main as run_module


def main():
    run_module('job_wait')


if __name__ == '__main__':
    main()
