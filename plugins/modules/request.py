#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) otc.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: request
short_description: Call an Open Telekom Cloud API with the collection's credentials, and wait for the job it starts
version_added: 0.2.0
description:
  - Sends one authenticated request to a service of the table of O(service) - the create or delete that answers with a
    job id - with the same connection options as M(otc.jobs.job_wait) (password, token or AK/SK, C(clouds.yaml),
    E(OS_*)), the same endpoint discovery and the same token cache, so a play that creates and waits asks IAM once.
  - Returns the answer (RV(status), RV(json) or RV(content), RV(headers)) and RV(job_id) when the answer names a job.
  # begin generated create-id-places
  - Where each service puts the job id of its answer - C(job_id) for elb, ecs, evs, ims, bms, vbs, rds, dds and ddm;
    C(data.id) for cfw; C(status.jobID) for cce.
  # end generated create-id-places
  - With O(wait=true) it then waits for that job exactly as M(otc.jobs.job_wait) does, returns RV(job), and fails the
    task when the job fails, with the API's reason.
  - B(Never a duplicate create.) A GET is retried like M(otc.jobs.job_info)'s reads. Any other method is sent again only
    when the request certainly did not reach the service - the connection was refused, the host name did not resolve,
    HTTP 429 with C(Retry-After), a 503 from the API gateway, or a 401 after which the credentials were renewed. After a
    timeout, a reset or a cut-off answer the task fails with a message that says the call may have happened and names
    the service and path; nothing is sent again.
  - C(changed) is true for every method but GET. In check mode only GET requests are sent; the result says what would
    have been sent (RV(request)).
notes:
  - The body never appears in messages or progress lines. Values under these keys of O(body), at any depth and in any
    letter case, are treated as secrets and masked in C(invocation) and in the result - C(password), C(adminPass),
    C(admin_pass), C(adminPwd), C(admin_password), C(db_password), C(root_password), C(new_password), C(old_password),
    C(user_data), C(userdata), C(private_key), C(privatekey), C(sk), C(secret_key), C(secret), C(security_token),
    C(token), C(auth_token), C(passphrase). Set C(no_log) on the task for anything else that is secret.
  - Where the work runs is decided as for M(otc.jobs.job_wait) - in the controller process where the task runs on the
    controller (with progress lines while it waits), else as a module on the target.
author:
  - otc.jobs maintainers (@otc-jobs)
extends_documentation_fragment:
  - otc.jobs.auth
