# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Adversarial acceptance tests (issue 10; SPEC section 4 input rules and "Hostile answers", section 5 "Secrets",
token cache and TLS, section 6): real ansible-playbook runs against tests/hostile/server.py and the emulator.

Black-box: nothing here imports plugins/ or module_utils. Several tests share one playbook run (module-scoped
fixtures) to keep the wall time down; each test asserts its own slice of that run. Slow hostile tasks carry a
task ``timeout`` far above the bound a test asserts, so a broken implementation fails them quickly instead of
holding the suite for minutes.
"""

import json
import os
import re
import stat
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest
import yaml

from tests.emulator import otc_emulator as emu_mod
from tests.hostile import server as hostile
from tests.integration.harness import REPO, assert_failed, assert_ok, collections_path, module_task, run_playbook

PROJECT_ID = emu_mod.PROJECT_ID
TOKEN = 'hostile-static-token-0a9f3c'  # the hostile server takes any token; this one is not a secret under test
INPUT_PASSWORD = 'INPUT-CASE-PASSWORD-93f1'
EP_USERINFO_SECRET = 'EP-USERINFO-SECRET-41d2'
AU_USERINFO_SECRET = 'AU-USERINFO-SECRET-77b9'
TRACEBACK = 'Traceback (most recent call last)'
MIB_LIMIT = re.compile(r'8\s*MiB|8388608|8 ?MB', re.IGNORECASE)


# --- helpers ---------------------------------------------------------------------------------------------

def task(name, module, cap=None, **args):
    """One ``otc.jobs.<module>`` task (ignore_errors); ``cap``: a task timeout that only a broken build reaches."""
    text = module_task(name, module, **args)
    return text + ('  timeout: %d\n' % cap if cap else '')


def lookup_task(name, term, cap=None, **options):
    """A set_fact through ``lookup('otc.jobs.job', term, **options)`` (ignore_errors)."""
    kwargs = ', '.join('%s=%s' % (key, json.dumps(value)) for key, value in options.items())
    expression = "{{ lookup('otc.jobs.job', %s, %s) }}" % (json.dumps(term), kwargs)
    text = '- name: %s\n  ansible.builtin.set_fact:\n    looked: %s\n  ignore_errors: true\n' % (name, json.dumps(expression))
    return text + ('  timeout: %d\n' % cap if cap else '')


def token_auth(token=TOKEN, project_id=PROJECT_ID):
    return {'token': token, 'project_id': project_id}


def emulator_pw_auth(emulator, **override):
    auth = {'auth_url': emulator.url + '/v3', 'username': emu_mod.USER_NAME, 'password': emu_mod.USER_PASSWORD,
            'user_domain_name': emu_mod.DOMAIN_NAME, 'project_name': emu_mod.PROJECT_NAME}
    auth.update(override)
    return dict((key, value) for key, value in auth.items() if value is not None)


def pw_auth(auth_url, password=INPUT_PASSWORD, **override):
    auth = {'auth_url': auth_url, 'username': emu_mod.USER_NAME, 'password': password,
            'user_domain_name': emu_mod.DOMAIN_NAME, 'project_name': emu_mod.PROJECT_NAME}
    auth.update(override)
    return dict((key, value) for key, value in auth.items() if value is not None)


def took(result):
    """Wall seconds of one task, from the record_results callback's task start to its final result."""
    return result['_end'] - result['_start']


def failed(run, name):
    result = assert_failed(run, name)
    assert isinstance(result.get('msg'), str) and result['msg'], (name, result)
    return result


def names(msg, option):
    """Whether ``msg`` names ``option`` as a word (``timeout`` is not found inside ``api_timeout``)."""
    return re.search(r'(?<![A-Za-z_])%s(?![A-Za-z_])' % re.escape(option), msg) is not None


def dump(label, run):
    """With OTC_HOSTILE_DUMP=<dir> set, keep each run's results and output there (for debugging a failure)."""
    directory = os.environ.get('OTC_HOSTILE_DUMP')
    if directory:
        os.makedirs(directory, exist_ok=True)
        with open(os.path.join(directory, label + '.json'), 'w') as handle:
            json.dump({'rc': run.rc, 'results': run.results, 'output': run.output[-200000:],
                       'peak_kib': getattr(run, 'peak_kib', None)}, handle, indent=1)
    return run


def parallel(*calls):
    """Run the callables at once (separate ansible-playbook processes); their results in order."""
    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        futures = [pool.submit(call) for call in calls]
        return [future.result() for future in futures]


def leaks(run, secrets):
    """(secret, where) for every secret found in the run's output or any task result."""
    found = []
    recorded = json.dumps(run.results)
    for secret in secrets:
        if secret in run.output:
            found.append((secret, 'output'))
        if secret in recorded:
            where = [name for name, result in run.results.items() if secret in json.dumps(result)]
            found.append((secret, 'results of %s' % where))
    return found


def assert_no_secret(run, secrets):
    assert not leaks(run, secrets), leaks(run, secrets)
    for name, result in run.results.items():
        for warning in result.get('warnings') or []:
            for secret in secrets:
                assert secret not in warning, (name, 'warning', secret)
        invocation = json.dumps(result.get('invocation') or {})
        for secret in secrets:
            assert secret not in invocation, (name, 'invocation', secret)


def case_paths(server, marker='/c/'):
    """Case names (``/c/<case>/...``) of the requests a server received."""
    return sorted(set(entry['path'].split(marker, 1)[1].split('/')[0] for entry in server.requests if marker in entry['path']))


class PrivateEmulator:
    """An emulator of its own (its own counters) for a module-scoped fixture: ``with PrivateEmulator() as emu``."""

    def __enter__(self):
        self.emulator = emu_mod.Emulator().start()
        return self.emulator

    def __exit__(self, *exc_info):
        self.emulator.stop()


@pytest.fixture(scope='module')
def certs(tmp_path_factory):
    """A throw-away self-signed server certificate and an unrelated CA file (made with openssl)."""
    directory = str(tmp_path_factory.mktemp('certs'))
    cert, key = hostile.self_signed_cert(directory, 'server')
    other = hostile.self_signed_cert(directory, 'unrelated-ca')[0]
    return {'cert': cert, 'key': key, 'other_ca': other}


class MeasuredRun:
    """A PlaybookRun made in a child Python process, with the peak RSS of every process of that run."""

    def __init__(self, data):
        self.rc = data['rc']
        self.output = data['output']
        self.results = data['results']
        self.peak_kib = data['peak_kib']

    def task(self, name):
        return self.results[name]


_MEASURED = r'''
import json, resource, sys
sys.path.insert(0, sys.argv[1])
from tests.integration.harness import run_playbook
spec = json.load(sys.stdin)
run = run_playbook(spec['tasks'], directory=spec['directory'], env=spec['env'])
json.dump({'rc': run.rc, 'output': run.output, 'results': run.results,
           'peak_kib': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}, sys.stdout)
'''


def run_measured(tasks, directory, env=None):
    """run_playbook in a fresh child process, so RUSAGE_CHILDREN's peak RSS covers this run's processes only."""
    os.makedirs(str(directory), exist_ok=True)
    spec = {'tasks': tasks, 'directory': str(directory), 'env': env or {}}
    child_env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections_path())
    completed = subprocess.run([sys.executable, '-c', _MEASURED, REPO], input=json.dumps(spec), env=child_env,
                               capture_output=True, text=True, timeout=900, check=True)
    return MeasuredRun(json.loads(completed.stdout))


# === 1. inputs refused before any request =======================================================================

NUMERIC_CASES = [
    # case, module, options, option the message must name
    ('sleep_zero', 'job_wait', {'sleep': 0}, 'sleep'),
    ('sleep_negative', 'job_wait', {'sleep': -1}, 'sleep'),
    ('sleep_nan', 'job_wait', {'sleep': 'nan'}, 'sleep'),
    ('timeout_negative', 'job_wait', {'timeout': -5}, 'timeout'),
    ('timeout_nan', 'job_wait', {'timeout': 'nan'}, 'timeout'),
    ('timeout_inf', 'job_wait', {'timeout': 'inf'}, 'timeout'),
    ('api_timeout_negative', 'job_wait', {'api_timeout': -1}, 'api_timeout'),
    ('api_timeout_nan', 'job_wait', {'api_timeout': 'nan'}, 'api_timeout'),
    ('api_timeout_zero', 'job_wait', {'api_timeout': 0}, 'api_timeout'),
    ('api_timeout_inf', 'job_wait', {'api_timeout': 'inf'}, 'api_timeout'),
    ('concurrency_zero', 'job_wait', {'max_concurrency': 0}, 'max_concurrency'),
    ('concurrency_65', 'job_wait', {'max_concurrency': 65}, 'max_concurrency'),
    ('max_sleep_below_sleep', 'job_wait', {'sleep': 5, 'max_sleep': 2}, 'max_sleep'),
    ('not_found_timeout_negative', 'job_wait', {'not_found_timeout': -1}, 'not_found_timeout'),
    ('progress_interval_negative', 'job_wait', {'progress_interval': -1}, 'progress_interval'),
    ('info_api_timeout_negative', 'job_info', {'api_timeout': -1}, 'api_timeout'),
    ('info_api_timeout_nan', 'job_info', {'api_timeout': 'nan'}, 'api_timeout'),
    ('info_api_timeout_zero', 'job_info', {'api_timeout': 0}, 'api_timeout'),
]

JOB_ID_CASES = [
    # case, module, id arguments, option the message must name
    ('jid_newline', 'job_wait', {'job_id': 'abc\n'}, 'job_id'),
    ('jid_dotdot', 'job_wait', {'job_id': 'a/../b'}, 'job_id'),
    ('jid_query', 'job_wait', {'job_id': 'x?y'}, 'job_id'),
    ('jid_65', 'job_wait', {'job_id': 'a' * 65}, 'job_id'),
    ('jid_empty', 'job_wait', {'job_id': ''}, 'job_id'),
    ('jid_info_newline', 'job_info', {'job_id': 'abc\n'}, 'job_id'),
    ('jid_info_query', 'job_info', {'job_id': 'x?y'}, 'job_id'),
    ('jids_wait', 'job_wait', {'job_ids': ['good1', 'abc\n']}, 'job_ids'),
    ('jids_info', 'job_info', {'job_ids': ['good1', 'x?y']}, 'job_ids'),
    ('jids_wait_empty_item', 'job_wait', {'job_ids': ['good1', '']}, 'job_ids'),
]
LOOKUP_ID_CASES = [('lk_newline', 'abc\n'), ('lk_dotdot', 'a/../b'), ('lk_query', 'x?y'), ('lk_65', 'b' * 65),
                   ('lk_empty', '')]

