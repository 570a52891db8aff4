# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The wait_for_jobs role, the job lookup and the module_defaults action group, against the emulator."""

import textwrap

from tests.emulator.otc_emulator import PROJECT_ID, STATIC_TOKEN
from tests.integration.harness import with_token_defaults

CREATE_LOOP = '''
- name: create
  ansible.builtin.uri:
    url: "%(url)s/v1.0/%(project)s/elbaas/loadbalancers"
    method: POST
    headers: {X-Auth-Token: %(token)s}
    body_format: json
    body: {name: "{{ item }}", type: External}
  loop: %(names)s
  register: created
'''

ROLE_ON_CREATED = '''
- name: wait with the role
  ansible.builtin.include_role:
    name: otc.jobs.wait_for_jobs
  vars:
    wait_for_jobs_service: elb
    wait_for_jobs_from: "{{ created }}"
'''


def _play(emulator, tasks, **extra):
    return with_token_defaults(emulator, tasks % dict(url=emulator.url, token=STATIC_TOKEN, project=PROJECT_ID, **extra))


def test_role_waits_for_looped_creates(emulator, playbook):
    emulator.configure(default_duration=0.5)
    run = playbook(_play(emulator, CREATE_LOOP + ROLE_ON_CREATED + '''
- name: result
  ansible.builtin.assert:
    that:
      - wait_for_jobs_result.jobs | length == 3
      - wait_for_jobs_result.jobs | map(attribute='state') | unique == ['success']
''', names='[web-a, web-b, web-c]'))
    assert run.rc == 0, run.output
    assert run.output.count('elb job ') >= 3 and 'SUCCESS after' in run.output


def test_role_reports_failed_create_in_rescue(emulator, playbook):
    emulator.configure(default_duration=0.5)
    run = playbook(_play(emulator, CREATE_LOOP + '''
- name: guarded
  block:
%(indented_role)s  rescue:
    - name: rescued
      ansible.builtin.set_fact:
        failure: "{{ ansible_failed_result.msg }}"
''' % {'indented_role': textwrap.indent(ROLE_ON_CREATED, '    ')}, names='[web-a, fail-b]'))
    assert run.rc == 0, run.output
    failure = run.task('rescued')['ansible_facts']['failure']
    assert failure.startswith('1 of 2 elb jobs failed: elb job ')
    assert 'ELB.8902 Insufficient EIP quota' in failure


def test_role_takes_plain_ids_and_single_result(emulator, playbook):
    first = emulator.create_job('cfw', duration=0.3)['job_id']
    run = playbook(_play(emulator, '''
- name: wait with the role
  ansible.builtin.include_role:
    name: otc.jobs.wait_for_jobs
  vars:
    wait_for_jobs_service: cfw
    wait_for_jobs_ids: [%(first)s]
    wait_for_jobs_from: {json: {data: {id: %(first)s}}}
''', first=first))
    assert run.rc == 0, run.output
    assert run.output.count('cfw job %s: Success' % first) == 2


def test_role_refuses_results_without_ids(emulator, playbook):
    run = playbook(_play(emulator, '''
- name: wait with the role
  ansible.builtin.include_role:
    name: otc.jobs.wait_for_jobs
  vars:
    wait_for_jobs_service: elb
    wait_for_jobs_from: {json: {something: else}}
'''))
    assert run.rc != 0
    assert 'no job ids' in run.output
    assert emulator.stats()['total'] == 0


def test_module_defaults_group_and_lookup(emulator, playbook):
    job = emulator.create_job('elb', duration=0.3)['job_id']
    run = playbook(_play(emulator, '''
- name: info
  otc.jobs.job_info: {service: elb, job_id: %(job)s}
- name: wait
  otc.jobs.job_wait: {service: elb, job_id: %(job)s, sleep: 0.1}
- name: lookup
  ansible.builtin.set_fact:
    looked: "{{ lookup('otc.jobs.job', '%(job)s', service='elb', endpoint='%(url)s',
                auth={'token': '%(token)s', 'project_id': '%(project)s'}) }}"
- name: lookup from vars
  ansible.builtin.set_fact:
    looked_vars: "{{ query('otc.jobs.job', '%(job)s', '%(job)s', service='elb') }}"
  vars:
    otc_jobs_endpoint: "%(url)s"
    otc_jobs_auth: {token: %(token)s, project_id: %(project)s}
- name: bad lookup
  ansible.builtin.set_fact:
    bad: "{{ lookup('otc.jobs.job', 'a/../b', service='elb') }}"
  ignore_errors: true
''', job=job))
    assert run.task('info')['job']['id'] == job
    assert run.task('wait')['job']['state'] == 'success'
    looked = run.task('lookup')['ansible_facts']['looked']
    assert looked['id'] == job and looked['state'] == 'success' and set(looked) >= {'raw', 'sub_jobs', 'duration'}
    assert [j['id'] for j in run.task('lookup from vars')['ansible_facts']['looked_vars']] == [job, job]
    assert "is not a valid job id" in run.task('bad lookup')['msg']
