# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What users run, on every supported ansible-core (marker core_matrix: scripts/test.sh runs these on each release).

ansible-core 2.21 once failed every controller-side task ("argument of type 'UnifiedTaskResult' is not
iterable") while 2.19 passed: the example ELB chain, job_ids, the role, ad hoc, check mode and
module_defaults, and a rescue of a failed job that must tell a failed job from anything else.
"""

import json
import os
import subprocess

import pytest

from tests.emulator.otc_emulator import PROJECT_ID, STATIC_TOKEN
from tests.integration.harness import BIN, ansible_env, assert_ok, with_token_defaults

pytestmark = pytest.mark.core_matrix

CHAIN = '''
- name: create one
  ansible.builtin.uri:
    url: "%(url)s/v1.0/%(project)s/elbaas/loadbalancers"
    method: POST
    headers: {X-Auth-Token: %(token)s}
    body_format: json
    body: {name: web-one, type: External}
  register: created
- name: wait for one
  otc.jobs.job_wait:
    service: elb
    job_id: "{{ created.json.job_id }}"
    sleep: 0.2
    max_sleep: 0.5
  register: one
- name: create two
  ansible.builtin.uri:
    url: "%(url)s/v1.0/%(project)s/elbaas/loadbalancers"
    method: POST
    headers: {X-Auth-Token: %(token)s}
    body_format: json
    body: {name: "{{ item }}", type: External}
  loop: [web-a, web-b]
  register: created_two
- name: wait for job_ids
  otc.jobs.job_wait:
    service: elb
    job_ids: "{{ created_two.results | map(attribute='json') | map(attribute='job_id') | list }}"
    sleep: 0.2
    max_sleep: 0.5
  register: two
- name: read them
  otc.jobs.job_info:
    service: elb
    job_ids: "{{ two.jobs | map(attribute='id') | list }}"
  register: info
- name: wait with the role
  ansible.builtin.include_role:
    name: otc.jobs.wait_for_jobs
  vars:
    wait_for_jobs_service: elb
    wait_for_jobs_from: "{{ created_two }}"
- name: a failed create
  block:
    - name: create failing
      ansible.builtin.uri:
        url: "%(url)s/v1.0/%(project)s/elbaas/loadbalancers"
        method: POST
        headers: {X-Auth-Token: %(token)s}
        body_format: json
        body: {name: fail-one, type: External}
      register: failing
    - name: wait for failing
      otc.jobs.job_wait:
        service: elb
        job_id: "{{ failing.json.job_id }}"
        sleep: 0.2
        max_sleep: 0.5
  rescue:
    - name: rescued job failure
      ansible.builtin.set_fact:
        failure_reason: "{{ ansible_failed_result.reason }}"
        failed_state: "{{ ansible_failed_result.job.state }}"
        failed_code: "{{ ansible_failed_result.job.error.code }}"
      when: ansible_failed_result.reason == 'job_failed'
- name: a wait refused before any request
  block:
    - name: wait with a bad id
      otc.jobs.job_wait:
        service: elb
        job_id: "a/../b"
  rescue:
    - name: rescued bad input
      ansible.builtin.set_fact:
        input_reason: "{{ ansible_failed_result.reason }}"
        input_has_job: "{{ ansible_failed_result.job is defined }}"
'''


def _chain(emulator):
    return with_token_defaults(emulator, CHAIN % dict(url=emulator.url, project=PROJECT_ID, token=STATIC_TOKEN))


def test_chain_job_ids_role_module_defaults_and_rescue(emulator, playbook):
    emulator.configure(default_duration=0.3)
    run = playbook(_chain(emulator))
    assert run.rc == 0, run.output[-4000:]
    for crash in ('Traceback', 'is not iterable', 'internal error'):
        assert crash not in run.output, run.output[-4000:]
    assert assert_ok(run, 'wait for one')['job']['state'] == 'success'
    assert [job['state'] for job in assert_ok(run, 'wait for job_ids')['jobs']] == ['success', 'success']
    assert [job['state'] for job in assert_ok(run, 'read them')['jobs']] == ['success', 'success']
    rescued = assert_ok(run, 'rescued job failure')['ansible_facts']
    assert rescued == {'failure_reason': 'job_failed', 'failed_state': 'failed', 'failed_code': 'ELB.8902'}, rescued
    rescued = assert_ok(run, 'rescued bad input')['ansible_facts']
    assert rescued == {'input_reason': 'invalid_input', 'input_has_job': False}, rescued
    # the waits ran on the controller path: progress lines come from the controller's display
    assert 'otc.jobs.job_wait: ' in run.output


def test_check_mode(emulator, playbook):
    """--check: uri creates nothing, the waits and reads still run (they change nothing)."""
    done = emulator.create_job('elb', duration=0)['job_id']
    run = playbook(with_token_defaults(emulator, '''
- name: wait in check mode
  otc.jobs.job_wait:
    service: elb
    job_id: %s
    sleep: 0.2
    max_sleep: 0.5
- name: info in check mode
  otc.jobs.job_info:
    service: elb
    job_ids: [%s]
''' % (done, done)), check=True)
    assert run.rc == 0, run.output[-4000:]
    assert assert_ok(run, 'wait in check mode')['job']['state'] == 'success'
    assert assert_ok(run, 'info in check mode')['jobs'][0]['id'] == done


def _ad_hoc(emulator, tmp_path, module, args):
    args = dict(args, endpoint=emulator.url, auth={'token': STATIC_TOKEN, 'project_id': PROJECT_ID})
    completed = subprocess.run(
        [os.path.join(BIN, 'ansible'), 'localhost', '-m', 'otc.jobs.%s' % module, '-a', json.dumps(args)],
        env=ansible_env(tmp_path), capture_output=True, text=True, timeout=300, check=False, cwd=str(tmp_path))
    return completed.returncode, completed.stdout + completed.stderr


def test_ad_hoc(emulator, tmp_path):
    done = emulator.create_job('elb', duration=0.3)['job_id']
    failed = emulator.create_job('elb', duration=0, outcome='fail', error_code='ELB.8902',
                                 fail_reason='Insufficient EIP quota.')['job_id']
    rc, output = _ad_hoc(emulator, tmp_path, 'job_wait', {'service': 'elb', 'job_id': done, 'sleep': 0.2, 'max_sleep': 0.5})
    assert rc == 0 and '"state": "success"' in output, output[-3000:]
    rc, output = _ad_hoc(emulator, tmp_path, 'job_info', {'service': 'elb', 'job_id': failed})
    assert rc == 0 and '"state": "failed"' in output, output[-3000:]
    rc, output = _ad_hoc(emulator, tmp_path, 'job_wait', {'service': 'elb', 'job_id': failed, 'sleep': 0.2, 'max_sleep': 0.5})
    assert rc == 2 and '"reason": "job_failed"' in output and 'ELB.8902 Insufficient EIP quota' in output, output[-3000:]
    for crash in ('Traceback', 'is not iterable', 'internal error'):
        assert crash not in output, output[-3000:]


@pytest.mark.parametrize('inject', [None, 'true', 'false'])
def test_invocation_follows_the_release_on_both_paths(emulator, playbook, inject):
    """_core_compat.inject_invocation: ``invocation`` is in results before 2.21, and from 2.21 on only with
    INJECT_INVOCATION, on the controller path exactly as on the module path (connection remote_local)."""
    from ansible.release import __version__ as core_version  # pylint: disable=import-outside-toplevel
    from tests.integration.test_action import REMOTE, module_task, remote  # pylint: disable=import-outside-toplevel

    done = emulator.create_job('elb', duration=0)['job_id']
    task = module_task('local', 'job_info', service='elb', job_id=done)
    env = dict(REMOTE, ANSIBLE_INJECT_INVOCATION=inject) if inject else REMOTE
    run = playbook(with_token_defaults(emulator, task + remote(task.replace('- name: local', '- name: remote'))), env=env)
    before_2_21 = tuple(int(part) for part in core_version.split('.')[:2]) < (2, 21)
    expected = before_2_21 or inject == 'true'
    for name in ('local', 'remote'):
        assert ('invocation' in assert_ok(run, name)) is expected, (name, core_version, inject)
