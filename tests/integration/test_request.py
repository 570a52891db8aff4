# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""otc.jobs.request against the emulator: the create → wait → delete chain with password, token and AK/SK
(signatures checked by the emulator), job ids of every family for the otc.jobs.job_ids filter, one IAM login
per play, check mode, masked body secrets, and never a duplicate create."""

import json
import time

import pytest

from tests.emulator import otc_emulator as emu_mod
from tests.integration.harness import assert_failed, assert_ok, module_task


def password_auth(emulator):
    return {'auth_url': emulator.url + '/v3', 'username': emu_mod.USER_NAME, 'password': emu_mod.USER_PASSWORD,
            'user_domain_name': emu_mod.DOMAIN_NAME, 'project_name': emu_mod.PROJECT_NAME}


def token_auth(emulator):
    return {'token': emu_mod.STATIC_TOKEN, 'project_id': emu_mod.PROJECT_ID}


def aksk_auth(emulator):
    return {'auth_url': emulator.url + '/v3', 'ak': emu_mod.ACCESS_KEY, 'sk': emu_mod.SECRET_KEY,
            'project_id': emu_mod.PROJECT_ID}


AUTHS = {'password': password_auth, 'token': token_auth, 'aksk': aksk_auth}


def connection(emulator, method, service='elb'):
    """Password auth finds every endpoint in the catalog; token and AK/SK are given the service's endpoint."""
    args = {'auth': AUTHS[method](emulator)}
    if method != 'password':
        args['endpoint'] = emulator.service_url(service)
    return args


def request_task(name, emulator, auth_method='password', ignore_errors=True, **args):
    args.setdefault('sleep', 0.2)
    args.update(connection(emulator, auth_method, args['service']))
    return module_task(name, 'request', ignore_errors=ignore_errors, **args)


def lb_names(emulator):
    status, body, dummy = emulator.state.elb_list(emu_mod.PROJECT_ID)
    assert status == 200
    return sorted(lb['name'] for lb in body['loadbalancers'])


@pytest.mark.core_matrix
@pytest.mark.parametrize('auth_method', sorted(AUTHS))
def test_elb_create_wait_delete_chain(emulator, playbook, auth_method):
    """Create with wait returns the new load balancer's job; a failed create fails with the API's reason; a delete waits."""
    emulator.configure(default_duration=0.5)
    tasks = request_task('create', emulator, auth_method, service='elb', method='POST', path='elbaas/loadbalancers',
                         body={'name': 'web', 'type': 'External', 'bandwidth': 10}, wait=True, timeout=60)
    tasks += request_task('create failing', emulator, auth_method, service='elb', method='POST',
                          path='elbaas/loadbalancers', body={'name': 'fail-web'}, wait=True, timeout=60)
    tasks += request_task('refused', emulator, auth_method, service='elb', method='POST', path='elbaas/loadbalancers',
                          body={'type': 'External'})
    tasks += request_task('delete', emulator, auth_method, service='elb', method='DELETE',
                          path='elbaas/loadbalancers/{{ create.job.resource_ids[0] }}', wait=True, timeout=60)
    tasks += request_task('list', emulator, auth_method, service='elb', path='elbaas/loadbalancers')
    run = playbook(_register_each(tasks))
    created = assert_ok(run, 'create')
    assert created['changed'] is True and created['status'] == 200
    assert created['job_id'] == created['json']['job_id'] == created['job']['id']
    job = created['job']
    assert (job['service'], job['state'], job['job_type']) == ('elb', 'success', 'createELB')
    assert job['resource_ids'] and job['entities']['elb']['name'] == 'web'
    assert created['request']['method'] == 'POST'
    assert created['request']['url'].endswith('/v1.0/%s/elbaas/loadbalancers' % emu_mod.PROJECT_ID)
    assert set(created['headers']) <= set(('content-type', 'content-length', 'date', 'x-request-id'))

    failed = assert_failed(run, 'create failing')
    assert failed['job']['state'] == 'failed' and failed['changed'] is True
    assert 'ELB.8902' in failed['msg'] and emu_mod.ELB_FAIL_REASON in failed['msg'], failed['msg']
    assert failed['job_id'] == failed['job']['id'] and failed['reason'] == 'job_failed'

    refused = assert_failed(run, 'refused')
    assert refused['status_code'] == 400 and refused['error']['code'] == emu_mod.ELB_CODE_BAD_REQUEST
    assert 'POST elb elbaas/loadbalancers failed: HTTP 400 ELB.1101' in refused['msg'], refused['msg']
    assert 'job' not in refused and refused['changed'] is False and refused['reason'] == 'api_error'

    deleted = assert_ok(run, 'delete')
    assert deleted['job']['job_type'] == 'deleteELB' and deleted['job']['state'] == 'success'
    assert assert_ok(run, 'list')['json']['loadbalancers'] == []
    assert assert_ok(run, 'list')['changed'] is False
    if auth_method == 'password':
        assert emulator.stats()['iam_calls'] == 1
    else:
        assert emulator.stats()['iam_calls'] == 0