BAD_PROJECT_IDS = [('slash', 'a/b'), ('query', 'a?b'), ('hash', 'a#b'), ('dotdot', '..'), ('newline', 'abc\n'),
                   ('long', 'a' * 65), ('percent', 'a%2Fb')]


def _input_cases(srv, tls_srv, emulator, clouds_file):
    """(case name, task text, option the message must name) for every input that must be refused."""
    cases = []

    def endpoint(case):
        return '%s/c/%s' % (srv.url, case)

    for case, module, options, option in NUMERIC_CASES:
        # password auth against the emulator's IAM: a late check would show as an IAM call there
        args = dict(options, service='elb', job_id='numjob', endpoint=endpoint(case), token_cache=False,
                    auth=emulator_pw_auth(emulator))
        cases.append((case, task('in ' + case, module, cap=20, **args), option))
    for case, module, ids, option in JOB_ID_CASES:
        args = dict(ids, service='elb', endpoint=endpoint(case), auth=token_auth())
        cases.append((case, task('in ' + case, module, cap=20, **args), option))
    for case, term in LOOKUP_ID_CASES:
        cases.append((case, lookup_task('in ' + case, term, cap=20, service='elb', endpoint=endpoint(case),
                                        auth=token_auth()), 'job'))
    # project_id from the option (token and password auth) and from clouds.yaml
    for label, value in BAD_PROJECT_IDS:
        case = 'pid_' + label
        args = dict(service='elb', job_id='pidjob', endpoint=endpoint(case), auth=token_auth(project_id=value))
        cases.append((case, task('in ' + case, 'job_info', cap=20, **args), 'project_id'))
    case = 'pid_wait_dotdot'
    cases.append((case, task('in ' + case, 'job_wait', cap=20, service='cfw', job_id='pidjob', endpoint=endpoint(case),
                             auth=token_auth(project_id='../x')), 'project_id'))
    case = 'pid_password'
    cases.append((case, task('in ' + case, 'job_info', cap=20, service='elb', job_id='pidjob', endpoint=endpoint(case),
                             token_cache=False,
                             auth=pw_auth('%s/c/%s/v3' % (srv.url, case), project_name=None, project_id='../../x')),
                  'project_id'))
    for label in ('slash', 'dotdot', 'newline', 'long'):
        case = 'cloud_pid_' + label
        cases.append((case, task('in ' + case, 'job_info', cap=20, service='elb', job_id='pidjob', endpoint=endpoint(case),
                                 cloud='pid_' + label), 'project_id'))
    # region_name picks a host name: password auth without auth_url (IAM URL from the region), token auth without
    # endpoint (service URL from the region); the TLS server would get the password if a URL were built from them
    at_tls = '@127.0.0.1:%d/x' % tls_srv.port
    region_cases = [('region_at_password', 'password', at_tls), ('region_at_token', 'token', at_tls),
                    ('region_evil_domain', 'password', 'eu-de.evil.com'), ('region_upper', 'password', 'EU-DE'),
                    ('region_hash', 'password', 'eu-de#x'), ('region_slash', 'token', 'eu-de/x')]
    for case, method, region in region_cases:
        if method == 'password':
            auth = pw_auth(None)
        else:
            auth = token_auth()
        cases.append((case, task('in ' + case, 'job_info', cap=20, service='elb', job_id='regjob', region_name=region,
                                 validate_certs=False, token_cache=False, auth=auth), 'region_name'))
    cases.append(('region_cloud', task('in region_cloud', 'job_info', cap=20, service='elb', job_id='regjob',
                                       cloud='region_at', validate_certs=False, token_cache=False), 'region_name'))
    # endpoint and auth_url: http(s)://host[:port][/path], nothing else
    port = srv.port
    endpoint_cases = [
        ('ep_userinfo', 'http://alice:%s@127.0.0.1:%d/c/ep_userinfo' % (EP_USERINFO_SECRET, port)),
        ('ep_query', '%s/c/ep_query?x=1' % srv.url),
        ('ep_fragment', '%s/c/ep_fragment#frag' % srv.url),
        ('ep_file', 'file:///etc/passwd'),
        ('ep_ftp', 'ftp://127.0.0.1:%d/c/ep_ftp' % port),
        ('ep_no_host', 'http:///c/ep_no_host'),
        ('ep_empty_host', 'http://:%d/c/ep_empty_host' % port),
        ('ep_space', '%s/c/ep space' % srv.url),
        ('ep_newline', '%s/c/ep_newline\n' % srv.url),
        ('ep_port_range', 'http://127.0.0.1:99999'),
        ('ep_port_65536', 'http://127.0.0.1:65536/c/ep_port_65536'),
    ]
    for case, url in endpoint_cases:
        cases.append((case, task('in ' + case, 'job_info', cap=20, service='elb', job_id='epjob', endpoint=url,
                                 auth=token_auth()), 'endpoint'))
    aksk = {'ak': 'AKHOSTILE00000000001', 'sk': 'sk-input-case-not-a-secret-under-test', 'project_id': PROJECT_ID}
    cases.append(('ep_port_range_aksk', task('in ep_port_range_aksk', 'job_info', cap=20, service='elb', job_id='epjob',
                                             endpoint='http://127.0.0.1:99999', auth=aksk), 'endpoint'))
    cases.append(('ep_userinfo_wait', task('in ep_userinfo_wait', 'job_wait', cap=20, service='cfw', job_id='epjob',
                                           endpoint='https://alice:%s@127.0.0.1:%d/c/ep_userinfo_wait' % (
                                               EP_USERINFO_SECRET, port), auth=token_auth()), 'endpoint'))
    auth_url_cases = [
        ('au_userinfo', 'http://bob:%s@127.0.0.1:%d/c/au_userinfo/v3' % (AU_USERINFO_SECRET, port)),
        ('au_query', '%s/c/au_query/v3?x=1' % srv.url),
        ('au_fragment', '%s/c/au_fragment/v3#f' % srv.url),
        ('au_file', 'file:///etc/passwd'),
        ('au_ftp', 'ftp://127.0.0.1:%d/c/au_ftp/v3' % port),
        ('au_no_host', 'http:///c/au_no_host/v3'),
        ('au_space', '%s/c/au space/v3' % srv.url),
        ('au_newline', '%s/c/au_newline/v3\n' % srv.url),
        ('au_port_range', 'http://127.0.0.1:99999/v3'),
    ]
    for case, url in auth_url_cases:
        cases.append((case, task('in ' + case, 'job_info', cap=20, service='elb', job_id='aujob',
                                 endpoint=endpoint(case), token_cache=False, auth=pw_auth(url)), 'auth_url'))
    return cases


def _write_clouds(path, tls_srv):
    clouds = {}
    for label, value in BAD_PROJECT_IDS:
        clouds['pid_' + label] = {'auth': {'token': TOKEN, 'project_id': value}, 'region_name': 'eu-de'}
    auth = pw_auth(None)
    clouds['region_at'] = {'auth': auth, 'region_name': '@127.0.0.1:%d/x' % tls_srv.port}
    with open(path, 'w') as handle:
        yaml.safe_dump({'clouds': clouds}, handle)


@pytest.fixture(scope='module')
def inputs(tmp_path_factory, emulator_server, certs):
    """One -vvv playbook of every refused input, plus controls that must pass; servers' logs after it."""
    directory = tmp_path_factory.mktemp('inputs')
    clouds_file = str(directory / 'clouds.yaml')
    emulator_server.reset()
    with hostile.HostileServer() as srv, hostile.HostileServer(tls=(certs['cert'], certs['key']), name='tls') as tls_srv:
        srv.route('/ok/*', hostile.job())
        # a request that should never have been sent fails at once (403), so a build that sends it ends quickly
        srv.route('/c/*', hostile.status_answer(403, {'error_code': 'HOSTILE.403', 'error_msg': 'should not be here'}))
        tls_srv.route('*', hostile.job())
        tls_srv.on_iam(hostile.iam_token())
        _write_clouds(clouds_file, tls_srv)
        cases = _input_cases(srv, tls_srv, emulator_server, clouds_file)
        controls = (
            # every option at an edge of its valid range: accepted, and the job is read
            task('control edges', 'job_wait', cap=30, service='elb', job_id='ctl1', endpoint=srv.url + '/ok/edges',
                 auth=token_auth(), sleep=0.2, max_sleep=0.2, timeout=20, api_timeout=5, not_found_timeout=0,
                 max_concurrency=64, progress_interval=0)
            + task('control max_concurrency 1', 'job_wait', cap=30, service='elb', job_ids=['ctl2', 'ctl3'],
                   endpoint=srv.url + '/ok/one', auth=token_auth(), max_concurrency=1, sleep=0.2, max_sleep=1)
            + task('control 64 chars', 'job_info', cap=30, service='elb', job_id='A-_z' * 16,
                   endpoint=srv.url + '/ok/ids', auth=token_auth(project_id='P_-' + 'x' * 61)))
        tasks = ''.join(entry[1] for entry in cases) + controls
        run = dump('inputs', run_playbook(tasks, directory=str(directory), extra_args=['-vvv'],
                                          env={'OS_CLIENT_CONFIG_FILE': clouds_file}))
        srv.wait_idle()
        yield {'run': run, 'cases': cases, 'srv_requests': srv.requests, 'srv_cases': case_paths(srv),
               'tls_connections': tls_srv.connections, 'tls_seen': tls_srv.seen_text(),
               'srv_seen': srv.seen_text(), 'emulator': emulator_server.stats()}


