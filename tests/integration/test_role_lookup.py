# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The wait_for_jobs role, the job lookup and the module_defaults action group, against the emulator."""

import json
import os
import subprocess
import textwrap

import pytest
import yaml

from tests.emulator import otc_emulator
from tests.emulator.otc_emulator import PROJECT_ID, STATIC_TOKEN
from tests.integration.harness import BIN, with_token_defaults

pytestmark = pytest.mark.core_matrix

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
    looked_vars: "{{ query('otc.jobs.job', '%(job)s', ['%(job)s'], service='elb') }}"
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


# --- the role: skipped and failed items, every service's create answer, connection pass-through -------------


def test_role_leaves_out_skipped_and_failed_items(emulator, playbook):
    """A looped create with a `when:` that skips one item and an item whose create failed (ignore_errors)."""
    emulator.configure(default_duration=0.3)
    run = playbook(_play(emulator, """
- name: create
  ansible.builtin.uri:
    url: "%(url)s/v1.0/%(project)s/elbaas/loadbalancers"
    method: POST
    headers: {X-Auth-Token: "{{ 'not-a-valid-token' if item == 'web-c' else '%(token)s' }}"}
    body_format: json
    body: {name: "{{ item }}", type: External}
  loop: [web-a, web-b, web-c, web-d]
  when: item != 'web-b'
  register: created
  ignore_errors: true
""" + ROLE_ON_CREATED + """
- name: result
  ansible.builtin.assert:
    that:
      - wait_for_jobs_result.jobs | length == 2
      - wait_for_jobs_result.jobs | map(attribute='state') | unique == ['success']
"""))
    assert run.rc == 0, run.output
    assert run.task('result')['_status'] == 'ok'
    assert run.output.count("wait_for_jobs: left out web-b: it was skipped (item != 'web-b')") == 1, run.output
    assert run.output.count('wait_for_jobs: left out web-c: its task failed (Status code was 401') == 1, run.output
    assert 'left out web-a' not in run.output and 'left out web-d' not in run.output
    assert run.output.count('elb job ') == 2


def test_role_with_every_result_left_out_waits_for_nothing(emulator, playbook):
    run = playbook(_play(emulator, CREATE_LOOP.replace('  register: created', "  when: item == 'none'\n  register: created")
                         + ROLE_ON_CREATED + """
- name: result
  ansible.builtin.assert:
    that:
      - wait_for_jobs_result.jobs == []
      - wait_for_jobs_result.polls == 0
""", names='[web-a, web-b]'))
    assert run.rc == 0, run.output
    assert run.output.count('wait_for_jobs: left out ') == 2
    assert emulator.stats()['total'] == 0


def test_role_takes_ids_from_cce_and_rds_create_answers(emulator, playbook):
    """CCE answers status.jobID, RDS the job_id at the top level of its answer beside `instance`.

    The emulator serves every service on a port of its own; the endpoint reaches job_wait as a role variable.
    """
    emulator.configure(default_duration=0.3)
    run = playbook(_play(emulator, """
- name: create clusters
  ansible.builtin.uri:
    url: "%(cce)s/api/v3/projects/%(project)s/clusters"
    method: POST
    status_code: [200, 201]
    headers: {X-Auth-Token: %(token)s}
    body_format: json
    body: {kind: Cluster, apiVersion: v3, metadata: {name: "{{ item }}"}, spec: {flavor: cce.s1.small}}
  loop: [cluster-a, cluster-b]
  register: clusters
- name: wait for the clusters
  ansible.builtin.include_role:
    name: otc.jobs.wait_for_jobs
  vars:
    wait_for_jobs_service: cce
    wait_for_jobs_from: "{{ clusters }}"
    wait_for_jobs_endpoint: "%(cce)s"
- name: cce result
  ansible.builtin.assert:
    that:
      - wait_for_jobs_result.jobs | map(attribute='id') | list == clusters.results | map(attribute='json.status.jobID') | list
      - wait_for_jobs_result.jobs | map(attribute='state') | unique == ['success']
- name: create a database
  ansible.builtin.uri:
    url: "%(rds)s/v3/%(project)s/instances"
    method: POST
    status_code: [200, 202]
    headers: {X-Auth-Token: %(token)s}
    body_format: json
    body: {name: db-a, datastore: {type: MySQL, version: '8.0'}}
  register: database
- name: wait for the database
  ansible.builtin.include_role:
    name: otc.jobs.wait_for_jobs
  vars:
    wait_for_jobs_service: rds
    wait_for_jobs_from: "{{ database }}"
    wait_for_jobs_endpoint: "%(rds)s"
- name: rds result
  ansible.builtin.assert:
    that:
      - wait_for_jobs_result.jobs[0].id == database.json.job_id
      - wait_for_jobs_result.jobs[0].state == 'success'
""", cce=emulator.service_url('cce'), rds=emulator.service_url('rds')))
    assert run.rc == 0, run.output
    assert run.task('cce result')['_status'] == 'ok' and run.task('rds result')['_status'] == 'ok'


