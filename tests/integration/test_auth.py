# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Integration tests of authentication and endpoint discovery against the local emulator (SPEC §5, §6)."""

import json
import os
import stat
import subprocess

import yaml

from tests.emulator import otc_emulator as emu_mod
from tests.integration.harness import BIN, ansible_env, module_task
from tests.integration.harness import assert_failed as failed
from tests.integration.harness import assert_ok as ok

PROJECT_ID = emu_mod.PROJECT_ID
SECRETS = (emu_mod.USER_PASSWORD, emu_mod.STATIC_TOKEN, emu_mod.SECRET_KEY, emu_mod.TEMP_SECRET_KEY,
           emu_mod.SECURITY_TOKEN)


def pw_auth(emulator, **override):
    auth = {'auth_url': emulator.url + '/v3', 'username': emu_mod.USER_NAME, 'password': emu_mod.USER_PASSWORD,
            'user_domain_name': emu_mod.DOMAIN_NAME, 'project_name': emu_mod.PROJECT_NAME}
    auth.update(override)
    return dict((k, v) for k, v in auth.items() if v is not None)


def task(name, module='job_info', **args):
    return module_task(name, module, **args)


# password auth ------------------------------------------------------------------------------------

def test_password_auth_by_name_and_id_with_catalog_discovery(emulator, playbook):
    elb = emulator.create_job('elb', duration=0)
    cfw = emulator.create_job('cfw', duration=0)
    tasks = (
        task('by name', service='elb', job_id=elb['job_id'], auth=pw_auth(emulator))
        + task('cfw by name', service='cfw', job_id=cfw['job_id'], auth=pw_auth(emulator))
        + task('project id', service='elb', job_id=elb['job_id'], token_cache=False,
               auth=pw_auth(emulator, project_name=None, project_id=PROJECT_ID))
        + task('domain id', service='elb', job_id=elb['job_id'], token_cache=False,
               auth=pw_auth(emulator, user_domain_name=None, user_domain_id=emu_mod.DOMAIN_ID))
        + task('alias domain_name', service='elb', job_id=elb['job_id'], token_cache=False,
               auth=dict(pw_auth(emulator, user_domain_name=None), domain_name=emu_mod.DOMAIN_NAME))
    )
    run = playbook(tasks)
    for name in ('by name', 'project id', 'domain id', 'alias domain_name'):
        result = ok(run, name)
        assert result['job']['id'] == elb['job_id']
        assert result['job']['project_id'] == PROJECT_ID
        assert result['job']['succeeded'] is True
    assert ok(run, 'cfw by name')['job']['id'] == cfw['job_id']
    stats = emulator.stats()
    assert stats['by_route']['elb_job'] == 4 and stats['by_route']['cfw_job'] == 1
    assert stats['iam_calls'] == 4  # one cached login for both "by name" tasks, then three uncached


def test_region_from_project_name_selects_catalog_region(emulator, playbook):
    job = emulator.create_job('elb', duration=0, project_id=emu_mod.OTHER_PROJECT_ID)
    tasks = (
        task('eu-nl by name', service='elb', job_id=job['job_id'], token_cache=False,
             auth=pw_auth(emulator, project_name=emu_mod.OTHER_PROJECT_NAME))
        + task('eu-nl by id with region', service='elb', job_id=job['job_id'], token_cache=False, region_name='eu-nl',
               auth=pw_auth(emulator, project_name=None, project_id=emu_mod.OTHER_PROJECT_ID))
        + task('eu-nl by id, region from the token', service='elb', job_id=job['job_id'], token_cache=False,
               auth=pw_auth(emulator, project_name=None, project_id=emu_mod.OTHER_PROJECT_ID))
        + task('eu-nl name, region eu-de', service='elb', job_id=job['job_id'], token_cache=False, region='eu-de',
               auth=pw_auth(emulator, project_name=emu_mod.OTHER_PROJECT_NAME))
    )
    run = playbook(tasks)
    for name in ('eu-nl by name', 'eu-nl by id with region', 'eu-nl by id, region from the token'):
        assert ok(run, name)['job']['project_id'] == emu_mod.OTHER_PROJECT_ID
    assert failed(run, 'eu-nl name, region eu-de')['msg'] == (
        'no elb endpoint: none in the token catalog for region eu-de (catalog type elb or elbv1, interface public); '
        'set endpoint')