def _check_cases(inputs, selected):
    run = inputs['run']
    problems = []
    for case, dummy, option in inputs['cases']:
        if case not in selected:
            continue
        result = run.results.get('in ' + case)
        if result is None:
            problems.append((case, 'no result'))
            continue
        if result['_status'] != 'failed':
            problems.append((case, 'not refused', result.get('msg'), result.get('job')))
            continue
        msg = result.get('msg') or ''
        if not names(msg, option):
            problems.append((case, 'message does not name %s' % option, msg))
        if 'module_stderr' in result or TRACEBACK in json.dumps(result):
            problems.append((case, 'traceback', msg[:300], result.get('module_stderr', '')[-300:]))
    assert not problems, '\n'.join(repr(problem) for problem in problems)
    sent = [case for case in inputs['srv_cases'] if case in selected]
    assert not sent, 'requests were sent for %s' % sent
    assert TRACEBACK not in run.output


def test_controls_at_the_edges_of_every_range_pass(inputs):
    run = inputs['run']
    result = assert_ok(run, 'control edges')
    assert result['job']['state'] == 'success'
    result = assert_ok(run, 'control max_concurrency 1')
    assert [job['id'] for job in result['jobs']] == ['ctl2', 'ctl3']
    result = assert_ok(run, 'control 64 chars')
    assert result['job']['id'] == 'A-_z' * 16
    paths = [entry['path'] for entry in inputs['srv_requests']]
    assert '/ok/ids/v1.0/P_-%s/jobs/%s' % ('x' * 61, 'A-_z' * 16) in paths, paths


def test_bad_numeric_options_are_refused_before_any_request(inputs):
    _check_cases(inputs, set(entry[0] for entry in NUMERIC_CASES))
    assert inputs['emulator']['total'] == 0, inputs['emulator']['by_route']  # not even IAM was asked


def test_bad_job_ids_are_refused_before_any_request(inputs):
    _check_cases(inputs, set(entry[0] for entry in JOB_ID_CASES))
    run = inputs['run']
    for case, dummy in LOOKUP_ID_CASES:
        result = failed(run, 'in ' + case)
        assert 'is not a valid job id' in result['msg'], (case, result['msg'])
    assert not [case for case in inputs['srv_cases'] if case.startswith('lk_')]


def test_bad_project_ids_from_options_and_clouds_yaml_are_refused(inputs):
    selected = set(['pid_' + entry[0] for entry in BAD_PROJECT_IDS] + ['pid_wait_dotdot', 'pid_password']
                   + ['cloud_pid_' + label for label in ('slash', 'dotdot', 'newline', 'long')])
    _check_cases(inputs, selected)
    assert INPUT_PASSWORD not in inputs['srv_seen']


def test_bad_region_names_never_become_host_names(inputs):
    selected = set(['region_at_password', 'region_at_token', 'region_evil_domain', 'region_upper', 'region_hash',
                    'region_slash', 'region_cloud'])
    _check_cases(inputs, selected)
    # the IAM or service URL built from '@127.0.0.1:PORT/x' would have reached the TLS server
    assert inputs['tls_connections'] == 0, inputs['tls_seen'][:2000]
    assert INPUT_PASSWORD not in inputs['tls_seen']
    assert TOKEN not in inputs['tls_seen']


def test_bad_endpoints_and_auth_urls_are_refused_without_printing_user_info(inputs):
    selected = set(entry[0] for entry in inputs['cases'] if entry[0].startswith(('ep_', 'au_')))
    _check_cases(inputs, selected)
    run = inputs['run']
    assert len(run.output) > 5000  # -vvv really was verbose
    assert_no_secret(run, [EP_USERINFO_SECRET, AU_USERINFO_SECRET, INPUT_PASSWORD])
    for case in ('ep_port_range', 'ep_port_range_aksk', 'au_port_range'):
        msg = run.task('in ' + case)['msg']
        assert 'ValueError' not in msg and ('99999' in msg or 'port' in msg.lower()), (case, msg)


# === 1b. project_id and secrets from the environment ================================================================

def _env_tasks(srv, case):
    endpoint = '%s/c/%s' % (srv.url, case)
    return (task('env info', 'job_info', cap=20, service='elb', job_id='envjob', endpoint=endpoint)
            + task('env wait', 'job_wait', cap=20, service='cfw', job_id='envjob', endpoint=endpoint, timeout=5)
            + lookup_task('env lookup', 'envjob', cap=20, service='elb', endpoint=endpoint))


ENV_TOKEN_SECRET = 'ENV-TOKEN-SECRET-5a1e'
ENV_SK_SECRET = 'ENV-SK-SECRET-88c0'
ENV_SECURITY_SECRET = 'ENV-SECURITY-TOKEN-SECRET-3c7d'
ENV_CASES = {
    'env_pid_dotdot': ({'OS_AUTH_TOKEN': TOKEN, 'OS_PROJECT_ID': 'a/../b'}, 'project_id'),
    'env_pid_newline': ({'OS_AUTH_TOKEN': TOKEN, 'OS_PROJECT_ID': 'abc\n'}, 'project_id'),
    'env_token_space': ({'OS_AUTH_TOKEN': ' ' + ENV_TOKEN_SECRET, 'OS_PROJECT_ID': PROJECT_ID}, 'token'),
    'env_security_token_newline': ({'OS_ACCESS_KEY': 'AKHOSTILE00000000001', 'OS_SECRET_KEY': ENV_SK_SECRET,
                                    'OS_SECURITY_TOKEN': ENV_SECURITY_SECRET + '\n', 'OS_PROJECT_ID': PROJECT_ID},
                                   'security_token'),
}


@pytest.fixture(scope='module')
def env_runs(tmp_path_factory):
    directory = tmp_path_factory.mktemp('env')
    with hostile.HostileServer() as srv:
        srv.route('/c/*', hostile.echo(403))

        def runner(case):
            env = ENV_CASES[case][0]
            return lambda: dump(case, run_playbook(_env_tasks(srv, case), directory=str(directory / case), env=env,
                                                   extra_args=['-vvv']))
        for case in ENV_CASES:
            (directory / case).mkdir()
        cases = sorted(ENV_CASES)
        runs = dict(zip(cases, parallel(*[runner(case) for case in cases])))
        srv.wait_idle()
        yield {'runs': runs, 'sent': case_paths(srv), 'seen': srv.seen_text()}


def _check_env_case(env_runs, case):
    run = env_runs['runs'][case]
    option = ENV_CASES[case][1]
    for name in ('env info', 'env wait'):
        msg = failed(run, name)['msg']
        assert names(msg, option) or names(msg, 'OS_' + option.upper()), (case, name, msg)
    msg = failed(run, 'env lookup')['msg']
    assert names(msg, option) or names(msg, 'OS_' + option.upper()), (case, 'lookup', msg)
    assert case not in env_runs['sent'], '%s: a request was sent' % case


def test_bad_project_id_from_environment_is_refused(env_runs):
    _check_env_case(env_runs, 'env_pid_dotdot')
    _check_env_case(env_runs, 'env_pid_newline')


def test_malformed_token_and_security_token_from_environment_refused_unprinted(env_runs):
    _check_env_case(env_runs, 'env_token_space')
    _check_env_case(env_runs, 'env_security_token_newline')
    for case in ('env_token_space', 'env_security_token_newline'):
        run = env_runs['runs'][case]
        assert len(run.output) > 2000
        assert_no_secret(run, [ENV_TOKEN_SECRET, ENV_SK_SECRET, ENV_SECURITY_SECRET])
    assert ENV_TOKEN_SECRET not in env_runs['seen'] and ENV_SECURITY_SECRET not in env_runs['seen']


# === 2. deadlines: drips, silence, stalls, endless 429 =============================================================

API_TIMEOUT = 2
SLACK = 2.0  # seconds of scheduling noise on a busy 2-core machine, on top of the measured task overhead


@pytest.fixture(scope='module')
def deadlines(tmp_path_factory):
    """Three playbooks at once (their tasks mostly wait), each with a warm-up and a baseline task."""
    directory = tmp_path_factory.mktemp('deadlines')
    with hostile.HostileServer() as srv:
        srv.on_job('dl-ok', hostile.job())
        srv.on_job('drip-length', hostile.drip(framing='length', budget=20))
        srv.on_job('drip-chunked', hostile.drip(framing='chunked', budget=20))
        srv.on_job('drip-head', hostile.drip(head=True, budget=20))
        srv.on_job('drip-long', hostile.drip(framing='long', budget=20))
        srv.on_job('silent', hostile.silence(budget=20))
        srv.on_job('stalled', hostile.stall(budget=20))
        srv.on_job('ra-1000', hostile.retry_after('1000'))
        srv.on_job('ra-date', hostile.retry_after('Fri, 01 Jan 2100 00:00:00 GMT'))
        srv.on_job('wait-drip', hostile.drip(framing='length', budget=30, minimum=200))
        srv.on_job('ra-nan', hostile.retry_after('nan'))
        srv.on_job('ra-negative', hostile.retry_after('-1'))
        srv.on_iam(hostile.silence(budget=20), prefix='/iam-silent')
        srv.on_iam(hostile.drip(budget=20), prefix='/iam-drip')

        def info(name, job_id, **extra):
            args = dict(service='elb', job_id=job_id, endpoint=srv.url, auth=token_auth(), api_timeout=API_TIMEOUT)
            args.update(extra)
            return task(name, 'job_info', cap=30, **args)
        head = info('warm-up', 'dl-ok') + info('baseline', 'dl-ok')
        plays = {
            'a': head + info('drip length', 'drip-length') + info('drip chunked', 'drip-chunked')
            + info('drip head', 'drip-head'),
            'b': head + info('drip long', 'drip-long') + info('silence', 'silent') + info('stall', 'stalled')
            + info('iam silence', 'iam-case-job', auth=pw_auth(srv.url + '/iam-silent/v3'), token_cache=False),
            'c': head + info('retry-after 1000', 'ra-1000') + info('retry-after date', 'ra-date')
            + info('iam drip', 'iam-case-job', auth=pw_auth(srv.url + '/iam-drip/v3'), token_cache=False)
            + task('wait drip', 'job_wait', cap=45, service='elb', job_id='wait-drip', endpoint=srv.url,
                   auth=token_auth(), timeout=5, api_timeout=3)
            + ''.join(task('wait %s' % job_id, 'job_wait', cap=45, service='elb', job_id=job_id, endpoint=srv.url,
                           auth=token_auth(), timeout=3, api_timeout=2, sleep=0.2, max_sleep=1)
                      for job_id in ('ra-nan', 'ra-negative')),
        }
        for key in plays:
            (directory / key).mkdir()
        keys = sorted(plays)
        runs = parallel(*[(lambda key=key: dump('deadlines-' + key, run_playbook(plays[key], directory=str(directory / key))))
                          for key in keys])
        srv.wait_idle(15)
        yield {'runs': dict(zip(keys, runs)), 'srv': srv}