def _clouds_yaml(tmp_path, emulator):
    """clouds.yaml with cloud `nl`: password auth for the eu-nl project, region eu-nl."""
    clouds = tmp_path / 'clouds.yaml'
    clouds.write_text(yaml.safe_dump({'clouds': {'nl': {'region_name': 'eu-nl', 'auth': {
        'auth_url': emulator.url + '/v3', 'username': otc_emulator.USER_NAME, 'password': otc_emulator.USER_PASSWORD,
        'user_domain_name': otc_emulator.DOMAIN_NAME, 'project_id': otc_emulator.OTHER_PROJECT_ID}}}}))
    return str(clouds)


def test_role_passes_connection_variables_through(emulator, playbook, tmp_path):
    """Role variables reach job_wait key by key over module_defaults; without them module_defaults work as ever."""
    job = emulator.create_job('elb', duration=0.2)['job_id']
    other = emulator.create_job('elb', duration=0.2, project_id=otc_emulator.OTHER_PROJECT_ID)['job_id']
    token_auth = {'token': STATIC_TOKEN, 'project_id': PROJECT_ID}

    def with_role(name, job_id, **variables):
        extra = ''.join('    %s: %s\n' % (key, json.dumps(value)) for key, value in variables.items())
        return ('- name: %s\n  ansible.builtin.include_role:\n    name: otc.jobs.wait_for_jobs\n  vars:\n'
                '    wait_for_jobs_service: elb\n    wait_for_jobs_ids: [%s]\n%s') % (name, job_id, extra)

    def block(name, defaults, tasks):
        return '- name: %s\n  module_defaults: %s\n  block:\n%s' % (name, json.dumps(defaults), textwrap.indent(tasks, '    '))

    run = playbook(
        # no module_defaults at all: everything from role variables
        with_role('role variables only', job, wait_for_jobs_endpoint=emulator.url, wait_for_jobs_auth=token_auth)
        # module_defaults give the endpoint and a wrong token: the role's auth wins, the endpoint stays
        + block('group defaults', {'group/otc.jobs.otc': {'endpoint': emulator.url, 'auth': {'token': 'wrong-token',
                                                                                             'project_id': PROJECT_ID}}},
                with_role('role auth over group defaults', job, wait_for_jobs_auth=token_auth))
        # defaults for otc.jobs.job_wait by name still reach the role's wait when no role variable is given
        + block('action defaults', {'otc.jobs.job_wait': {'endpoint': emulator.url, 'auth': token_auth}},
                with_role('action defaults', job))
        # a clouds.yaml entry by name: password auth, its own project and region (OS_REGION_NAME does not win)
        + with_role('cloud by name', other, wait_for_jobs_cloud='nl')
        + '- name: results\n  ansible.builtin.assert:\n    that: wait_for_jobs_result.jobs[0].id == "%s"\n' % other,
        env={'OS_CLIENT_CONFIG_FILE': _clouds_yaml(tmp_path, emulator), 'OS_REGION_NAME': 'eu-de'})
    assert run.rc == 0, run.output
    assert run.output.count('elb job %s: SUCCESS' % job) == 3, run.output
    assert run.output.count('elb job %s: SUCCESS' % other) == 1, run.output
    assert otc_emulator.USER_PASSWORD not in run.output


# --- the lookup: variables templated (Jinja, vault), region precedence, secrets never printed ----------------

ECHO_PASSWORD = 'Lookup-Echoed-Secret-8c1f'


def _vault(tmp_path, name, secret):
    """A vault password file and the ``name: !vault |`` text of ``secret`` (ansible-vault encrypt_string)."""
    password_file = tmp_path / 'vault-password'
    password_file.write_text('vault-test-password\n')
    completed = subprocess.run(
        [os.path.join(BIN, 'ansible-vault'), 'encrypt_string', '--vault-password-file', str(password_file),
         '--name', name, secret], capture_output=True, text=True, check=True)
    assert '$ANSIBLE_VAULT' in completed.stdout and secret not in completed.stdout
    return str(password_file), completed.stdout


def test_lookup_templates_variables_with_jinja_and_vault(emulator, playbook, tmp_path):
    """otc_jobs_auth from variables: a Jinja auth_url and a vaulted password; also a whole-dict template."""
    job = emulator.create_job('elb', duration=0.2)['job_id']
    password_file, vaulted = _vault(tmp_path, 'password', otc_emulator.USER_PASSWORD)
    auth_vars = tmp_path / 'auth.yml'
    auth_vars.write_text(
        'iam_url: "%s"\n' % emulator.url
        + 'otc_jobs_auth:\n  auth_url: "{{ iam_url }}/v3"\n  username: %s\n  user_domain_name: %s\n  project_name: %s\n'
        % (otc_emulator.USER_NAME, otc_emulator.DOMAIN_NAME, otc_emulator.PROJECT_NAME)
        + textwrap.indent(vaulted, '  ')
        + 'demo_auth: "{{ otc_jobs_auth }}"\n')
    run = playbook('''
- name: load
  ansible.builtin.include_vars: {file: "%(vars)s"}
- name: lookup
  ansible.builtin.set_fact:
    looked: "{{ lookup('otc.jobs.job', '%(job)s', service='elb') }}"
- name: lookup whole template
  ansible.builtin.set_fact:
    looked_whole: "{{ lookup('otc.jobs.job', '%(job)s', service='elb', token_cache=false) }}"
  vars:
    otc_jobs_auth: "{{ demo_auth }}"
    otc_jobs_endpoint: "{{ iam_url }}"
''' % dict(vars=auth_vars, job=job), extra_args=['--vault-password-file', password_file])
    assert run.rc == 0, run.output
    assert run.task('lookup')['ansible_facts']['looked']['id'] == job
    assert run.task('lookup whole template')['ansible_facts']['looked_whole']['id'] == job
    assert emulator.stats()['iam_calls'] == 2


