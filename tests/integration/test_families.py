# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every job family (SPEC §2b) through job_info and job_wait against the emulator: password auth with
catalog discovery, AK/SK (by project id and by project name), token auth; each family's failure reason,
progress, resource ids, sub-jobs, not-found answer and late appearance."""

import json

import pytest

from tests.emulator import otc_emulator as emu_mod
from tests.integration.harness import assert_failed, assert_ok, module_task

FAMILIES = ('elb', 'cfw', 'ecs', 'evs', 'ims', 'bms', 'vbs', 'cce', 'rds', 'dds', 'ddm')
# What a failed job's message says after "failed: ", per family (the emulator's failure details).
NO_REASON = ('cfw', 'ddm')


def password_auth(emulator):
    return {'auth_url': emulator.url + '/v3', 'username': emu_mod.USER_NAME, 'password': emu_mod.USER_PASSWORD,
            'user_domain_name': emu_mod.DOMAIN_NAME, 'project_name': emu_mod.PROJECT_NAME}


def aksk_auth(emulator, by_name=False):
    auth = {'auth_url': emulator.url + '/v3', 'ak': emu_mod.ACCESS_KEY, 'sk': emu_mod.SECRET_KEY}
    auth.update({'project_name': emu_mod.PROJECT_NAME} if by_name else {'project_id': emu_mod.PROJECT_ID})
    return auth


def create(emulator, service, **spec):
    return emulator.create_job(service, **spec)['job_id']


def test_every_family_with_password_auth_and_catalog_discovery(emulator, playbook):
    """No endpoint given: each service is found in the token catalog (types and URL forms of job-apis.md)."""
    tasks = ''
    jobs = {}
    for service in FAMILIES:
        jobs[service] = {
            'ok': create(emulator, service, duration=0.5),
            'fail': create(emulator, service, duration=0.5, outcome='fail', error_code='X.%s' % service,
                           fail_reason='%s went wrong' % service),
            'running': create(emulator, service, duration=None),
        }
        common = {'service': service, 'auth': password_auth(emulator)}
        tasks += module_task('%s wait ok' % service, 'job_wait', sleep=0.2, timeout=30, job_id=jobs[service]['ok'], **common)
        tasks += module_task('%s wait fail' % service, 'job_wait', sleep=0.2, timeout=30, job_id=jobs[service]['fail'], **common)
        tasks += module_task('%s info running' % service, 'job_info', job_id=jobs[service]['running'], **common)
        tasks += module_task('%s info missing' % service, 'job_info', job_id='nosuchjob0000', **common)
    run = playbook(tasks)
    for service in FAMILIES:
        done = assert_ok(run, '%s wait ok' % service)['job']
        assert (done['service'], done['state'], done['finished'], done['succeeded']) == (service, 'success', True, True)
        assert done['id'] == jobs[service]['ok'] and done['end_time'] is not None and done['duration'] is not None
        if service not in ('elb', 'cfw'):  # control-API ELB jobs carry no load balancer; CFW jobs name nothing
            assert done['resource_ids'], (service, done)
        failed = assert_failed(run, '%s wait fail' % service)
        assert failed['job']['state'] == 'failed'
        if service in NO_REASON:
            assert failed['msg'] == '%s job %s failed: no reason given' % (service, jobs[service]['fail']) + (
                ' (job_type %s)' % failed['job']['job_type'] if failed['job']['job_type'] else '')
        else:
            assert '%s job %s failed: ' % (service, jobs[service]['fail']) in failed['msg']
            assert '%s went wrong' % service in failed['msg'], failed['msg']
        running = assert_ok(run, '%s info running' % service)['job']
        assert running['state'] in ('init', 'running') and running['finished'] is False
        assert running['end_time'] is None and running['duration'] is None, (service, running)
        missing = assert_failed(run, '%s info missing' % service)
        assert missing['msg'].startswith('%s job nosuchjob0000 not found: HTTP ' % service), missing['msg']
    assert emulator.stats()['iam_calls'] == 1  # one login for the whole play (token cache)


@pytest.mark.parametrize('by_name', [False, True], ids=['project_id', 'project_name'])
def test_every_family_with_aksk(emulator, playbook, by_name):
    tasks = ''
    jobs = {}
    for service in FAMILIES:
        jobs[service] = create(emulator, service, duration=0.3)
        tasks += module_task(service, 'job_wait', sleep=0.2, timeout=30, service=service, job_id=jobs[service],
                             endpoint=emulator.service_url(service), auth=aksk_auth(emulator, by_name))
    run = playbook(tasks)
    for service in FAMILIES:
        assert assert_ok(run, service)['job']['id'] == jobs[service]
    stats = emulator.stats()
    assert stats['iam_calls'] == 0
    assert stats['project_lookups'] == (1 if by_name else 0)  # looked up once, then cached
    signed = [r for r in stats['requests'] if r.get('route', '').endswith('_job')]
    assert signed and all(r.get('status') == 200 for r in signed), signed[:3]


def test_endpoints_with_version_suffixes_and_token_auth(emulator, playbook):
    """A configured endpoint may end in the catalog's version and project (EVS/VBS say v2, their jobs are v1)."""
    token = {'token': emu_mod.STATIC_TOKEN, 'project_id': emu_mod.PROJECT_ID}
    evs = create(emulator, 'evs', duration=0)
    vbs = create(emulator, 'vbs', duration=0)
    cce = create(emulator, 'cce', duration=0)
    rds = create(emulator, 'rds', duration=0)
    tasks = (
        module_task('evs v2', 'job_info', service='evs', job_id=evs, auth=token,
                    endpoint='%s/v2/%s' % (emulator.service_url('evs'), emu_mod.PROJECT_ID))
        + module_task('vbs v2', 'job_info', service='vbs', job_id=vbs, auth=token, endpoint='%s/v2/' % emulator.service_url('vbs'))
        + module_task('cce api', 'job_info', service='cce', job_id=cce, auth=token,
                      endpoint='%s/api/v3/projects/%s' % (emulator.service_url('cce'), emu_mod.PROJECT_ID))
        + module_task('rds query', 'job_info', service='rds', job_id=rds, auth=token, endpoint='%s/v3' % emulator.service_url('rds'))
    )
    run = playbook(tasks)
    for name, job_id in (('evs v2', evs), ('vbs v2', vbs), ('cce api', cce), ('rds query', rds)):
        assert assert_ok(run, name)['job']['id'] == job_id