def _bounded_info(deadlines, play, name, job_id=None):
    run = deadlines['runs'][play]
    baseline = took(assert_ok(run, 'baseline'))
    result = failed(run, name)
    bound = 2 * API_TIMEOUT + baseline + SLACK
    assert took(result) < bound, '%s took %.1f s, more than 2 x api_timeout %s + overhead %.1f s + %.0f: %s' % (
        name, took(result), API_TIMEOUT, baseline, SLACK, result['msg'])
    if job_id:
        assert job_id in result['msg'], result['msg']
        assert deadlines['srv'].requests_for(job_id=job_id), 'the case never reached the server'
    return result


def test_job_info_against_a_drip_ends_within_twice_api_timeout(deadlines):
    for name, job_id in (('drip length', 'drip-length'), ('drip chunked', 'drip-chunked'), ('drip head', 'drip-head'),
                         ('drip long', 'drip-long')):
        play = 'b' if name == 'drip long' else 'a'
        result = _bounded_info(deadlines, play, name, job_id)
        assert 'time' in result['msg'].lower(), result['msg']  # says it ran out of time (api_timeout)
        for entry in deadlines['srv'].requests_for(job_id=job_id):
            assert not entry['completed'], (name, 'the client read the whole drip', entry['end'] - entry['time'])


def test_job_info_against_silence_and_a_stall_ends_within_twice_api_timeout(deadlines):
    for name, job_id in (('silence', 'silent'), ('stall', 'stalled')):
        result = _bounded_info(deadlines, 'b', name, job_id)
        assert 'time' in result['msg'].lower(), result['msg']
        assert all(entry['client_gone'] for entry in deadlines['srv'].requests_for(job_id=job_id))


def test_job_info_against_silent_or_dripping_iam_is_bounded(deadlines):
    result = _bounded_info(deadlines, 'b', 'iam silence')
    assert 'iam' in result['msg'].lower(), result['msg']
    result = _bounded_info(deadlines, 'c', 'iam drip')
    assert 'iam' in result['msg'].lower(), result['msg']
    srv = deadlines['srv']
    assert srv.requests_for(prefix='/iam-silent', method='POST') and srv.requests_for(prefix='/iam-drip', method='POST')
    assert not srv.requests_for(job_id='iam-case-job')  # no job GET without a token


def test_job_info_against_endless_429_with_a_long_retry_after_ends_at_once(deadlines):
    for name, job_id in (('retry-after 1000', 'ra-1000'), ('retry-after date', 'ra-date')):
        result = _bounded_info(deadlines, 'c', name, job_id)
        msg = result['msg']
        assert '429' in msg and re.search(r'retry[- ]after', msg, re.IGNORECASE), msg
        assert result.get('status_code') == 429, result


def test_job_wait_against_a_drip_ends_within_timeout_and_one_api_timeout(deadlines):
    run = deadlines['runs']['c']
    result = failed(run, 'wait drip')
    assert took(result) < 15, 'job_wait with timeout 5, api_timeout 3 took %.1f s: %s' % (took(result), result['msg'])
    assert 'wait-drip' in result['msg'], result['msg']
    entries = deadlines['srv'].requests_for(job_id='wait-drip')
    assert entries and not any(entry['completed'] for entry in entries)


def test_job_wait_against_odd_retry_after_values_neither_crashes_nor_storms(deadlines):
    run = deadlines['runs']['c']
    baseline = took(assert_ok(run, 'baseline'))
    for job_id in ('ra-nan', 'ra-negative'):
        result = failed(run, 'wait ' + job_id)
        assert 'timed out' in result['msg'] and job_id in result['msg'], result['msg']
        assert took(result) < 3 + 2 + baseline + SLACK, (job_id, took(result))
        gets = len(deadlines['srv'].requests_for(job_id=job_id))
        assert 2 <= gets < 60, (job_id, '%d GETs in 3 s' % gets)


# === 3. size and decoding =========================================================================================

SIZE_JOBS = {
    'huge length': ('huge-cl', hostile.huge(framing='length')),
    'huge chunked': ('huge-chunked', hostile.huge(framing='chunked')),
    'huge close': ('huge-close', hostile.huge(framing='close')),
    'huge error': ('huge-400', hostile.huge(status=400)),
    'gzip bomb': ('gzip-bomb', hostile.gzip_bomb()),
    'deep json': ('deep-json', hostile.deep_json()),
    'deep error': ('deep-400', hostile.deep_json(status=400)),
    'invalid utf-8': ('bad-utf8', hostile.invalid_utf8()),
}


@pytest.fixture(scope='module')
def sizes(tmp_path_factory):
    directory = tmp_path_factory.mktemp('sizes')
    with hostile.HostileServer() as srv:
        srv.on_job('size-ok', hostile.job())
        srv.on_job('deep-wait', hostile.deep_json())
        for name, (job_id, behaviour) in SIZE_JOBS.items():
            srv.on_job(job_id, behaviour)
        common = dict(service='elb', endpoint=srv.url, auth=token_auth(), api_timeout=10)
        baseline = task('baseline', 'job_info', cap=120, job_id='size-ok', **common)
        tasks = baseline + ''.join(task(name, 'job_info', cap=120, job_id=job_id, **common)
                                   for name, (job_id, dummy) in SIZE_JOBS.items())
        deep = dict(common)
        deep['api_timeout'] = 2
        tasks += task('deep wait', 'job_wait', cap=120, job_id='deep-wait', timeout=3, sleep=0.5, max_sleep=1, **deep)
        base_run, run = parallel(lambda: dump('sizes-base', run_measured(baseline, directory / 'base')),
                                 lambda: dump('sizes', run_measured(tasks, directory / 'sizes')))
        srv.wait_idle(15)
        yield {'base': base_run, 'run': run, 'srv': srv}


def test_bodies_over_8_mib_are_refused_with_a_clear_error(sizes):
    run = sizes['run']
    for name in ('huge length', 'huge chunked', 'huge close', 'gzip bomb'):
        result = failed(run, name)
        job_id = SIZE_JOBS[name][0]
        assert job_id in result['msg'], (name, result['msg'])
        assert MIB_LIMIT.search(result['msg']), (name, 'no mention of the 8 MiB limit', result['msg'])
        assert len(json.dumps(result)) < 20000, (name, len(json.dumps(result)))
        assert sizes['srv'].requests_for(job_id=job_id), name
    result = failed(run, 'huge error')  # an error body is no exception to the limit
    assert len(json.dumps(result)) < 20000
    assert 'MemoryError' not in run.output


def test_huge_and_inflating_bodies_do_not_balloon_memory(sizes):
    base, run = sizes['base'], sizes['run']
    assert_ok(base, 'baseline')
    assert_ok(run, 'baseline')
    grown = (run.peak_kib - base.peak_kib) / 1024.0
    # reading 8 MiB plus a little is fine; reading a 50 MiB body or inflating 128 MiB is not
    assert grown < 40, 'peak RSS grew by %.0f MiB over a plain run (%.0f vs %.0f MiB)' % (
        grown, run.peak_kib / 1024.0, base.peak_kib / 1024.0)


def test_deeply_nested_json_is_an_invalid_answer_not_a_traceback(sizes):
    run = sizes['run']
    for name in ('deep json', 'deep error'):
        result = failed(run, name)
        assert SIZE_JOBS[name][0] in result['msg'], (name, result['msg'])
        assert 'RecursionError' not in json.dumps(result) and 'recursion' not in result['msg'].lower(), result['msg']
    assert 'RecursionError' not in run.output
    result = failed(run, 'deep wait')  # retried as transient until the timeout
    assert 'timed out' in result['msg'] and 'deep-wait' in result['msg'], result['msg']
    assert len(sizes['srv'].requests_for(job_id='deep-wait')) >= 2, 'not retried'


def test_invalid_utf8_is_a_clear_error(sizes):
    result = failed(sizes['run'], 'invalid utf-8')
    msg = result['msg']
    assert 'bad-utf8' in msg and re.search(r'utf-?8', msg, re.IGNORECASE), msg
    assert 'UnicodeDecodeError' not in msg


# === 4. redirects, answers for another job, failed sub-jobs, odd shapes, 401 loops ================================

ODD_SHAPES = {
    'shape-list': ([], 'fail'),
    'shape-string': ('SUCCESS', 'fail'),
    'shape-null': (None, 'fail'),
    'shape-cfw-data-list': ({'data': []}, 'fail'),
    'shape-status-list': (lambda ex: hostile.elb_job_body(ex.job_id, ['SUCCESS']), 'not-success'),
    'shape-status-null': (lambda ex: hostile.elb_job_body(ex.job_id, None), 'not-success'),
    'shape-types': (lambda ex: hostile.elb_job_body(ex.job_id, 'SUCCESS', sub_jobs={'a': 1}, entities='x', job_type=5,
                                                    begin_time={'x': 1}, end_time=[1], error_code=[], fail_reason={}),
                    'any'),
    'shape-sub-types': (lambda ex: hostile.elb_job_body(ex.job_id, 'SUCCESS', sub_jobs=[1, 'x', None, [], {'status': 7}]),
                        'any'),
}
SUB_ID, SUB_CODE, SUB_REASON = 'sub-bad-7f1', 'ELB.7001', 'listener port 80 is in use'
IAM_REDIRECT_PASSWORD = 'IAM-REDIRECT-PASSWORD-61ab'


