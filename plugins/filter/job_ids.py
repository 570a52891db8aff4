# -*- coding: utf-8 -*-
# Copyright (c) otc.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: job_ids
short_description: The job ids of a registered create or delete result
version_added: 0.2.0
description:
  - Returns the job ids held by a registered result - of a single task or of a looped one (C(results)) - of
    M(otc.jobs.request), M(ansible.builtin.uri) or any other module whose result carries the service's job id.
  # begin generated registered-id-places
  - Each result is read first at C(job_id) (as M(otc.jobs.request) returns it), then where the service puts the job id
    of its answer - C(json.job_id) and C(job_id) for elb, ecs, evs, ims, bms, vbs, rds, dds and ddm; C(json.data.id) and
    C(data.id) for cfw; C(json.status.jobID) and C(status.jobID) for cce.
  # end generated registered-id-places
  - Items that were skipped (a C(when) on the loop) or whose task failed (C(ignore_errors)) hold no job and are left
    out. A plain job id in a list is taken as it is.
positional: service
options:
  _input:
    description: A registered result, a looped one (with C(results)), or a list of results or job ids.
    type: raw
    required: true
  service:
    description: The service whose create answers the results hold.
    type: str
    required: true
    # begin generated service-choices
    choices: [elb, cfw, ecs, evs, ims, bms, vbs, cce, rds, dds, ddm]
    # end generated service-choices
  strict:
    description:
      - Fail when a result that ran (not skipped, not failed) holds no job id. V(false) leaves such results out.
    type: bool
    default: true
author:
  - otc.jobs maintainers (@otc-jobs)
'''

EXAMPLES = r'''
- name: Create two clusters
  otc.jobs.request:
    cloud: otc
    service: cce
    method: POST
    path: clusters
    body: "{{ item }}"
  loop: "{{ clusters }}"
  register: created

- name: Wait for both
  otc.jobs.job_wait:
    cloud: otc
    service: cce
    job_ids: "{{ created | otc.jobs.job_ids('cce') }}"
    timeout: 3600

- name: The job id of one uri result (an RDS create)
  ansible.builtin.debug:
    msg: "{{ database | otc.jobs.job_ids('rds') | first }}"
'''

RETURN = r'''
_value:
  description: The job ids, in the order of the results.
  type: list
  elements: str
'''

from ansible.errors import AnsibleFilterError

from ansible_collections.otc.jobs.plugins.module_utils.wire._job_ids import result_job_ids
from ansible_collections.otc.jobs.plugins.module_utils.wire._services import SERVICES


def job_ids(result, service, strict=True):
    if service not in SERVICES:
        raise AnsibleFilterError('otc.jobs.job_ids: unknown service %r: expected one of %s' % (service, ', '.join(SERVICES)))
    try:
        return result_job_ids(service, result, strict=bool(strict))
    except ValueError as exc:
        raise AnsibleFilterError('otc.jobs.job_ids(%r): %s' % (service, exc))


class FilterModule(object):
    def filters(self):
        return {'job_ids': job_ids}