def test_lookup_region_precedence_like_the_modules(emulator, playbook, tmp_path):
    """A clouds.yaml region wins over OS_REGION_NAME (as openstacksdk): the eu-nl catalog entry is found."""
    job = emulator.create_job('elb', duration=0.1, project_id=otc_emulator.OTHER_PROJECT_ID)['job_id']
    run = playbook('''
- name: module
  otc.jobs.job_info: {service: elb, job_id: %(job)s, cloud: nl}
- name: lookup by keyword
  ansible.builtin.set_fact:
    looked: "{{ lookup('otc.jobs.job', '%(job)s', service='elb', cloud='nl') }}"
- name: lookup through OS_CLOUD
  ansible.builtin.set_fact:
    looked_env: "{{ lookup('otc.jobs.job', '%(job)s', service='elb') }}"
- name: module with a region
  otc.jobs.job_info: {service: elb, job_id: %(job)s, cloud: nl, region_name: eu-de}
  ignore_errors: true
- name: lookup with a region variable
  ansible.builtin.set_fact:
    looked_region: "{{ lookup('otc.jobs.job', '%(job)s', service='elb') }}"
  vars:
    otc_jobs_region_name: eu-de
  ignore_errors: true
''' % dict(job=job), env={'OS_CLIENT_CONFIG_FILE': _clouds_yaml(tmp_path, emulator), 'OS_REGION_NAME': 'eu-de',
                          'OS_CLOUD': 'nl'})
    assert run.task('module')['job']['project_id'] == otc_emulator.OTHER_PROJECT_ID, run.output
    assert run.task('lookup by keyword')['ansible_facts']['looked']['id'] == job, run.output
    assert run.task('lookup through OS_CLOUD')['ansible_facts']['looked_env']['id'] == job, run.output
    # an explicit region_name (here a variable) is checked against the cloud's regions, as for the modules
    failure = run.task('lookup with a region variable')
    module_failure = run.task('module with a region')
    assert failure['_status'] == module_failure['_status'] == 'failed', (failure, module_failure)
    assert "region 'eu-de' is not one of" in module_failure['msg'], module_failure
    assert failure['msg'].endswith('otc.jobs.job lookup: ' + module_failure['msg']), (failure, module_failure)


def test_lookup_never_prints_an_echoed_password_or_token(emulator, playbook):
    """An IAM (and an API) that echo the request in their error message cannot make the lookup print a secret."""
    job = emulator.create_job('elb', duration=0.1)['job_id']
    emulator.add_fault('echo', match={'route': 'iam'}, status=401, times=None)
    emulator.add_fault('echo', match={'route': 'elb_job'}, status=400, times=None)
    run = playbook('''
- name: password lookup
  ansible.builtin.set_fact:
    looked: "{{ lookup('otc.jobs.job', '%(job)s', service='elb', auth=password_auth) }}"
  vars:
    password_auth: {auth_url: "%(url)s/v3", username: demo, password: "%(password)s", user_domain_name: %(domain)s,
                    project_name: eu-de_demo}
  ignore_errors: true
- name: token lookup
  ansible.builtin.set_fact:
    looked: "{{ lookup('otc.jobs.job', '%(job)s', service='elb') }}"
  vars:
    otc_jobs_endpoint: "%(url)s"
    otc_jobs_auth: {token: "%(token)s", project_id: "%(project)s"}
  ignore_errors: true
''' % dict(job=job, url=emulator.url, password=ECHO_PASSWORD, domain=otc_emulator.DOMAIN_NAME,
           token=STATIC_TOKEN, project=PROJECT_ID), extra_args=['-vvv'])
    routes = emulator.stats()['by_route']
    assert routes.get('iam') and routes.get('elb_job'), routes  # both echoes were answered
    password = run.task('password lookup')
    assert password['_status'] == 'failed' and 'POST /v3/auth/tokens' in password['msg'], password
    assert '"password": "********"' in password['msg'], password
    token = run.task('token lookup')
    assert token['_status'] == 'failed' and 'X-Auth-Token: ********' in token['msg'], token
    for result in (password, token):
        assert ECHO_PASSWORD not in result['msg'] and STATIC_TOKEN not in result['msg'], result
    # -vvv prints the task's source, which holds the token; nothing else may
    assert ECHO_PASSWORD not in run.output, run.output[-3000:]
    assert run.output.count(STATIC_TOKEN) == run.output.count('token: "%s"' % STATIC_TOKEN), run.output[-3000:]