def test_token_cache_one_login_per_play(emulator, playbook, tmp_path):
    job = emulator.create_job('elb', duration=0)
    tasks = ''.join(
        task('t%d' % i, module=('job_info' if i % 2 else 'job_wait'), service='elb', job_id=job['job_id'],
             auth=pw_auth(emulator))
        for i in range(6))
    run = playbook(tasks)
    for i in range(6):
        ok(run, 't%d' % i)
    assert emulator.stats()['iam_calls'] == 1
    directory = tmp_path / 'cache' / 'otc.jobs'
    assert stat.S_IMODE(os.stat(str(directory)).st_mode) == 0o700
    files = os.listdir(str(directory))
    assert len(files) == 1 and files[0].startswith('token-') and files[0].endswith('.json'), files
    assert stat.S_IMODE(os.stat(str(directory / files[0])).st_mode) == 0o600
    assert emu_mod.USER_PASSWORD not in (directory / files[0]).read_text()


def test_token_cache_disabled(emulator, playbook, tmp_path):
    job = emulator.create_job('elb', duration=0)
    tasks = ''.join(
        task('t%d' % i, module=('job_info' if i % 2 else 'job_wait'), service='elb', job_id=job['job_id'],
             auth=pw_auth(emulator), token_cache=False)
        for i in range(6))
    run = playbook(tasks)
    for i in range(6):
        ok(run, 't%d' % i)
    assert emulator.stats()['iam_calls'] == 6
    cache_dir = str(tmp_path / 'cache' / 'otc.jobs')
    assert not os.path.isdir(cache_dir) or os.listdir(cache_dir) == []


def test_token_expired_during_wait(emulator, playbook):
    job = emulator.create_job('elb', duration=3)
    emulator.add_fault('expire_token', match={'route': 'elb_job', 'job_id': job['job_id']}, times=1)
    run = playbook(task('wait', module='job_wait', service='elb', job_id=job['job_id'], sleep=0.5, max_sleep=1,
                        timeout=30, auth=pw_auth(emulator)))
    result = ok(run, 'wait')
    assert result['job']['succeeded'] is True
    assert emulator.stats()['iam_calls'] == 2


def test_cached_token_expired_between_tasks(emulator, playbook):
    job = emulator.create_job('elb', duration=0)
    emulator.add_fault('expire_token', match={'route': 'elb_job'}, times=1)
    tasks = task('first', service='elb', job_id=job['job_id'], auth=pw_auth(emulator)) + task(
        'second', service='elb', job_id=job['job_id'], auth=pw_auth(emulator)) + task(
        'third', service='elb', job_id=job['job_id'], auth=pw_auth(emulator))
    run = playbook(tasks)
    for name in ('first', 'second', 'third'):
        ok(run, name)
    assert emulator.stats()['iam_calls'] == 2  # the renewed token replaced the dropped cache entry


# IAM failures ---------------------------------------------------------------------------------------