@pytest.fixture(scope='module')
def answers(tmp_path_factory):
    directory = tmp_path_factory.mktemp('answers')
    with hostile.HostileServer() as srv, hostile.HostileServer(name='target') as target, \
            PrivateEmulator() as emu:
        for code in (301, 302, 307, 308):
            srv.on_job('r%d' % code, hostile.redirect(code, '%s/steal/r%d?token=abc' % (target.url, code)))
        srv.on_iam(hostile.redirect(307, target.url + '/steal/iam?x=1'), prefix='/iam-redirect')
        srv.on_job('asked-a', hostile.other_job('answer-b'))
        srv.on_job('asked-c', hostile.other_job('answer-d'))
        srv.on_job('asked-e', hostile.other_job('answer-f'))
        srv.on_job('parent-1', hostile.subjob_failed(SUB_ID, SUB_CODE, SUB_REASON))
        srv.on_job('always-401', hostile.status_answer(401, {'error_code': 'APIGW.0307', 'error_msg': 'The token expires.'}))
        srv.on_job('aksk-401', hostile.status_answer(401, {'error_code': 'APIGW.0301', 'error_msg': 'verify aksk signature fail'}))
        srv.on_iam(hostile.iam_token(project_id='../../x'), prefix='/iam-evil-project')
        catalog = [{'type': 'elb', 'name': 'elb', 'endpoints': [{
            'interface': 'public', 'region': 'eu-de', 'region_id': 'eu-de',
            'url': '%s/c/catalog_query/v1.0/$(tenant_id)s?x=1' % srv.url}]}]
        srv.on_iam(hostile.iam_token(catalog=catalog), prefix='/iam-evil-catalog')
        srv.on_job('header-flood', hostile.header_flood())
        srv.on_job('bad-status-line', hostile.raw(b'HTTP/1.1 abc Whatever\r\n\r\n'))
        for job_id, (payload, dummy) in ODD_SHAPES.items():
            srv.on_job(job_id, hostile.status_answer(200, payload if callable(payload) else json.dumps(payload)))

        def info(name, job_id, service='elb', **extra):
            args = dict(service=service, job_id=job_id, endpoint=srv.url, auth=token_auth(), api_timeout=2)
            args.update(extra)
            return task(name, 'job_info', cap=45, **dict((k, v) for k, v in args.items() if v is not None))

        def wait(name, job_id, service='elb', **extra):
            args = dict(service=service, endpoint=srv.url, auth=token_auth(), timeout=3, sleep=0.3, max_sleep=1,
                        api_timeout=2)
            args.update(extra)
            if 'job_ids' not in args:
                args['job_id'] = job_id
            return task(name, 'job_wait', cap=45, **args)

        tasks = ''.join(info('redirect %d' % code, 'r%d' % code) for code in (301, 302, 307, 308))
        tasks += info('iam redirect', 'never-1', token_cache=False,
                      auth=pw_auth(srv.url + '/iam-redirect/v3', password=IAM_REDIRECT_PASSWORD))
        tasks += info('other job info', 'asked-a') + wait('other job wait', 'asked-a')
        tasks += info('other job cfw', 'asked-c', service='cfw')
        tasks += wait('other job in a list', None, job_ids=['asked-e', 'parent-1'])
        tasks += info('sub-job info', 'parent-1') + wait('sub-job wait', 'parent-1')
        tasks += wait('401 loop', 'always-401', timeout=20, token_cache=False, auth=emulator_pw_auth(emu))
        tasks += wait('aksk 401', 'aksk-401', timeout=20,
                      auth={'ak': 'AKHOSTILE00000000001', 'sk': 'sk-hostile-0000000000000000', 'project_id': PROJECT_ID})
        tasks += info('iam evil project', 'evil-project-job', token_cache=False,
                      auth=pw_auth(srv.url + '/iam-evil-project/v3', project_name=emu_mod.PROJECT_NAME))
        tasks += info('iam evil catalog', 'evil-catalog-job', token_cache=False, endpoint=None,
                      auth=pw_auth(srv.url + '/iam-evil-catalog/v3'))
        tasks += info('header flood', 'header-flood') + info('bad status line', 'bad-status-line')
        tasks += ''.join(info(job_id, job_id, service='cfw' if 'cfw' in job_id else 'elb') for job_id in ODD_SHAPES)
        run = dump('answers', run_playbook(tasks, directory=str(directory)))
        srv.wait_idle()
        yield {'run': run, 'srv': srv, 'target': target, 'emu_stats': emu.stats()}


def test_redirects_are_never_followed_and_name_status_and_origin(answers):
    run, target = answers['run'], answers['target']
    for code in (301, 302, 307, 308):
        msg = failed(run, 'redirect %d' % code)['msg']
        assert str(code) in msg and target.url in msg, (code, msg)
        assert '/steal' not in msg and 'token=abc' not in msg, (code, msg)
        assert answers['srv'].requests_for(job_id='r%d' % code), code
    msg = failed(run, 'iam redirect')['msg']
    assert '307' in msg and target.url in msg and '/steal' not in msg, msg
    assert answers['srv'].requests_for(prefix='/iam-redirect', method='POST')
    assert target.requests == [] and target.connections == 0, [entry['target'] for entry in target.requests]
    assert IAM_REDIRECT_PASSWORD not in run.output and IAM_REDIRECT_PASSWORD not in json.dumps(run.results)


def test_an_answer_for_another_job_is_refused(answers):
    run = answers['run']
    for name, asked, answered in (('other job info', 'asked-a', 'answer-b'), ('other job wait', 'asked-a', 'answer-b'),
                                  ('other job cfw', 'asked-c', 'answer-d'), ('other job in a list', 'asked-e', 'answer-f')):
        result = failed(run, name)
        msg = result['msg']
        assert 'asked for job %s' % asked in msg and 'answered for job %s' % answered in msg, (name, msg)
        reported = [result.get('job')] + list(result.get('jobs') or [])
        for job in reported:
            if job and job.get('id') == asked:
                assert not job.get('finished') and not job.get('succeeded'), (name, job)
        assert answers['srv'].requests_for(job_id=asked), name


def test_a_succeeded_job_with_a_failed_sub_job_succeeds_with_one_warning(answers):
    run = answers['run']
    for name in ('sub-job info', 'sub-job wait'):
        result = assert_ok(run, name)
        assert result['job']['state'] == 'success' and result['job']['succeeded'] is True, (name, result['job'])
        warnings = result.get('warnings') or []
        assert len(warnings) == 1, (name, warnings)
        for part in (SUB_ID, SUB_CODE, SUB_REASON):
            assert part in warnings[0], (name, part, warnings[0])
        assert 'subjob-ok-1' not in warnings[0]
    # the same job inside a list that fails for another reason is still reported as succeeded
    jobs = run.task('other job in a list').get('jobs') or []
    assert [job['succeeded'] for job in jobs if job and job.get('id') == 'parent-1'] in ([], [True]), jobs


def test_a_repeated_401_reauthenticates_once_and_aksk_401_fails_at_once(answers):
    run = answers['run']
    result = failed(run, '401 loop')
    assert '401' in result['msg'] and 'always-401' in result['msg'], result['msg']
    assert took(result) < 10, took(result)
    assert len(answers['srv'].requests_for(job_id='always-401')) == 2
    assert answers['emu_stats']['iam_calls'] == 2, answers['emu_stats']
    result = failed(run, 'aksk 401')
    assert '401' in result['msg'], result['msg']
    assert len(answers['srv'].requests_for(job_id='aksk-401')) == 1


def test_a_hostile_project_id_from_iam_never_reaches_a_url(answers):
    result = failed(answers['run'], 'iam evil project')
    assert 'project' in result['msg'], result['msg']
    assert answers['srv'].requests_for(prefix='/iam-evil-project', method='POST')
    assert not answers['srv'].requests_for(job_id='evil-project-job')
    assert not [entry for entry in answers['srv'].requests if '..' in entry['path']]


def test_a_catalog_url_with_a_query_is_refused(answers):
    result = failed(answers['run'], 'iam evil catalog')
    assert 'endpoint' in result['msg'] or 'catalog' in result['msg'], result['msg']
    assert answers['srv'].requests_for(prefix='/iam-evil-catalog', method='POST')
    assert not answers['srv'].requests_for(prefix='/c/catalog_query'), 'a request went to the catalog URL'


def test_broken_heads_and_odd_shapes_never_raise_a_traceback(answers):
    run = answers['run']
    for name in ('header flood', 'bad status line'):
        failed(run, name)
    for job_id, (dummy, expected) in ODD_SHAPES.items():
        result = run.task(job_id)
        assert TRACEBACK not in json.dumps(result) and 'module_stderr' not in result, (job_id, result)
        if expected == 'fail':
            assert failed(run, job_id)['msg'] and job_id in result['msg'], (job_id, result['msg'])
        elif expected == 'not-success' and result['_status'] == 'ok':
            assert result['job']['succeeded'] is False and result['job']['finished'] is False, (job_id, result['job'])
        assert answers['srv'].requests_for(job_id=job_id), job_id
    assert TRACEBACK not in run.output


# === 5. secrets are never printed ===================================================================================

STATIC_SECRET = 'SECRETS-STATIC-TOKEN-7d41'
SK_SECRET = 'SECRETS-SK-2b77e0aa'
SECURITY_SECRET = 'SECRETS-SECURITY-TOKEN-91aa'
IAM_ECHO_PASSWORD = 'SECRETS-IAM-ECHO-PW-5e0f'
CLOUD_DICT_PASSWORD = 'SECRETS-CLOUD-DICT-PW-0c3b'
UNUSED_PASSWORD = 'SECRETS-UNUSED-PW-37aa'
BAD_TOKEN_NEWLINE = 'SECRETS-BADTOKEN-NL-31'
BAD_TOKEN_SPACE = 'SECRETS-BADTOKEN-SP-32'
BAD_TOKEN_CRLF = 'SECRETS-BADTOKEN-CRLF-33'
BAD_SECURITY_NEWLINE = 'SECRETS-BADSEC-NL-34'
CLOUDS_BAD_TOKEN = 'SECRETS-CY-TOKEN-35'
CLOUDS_BAD_SECURITY = 'SECRETS-CY-SEC-36'
SECRETS = [emu_mod.USER_PASSWORD, STATIC_SECRET, SK_SECRET, SECURITY_SECRET, IAM_ECHO_PASSWORD, CLOUD_DICT_PASSWORD,
           UNUSED_PASSWORD, BAD_TOKEN_NEWLINE, BAD_TOKEN_SPACE, BAD_TOKEN_CRLF, BAD_SECURITY_NEWLINE, CLOUDS_BAD_TOKEN,
           CLOUDS_BAD_SECURITY]