options:
  service:
    description:
      - The service to call; its endpoint comes from O(endpoint), the token catalog or
        C(https://{service}.{region}.otc.t-systems.com), and its job API answers for RV(job_id).
    type: str
    required: true
    # begin generated service-choices
    choices: [elb, cfw, ecs, evs, ims, bms, vbs, cce, rds, dds, ddm]
    # end generated service-choices
  method:
    description: The HTTP method.
    type: str
    default: GET
    choices: [GET, POST, PUT, PATCH, DELETE]
  path:
    description:
      - The path, relative to the service's project root (below). So C(elbaas/loadbalancers) on elb is
        C({endpoint}/v1.0/{project_id}/elbaas/loadbalancers) and C(clusters) on cce is
        C(/api/v3/projects/{project_id}/clusters).
      - A path that starts with C(/) is taken from the service's API root (the host, or the path of O(endpoint)),
        for example C(/v2/cloudimages/action) on ims.
      # begin generated project-roots
      - The project roots - C(/v1.0/{project_id}) for elb; C(/v1/{project_id}) for cfw, ecs, bms and ddm;
        C(/v2/{project_id}) for evs and vbs; the API root itself for ims; C(/api/v3/projects/{project_id}) for cce;
        C(/v3/{project_id}) for rds and dds.
      # end generated project-roots
      - C({project_id}) is replaced with the project id. At most 1024 characters of letters, digits and
        C(-._~!$&'()*+,;=:@/) (percent-encoding allowed); no C(.) or C(..) segments, no query or fragment
        (use O(query)), checked before anything is sent.
    type: str
    required: true
  query:
    description: Query parameters; values are strings, numbers, booleans or lists of them.
    type: dict
  body:
    description:
      - The request body, sent as JSON. Not allowed with GET.
      - See the notes for the keys whose values are masked.
    type: raw
  headers:
    description:
      - Extra request headers. The collection sets the authentication and framing headers itself; C(X-Auth-Token),
        C(Authorization), C(X-Sdk-Date), C(Host), C(X-Security-Token), C(X-Project-Id), C(Cookie), C(Content-Length) and
        the like are refused.
    type: dict
  status_code:
    description: The HTTP statuses that count as success; default any 2xx. Another status fails the task.
    type: list
    elements: int
  wait:
    description:
      - Wait for the job the answer names (RV(job_id)), with O(timeout), O(sleep), O(max_sleep), O(not_found_timeout) and
        O(progress_interval) as M(otc.jobs.job_wait) has them. The task fails when the job fails or when the answer
        names no job.
    type: bool
    default: false
  timeout:
    description: With O(wait), seconds for the wait, greater than 0 (the call itself is bounded by O(api_timeout)).
    type: float
    default: 1800
  sleep:
    description: With O(wait), the shortest interval between two polls, in seconds, greater than 0.
    type: float
    default: 1
  max_sleep:
    description: With O(wait), the longest interval between two polls, in seconds, at least O(sleep).
    type: float
    default: 10
  not_found_timeout:
    description: With O(wait), seconds during which a job the service does not know yet counts as pending.
    type: float
    default: 30
  progress_interval:
    description: With O(wait), seconds between two progress lines on the controller path; V(0) turns them off.
    type: float
    default: 30
attributes:
  action:
    description: Indicates this has a corresponding action plugin so some parts of the options can be executed on the controller.
    support: full
    details:
      - Where the task runs on the controller (connection C(local), no C(async), no C(become)), the action plugin runs the
        module's code in the controller process, with progress lines; elsewhere it executes the module.
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details: Only GET requests are sent in check mode; for other methods the result says what would have been sent.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: none
  action_group:
    description: Use C(group/otc.jobs.otc) in C(module_defaults) to set defaults for this module.
    support: full
    membership: [otc.jobs.otc]
seealso:
  - module: otc.jobs.job_wait
  - module: otc.jobs.job_info
'''

EXAMPLES = r'''
- name: Create a classic load balancer and wait for it, credentials from clouds.yaml
  otc.jobs.request:
    cloud: otc
    service: elb
    method: POST
    path: elbaas/loadbalancers
    body: {name: web, vpc_id: "{{ vpc_id }}", type: External, bandwidth: 10, admin_state_up: true}
    wait: true
    timeout: 600
  register: created

- name: Show the new load balancer's id
  ansible.builtin.debug:
    msg: "{{ created.job.resource_ids[0] }}"

- name: Delete it and wait
  otc.jobs.request:
    cloud: otc
    service: elb
    method: DELETE
    path: "elbaas/loadbalancers/{{ created.job.resource_ids[0] }}"
    wait: true

- name: Create a server (its adminPass is masked in the result)
  otc.jobs.request:
    cloud: otc
    service: ecs
    method: POST
    path: cloudservers
    body:
      server: {name: app, imageRef: "{{ image_id }}", flavorRef: s3.medium.1, vpcid: "{{ vpc_id }}",
               nics: [{subnet_id: "{{ subnet_id }}"}], adminPass: "{{ vault_admin_pass }}",
               root_volume: {volumetype: SSD}, availability_zone: eu-de-01}
  register: server

- name: Create a CCE cluster (its job id is status.jobID)
  otc.jobs.request:
    cloud: otc
    service: cce
    method: POST
    path: clusters
    body: {kind: Cluster, apiVersion: v3, metadata: {name: prod}, spec: "{{ cluster_spec }}"}
  register: cluster

- name: Create two RDS instances
  otc.jobs.request:
    cloud: otc
    service: rds
    method: POST
    path: instances
    body: "{{ item }}"
  loop: "{{ rds_instances }}"
  loop_control:
    label: "{{ item.name }}"    # the loop line would print the item, password included
  register: databases

- name: Wait for the server, the cluster and the databases
  otc.jobs.job_wait:
    cloud: otc
    service: "{{ item.service }}"
    job_ids: "{{ item.result | otc.jobs.job_ids(item.service) }}"
    timeout: 3600
  loop:
    - {service: ecs, result: "{{ server }}"}
    - {service: cce, result: "{{ cluster }}"}
    - {service: rds, result: "{{ databases }}"}
  loop_control:
    label: "{{ item.service }}"

- name: Create an image from the server (IMS paths start at the API root)
  otc.jobs.request:
    cloud: otc
    service: ims
    method: POST
    path: /v2/cloudimages/action
    body: {name: golden, instance_id: "{{ server_id }}"}
    wait: true
    timeout: 3600

- name: List the load balancers (a GET, also sent in check mode)
  otc.jobs.request:
    cloud: otc
    service: elb
    path: elbaas/loadbalancers
    query: {limit: 10}
  register: listed
'''

RETURN = r'''
status:
  description: The HTTP status of the answer.
  returned: when an answer came
  type: int
  sample: 200
json:
  description: The answer body, decoded, when it is JSON.
  returned: when the answer has a JSON body
  type: raw
  sample: {uri: /v1.0/0123456789abcdef0123456789abcdef/jobs/ff8080825ecc523f015ecd0a98f82f77, job_id: ff8080825ecc523f015ecd0a98f82f77}
content:
  description: The answer body as text when it is not JSON, cut after 65536 characters.
  returned: when the answer has a body that is not JSON
  type: str
headers:
  description:
    - Answer headers with lower-case names, only C(content-type), C(content-length), C(date), C(etag), C(last-modified),
      C(location), C(retry-after), C(x-request-id), C(x-openstack-request-id), C(x-compute-request-id) and
      C(x-frame-options).
  returned: when an answer came
  type: dict
  sample: {content-type: application/json, x-request-id: 6a0f3c0e8e3b4f7c9a5d2b1e0c4d7f8a}
job_id:
  description: The job id the answer names, read where the service puts it (C(job_id), cfw C(data.id), cce C(status.jobID)).
  returned: when the answer names a job
  type: str
  sample: ff8080825ecc523f015ecd0a98f82f77
request:
  description: What was (or, in check mode, would have been) sent - the method and the URL; never headers or body.
  returned: when the URL could be built
  type: dict
  contains:
    method:
      description: The HTTP method.
      type: str
      sample: POST
    url:
      description: The full URL, query included.
      type: str
      sample: https://elb.eu-de.otc.t-systems.com/v1.0/0123456789abcdef0123456789abcdef/elbaas/loadbalancers
job:
  description: With O(wait), the normalized final job, with the keys that M(otc.jobs.job_wait) returns in C(job).
  returned: with O(wait), when the wait ended (also when the job failed or the wait timed out)
  type: dict
  sample: {id: ff8080825ecc523f015ecd0a98f82f77, service: elb, state: success, status: SUCCESS, finished: true,
           succeeded: true, resource_ids: [09e86f2c-1a4a-4d3a-9d3b-4f2b6e4e5c3a]}
elapsed:
  description: With O(wait), seconds the wait took.
  returned: with O(wait)
  type: float
  sample: 26.4
polls:
  description: With O(wait), job GET requests sent.
  returned: with O(wait)
  type: int
  sample: 9
status_code:
  description: HTTP status of a failed call.
  returned: failure of an API call
  type: int
  sample: 409
error:
  description: C(code) and C(message) the API returned with a failed call.
  returned: failure of an API call
  type: dict
reason:
  description:
    - Why the task failed, for a C(when) in a C(rescue).
    - V(job_failed) the job this call started ended in failure (RV(job) carries it); V(timed_out) the O(timeout) of the
      wait passed; V(not_found) the service does not know the job; V(api_error) the API refused the call (RV(status_code))
      or could not be reached; V(auth_error) credentials missing or refused; V(invalid_input) options refused before any
      request; V(cancelled) the process that started the wait is gone; V(internal) a defect of otc.jobs.
  returned: failure
  type: str
  sample: job_failed
'''

from ansible_collections.otc.jobs.plugins.module_utils.engine._module import main as run_module


def main():
    run_module('request')


if __name__ == '__main__':
    main()