def test_iam_failures(emulator, playbook):
    job = emulator.create_job('elb', duration=0)
    tasks = (
        task('wrong password', service='elb', job_id=job['job_id'], auth=pw_auth(emulator, password='wrong-pw'))
        + task('unknown project', service='elb', job_id=job['job_id'],
               auth=pw_auth(emulator, project_name='eu-de_nosuchproject'))
        + task('unknown project id', service='elb', job_id=job['job_id'],
               auth=pw_auth(emulator, project_name=None, project_id='ffffffffffffffffffffffffffffffff'))
        + task('unreachable', service='elb', job_id=job['job_id'],
               auth=pw_auth(emulator, auth_url='http://127.0.0.1:1/v3'))
    )
    run = playbook(tasks)
    assert failed(run, 'wrong password')['msg'] == (
        'IAM refused the password for user demo in domain %s (HTTP 401): The username or password is wrong.'
        % emu_mod.DOMAIN_NAME)
    for name in ('unknown project', 'unknown project id'):
        msg = failed(run, name)['msg']
        assert msg.startswith('IAM refused'), msg
        assert '(HTTP 401): The project does not exist or you have no permission to access it.' in msg, msg
    msg = failed(run, 'unreachable')['msg']
    assert msg.startswith('cannot reach IAM at http://127.0.0.1:1/v3 to authenticate user demo in domain %s: '
                          'connection refused by 127.0.0.1:1 (3 attempts over ' % emu_mod.DOMAIN_NAME), msg
    for name in ('wrong password', 'unknown project', 'unknown project id', 'unreachable'):
        assert 'wrong-pw' not in json.dumps(run.task(name))
    assert emulator.stats()['by_route'].get('elb_job', 0) == 0


def test_missing_credentials_no_request(emulator, playbook):
    job = emulator.create_job('elb', duration=0)
    tasks = (
        task('nothing', service='elb', job_id=job['job_id'], endpoint=emulator.url)
        + task('token without project', service='elb', job_id=job['job_id'], endpoint=emulator.url,
               auth={'token': emu_mod.STATIC_TOKEN})
        + task('no domain', service='elb', job_id=job['job_id'],
               auth=pw_auth(emulator, user_domain_name=None))
    )
    run = playbook(tasks)
    assert failed(run, 'nothing')['msg'].startswith('no credentials: set auth.username/auth.password')
    assert failed(run, 'token without project')['msg'].startswith('token authentication needs project_id')
    assert failed(run, 'no domain')['msg'].startswith(
        'password authentication needs user_domain_name (or user_domain_id)')
    assert emulator.stats()['total'] == 0


# AK/SK and token --------------------------------------------------------------------------------------

def test_aksk_and_token(emulator, playbook):
    job = emulator.create_job('elb', duration=0)
    cfw = emulator.create_job('cfw', duration=0)
    aksk = {'ak': emu_mod.ACCESS_KEY, 'sk': emu_mod.SECRET_KEY, 'project_id': PROJECT_ID}
    temp = {'access_key': emu_mod.TEMP_ACCESS_KEY, 'secret_key': emu_mod.TEMP_SECRET_KEY,
            'security_token': emu_mod.SECURITY_TOKEN, 'project_id': PROJECT_ID}
    tasks = (
        task('permanent', service='elb', job_id=job['job_id'], endpoint=emulator.url, auth=aksk)
        + task('permanent cfw', service='cfw', job_id=cfw['job_id'],
               endpoint='%s/v3/%s' % (emulator.url, PROJECT_ID), auth=aksk)
        + task('temporary', service='elb', job_id=job['job_id'],
               endpoint='%s/v1.0/%s' % (emulator.url, PROJECT_ID), auth=temp)
        + task('wrong sk', service='elb', job_id=job['job_id'], endpoint=emulator.url,
               auth=dict(aksk, sk='sk-wrong-wrong'))
        + task('temporary without security token', service='elb', job_id=job['job_id'], endpoint=emulator.url,
               auth=dict(temp, security_token=None))
        + task('token', service='elb', job_id=job['job_id'], endpoint=emulator.url,
               auth={'token': emu_mod.STATIC_TOKEN, 'project_id': PROJECT_ID})
        + task('bad token', service='elb', job_id=job['job_id'], endpoint=emulator.url,
               auth={'token': 'not-a-token', 'project_id': PROJECT_ID})
    )
    run = playbook(tasks)
    for name in ('permanent', 'temporary', 'token'):
        assert ok(run, name)['job']['id'] == job['job_id']
    assert ok(run, 'permanent cfw')['job']['id'] == cfw['job_id']
    for name in ('wrong sk', 'temporary without security token'):
        msg = failed(run, name)['msg']
        assert 'HTTP 401' in msg and 'APIGW.0301' in msg, msg
    msg = failed(run, 'bad token')['msg']
    assert 'HTTP 401' in msg and 'APIGW.0307' in msg, msg
    assert emulator.stats()['iam_calls'] == 0