def _register_each(tasks):
    """Register every task under its own name (the chain refers to earlier results)."""
    lines = []
    for line in tasks.splitlines():
        lines.append(line)
        if line.startswith('- name: '):
            name = line[len('- name: '):]
            lines.append('  register: %s' % name.replace(' ', '_'))
    return '\n'.join(lines) + '\n'


@pytest.mark.core_matrix
def test_creates_of_cce_ecs_rds_feed_job_ids(emulator, playbook):
    """CCE (status.jobID), ECS (job_id) and RDS (job_id beside instance) create answers, from otc.jobs.request and
    from a looped ansible.builtin.uri, give their job ids to otc.jobs.job_ids; job_wait waits for them."""
    emulator.configure(default_duration=0.5)
    token = emu_mod.STATIC_TOKEN
    tasks = '''
- name: all
  module_defaults:
    group/otc.jobs.otc:
      auth: {auth_url: "%(url)s/v3", username: demo, password: demo-password, user_domain_name: %(domain)s, project_name: eu-de_demo}
  block:
    - name: cluster
      otc.jobs.request:
        service: cce
        method: POST
        path: clusters
        body: {kind: Cluster, apiVersion: v3, metadata: {name: prod}, spec: {type: VirtualMachine}}
      register: cluster
    - name: servers
      otc.jobs.request:
        service: ecs
        method: POST
        path: cloudservers
        body: {server: {name: "{{ item }}", count: 2, adminPass: Sup3r-Secret!}}
      loop: [app-a, app-b]
      register: servers
    - name: databases by uri
      ansible.builtin.uri:
        url: "%(rds)s/v3/%(project)s/instances"
        method: POST
        headers: {X-Auth-Token: "%(token)s"}
        body_format: json
        body: {name: "{{ item }}", datastore: {type: MySQL, version: "8.0"}}
        status_code: [202]
      loop: [db-a, db-b]
      register: databases
    - name: database by request
      otc.jobs.request:
        service: rds
        method: POST
        path: instances
        body: {name: db-c, password: Db-Passw0rd!}
        status_code: [202]
      register: database
    - name: ids
      ansible.builtin.set_fact:
        ids:
          cce: "{{ cluster | otc.jobs.job_ids('cce') }}"
          ecs: "{{ servers | otc.jobs.job_ids('ecs') }}"
          rds: "{{ (databases | otc.jobs.job_ids('rds')) + (database | otc.jobs.job_ids('rds')) }}"
    - name: wait cce
      otc.jobs.job_wait: {service: cce, job_ids: "{{ ids.cce }}", sleep: 0.2}
    - name: wait ecs
      otc.jobs.job_wait: {service: ecs, job_ids: "{{ ids.ecs }}", sleep: 0.2}
    - name: wait rds
      otc.jobs.job_wait: {service: rds, job_ids: "{{ ids.rds }}", sleep: 0.2}
''' % {'url': emulator.url, 'rds': emulator.service_url('rds'), 'domain': emu_mod.DOMAIN_NAME, 'project': emu_mod.PROJECT_ID,
       'token': token}
    run = playbook(tasks)
    cluster = assert_ok(run, 'cluster')
    assert cluster['status'] == 201 and cluster['job_id'] == cluster['json']['status']['jobID']
    ids = assert_ok(run, 'ids')['ansible_facts']['ids']
    assert ids['cce'] == [cluster['job_id']]
    assert len(ids['ecs']) == 2 and len(ids['rds']) == 3
    for service, count in (('cce', 1), ('ecs', 2), ('rds', 3)):
        jobs = assert_ok(run, 'wait %s' % service)['jobs']
        assert [job['id'] for job in jobs] == ids[service]
        assert all(job['state'] == 'success' for job in jobs) and len(jobs) == count
    servers = assert_ok(run, 'servers')
    dumped = json.dumps(servers) + json.dumps(assert_ok(run, 'database by request')) + run.output
    assert 'Sup3r-Secret!' not in dumped and 'Db-Passw0rd!' not in dumped
    assert emulator.stats()['iam_calls'] == 1