REFUSED_SECRET_CASES = {
    # case: option the message must name
    'bad_token_newline': 'token', 'bad_token_space': 'token', 'bad_token_crlf': 'token',
    'bad_security_newline': 'security_token', 'clouds_bad_token': 'token', 'clouds_bad_security': 'security_token',
}


@pytest.fixture(scope='module')
def secrets_run(tmp_path_factory):
    directory = tmp_path_factory.mktemp('secrets')
    clouds_file = str(directory / 'clouds.yaml')
    with hostile.HostileServer() as srv, PrivateEmulator() as emu:
        srv.on_job('echo-ok', hostile.echo(job_status='SUCCESS'))
        srv.on_job('echo-unknown', hostile.echo())
        srv.on_job('echo-fail', hostile.echo(job_status='FAIL'))
        srv.on_job('echo-400', hostile.echo(400))
        srv.on_job('echo-401', hostile.echo(401))
        srv.on_iam(hostile.iam_echo(401), prefix='/iam401')
        srv.on_iam(hostile.iam_echo(400), prefix='/iam400')
        with open(clouds_file, 'w') as handle:
            yaml.safe_dump({'clouds': {
                'bad_token': {'auth': {'token': CLOUDS_BAD_TOKEN + '\n', 'project_id': PROJECT_ID}},
                'bad_security': {'auth': {'ak': 'AKHOSTILE00000000001', 'sk': SK_SECRET, 'project_id': PROJECT_ID},
                                 'security_token': ' ' + CLOUDS_BAD_SECURITY},
            }}, handle)
        static = token_auth(STATIC_SECRET)
        aksk = {'ak': 'AKHOSTILE00000000001', 'sk': SK_SECRET, 'security_token': SECURITY_SECRET, 'project_id': PROJECT_ID}
        password = emulator_pw_auth(emu)

        def info(name, job_id, auth, **extra):
            return task(name, 'job_info', cap=30, service='elb', job_id=job_id, endpoint=srv.url, auth=auth, **extra)

        def wait(name, job_id, auth, **extra):
            args = dict(service='elb', job_id=job_id, endpoint=srv.url, auth=auth, timeout=2, sleep=0.5, max_sleep=1)
            args.update(extra)
            return task(name, 'job_wait', cap=30, **args)

        def refused(case, auth=None, **extra):
            args = dict(service='elb', job_id='never', endpoint='%s/c/%s' % (srv.url, case))
            if auth is not None:
                args['auth'] = auth
            args.update(extra)
            return task(case, 'job_info', cap=30, **args)

        tasks = (
            info('pw echo', 'echo-ok', password) + info('pw echo unknown status', 'echo-unknown', password)
            + info('pw echo 400', 'echo-400', password) + info('pw echo 401', 'echo-401', password)
            + wait('pw echo fail', 'echo-fail', password) + wait('pw echo unknown wait', 'echo-unknown', password)
            + info('token echo', 'echo-ok', static) + info('token echo 400', 'echo-400', static)
            + wait('token echo fail', 'echo-fail', static)
            + info('aksk echo', 'echo-ok', aksk) + info('aksk echo 400', 'echo-400', aksk)
            + wait('aksk echo unknown wait', 'echo-unknown', aksk)
            + lookup_task('lookup echo', 'echo-ok', cap=30, service='elb', endpoint=srv.url, auth=static)
            + lookup_task('lookup echo 400', 'echo-400', cap=30, service='elb', endpoint=srv.url, auth=static)
            + info('iam echo 401', 'never', pw_auth(srv.url + '/iam401/v3', IAM_ECHO_PASSWORD), token_cache=False)
            + wait('iam echo 400', 'never', pw_auth(srv.url + '/iam400/v3', IAM_ECHO_PASSWORD), token_cache=False)
            + lookup_task('lookup iam echo', 'never', cap=30, service='elb', endpoint=srv.url, token_cache=False,
                          auth=pw_auth(srv.url + '/iam401/v3', IAM_ECHO_PASSWORD))
            + task('cloud dict', 'job_info', cap=30, service='elb', job_id='never', endpoint=srv.url, token_cache=False,
                   cloud={'auth': pw_auth(srv.url + '/iam401/v3', CLOUD_DICT_PASSWORD), 'region_name': 'eu-de'})
            + info('unused password', 'echo-ok', dict(static, username='someone', password=UNUSED_PASSWORD),
                   auth_type='token')
            + refused('bad_token_newline', token_auth(BAD_TOKEN_NEWLINE + '\n'))
            + refused('bad_token_space', token_auth(' ' + BAD_TOKEN_SPACE))
            + refused('bad_token_crlf', token_auth(BAD_TOKEN_CRLF + '\r\nX-Injected: 1'))
            + refused('bad_security_newline', dict(aksk, security_token=BAD_SECURITY_NEWLINE + '\n'))
            + refused('clouds_bad_token', cloud='bad_token')
            + refused('clouds_bad_security', cloud='bad_security')
        )
        run = dump('secrets', run_playbook(tasks, directory=str(directory), extra_args=['-vvv'],
                                           env={'OS_CLIENT_CONFIG_FILE': clouds_file}))
        srv.wait_idle()
        issued = sorted(set(entry['header'].get('x-auth-token') for entry in srv.requests
                            if entry['header'].get('x-auth-token', '').startswith('MII')))
        yield {'run': run, 'srv': srv, 'issued': issued, 'emu_stats': emu.stats()}


def test_secrets_echoed_by_the_api_are_never_printed_or_returned(secrets_run):
    run, srv, issued = secrets_run['run'], secrets_run['srv'], secrets_run['issued']
    assert len(run.output) > 20000  # -vvv really was verbose
    # the attack really happened: the echo server got each credential it then put back
    assert issued, 'no IAM-issued token reached the echo server'
    seen = srv.seen_text()
    for secret in (STATIC_SECRET, SECURITY_SECRET, IAM_ECHO_PASSWORD):
        assert secret in seen, secret
    assert_no_secret(run, SECRETS + issued)
    for name in ('pw echo', 'token echo', 'aksk echo', 'unused password'):
        result = assert_ok(run, name)
        assert result['job']['id'] == 'echo-ok' and result['job']['state'] == 'success', name
    result = assert_ok(run, 'pw echo unknown status')
    assert result['job']['state'] == 'unknown' and len(result.get('warnings') or []) == 1, result.get('warnings')
    assert_ok(run, 'lookup echo')
    for name in ('pw echo 400', 'token echo 400', 'aksk echo 400'):
        assert 'ECHO.400' in failed(run, name)['msg'], name
    for name in ('pw echo 401', 'pw echo fail', 'pw echo unknown wait', 'token echo fail', 'aksk echo unknown wait',
                 'lookup echo 400'):
        failed(run, name)
    assert 'echo-fail' in run.task('pw echo fail')['msg']


def test_an_iam_echoing_the_password_never_gets_it_printed(secrets_run):
    run = secrets_run['run']
    for name in ('iam echo 401', 'iam echo 400', 'lookup iam echo', 'cloud dict'):
        result = failed(run, name)
        assert 'iam' in result['msg'].lower() or 'IAM' in result['msg'], (name, result['msg'])
    assert_no_secret(run, [IAM_ECHO_PASSWORD, CLOUD_DICT_PASSWORD])
    # the password did reach that IAM (the test is not vacuous), in each of the four attempts
    posts = secrets_run['srv'].requests_for(method='POST')
    assert sum(1 for entry in posts if IAM_ECHO_PASSWORD.encode() in entry['body']) >= 3
    assert sum(1 for entry in posts if CLOUD_DICT_PASSWORD.encode() in entry['body']) >= 1


def test_malformed_tokens_are_refused_without_being_printed(secrets_run):
    run = secrets_run['run']
    for case, option in REFUSED_SECRET_CASES.items():
        msg = failed(run, case)['msg']
        assert names(msg, option), (case, msg)
    sent = case_paths(secrets_run['srv'])
    assert not [case for case in REFUSED_SECRET_CASES if case in sent], sent
    seen = secrets_run['srv'].seen_text()
    for secret in (BAD_TOKEN_NEWLINE, BAD_TOKEN_SPACE, BAD_TOKEN_CRLF, BAD_SECURITY_NEWLINE, CLOUDS_BAD_TOKEN,
                   CLOUDS_BAD_SECURITY):
        assert secret not in seen, secret
    assert_no_secret(run, [BAD_TOKEN_NEWLINE, BAD_TOKEN_SPACE, BAD_TOKEN_CRLF, BAD_SECURITY_NEWLINE, CLOUDS_BAD_TOKEN,
                           CLOUDS_BAD_SECURITY])


# === 6. token cache ===============================================================================================

def test_a_warm_cache_never_accepts_a_wrong_password(emulator, playbook):
    job = emulator.create_job('elb', duration=0)['job_id']
    wrong = 'WRONG-PASSWORD-SECRET-71c2'
    tasks = (task('warm', 'job_info', service='elb', job_id=job, auth=emulator_pw_auth(emulator))
             + task('wrong password', 'job_info', service='elb', job_id=job, auth=emulator_pw_auth(emulator, password=wrong))
             + task('wrong password wait', 'job_wait', service='elb', job_id=job,
                    auth=emulator_pw_auth(emulator, password=wrong))
             + task('right again', 'job_info', service='elb', job_id=job, auth=emulator_pw_auth(emulator)))
    run = playbook(tasks)
    assert assert_ok(run, 'warm')['job']['id'] == job
    for name in ('wrong password', 'wrong password wait'):
        msg = failed(run, name)['msg']
        assert msg.startswith('IAM refused the password for user demo') and '401' in msg, (name, msg)
    assert assert_ok(run, 'right again')['job']['id'] == job
    stats = emulator.stats()
    iam_answers = [entry['status'] for entry in stats['requests'] if entry['route'] == 'iam']
    assert iam_answers[:3] == [201, 401, 401], iam_answers  # each wrong password went to IAM and failed there
    assert stats['job_gets'][job] == 2, stats['job_gets']  # only the right passwords read the job
    assert wrong not in run.output and wrong not in json.dumps(run.results)