def test_catalog_templates_and_other_region(emulator, playbook):
    """Catalog URLs with $(tenant_id)s placeholders, and a project of another region (eu-nl)."""
    emulator.configure(catalog_placeholders='template')
    job_ids = dict((service, create(emulator, service, duration=0, project_id=emu_mod.OTHER_PROJECT_ID))
                   for service in ('ecs', 'ims', 'cce', 'ddm'))
    auth = dict(password_auth(emulator), project_name=emu_mod.OTHER_PROJECT_NAME)
    tasks = ''.join(module_task(service, 'job_info', service=service, job_id=job_id, auth=auth)
                    for service, job_id in job_ids.items())
    run = playbook(tasks)
    for service, job_id in job_ids.items():
        job = assert_ok(run, service)['job']
        assert (job['id'], job['project_id']) == (job_id, emu_mod.OTHER_PROJECT_ID)


def test_family_details(emulator, playbook):
    """Progress, sub-jobs where each family keeps them, a failed sub-job under a successful parent, odd times."""
    token = {'token': emu_mod.STATIC_TOKEN, 'project_id': emu_mod.PROJECT_ID}
    rds = create(emulator, 'rds', duration=100)
    dds = create(emulator, 'dds', duration=100)
    ecs = create(emulator, 'ecs', duration=0, outcome='success',
                 sub_jobs=[{'duration': 0, 'outcome': 'success'}, {'duration': 0, 'outcome': 'fail', 'error_code': 'Ecs.0013',
                                                                   'fail_reason': 'flavor sold out'}])
    cce = create(emulator, 'cce', duration=0, sub_jobs=[{'duration': 0}, {'duration': 0}])
    ims = create(emulator, 'ims', duration=0, sub_jobs=[{'duration': 0}])
    tasks = ''.join(module_task(name, 'job_info', service=name.split()[0], job_id=job_id, auth=token,
                                endpoint=emulator.service_url(name.split()[0]))
                    for name, job_id in (('rds running', rds), ('dds running', dds), ('ecs batch', ecs),
                                         ('cce cluster', cce), ('ims image', ims)))
    run = playbook(tasks)
    for name in ('rds running', 'dds running'):
        job = assert_ok(run, name)['job']
        assert isinstance(job['progress'], int) and 0 <= job['progress'] <= 100, job
        assert job['end_time'] is None  # DDS sends an end time while running: not taken for finished
    batch = assert_ok(run, 'ecs batch')
    assert [sub['state'] for sub in batch['job']['sub_jobs']] == ['success', 'failed']
    assert len(batch['job']['resource_ids']) == 2
    warning = [line for line in batch.get('warnings', []) if 'sub-job' in line]
    assert len(warning) == 1 and 'Ecs.0013 flavor sold out' in warning[0], batch.get('warnings')
    assert len(assert_ok(run, 'cce cluster')['job']['sub_jobs']) == 2
    assert len(assert_ok(run, 'ims image')['job']['sub_jobs']) == 1