def test_play_that_creates_and_waits_calls_iam_once(emulator, playbook):
    """request, job_wait, job_info and the lookup share the token cache: one IAM login for the play."""
    emulator.configure(default_duration=0.3)
    auth = password_auth(emulator)
    tasks = module_task('create', 'request', ignore_errors=False, service='evs', method='POST', path='cloudvolumes',
                        body={'volume': {'name': 'data', 'size': 10}}, auth=auth)
    tasks += '  register: created\n'
    tasks += module_task('wait', 'job_wait', ignore_errors=False, service='evs', job_id='{{ created.job_id }}',
                         sleep=0.2, auth=auth)
    tasks += module_task('info', 'job_info', ignore_errors=False, service='evs', job_id='{{ created.job_id }}', auth=auth)
    tasks += ('- name: lookup\n  ansible.builtin.debug:\n'
              '    msg: "{{ lookup(\'otc.jobs.job\', created.job_id, service=\'evs\', auth=auth).state }}"\n')
    run = playbook(tasks, play_vars={'auth': auth})
    assert run.rc == 0, run.output[-3000:]
    assert assert_ok(run, 'wait')['job']['state'] == 'success'
    assert assert_ok(run, 'lookup')['msg'] == 'success'
    assert emulator.stats()['iam_calls'] == 1


@pytest.mark.parametrize('fault', ['slow', 'reset'])
def test_post_whose_answer_never_comes_is_not_sent_twice(emulator, playbook, fault):
    params = {'delay': 3} if fault == 'slow' else {}
    emulator.add_fault(fault, match={'route': 'elb_create'}, times=None, **params)
    run = playbook(request_task('create', emulator, 'token', service='elb', method='POST', path='elbaas/loadbalancers',
                                body={'name': 'once', 'adminPass': 'Never-Printed-1'}, wait=True, api_timeout=1))
    result = assert_failed(run, 'create')
    assert 'may have happened' in result['msg'] and 'POST elb elbaas/loadbalancers' in result['msg'], result['msg']
    assert 'Never-Printed-1' not in run.output + json.dumps(result)
    assert result['changed'] is True and result['request']['method'] == 'POST'
    if fault == 'slow':
        time.sleep(3)  # the emulator answers (too late) once its delay is over
    assert emulator.stats()['by_route'].get('elb_create') == 1


def test_post_is_resent_only_when_it_certainly_did_not_arrive(emulator, playbook):
    """A 429 with Retry-After and an HTML 503 from the gateway are sent again; an answer from the service is not."""
    emulator.add_fault('rate_limit', match={'route': 'elb_create'}, retry_after=0.2)
    emulator.add_fault('html_503', match={'route': 'ecs_create'})
    emulator.add_fault('status', match={'route': 'evs_create'}, status=500)
    tasks = request_task('limited', emulator, 'token', service='elb', method='POST', path='elbaas/loadbalancers',
                         body={'name': 'limited'})
    tasks += request_task('unavailable', emulator, 'token', service='ecs', method='POST', path='cloudservers',
                          body={'server': {'name': 'web'}})
    tasks += request_task('server error', emulator, 'token', service='evs', method='POST', path='cloudvolumes',
                          body={'volume': {'name': 'data'}})
    run = playbook(tasks)
    assert assert_ok(run, 'limited')['job_id'] and lb_names(emulator) == ['limited']
    assert assert_ok(run, 'unavailable')['job_id']
    failed = assert_failed(run, 'server error')
    assert failed['status_code'] == 500
    by_route = emulator.stats()['by_route']
    assert (by_route['elb_create'], by_route['ecs_create'], by_route['evs_create']) == (2, 2, 1)


def test_connection_refused_is_not_a_maybe(emulator, playbook):
    """Nothing listens: the POST certainly did not arrive, so it may be retried; the message says it was not sent."""
    run = playbook(module_task('create', 'request', service='elb', method='POST', path='elbaas/loadbalancers',
                               body={'name': 'x'}, endpoint='http://127.0.0.1:9', auth=token_auth(emulator),
                               api_timeout=2))
    result = assert_failed(run, 'create')
    assert 'was not sent' in result['msg'] and 'connection refused' in result['msg'], result['msg']
    assert 'may have happened' not in result['msg'] and result['changed'] is False