# clouds.yaml, environment, precedence ------------------------------------------------------------

def write_clouds(directory, emulator, cloud_auth, secure_auth=None):
    clouds = directory / 'clouds.yaml'
    secure = directory / 'secure.yaml'
    clouds.write_text(yaml.safe_dump({'clouds': {'mycloud': {'auth': cloud_auth, 'region_name': 'eu-de'}}}))
    secure.write_text(yaml.safe_dump({'clouds': {'mycloud': {'auth': secure_auth or {}}}}))
    return {'OS_CLIENT_CONFIG_FILE': str(clouds), 'OS_CLIENT_SECURE_FILE': str(secure)}


def test_clouds_yaml_and_os_cloud(emulator, playbook, tmp_path):
    job = emulator.create_job('elb', duration=0)
    conf = tmp_path / 'conf'
    conf.mkdir()
    env = write_clouds(conf, emulator, pw_auth(emulator, password=None), {'password': emu_mod.USER_PASSWORD})
    run = playbook(task('cloud option', service='elb', job_id=job['job_id'], cloud='mycloud'), env=env)
    assert ok(run, 'cloud option')['job']['id'] == job['job_id']
    run = playbook(task('os_cloud', service='elb', job_id=job['job_id'], token_cache=False),
                   env=dict(env, OS_CLOUD='mycloud'))
    assert ok(run, 'os_cloud')['job']['id'] == job['job_id']
    run = playbook(task('unknown cloud', service='elb', job_id=job['job_id'], cloud='nocloud'), env=env)
    msg = failed(run, 'unknown cloud')['msg']
    assert msg.startswith("cloud 'nocloud' is not defined in %s" % (conf / 'clouds.yaml')), msg
    assert 'clouds defined: mycloud' in msg and emu_mod.USER_PASSWORD not in msg
    assert emulator.stats()['iam_calls'] == 2


def test_clouds_yaml_in_home(emulator, playbook, tmp_path):
    job = emulator.create_job('elb', duration=0)
    home = tmp_path / 'home'
    conf = home / '.config' / 'openstack'
    conf.mkdir(parents=True)
    write_clouds(conf, emulator, pw_auth(emulator, password=None), {'password': emu_mod.USER_PASSWORD})
    run = playbook(task('home cloud', service='elb', job_id=job['job_id'], cloud='mycloud'),
                   env={'HOME': str(home)})
    assert ok(run, 'home cloud')['job']['id'] == job['job_id']


def test_precedence_auth_over_cloud_and_environment_only_without_a_cloud(emulator, playbook, tmp_path):
    job = emulator.create_job('elb', duration=0)
    conf = tmp_path / 'conf'
    conf.mkdir()
    env = write_clouds(conf, emulator, pw_auth(emulator, password='cloud-wrong'))
    # Leftovers that would break the named cloud if they were read (as openstacksdk, they are not).
    env.update({'OS_PASSWORD': 'env-wrong', 'OS_USERNAME': 'nobody', 'OS_AUTH_URL': 'http://127.0.0.1:1/v3',
                'OS_PROJECT_ID': 'ffffffffffffffffffffffffffffffff', 'OS_REGION_NAME': 'eu-nl'})
    no_cache = {'token_cache': False, 'cloud': 'mycloud', 'service': 'elb', 'job_id': job['job_id']}
    tasks = (
        task('auth password wins', auth={'password': emu_mod.USER_PASSWORD}, **no_cache)
        + task('cloud password, env ignored', **no_cache)
    )
    run = playbook(tasks, env=env)
    assert ok(run, 'auth password wins')['job']['project_id'] == emu_mod.PROJECT_ID
    msg = failed(run, 'cloud password, env ignored')['msg']
    assert msg.startswith('IAM refused the password for user demo'), msg
    assert 'cloud-wrong' not in msg and 'env-wrong' not in msg

    # No cloud named: the OS_* environment forms the cloud, and auth keys win over it key by key.
    env = {'OS_AUTH_URL': emulator.url + '/v3', 'OS_USERNAME': emu_mod.USER_NAME, 'OS_PASSWORD': emu_mod.USER_PASSWORD,
           'OS_USER_DOMAIN_NAME': emu_mod.DOMAIN_NAME, 'OS_PROJECT_NAME': emu_mod.PROJECT_NAME}
    plain = {'token_cache': False, 'service': 'elb', 'job_id': job['job_id']}
    tasks = (
        task('env forms the cloud', **plain)
        + task('auth wrong beats env right', auth={'password': 'auth-wrong'}, **plain)
    )
    run = playbook(tasks, env=env)
    ok(run, 'env forms the cloud')
    assert failed(run, 'auth wrong beats env right')['msg'].startswith('IAM refused the password')
    assert emulator.stats()['iam_calls'] == 4