def test_a_symlinked_cache_directory_is_not_followed(emulator, playbook, tmp_path):
    job = emulator.create_job('elb', duration=0)['job_id']
    elsewhere = tmp_path / 'elsewhere'
    elsewhere.mkdir()
    os.chmod(str(elsewhere), 0o755)
    (tmp_path / 'cache').mkdir()
    os.symlink(str(elsewhere), str(tmp_path / 'cache' / 'otc.jobs'))
    tasks = ''.join(task('t%d' % i, 'job_info', service='elb', job_id=job, auth=emulator_pw_auth(emulator))
                    for i in range(2))
    run = playbook(tasks)
    for i in range(2):
        assert_ok(run, 't%d' % i)  # a cache it cannot use is no reason to fail
    assert stat.S_IMODE(os.stat(str(elsewhere)).st_mode) == 0o755, oct(os.stat(str(elsewhere)).st_mode)
    assert os.listdir(str(elsewhere)) == [], os.listdir(str(elsewhere))
    assert emulator.stats()['iam_calls'] >= 1


_SWAP_FOR_SYMLINKS = r'''
import os, shutil, sys
cache, targets = sys.argv[1], sys.argv[2]
os.makedirs(targets)
for name in sorted(os.listdir(cache)):
    path = os.path.join(cache, name)
    if os.path.isfile(path) and not os.path.islink(path):
        target = os.path.join(targets, name)
        shutil.copy2(path, target)
        os.chmod(target, 0o600)
        os.remove(path)
        os.symlink(target, path)
        print(name)
'''


def test_a_symlinked_cache_file_is_neither_read_nor_written_through(emulator, playbook, tmp_path):
    job = emulator.create_job('elb', duration=0)['job_id']
    cache = tmp_path / 'cache' / 'otc.jobs'
    targets = tmp_path / 'targets'
    swap = ('- name: swap\n  ansible.builtin.command:\n    argv: %s\n'
            % json.dumps([sys.executable, '-c', _SWAP_FOR_SYMLINKS, str(cache), str(targets)]))
    tasks = (task('warm', 'job_info', service='elb', job_id=job, auth=emulator_pw_auth(emulator))
             + swap + task('through a symlink', 'job_info', service='elb', job_id=job, auth=emulator_pw_auth(emulator)))
    run = playbook(tasks)
    assert_ok(run, 'warm')
    swapped = assert_ok(run, 'swap')['stdout'].split()
    assert swapped, 'the first task left no cache file'
    before = dict((name, (targets / name).read_bytes()) for name in swapped)
    assert_ok(run, 'through a symlink')
    assert emulator.stats()['iam_calls'] == 2, 'the token cached behind a symlink was used'
    for name in swapped:
        assert (targets / name).read_bytes() == before[name], '%s was written through its symlink' % name
        assert stat.S_IMODE(os.stat(str(targets / name)).st_mode) == 0o600


# === 7. TLS ======================================================================================================

def test_tls_options_win_over_the_ca_bundle_environment(certs, tmp_path):
    with hostile.HostileServer(tls=(certs['cert'], certs['key'])) as srv:
        srv.on_jobs(hostile.job())
        common = dict(service='elb', endpoint=srv.url, auth=token_auth())
        tasks = (task('insecure info', 'job_info', cap=30, job_id='tls-1', validate_certs=False, **common)
                 + task('insecure wait', 'job_wait', cap=30, job_ids=['tls-2', 'tls-3', 'tls-4'], validate_certs=False,
                        **common)
                 + task('verify alias false', 'job_info', cap=30, job_id='tls-5', verify=False, **common)
                 + task('ca_cert', 'job_info', cap=30, job_id='tls-6', ca_cert=certs['cert'], **common)
                 + task('missing ca_cert', 'job_info', cap=30, job_id='tls-7', ca_cert=str(tmp_path / 'no' / 'ca.pem'),
                        **common)
                 + task('default verification', 'job_info', cap=30, job_id='tls-8', **common))
        env = {'REQUESTS_CA_BUNDLE': certs['other_ca'], 'CURL_CA_BUNDLE': certs['other_ca']}
        run = dump('tls', run_playbook(tasks, directory=str(tmp_path), env=env))
        srv.wait_idle()
        got = set(entry['path'].rsplit('/', 1)[1] for entry in srv.requests)
        tls_failures = srv.tls_failures
    verification = re.compile(r'verif|validate_certs|certificate', re.IGNORECASE)
    for name in ('insecure info', 'insecure wait', 'verify alias false'):
        result = assert_ok(run, name)
        warnings = result.get('warnings') or []
        assert len(warnings) == 1 and verification.search(warnings[0]), (name, warnings)
    assert [job['state'] for job in run.task('insecure wait')['jobs']] == ['success'] * 3
    result = assert_ok(run, 'ca_cert')
    assert not [warning for warning in result.get('warnings') or [] if verification.search(warning)]
    msg = failed(run, 'missing ca_cert')['msg']
    assert names(msg, 'ca_cert') and 'OSError' not in msg, msg
    msg = failed(run, 'default verification')['msg']  # the control: the certificate really is untrusted
    assert 'tls-8' not in got and tls_failures >= 1
    assert 'InsecureRequestWarning' not in run.output
    assert set(['tls-1', 'tls-2', 'tls-3', 'tls-4', 'tls-5', 'tls-6']) <= got, got


# === 9. rate limiting ==============================================================================================

def test_a_rate_limited_wait_finishes_without_a_request_storm(tmp_path):
    jobs = ['rl-%02d' % i for i in range(32)]
    with hostile.HostileServer() as srv:
        srv.on_jobs(hostile.alternate_429(hostile.timed_job(3.0), retry_after='1'))
        run = run_playbook(task('rate limited', 'job_wait', cap=120, service='elb', job_ids=jobs, endpoint=srv.url,
                                auth=token_auth(), timeout=60), directory=str(tmp_path))
        dump('rate-limit', run)
        srv.wait_idle()
        gets = srv.requests_for(method='GET')
        peak = srv.peak_in_flight
    result = assert_ok(run, 'rate limited')
    assert [job['id'] for job in result['jobs']] == jobs
    assert all(job['succeeded'] for job in result['jobs'])
    assert result['elapsed'] < 30, result['elapsed']
    throttled = sum(1 for entry in gets if entry['status'] == 429)
    assert throttled >= 16, throttled  # the throttling really happened
    assert len(gets) < 6 * len(jobs), '%d GETs for %d jobs of 3 s (%d answered 429)' % (len(gets), len(jobs), throttled)
    assert peak <= 8, peak  # default max_concurrency
    assert result['polls'] == len(gets), (result['polls'], len(gets))


# === issue 18: hardening, second round ===============================================================================

ESCAPES = u'\x1b]0;pwned\x07\x1b[2J\rOK\x08\x00\x9b\u202eevil\u2066x\u2069'
RAW_CONTROLS = re.compile(u'[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]')
ELB_LIKE_ID = 'ff8080825ecc523f015ecd0a98f82f77'
MANY_FAILED = 50000


def _many_failed_sub_jobs(count):
    sub_jobs = [{'status': 'FAIL', 'job_id': 's%06d' % index, 'error_code': 'ELB.7001', 'fail_reason': 'port in use'}
                for index in range(count)]
    return lambda exchange: json.dumps(hostile.elb_job_body(exchange.job_id, 'SUCCESS', sub_jobs=sub_jobs))