@pytest.mark.core_matrix
def test_check_mode_sends_only_gets(emulator, playbook):
    tasks = request_task('create', emulator, 'aksk', service='elb', method='POST', path='elbaas/loadbalancers',
                         body={'name': 'checked'}, wait=True)
    tasks += request_task('list', emulator, 'aksk', service='elb', path='elbaas/loadbalancers', query={'limit': 5})
    run = playbook(tasks, check=True)
    created = assert_ok(run, 'create')
    assert created['changed'] is True and 'status' not in created and 'job_id' not in created
    assert created['request'] == {'method': 'POST', 'url': '%s/v1.0/%s/elbaas/loadbalancers' % (emulator.service_url('elb'), emu_mod.PROJECT_ID)}
    assert 'check mode' in created['msg']
    listed = assert_ok(run, 'list')
    assert listed['status'] == 200 and listed['request']['url'].endswith('/elbaas/loadbalancers?limit=5')
    by_route = emulator.stats()['by_route']
    assert 'elb_create' not in by_route and by_route['elb_list'] == 1
    assert lb_names(emulator) == []


def test_body_secrets_are_masked_and_never_in_messages(emulator, playbook):
    """Secret-bearing body keys are masked in invocation and output, even when the API echoes the request."""
    emulator.add_fault('echo', match={'route': 'ecs_create'}, status=400)
    body = {'server': {'name': 'web', 'adminPass': 'Adm1n-Pass-Word', 'user_data': 'I2Nsb3VkLWNvbmZpZw==',
                       'metadata': {'admin_pass': 'Other-Secret-9'}}}
    tasks = request_task('echoed', emulator, 'token', service='ecs', method='POST', path='cloudservers', body=body)
    tasks += request_task('created', emulator, 'token', service='ecs', method='POST', path='cloudservers', body=body)
    # From ansible-core 2.21 on, results carry invocation only with INJECT_INVOCATION.
    run = playbook(tasks, extra_args=['-vvv'], env={'ANSIBLE_INJECT_INVOCATION': 'true'})
    echoed = assert_failed(run, 'echoed')
    created = assert_ok(run, 'created')
    text = run.output + json.dumps(echoed) + json.dumps(created)
    for secret in ('Adm1n-Pass-Word', 'I2Nsb3VkLWNvbmZpZw==', 'Other-Secret-9', emu_mod.STATIC_TOKEN):
        assert secret not in text, secret
    assert created['invocation']['module_args']['body']['server']['name'] == 'web'


def test_invalid_input_is_refused_before_anything_is_sent(emulator, playbook):
    cases = {
        'dot dot': {'path': 'elbaas/../../v3/auth/tokens'},
        'encoded dot dot': {'path': 'elbaas/%2e%2e/jobs'},
        'query in path': {'path': 'elbaas/loadbalancers?limit=1'},
        'auth header': {'path': 'elbaas/loadbalancers', 'headers': {'X-Auth-Token': 'mine'}},
        'get with body': {'path': 'elbaas/loadbalancers', 'body': {'a': 1}},
    }
    tasks = ''.join(request_task(name, emulator, 'token', service='elb', **args) for name, args in cases.items())
    tasks += request_task('wait without job', emulator, 'token', service='elb', path='elbaas/loadbalancers', wait=True)
    run = playbook(tasks)
    for name in cases:
        assert assert_failed(run, name)['reason'] == 'invalid_input'
    assert 'X-Auth-Token is set by otc.jobs itself' in run.task('auth header')['msg']
    assert 'holds no elb job id at job_id' in assert_failed(run, 'wait without job')['msg']
    assert set(emulator.stats()['by_route']) == {'elb_list'}