def test_environment_only_adhoc(emulator, tmp_path):
    job = emulator.create_job('elb', duration=0)
    env = ansible_env(tmp_path, {
        'OS_AUTH_URL': emulator.url + '/v3',
        'OS_USERNAME': emu_mod.USER_NAME,
        'OS_PASSWORD': emu_mod.USER_PASSWORD,
        'OS_USER_DOMAIN_NAME': emu_mod.DOMAIN_NAME,
        'OS_PROJECT_NAME': emu_mod.PROJECT_NAME,
    })
    command = [os.path.join(BIN, 'ansible'), 'localhost', '-m', 'otc.jobs.job_info',
               '-a', 'service=elb job_id=%s' % job['job_id']]
    completed = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300, cwd=str(tmp_path), check=False)
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output
    assert 'SUCCESS' in output and job['job_id'] in output, output
    assert emu_mod.USER_PASSWORD not in output
    assert emulator.stats()['iam_calls'] == 1


# catalog fallbacks --------------------------------------------------------------------------------

def test_catalog_cfwv3_and_missing(emulator, playbook):
    cfw = emulator.create_job('cfw', duration=0)
    emulator.configure(catalog_cfw_type='cfwv3')
    run = playbook(task('cfwv3', service='cfw', job_id=cfw['job_id'], token_cache=False, auth=pw_auth(emulator)))
    assert ok(run, 'cfwv3')['job']['id'] == cfw['job_id']
    emulator.configure(catalog_cfw_type=None, catalog_elb=False)
    tasks = (
        task('no cfw', service='cfw', job_id=cfw['job_id'], token_cache=False, auth=pw_auth(emulator))
        + task('no elb', service='elb', job_id=cfw['job_id'], token_cache=False, auth=pw_auth(emulator))
        + task('endpoint given', service='cfw', job_id=cfw['job_id'], token_cache=False, endpoint=emulator.url,
               auth=pw_auth(emulator))
    )
    run = playbook(tasks)
    assert failed(run, 'no cfw')['msg'] == (
        'no cfw endpoint: none in the token catalog for region eu-de (catalog type cfw or cfwv3, interface public); set endpoint')
    assert failed(run, 'no elb')['msg'] == (
        'no elb endpoint: none in the token catalog for region eu-de (catalog type elb or elbv1, interface public); set endpoint')
    assert ok(run, 'endpoint given')['job']['id'] == cfw['job_id']
    assert emulator.stats()['by_route']['cfw_job'] == 2


# secrets --------------------------------------------------------------------------------------------