@pytest.fixture(scope='module')
def second_round(tmp_path_factory):
    directory = tmp_path_factory.mktemp('second_round')
    closed = __import__('socket').socket()
    closed.bind(('127.0.0.1', 0))
    refused_port = closed.getsockname()[1]
    closed.close()
    with hostile.HostileServer() as srv:
        srv.on_job('esc-fail', hostile.job('FAIL', error_code='ELB.1' + ESCAPES, fail_reason='quota' + ESCAPES,
                                           job_type='create' + ESCAPES))
        failed_sub = hostile.elb_job_body('sub' + ESCAPES, 'FAIL', fail_reason='why' + ESCAPES)
        srv.on_job('esc-sub', hostile.job('SUCCESS', sub_jobs=[failed_sub]))
        srv.on_job('many-failed', hostile.status_answer(200, _many_failed_sub_jobs(MANY_FAILED)))
        srv.on_job('huge-reason', hostile.job('FAIL', fail_reason='reason ' * (3 * 1024 * 1024 // 7)))
        srv.on_job('storm-503', hostile.status_answer(503, {'error_code': 'SYS.503', 'error_msg': 'busy'}))
        srv.on_job(ELB_LIKE_ID, hostile.status_answer(404, {'code': 'Common.0011', 'message': 'job not found'}))
        base = dict(endpoint=srv.url, auth=token_auth(), api_timeout=2)

        def info(name, job_id, **extra):
            return task(name, 'job_info', cap=60, **dict(base, service='elb', job_id=job_id, **extra))

        def wait(name, job_id, **extra):
            args = dict(base, service='elb', job_id=job_id, timeout=4, sleep=0.3, max_sleep=1)
            args.update(extra)
            return task(name, 'job_wait', cap=60, **args)

        tasks = wait('escapes wait', 'esc-fail', progress_interval=1, return_raw=False)
        tasks += info('escapes sub-job', 'esc-sub', return_raw=False)
        tasks += info('many failed sub-jobs', 'many-failed', return_raw=False)
        tasks += wait('huge reason', 'huge-reason', return_raw=False)
        tasks += info('refused info', 'refused-1', endpoint='http://127.0.0.1:%d' % refused_port)
        tasks += wait('refused wait', 'refused-2', endpoint='http://127.0.0.1:%d' % refused_port, timeout=3)
        tasks += wait('503 storm', 'storm-503', timeout=3)
        tasks += wait('range timeout', 'range-1', timeout=9.3e9) + wait('range api_timeout', 'range-2', api_timeout=1e10)
        tasks += wait('range progress', 'range-3', progress_interval=1e-9)
        tasks += wait('not found ecs', ELB_LIKE_ID, service='ecs', not_found_timeout=0)
        tasks += wait('not found cce', ELB_LIKE_ID, service='cce', not_found_timeout=0)
        run = dump('second_round', run_playbook(tasks, directory=str(directory)))
        srv.wait_idle()
        yield {'run': run, 'srv': srv, 'refused_port': refused_port}


def test_control_and_bidi_characters_from_the_api_never_reach_the_terminal(second_round):
    run = second_round['run']
    assert not RAW_CONTROLS.findall(run.output), RAW_CONTROLS.findall(run.output)[:10]
    msg = failed(run, 'escapes wait')['msg']
    assert '\\x1b]0;pwned\\x07' in msg and '\\u202eevil' in msg and '\\x0dOK' in msg, msg
    assert run.task('escapes wait')['job']['error']['message'].startswith('quota\\x1b]0;pwned')
    warnings = assert_ok(run, 'escapes sub-job').get('warnings') or []
    assert len(warnings) == 1 and '\\x1b' in warnings[0] and not RAW_CONTROLS.findall(warnings[0]), warnings


def test_50000_failed_sub_jobs_give_one_bounded_warning_and_a_small_result(second_round):
    run = second_round['run']
    result = assert_ok(run, 'many failed sub-jobs')
    warnings = result.get('warnings') or []
    assert len(warnings) == 1, len(warnings)
    assert len(warnings[0]) < 1100 and 'of its sub-jobs failed' in warnings[0], warnings[0]
    assert result['job']['sub_jobs_total'] == MANY_FAILED and len(result['job']['sub_jobs']) == 1000
    assert 'raw' not in result['job']
    assert len(json.dumps(result)) < 1024 * 1024, len(json.dumps(result))  # the body is about 4 MB
    assert took(result) < 30, took(result)


def test_a_3_mb_failure_reason_is_capped_everywhere(second_round):
    run = second_round['run']
    result = failed(run, 'huge reason')
    assert len(result['msg']) < 4100 and result['msg'].endswith(' more characters'), len(result['msg'])
    assert len(json.dumps(result)) < 64 * 1024, len(json.dumps(result))
    assert len(run.output) < 512 * 1024, len(run.output)  # was 45 MB of log for one such task


def test_a_refused_port_is_named_with_attempts(second_round):
    run, port = second_round['run'], second_round['refused_port']
    for name in ('refused info', 'refused wait'):
        msg = failed(run, name)['msg']
        assert 'connection refused by 127.0.0.1:%d' % port in msg and 'attempts over' in msg, (name, msg)
        assert 'not sent' not in msg and 'Error(' not in msg and 'Pool' not in msg, (name, msg)


def test_a_503_storm_ends_naming_the_503(second_round):
    msg = failed(second_round['run'], '503 storm')['msg']
    assert 'HTTP 503 SYS.503: busy' in msg and 'attempts over' in msg and 'not sent' not in msg, msg


def test_numbers_beyond_their_range_are_refused_before_any_request(second_round):
    run, srv = second_round['run'], second_round['srv']
    expected = {'range timeout': 'timeout must be at most 604800, got 9300000000',
                'range api_timeout': 'api_timeout must be at most 86400, got 10000000000',
                'range progress': 'progress_interval must be 0 (no progress lines) or at least 1 s, got 1e-09'}
    for name, message in expected.items():
        result = failed(run, name)
        assert result['msg'] == message and took(result) < 10, (name, result['msg'])
    assert not [srv.requests_for(job_id=job_id) for job_id in ('range-1', 'range-2', 'range-3') if srv.requests_for(job_id=job_id)]
    assert 'timestamp out of range' not in run.output


def test_not_found_names_the_api_asked_and_suggests_checking_service(second_round):
    run = second_round['run']
    msg = failed(run, 'not found ecs')['msg']
    assert 'asked the Elastic Cloud Server API, service ecs; check service' in msg, msg
    msg = failed(run, 'not found cce')['msg']
    assert 'check service' in msg and 'looks like a job of elb or ecs' in msg, msg


SLOW_DNS_PLUGINS = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'slow_dns_plugins')


def test_a_slow_resolver_is_bounded_by_api_timeout_and_timeout(tmp_path):
    """Names under .slow-dns.test take 45 s to resolve in the controller process (slow_dns_plugins/slow_dns.py)."""
    from tests.integration.harness import CALLBACKS
    with hostile.HostileServer() as srv:
        srv.on_job('dns-1', hostile.job('SUCCESS'))
        slow = 'http://api.slow-dns.test:%d' % srv.port
        tasks = task('dns info', 'job_info', cap=60, service='elb', job_id='dns-1', endpoint=slow, auth=token_auth(), api_timeout=2)
        tasks += task('dns wait', 'job_wait', cap=60, service='elb', job_id='dns-1', endpoint=slow, auth=token_auth(),
                      api_timeout=30, timeout=5, sleep=0.5)
        tasks += task('dns iam', 'job_info', cap=60, service='elb', job_id='dns-1', endpoint=srv.url, token_cache=False,
                      api_timeout=2, auth=pw_auth('http://iam.slow-dns.test:%d/v3' % srv.port))
        tasks += lookup_task('dns lookup', 'dns-1', cap=60, service='elb', endpoint=slow, auth=token_auth(), api_timeout=2)
        run = dump('slow_dns', run_playbook(tasks, directory=str(tmp_path),
                                            env={'ANSIBLE_CALLBACK_PLUGINS': CALLBACKS + os.pathsep + SLOW_DNS_PLUGINS}))
    msg = failed(run, 'dns info')['msg']
    assert 'name resolution of api.slow-dns.test did not finish within 2 s' in msg, msg
    assert took(run.task('dns info')) < 10, took(run.task('dns info'))  # was 45 s
    result = failed(run, 'dns wait')
    assert took(result) < 12, took(result)
    assert 'timed out after 5 s' in result['msg'] and 'name resolution of api.slow-dns.test did not finish' in result['msg'], result['msg']
    msg = failed(run, 'dns iam')['msg']
    assert 'cannot reach IAM' in msg and 'name resolution of iam.slow-dns.test did not finish within 2 s' in msg, msg
    assert took(run.task('dns iam')) < 10
    lookup = run.task('dns lookup')
    assert lookup['_status'] == 'failed' and 'name resolution of api.slow-dns.test' in lookup['msg'], lookup
    assert took(lookup) < 10, took(lookup)
    assert srv.requests == []


def test_a_rotten_token_cache_file_is_replaced_with_one_warning(emulator, playbook, tmp_path):
    job = emulator.create_job('elb', duration=0)['job_id']
    auth = emulator_pw_auth(emulator)
    rot = ('- name: rot the cache (%s)\n  ansible.builtin.copy:\n    dest: "{{ item }}"\n    content: %s\n    mode: "0600"\n'
           '  with_fileglob: ["%s/cache/otc.jobs/token-*.json"]\n')
    tasks = task('warm', 'job_info', service='elb', job_id=job, auth=auth)
    tasks += rot % ('nested', json.dumps('[' * 100000 + ']' * 100000), tmp_path)
    tasks += task('after nesting', 'job_info', service='elb', job_id=job, auth=auth)
    tasks += rot % ('digits', json.dumps('{"token": "t", "expires_at": %s}' % ('9' * 400)), tmp_path)
    tasks += task('after digits', 'job_wait', service='elb', job_id=job, auth=auth)
    tasks += task('cached again', 'job_info', service='elb', job_id=job, auth=auth)
    run = playbook(tasks)
    for name in ('after nesting', 'after digits'):
        result = assert_ok(run, name)
        warnings = [line for line in result.get('warnings') or [] if 'token cache' in line]
        assert len(warnings) == 1 and 'ignored and removed' in warnings[0], (name, result.get('warnings'))
    assert not [line for line in assert_ok(run, 'cached again').get('warnings') or [] if 'token cache' in line]
    assert 'recursion' not in run.output and 'too large to convert' not in run.output
    iam_calls = [entry for entry in emulator.stats()['requests'] if entry['route'] == 'iam']
    assert len(iam_calls) == 3, len(iam_calls)  # warm, and once after each rotten file; 'cached again' used the cache


@pytest.mark.parametrize('path', ['controller', 'module'])
def test_a_killed_ansible_playbook_leaves_no_poller_behind(tmp_path, path):
    """kill -9 of ansible-playbook: the action plugin's worker (controller path) and a module run by a worker through
    /bin/sh (module path: the remote_local connection) both stop polling within seconds."""
    from tests.integration.harness import CALLBACKS, ansible_env
    connections = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'connection_plugins')
    with hostile.HostileServer() as srv:
        srv.on_job('orphan-1', hostile.timed_job(600))
        text = task('long wait', 'job_wait', service='elb', job_id='orphan-1', endpoint=srv.url, auth=token_auth(), timeout=120,
                    sleep=0.5, max_sleep=1, progress_interval=0)
        if path == 'module':
            text += '  vars: {ansible_connection: remote_local}\n'
        play = '- hosts: localhost\n  gather_facts: false\n  tasks:\n' + '    ' + text.replace('\n', '\n    ')
        play_path = tmp_path / 'play.yml'
        play_path.write_text(play)
        env = ansible_env(str(tmp_path), {'ANSIBLE_CALLBACK_PLUGINS': CALLBACKS, 'OTC_JOBS_RESULTS': str(tmp_path / 'r.json'),
                                          'ANSIBLE_CONNECTION_PLUGINS': connections})
        process = subprocess.Popen([os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), str(play_path)], env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            began = __import__('time').monotonic()
            while len(srv.requests_for(job_id='orphan-1')) < 3 and __import__('time').monotonic() - began < 60:
                __import__('time').sleep(0.2)
            assert len(srv.requests_for(job_id='orphan-1')) >= 3, 'the wait never started'
        finally:
            process.kill()  # kill -9 of ansible-playbook
            process.wait()
        __import__('time').sleep(5)  # "within seconds"
        seen = len(srv.requests_for(job_id='orphan-1'))
        __import__('time').sleep(4)
        assert len(srv.requests_for(job_id='orphan-1')) == seen, 'the orphaned worker kept polling'