def test_every_family_creates_and_deletes_with_aksk(emulator, playbook):
    """Every family's create and delete routes, signed with AK/SK; the job id comes from the table's place."""
    emulator.configure(default_duration=0.3)
    creates = {
        'cfw': ('/v2/{project_id}/firewall', {'name': 'fw'}),
        'ecs': ('cloudservers', {'server': {'name': 'web'}}),
        'evs': ('cloudvolumes', {'volume': {'name': 'data', 'size': 10}}),
        'ims': ('/v2/cloudimages/action', {'name': 'golden', 'instance_id': 'x'}),
        'bms': ('baremetalservers', {'server': {'name': 'metal'}}),
        'vbs': ('cloudbackups', {'backup': {'volume_id': 'v1', 'name': 'nightly'}}),
        'cce': ('clusters', {'kind': 'Cluster', 'metadata': {'name': 'prod'}}),
        'rds': ('instances', {'name': 'db'}),
        'dds': ('instances', {'name': 'mongo'}),
        'ddm': ('instances', {'instance': {'name': 'ddm'}}),
    }
    deletes = {
        'cfw': ('DELETE', '/v2/{project_id}/firewall/fw1', None),
        'ecs': ('POST', 'cloudservers/delete', {'servers': [{'id': 'fail-server'}]}),
        'evs': ('DELETE', 'cloudvolumes/vol1', None),
        'bms': ('POST', 'baremetalservers/delete', {'servers': [{'id': 's1'}]}),
        'vbs': ('POST', 'cloudbackups/b1', None),
        'cce': ('DELETE', 'clusters/c1', None),
        'rds': ('DELETE', 'instances/i1', None),
        'dds': ('DELETE', 'instances/i2', None),
        'ddm': ('DELETE', 'instances/i3', None),
    }
    tasks = ''
    for service, (path, body) in creates.items():
        tasks += request_task('%s create' % service, emulator, 'aksk', service=service, method='POST', path=path,
                              body=body, wait=True, timeout=30)
    for service, (method, path, body) in deletes.items():
        args = {'body': body} if body is not None else {}
        tasks += request_task('%s delete' % service, emulator, 'aksk', service=service, method=method, path=path,
                              wait=True, timeout=30, **args)
    run = playbook(tasks)
    for service in creates:
        result = assert_ok(run, '%s create' % service)
        assert result['job']['state'] == 'success' and result['job_id'] == result['job']['id'], service
    for service in deletes:
        if service == 'ecs':
            failed = assert_failed(run, 'ecs delete')  # a resource id starting with fail- makes a failing job
            assert failed['job']['state'] == 'failed' and failed['job']['job_type'] == 'deleteServer'
            continue
        result = assert_ok(run, '%s delete' % service)
        assert result['job']['state'] == 'success', service
    assert emulator.stats()['iam_calls'] == 0


@pytest.mark.core_matrix
def test_module_path_matches_controller_path(emulator, playbook):
    """On the module path (remote_local connection) request returns the same keys, check mode included."""
    import os
    connections = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'connection_plugins')
    emulator.configure(default_duration=0.3)
    remote = '  vars: {ansible_connection: remote_local}\n'
    create = dict(service='elb', method='POST', path='elbaas/loadbalancers', wait=True, timeout=30)
    tasks = request_task('local', emulator, 'token', body={'name': 'local', 'adminPass': 'Remote-Pass-1'}, **create)
    tasks += request_task('remote', emulator, 'token', body={'name': 'remote', 'adminPass': 'Remote-Pass-1'}, **create) + remote
    tasks += request_task('remote check', emulator, 'token', body={'name': 'checked'}, **create)
    tasks += '  check_mode: true\n' + remote
    run = playbook(tasks, env={'ANSIBLE_CONNECTION_PLUGINS': connections, 'ANSIBLE_INJECT_INVOCATION': 'true'},
                   extra_args=['-vvv'])
    local, other = assert_ok(run, 'local'), assert_ok(run, 'remote')
    assert 'executing the module (connection remote_local)' in run.output
    for key in ('changed', 'status', 'job_id', 'job', 'request', 'headers', 'json', 'invocation', 'polls', 'elapsed'):
        assert (key in local) == (key in other), key
    assert other['job']['state'] == 'success' and other['job']['entities']['elb']['name'] == 'remote'
    assert other['invocation']['module_args']['body']['adminPass'] == local['invocation']['module_args']['body']['adminPass']
    assert 'Remote-Pass-1' not in run.output + json.dumps(run.results)
    checked = assert_ok(run, 'remote check')
    assert checked['changed'] is True and 'job' not in checked and checked['request']['method'] == 'POST'
    assert lb_names(emulator) == ['local', 'remote']


def test_wait_shows_progress_lines_without_the_body(emulator, playbook):
    emulator.configure(default_duration=2.5)
    run = playbook(request_task('create', emulator, 'token', service='elb', method='POST', path='elbaas/loadbalancers',
                                body={'name': 'progress-body-marker'}, wait=True, progress_interval=1))
    assert_ok(run, 'create')
    lines = [line for line in run.output.splitlines() if line.startswith('otc.jobs.request: ')]
    assert lines and lines[0].startswith('otc.jobs.request: elb 0/1 finished'), run.output[-2000:]
    assert 'progress-body-marker' not in '\n'.join(lines)


def test_refused_credentials_name_the_cause(emulator, playbook):
    auth = dict(aksk_auth(emulator), sk='sk-wrong-wrong-wrong-wrong-wrong-wrong0')
    run = playbook(module_task('create', 'request', service='elb', method='POST', path='elbaas/loadbalancers',
                               body={'name': 'x'}, endpoint=emulator.url, auth=auth))
    result = assert_failed(run, 'create')
    assert 'HTTP 401' in result['msg'] and 'check the access key and secret key' in result['msg'], result['msg']
    assert 'sk-wrong' not in run.output + json.dumps(result)
    assert result['changed'] is False and 'elb_create' in emulator.stats()['by_route']