def test_no_secret_in_verbose_output(emulator, playbook, tmp_path):
    job = emulator.create_job('elb', duration=0)
    aksk = {'ak': emu_mod.ACCESS_KEY, 'sk': emu_mod.SECRET_KEY, 'project_id': PROJECT_ID}
    temp = {'ak': emu_mod.TEMP_ACCESS_KEY, 'sk': emu_mod.TEMP_SECRET_KEY, 'security_token': emu_mod.SECURITY_TOKEN,
            'project_id': PROJECT_ID}
    token = {'token': emu_mod.STATIC_TOKEN, 'project_id': PROJECT_ID}
    other = emu_mod.OTHER_PROJECT_ID
    tasks = (
        task('password', service='elb', job_id=job['job_id'], auth=pw_auth(emulator))
        + task('password wait', module='job_wait', service='elb', job_id=job['job_id'], auth=pw_auth(emulator))
        + task('password bad project', service='elb', job_id=job['job_id'], token_cache=False,
               auth=pw_auth(emulator, project_name=None, project_id='ffffffffffffffffffffffffffffffff'))
        + task('password bad url', service='elb', job_id=job['job_id'], token_cache=False,
               auth=pw_auth(emulator, auth_url=emulator.url + '/nope/v3'))
        + task('token', service='elb', job_id=job['job_id'], endpoint=emulator.url, auth=token)
        + task('token wrong project', service='elb', job_id=job['job_id'], endpoint=emulator.url,
               auth=dict(token, project_id=other))
        + task('aksk', service='elb', job_id=job['job_id'], endpoint=emulator.url, auth=aksk)
        + task('aksk temp', service='elb', job_id=job['job_id'], endpoint=emulator.url, auth=temp)
        + task('aksk temp wrong project', service='elb', job_id=job['job_id'], endpoint=emulator.url,
               auth=dict(temp, project_id=other))
        + task('aksk wrong project wait', module='job_wait', service='elb', job_id=job['job_id'],
               endpoint=emulator.url, timeout=2, auth=dict(aksk, project_id=other))
    )
    run = playbook(tasks, extra_args=['-vvv'])
    for name in ('password', 'password wait', 'token', 'aksk', 'aksk temp'):
        ok(run, name)
    for name in ('password bad project', 'password bad url', 'token wrong project', 'aksk temp wrong project',
                 'aksk wrong project wait'):
        failed(run, name)
    cache_dir = tmp_path / 'cache' / 'otc.jobs'
    issued = [json.loads((cache_dir / name).read_text())['token'] for name in os.listdir(str(cache_dir))]
    assert len(issued) == 1 and issued[0].startswith('MII')
    recorded = json.dumps(run.results)
    assert len(run.output) > 1000  # -vvv really was verbose
    for secret in SECRETS + tuple(issued):
        assert secret not in run.output, secret
        assert secret not in recorded, secret


def test_openstack_cloud_spellings_are_accepted(emulator, playbook, tmp_path):
    """Settings shared with openstack.cloud modules through module_defaults work here as they are."""
    job = emulator.create_job('elb', duration=0)
    auth = dict(pw_auth(emulator), project_domain_name=emu_mod.DOMAIN_NAME, system_scope='all',
                default_domain_id='default-domain-value')
    bundle = tmp_path / 'ca.pem'
    bundle.write_text('-----BEGIN CERTIFICATE-----\n')
    defaults = {'auth': auth, 'auth_type': 'v3password', 'interface': 'public', 'cacert': str(bundle),
                'verify': False, 'region': 'eu-de', 'token_cache': False}
    tasks = '- name: all\n  module_defaults:\n    group/otc.jobs.otc: %s\n  block:\n' % json.dumps(defaults)
    tasks += '    - name: shared settings\n      otc.jobs.job_info: %s\n' % json.dumps({'service': 'elb', 'job_id': job['job_id']})
    run = playbook(tasks)
    result = ok(run, 'shared settings')
    assert result['job']['id'] == job['job_id']
    warnings = result.get('warnings', [])
    assert 'auth keys that otc.jobs does not use were ignored: default_domain_id, system_scope' in warnings, warnings
    assert len([w for w in warnings if w.startswith('validate_certs is false')]) == 1, warnings
    assert 'default-domain-value' not in json.dumps(warnings)