def test_late_rds_job_and_create_answers(emulator, playbook):
    """RDS jobs are 'not found' for a few seconds; the create answers' job ids feed job_wait directly."""
    token = {'X-Auth-Token': emu_mod.STATIC_TOKEN}
    late = create(emulator, 'rds', duration=0.5, appear_after=1.5)
    project = emu_mod.PROJECT_ID
    tasks = '''
- name: create a server
  ansible.builtin.uri:
    url: "{ecs}/v1/{project}/cloudservers"
    method: POST
    headers: {headers}
    body_format: json
    body: {{server: {{name: web, flavorRef: s3.medium.1, imageRef: img, vpcid: vpc, nics: [{{subnet_id: sn}}],
            root_volume: {{volumetype: SSD}}, availability_zone: eu-de-01}}}}
  register: server
- name: create a cluster
  ansible.builtin.uri:
    url: "{cce}/api/v3/projects/{project}/clusters"
    method: POST
    headers: {headers}
    body_format: json
    body: {{kind: Cluster, apiVersion: v3, metadata: {{name: k8s}}, spec: {{type: VirtualMachine, flavor: cce.s1.small,
            hostNetwork: {{vpc: vpc, subnet: sn}}, containerNetwork: {{mode: overlay_l2}}}}}}
    status_code: [200, 201]
  register: cluster
'''.format(ecs=emulator.service_url('ecs'), cce=emulator.service_url('cce'), project=project,
           headers=json.dumps(token))
    auth = {'token': emu_mod.STATIC_TOKEN, 'project_id': project}
    tasks += module_task('server', 'job_wait', service='ecs', job_id='{{ server.json.job_id }}', sleep=0.2, auth=auth,
                         endpoint=emulator.service_url('ecs'))
    tasks += module_task('cluster', 'job_wait', service='cce', job_id='{{ cluster.json.status.jobID }}', sleep=0.2,
                         auth=auth, endpoint=emulator.service_url('cce'))
    tasks += module_task('late rds', 'job_wait', service='rds', job_id=late, sleep=0.2, not_found_timeout=10, auth=auth,
                         endpoint=emulator.service_url('rds'))
    run = playbook(tasks)
    assert assert_ok(run, 'server')['job']['resource_ids']
    assert assert_ok(run, 'cluster')['job']['state'] == 'success'
    assert assert_ok(run, 'late rds')['job']['id'] == late
