# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The action plugins job_info and job_wait (SPEC §4 "Progress"): the controller path and the module path.

On connection local without async, the action plugins run the module's code in the controller's
process and show progress lines; elsewhere they execute the module. The module path is reached
here through ``async`` and through ``remote_local`` (connection_plugins/), which is
ansible.builtin.local under another transport name, so both paths run the same tasks on the same
machine and their results can be compared field by field.
"""

import json
import os
import re
import subprocess
import sys
import textwrap
import threading
import time

import pytest

from tests.emulator import otc_emulator as emu_mod
from tests.integration.harness import BIN, CALLBACKS, ansible_env, assert_failed, assert_ok, module_task
from tests.integration.harness import with_token_defaults as wrap

pytestmark = pytest.mark.core_matrix

CONNECTIONS = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'connection_plugins')
REMOTE = {'ANSIBLE_CONNECTION_PLUGINS': CONNECTIONS}
# ansible-core 2.21 adds ``invocation`` to results only with INJECT_INVOCATION (earlier releases always do)
INVOCATION = dict(REMOTE, ANSIBLE_INJECT_INVOCATION='true')
FAST = {'sleep': 0.2, 'max_sleep': 0.5}
# Fields whose value depends on timing: equal presence and type on both paths, not equal values.
TIMING = ('elapsed', 'polls')
RECORD_ONLY = ('_start', '_end')
MASK = 'VALUE_SPECIFIED_IN_NO_LOG_PARAMETER'
PROGRESS = 'otc.jobs.job_wait: '


def remote(task_text):
    """``task_text`` (one task) on the module path: the remote_local connection."""
    return task_text + '  vars: {ansible_connection: remote_local}\n'


def asynchronous(task_text):
    """``task_text`` (one task) on the module path through async."""
    return task_text + '  async: 60\n  poll: 1\n'


def pw_auth(emulator):
    return {'auth_url': emulator.url + '/v3', 'username': emu_mod.USER_NAME, 'password': emu_mod.USER_PASSWORD,
            'user_domain_name': emu_mod.DOMAIN_NAME, 'project_name': emu_mod.PROJECT_NAME}


def issued_tokens(emulator):
    return [token for token in emulator.state.tokens if token != emu_mod.STATIC_TOKEN]


def compare(local, other, where='result', extra_keys=(), top=True):
    """``local`` and ``other`` hold the same keys and values; top-level TIMING fields the same type only.

    ``extra_keys``: top-level keys ``other`` may have besides (async's job bookkeeping).
    """
    if isinstance(local, dict) and isinstance(other, dict):
        keys = set(local) - set(RECORD_ONLY)
        other_keys = set(other) - set(RECORD_ONLY) - set(extra_keys)
        assert keys == other_keys, (where, sorted(keys ^ other_keys))
        for key in keys:
            if key in TIMING and top:
                assert type(local[key]) is type(other[key]), (where, key, local[key], other[key])
            else:
                compare(local[key], other[key], '%s.%s' % (where, key), top=False)
    elif isinstance(local, list) and isinstance(other, list):
        assert len(local) == len(other), (where, local, other)
        for index, (one, two) in enumerate(zip(local, other)):
            compare(one, two, '%s[%d]' % (where, index), top=False)
    else:
        assert type(local) is type(other) and local == other, (where, local, other)


# --------------------------------------------------------------------------- same results on both paths


def comparison_tasks(emulator):
    """(name, task text) pairs covering success, job failure, API errors, warnings, bad arguments."""
    done = emulator.create_job('elb', duration=0, job_id='act-done')['job_id']
    failed = emulator.create_job('elb', duration=0, job_id='act-failed', outcome='fail', error_code='ELB.8902',
                                 fail_reason='Insufficient EIP quota for the load balancer.',
                                 sub_jobs=[{'job_id': 'act-subok', 'job_type': 'createListener'},
                                           {'job_id': 'act-subbad', 'outcome': 'fail', 'error_code': 'ELB.7001',
                                            'fail_reason': 'listener port in use'}])['job_id']
    succeeded_with_failed_sub = emulator.create_job(
        'elb', duration=0, job_id='act-subwarn', outcome='success',
        sub_jobs=[{'job_id': 'act-subwarn-bad', 'outcome': 'fail', 'error_code': 'ELB.7001', 'fail_reason': 'port'}])['job_id']
    cfw = emulator.create_job('cfw', duration=0)['job_id']
    emulator.create_job('elb', duration=0, job_id='act-queued', statuses=[['QUEUED', None]])
    forbidden = emulator.create_job('elb', duration=0, job_id='act-forbidden')['job_id']
    emulator.add_fault('status', match={'job_id': forbidden}, times=None, status=403)
    return [
        ('info one', module_task('info one', 'job_info', service='elb', job_id=done)),
        ('info many', module_task('info many', 'job_info', service='elb', job_ids=[done, failed, 'act-queued'])),
        ('info cfw', module_task('info cfw', 'job_info', service='cfw', job_id=cfw)),
        ('info missing', module_task('info missing', 'job_info', service='elb', job_id='act-nosuchjob')),
        ('info forbidden', module_task('info forbidden', 'job_info', service='elb', job_id=forbidden)),
        ('info alias twice', module_task('info alias twice', 'job_info', service='elb', job_id=done,
                                         region='eu-de', region_name='eu-de')),
        ('info bad id', module_task('info bad id', 'job_info', service='elb', job_id='a/../b')),
        ('info unknown option', module_task('info unknown option', 'job_info', service='elb', job_id=done, colour='red')),
        ('info no id', module_task('info no id', 'job_info', service='elb')),
        ('wait one', module_task('wait one', 'job_wait', service='elb', job_id=done, **FAST)),
        ('wait failed', module_task('wait failed', 'job_wait', service='elb', job_id=failed, **FAST)),
        ('wait sub warning', module_task('wait sub warning', 'job_wait', service='elb', job_id=succeeded_with_failed_sub, **FAST)),
        ('wait many', module_task('wait many', 'job_wait', service='elb', job_ids=[done, failed], **FAST)),
        ('wait timeout', module_task('wait timeout', 'job_wait', service='elb', job_id='act-queued', timeout=0.5, **FAST)),
        ('wait bad sleep', module_task('wait bad sleep', 'job_wait', service='elb', job_id=done, sleep=5, max_sleep=1)),
        ('wait bad type', module_task('wait bad type', 'job_wait', service='elb', job_id=done, timeout='soon')),
        ('wait password', module_task('wait password', 'job_wait', service='elb', job_id=done, auth=pw_auth(emulator),
                                      endpoint='%s/v1.0/%s' % (emulator.url, emu_mod.PROJECT_ID), **FAST)),
    ]


def renamed(name, task, suffix):
    return task.replace('- name: %s\n' % name, '- name: %s (%s)\n' % (name, suffix), 1)


def both_ways(cases, through_async=()):
    """Each case as it is (controller path) and on remote_local (module path); those named in ``through_async``
    also with async (module path; async polls once a second, so only a few)."""
    text = ''
    for name, task in cases:
        text += task + remote(renamed(name, task, 'remote'))
        if name in through_async:
            text += asynchronous(renamed(name, task, 'async'))
    return text


# async's own bookkeeping in its result
ASYNC_KEYS = ('ansible_job_id', 'results_file', 'started', 'finished', 'stdout', 'stderr', 'stdout_lines', 'stderr_lines')


def check_both_ways(run, cases, through_async=()):
    for name, dummy_task in cases:
        local = run.task(name)
        compare(local, run.task(name + ' (remote)'), name)
        if name in through_async:
            compare(local, run.task(name + ' (async)'), name + ' (async)', extra_keys=ASYNC_KEYS)


def test_both_paths_return_the_same(emulator, playbook):
    cases = comparison_tasks(emulator)
    through_async = ('info many', 'info forbidden', 'info unknown option', 'wait failed', 'wait password')
    run = playbook(wrap(emulator, both_ways(cases, through_async)), env=INVOCATION)
    check_both_ways(run, cases, through_async)

    # what the cases are about, read on the controller path
    assert assert_ok(run, 'info one')['job']['state'] == 'success'
    warnings = assert_ok(run, 'info many')['warnings']
    assert len(warnings) == 1 and 'QUEUED' in warnings[0], warnings
    result = assert_failed(run, 'info missing')
    assert result['status_code'] == 404 and 'act-nosuchjob' in result['msg'], result
    assert assert_failed(run, 'info forbidden')['status_code'] == 403
    assert assert_ok(run, 'info alias twice')['warnings'] == ['Both option region_name and its alias region are set.']
    assert "job_id 'a/../b' is not a valid job id" in assert_failed(run, 'info bad id')['msg']
    assert assert_failed(run, 'info unknown option')['msg'].startswith(
        'Unsupported parameters for (otc.jobs.job_info) module: colour. Supported parameters include: ')
    assert assert_failed(run, 'info no id')['msg'] == 'one of the following is required: job_id, job_ids'
    result = assert_failed(run, 'wait failed')
    assert result['msg'].startswith('elb job act-failed failed: ELB.8902 Insufficient EIP quota') and 'act-subbad' in result['msg']
    assert isinstance(result['elapsed'], float) and isinstance(result['polls'], int)
    assert 'act-subwarn-bad' in assert_ok(run, 'wait sub warning')['warnings'][0]
    assert assert_failed(run, 'wait timeout')['msg'].startswith('timed out after 0.5 s waiting for elb job act-queued: ')
    assert 'max_sleep' in assert_failed(run, 'wait bad sleep')['msg']
    assert assert_failed(run, 'wait bad type')['msg'].startswith("argument 'timeout' is of type ")
    result = assert_ok(run, 'wait password')
    assert result['invocation']['module_args']['auth']['password'] == MASK
    # module_defaults (group/otc.jobs.otc) reached the controller path: its endpoint and masked token
    result = run.task('info one')
    assert result['invocation']['module_args']['endpoint'] == emulator.url
    assert result['invocation']['module_args']['auth']['token'] == MASK
    assert result['invocation']['module_args']['auth']['project_id'] == emu_mod.PROJECT_ID
    text = json.dumps(run.results) + run.output
    for secret in [emu_mod.USER_PASSWORD, emu_mod.STATIC_TOKEN] + issued_tokens(emulator):
        assert secret not in text
    assert 'Traceback' not in run.output


def test_check_mode_and_task_environment(emulator, playbook):
    """--check runs the wait on both paths; the task's ``environment`` (OS_* credentials) reaches the controller path."""
    done = emulator.create_job('elb', duration=0)['job_id']
    environment = {'OS_AUTH_URL': emulator.url + '/v3', 'OS_USERNAME': emu_mod.USER_NAME,
                   'OS_PASSWORD': emu_mod.USER_PASSWORD, 'OS_USER_DOMAIN_NAME': emu_mod.DOMAIN_NAME,
                   'OS_PROJECT_NAME': emu_mod.PROJECT_NAME}
    env_task = module_task('env creds', 'job_wait', service='elb', job_id=done, token_cache=False,
                           endpoint='%s/v1.0/%s' % (emulator.url, emu_mod.PROJECT_ID), **FAST)
    env_task += '  environment: %s\n' % json.dumps(environment)
    cases = [('checked', module_task('checked', 'job_wait', service='elb', job_id=done, **FAST)),
             ('checked info', module_task('checked info', 'job_info', service='elb', job_id=done)),
             ('env creds', env_task)]
    through_async = ('checked', 'env creds')
    run = playbook(wrap(emulator, both_ways(cases[:2], through_async)) + both_ways(cases[2:], through_async),
                   env=REMOTE, check=True)
    check_both_ways(run, cases, through_async)
    assert assert_ok(run, 'checked')['job']['state'] == 'success'
    assert assert_ok(run, 'env creds')['job']['id'] == done
    assert emulator.stats()['iam_calls'] == 3  # the OS_* password on each path, no cache
    assert emu_mod.USER_PASSWORD not in json.dumps(run.results) + run.output


def test_playbook_directory_is_the_working_directory(emulator, playbook, tmp_path):
    """A module on connection local runs in the playbook's directory: a clouds.yaml there counts on both paths."""
    done = emulator.create_job('elb', duration=0)['job_id']
    (tmp_path / 'clouds.yaml').write_text(json.dumps({'clouds': {'beside-the-playbook': {
        'auth': {'token': emu_mod.STATIC_TOKEN, 'project_id': emu_mod.PROJECT_ID}}}}))
    cases = [('cloud here', module_task('cloud here', 'job_info', service='elb', job_id=done, cloud='beside-the-playbook',
                                        endpoint=emulator.url))]
    text = ''.join(task + asynchronous(renamed(name, task, 'async')) for name, task in cases)
    run = playbook(text)  # ansible-playbook's own working directory is the test's, not tmp_path
    assert os.getcwd() != str(tmp_path)
    assert assert_ok(run, 'cloud here')['job']['id'] == done
    compare(run.task('cloud here'), run.task('cloud here (async)'), 'cloud here (async)', extra_keys=ASYNC_KEYS)


# --------------------------------------------------------------------------- progress, read as it is printed


def stream_playbook(tasks, directory, extra_args=(), env=None):
    """Run a playbook of ``tasks``; returns (rc, [(seconds since start, line)]) read from stdout as printed."""
    play = '- hosts: localhost\n  gather_facts: false\n  tasks:\n' + textwrap.indent(textwrap.dedent(tasks), '    ')
    path = os.path.join(str(directory), 'play.yml')
    with open(path, 'w') as handle:
        handle.write(play)
    environment = ansible_env(directory, {'ANSIBLE_CALLBACK_PLUGINS': CALLBACKS,
                                          'OTC_JOBS_RESULTS': os.path.join(str(directory), 'results.json')})
    environment.update(env or {})
    started = time.monotonic()
    lines = []
    process = subprocess.Popen([os.path.join(BIN, 'ansible-playbook'), path] + list(extra_args), env=environment,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1)
    timer = threading.Timer(300, process.kill)
    timer.start()
    try:
        for line in process.stdout:
            lines.append((time.monotonic() - started, line.rstrip('\n')))
        rc = process.wait()
    finally:
        timer.cancel()
    with open(os.path.join(str(directory), 'results.json')) as handle:
        results = json.load(handle)
    return rc, lines, results


def between(lines, start_marker, end_marker):
    """The (time, line) pairs after the first line containing ``start_marker`` up to the next with ``end_marker``."""
    out = []
    inside = False
    for when, line in lines:
        if not inside and start_marker in line:
            inside = True
        elif inside and end_marker in line:
            return out, when
        elif inside:
            out.append((when, line))
    raise AssertionError('no %r ... %r in the output' % (start_marker, end_marker))


def create_jobs(emulator, *specs):
    """A task creating ``specs`` through the emulator's control API, so their durations count from the next task."""
    return ('- name: create %s\n  ansible.builtin.uri: {url: "%s/_emulator/jobs", method: POST, body_format: json, '
            'body: "{{ item }}", status_code: 201}\n  loop: %s\n' % (specs[0]['job_id'], emulator.url, json.dumps(list(specs))))


def test_progress_lines_appear_while_the_task_runs(emulator, tmp_path):
    def job(job_id, duration, outcome='success'):
        spec = {'service': 'elb', 'job_id': job_id, 'duration': duration, 'outcome': outcome}
        if outcome == 'fail':
            spec.update(error_code='ELB.8902', fail_reason='no quota')
        return spec
    tasks = (create_jobs(emulator, job('p-long', 20), job('p-failing', 7, 'fail'))
             + module_task('long', 'job_wait', service='elb', job_ids=['p-long', 'p-failing'], progress_interval=5, **FAST)
             + create_jobs(emulator, job('p-zero', 3), job('p-zero-failing', 1, 'fail'))
             + module_task('interval 0', 'job_wait', service='elb', job_ids=['p-zero', 'p-zero-failing'],
                           progress_interval=0, **FAST)
             + create_jobs(emulator, job('p-short', 3))
             + module_task('shorter than one interval', 'job_wait', service='elb', job_id='p-short', **FAST)
             + create_jobs(emulator, job('p-async', 4))
             + asynchronous(module_task('async', 'job_wait', service='elb', job_id='p-async', progress_interval=1, **FAST))
             + module_task('end', 'job_info', service='elb', job_id='p-async'))
    rc, lines, results = stream_playbook(wrap(emulator, tasks), tmp_path)
    output = '\n'.join(line for dummy, line in lines)
    assert rc == 0, output[-3000:]
    statuses = dict((name, results[name]['_status']) for name in ('long', 'interval 0', 'shorter than one interval', 'async'))
    assert statuses == {'long': 'failed', 'interval 0': 'failed', 'shorter than one interval': 'ok', 'async': 'ok'}, output[-3000:]
    # (how long each waited depends on the machine's load: only that it stayed under one interval matters)
    assert results['shorter than one interval']['elapsed'] < 30 and results['async']['job']['state'] == 'success'

    during, dummy = between(lines, 'TASK [long]', 'TASK [create p-zero]')
    progress = [(when, line) for when, line in during if line.startswith(PROGRESS)]
    status = [(when, line) for when, line in progress if ' finished' in line]
    failure = [(when, line) for when, line in progress if ' failed: ' in line]
    # one line per interval, printed as it happens, not at the end of the task
    assert [line for dummy, line in status[:3]] == [
        PROGRESS + 'elb 0/2 finished, 2 running, 5s of 30m',
        PROGRESS + 'elb 1/2 finished (1 failed), 1 running, 10s of 30m; job p-long: RUNNING',
        PROGRESS + 'elb 1/2 finished (1 failed), 1 running, 15s of 30m; job p-long: RUNNING'], progress
    result_at = [when for when, line in during if line.startswith('fatal: [localhost]')][0]
    assert result_at - status[0][0] >= 12, (status, result_at)
    gaps = [later[0] - earlier[0] for earlier, later in zip(status, status[1:])]
    assert all(4 <= gap <= 6.5 for gap in gaps), gaps
    # the failed job has its own line as soon as it is seen failed (~7 s), before the 10 s status line
    assert len(failure) == 1, progress
    assert re.match(re.escape(PROGRESS + 'elb job p-failing failed: ELB.8902 no quota (job_type createELB) after ') + r'[5-8]s$',
                    failure[0][1]), failure
    assert status[0][0] < failure[0][0] < status[1][0]
    assert result_at - failure[0][0] >= 10

    # progress_interval 0, a wait shorter than one interval, and the module path (async): no line
    for name, following in (('interval 0', 'create p-short'), ('shorter than one interval', 'create p-async'),
                            ('async', 'end')):
        during, dummy = between(lines, 'TASK [%s]' % name, 'TASK [%s]' % following)
        assert not [line for dummy, line in during if PROGRESS in line], (name, during)


def test_verbose_output_names_the_path_and_no_secret(emulator, tmp_path):
    """-vvv shows which path ran and the masked invocation, never a secret; delegate_to: localhost runs in process."""
    done = emulator.create_job('elb', duration=0)['job_id']
    inventory = tmp_path / 'hosts'
    inventory.write_text('far ansible_connection=remote_local ansible_python_interpreter=%s\n' % sys.executable)
    auth = dict(pw_auth(emulator))
    endpoint = '%s/v1.0/%s' % (emulator.url, emu_mod.PROJECT_ID)
    tasks = (module_task('on far', 'job_info', service='elb', job_id=done, auth=auth, endpoint=endpoint, token_cache=False)
             + module_task('delegated', 'job_wait', service='elb', job_id=done, auth=auth, endpoint=endpoint,
                           token_cache=False, **FAST)
             + '  delegate_to: localhost\n')
    play = '- hosts: far\n  gather_facts: false\n  tasks:\n' + textwrap.indent(tasks, '    ')
    (tmp_path / 'play.yml').write_text(play)
    environment = ansible_env(tmp_path, INVOCATION)
    completed = subprocess.run([os.path.join(BIN, 'ansible-playbook'), '-vvv', '-i', str(inventory), str(tmp_path / 'play.yml')],
                               env=environment, capture_output=True, text=True, timeout=300, check=False)
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output[-3000:]
    assert 'otc.jobs.job_info: executing the module (connection remote_local)' in output
    assert 'otc.jobs.job_wait: running in the controller process (connection local), no module shipped' in output
    assert output.count('"password": "%s"' % MASK) == 2, output[-3000:]
    for secret in [emu_mod.USER_PASSWORD] + issued_tokens(emulator):
        assert secret not in output
    assert emulator.stats()['iam_calls'] == 2


def test_fallback_to_the_module_without_requests_on_the_controller(emulator, playbook, tmp_path):
    """With requests missing on the controller the action plugin still loads and executes the module."""
    blocker = tmp_path / 'blocker'
    blocker.mkdir()
    # requests cannot be imported by ansible-playbook (the controller); the module's Python still has it
    (blocker / 'sitecustomize.py').write_text(textwrap.dedent('''\
        import os, sys

        class _NoRequests(object):
            def find_spec(self, name, path=None, target=None):
                if name.split('.')[0] == 'requests' and os.path.basename(sys.argv[0] or '').startswith('ansible-'):
                    raise ImportError('requests is blocked on the controller for this test')
                return None

        sys.meta_path.insert(0, _NoRequests())
        '''))
    done = emulator.create_job('elb', duration=0)['job_id']
    run = playbook(wrap(emulator, module_task('info', 'job_info', service='elb', job_id=done)),
                   env={'PYTHONPATH': str(blocker)}, extra_args=['-vvv'])
    assert assert_ok(run, 'info')['job']['id'] == done
    assert 'otc.jobs.job_info: executing the module (requests is not installed on the controller)' in run.output


# --------------------------------------------------------------------------- ansible-runner (AWX/AAP)


def test_ansible_runner_streams_progress_events(emulator, tmp_path):
    ansible_runner = pytest.importorskip('ansible_runner')
    job_id = emulator.create_job('elb', duration=7)['job_id']
    tasks = module_task('wait', 'job_wait', service='elb', job_id=job_id, progress_interval=2, **FAST)
    play = '- hosts: all\n  gather_facts: false\n  tasks:\n' + textwrap.indent(wrap(emulator, tasks), '    ')
    private = tmp_path / 'runner'
    (private / 'project').mkdir(parents=True)
    (private / 'inventory').mkdir()
    (private / 'project' / 'play.yml').write_text(play)
    (private / 'inventory' / 'hosts').write_text(
        'localhost ansible_connection=local ansible_python_interpreter=%s\n' % sys.executable)
    started = time.monotonic()
    events = []

    def handler(event):
        events.append((time.monotonic() - started, event))
        return True

    env = ansible_env(tmp_path)
    runner = ansible_runner.run(private_data_dir=str(private), playbook='play.yml', envvars=env, quiet=True,
                                event_handler=handler, settings={'suppress_ansible_output': True})
    assert runner.status == 'successful', [event.get('stdout') for dummy, event in events]
    progress = [(when, event) for when, event in events if (event.get('stdout') or '').startswith(PROGRESS)]
    ok = [(when, event) for when, event in events if event.get('event') == 'runner_on_ok']
    assert len(ok) == 1 and ok[0][1]['event_data']['res']['job']['state'] == 'success'
    assert len(progress) >= 2, [event.get('stdout') for dummy, event in events]
    assert all(event['event'] == 'verbose' for dummy, event in progress)
    assert progress[0][1]['stdout'] == PROGRESS + 'elb 0/1 finished, 1 running, 2s of 30m; job %s: RUNNING' % job_id
    # in the event stream while the task runs, not at its end
    assert ok[0][0] - progress[0][0] >= 3, (progress, ok)
