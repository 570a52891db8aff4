# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The task runner: every bad input is refused with one message before anything is sent; results have
the same shape for job_info and job_wait, failures included; secrets are registered for scrubbing."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.otc.jobs.plugins.module_utils.core._clock import FakeClock
from ansible_collections.otc.jobs.plugins.module_utils.core._errors import ApiError
from ansible_collections.otc.jobs.plugins.module_utils.core._secrets import Secrets
from ansible_collections.otc.jobs.plugins.module_utils.engine import _runner

BASE = {'service': 'elb', 'job_id': 'a', 'job_ids': None, 'auth': {'token': 'tok-secret', 'project_id': 'p1'},
        'endpoint': 'http://127.0.0.1:9', 'token_cache': False}
WAIT = {'timeout': 10, 'sleep': 1, 'max_sleep': 10, 'not_found_timeout': 30, 'max_concurrency': 8, 'progress_interval': 30}


def job(job_id, state='success'):
    return {'id': job_id, 'service': 'elb', 'state': state, 'finished': state in ('success', 'failed'), 'status': state.upper(),
            'error': {'code': 'E1', 'message': 'broke'} if state == 'failed' else None, 'job_type': None,
            'sub_jobs': [], 'progress': None, 'resource_ids': []}


class FakeClient:
    service = 'elb'

    def __init__(self, jobs):
        self.jobs = jobs
        self.polls = 0

    closed = []

    def close(self):
        FakeClient.closed.append(self)

    def fetch_all(self, job_ids, deadline, **kwargs):
        self.polls += len(job_ids)
        return [self.jobs[job_id] for job_id in job_ids]

    def fetch(self, job_id, policy):
        self.polls += 1
        answer = self.jobs[job_id]
        if isinstance(answer, Exception):
            raise answer
        return answer


@pytest.fixture
def connected(monkeypatch):
    calls = []

    def install(jobs):
        def connect(service, settings, secrets, warn=None, pool_size=8, deadline=None, clock=None):
            calls.append({'service': service, 'deadline': deadline, 'pool_size': pool_size})
            return FakeClient(jobs)
        monkeypatch.setattr(_runner, 'connect', connect)
        return calls
    return install


def run(action, warnings=None, **params):
    options = dict(BASE, **(WAIT if action == 'job_wait' else {}))
    options.update(params)
    return _runner.run(action, options, (warnings if warnings is not None else []).append, Secrets())


@pytest.mark.parametrize('option, value, message', [
    ('sleep', 0, 'sleep must be greater than 0, got 0'),
    ('sleep', -1, 'sleep must be greater than 0, got -1'),
    ('timeout', -5, 'timeout must be greater than 0, got -5'),
    ('timeout', float('nan'), 'timeout must be a finite number, got nan (float)'),
    ('timeout', float('inf'), 'timeout must be a finite number, got inf (float)'),
    ('max_concurrency', 0, 'max_concurrency must be at least 1, got 0'),
    ('max_concurrency', 65, 'max_concurrency must be at most 64, got 65'),
    ('not_found_timeout', -1, 'not_found_timeout must be at least 0, got -1'),
    ('progress_interval', -1, 'progress_interval must be at least 0, got -1'),
    ('max_sleep', 0.5, 'max_sleep (0.5) must be at least sleep (1)'),
    ('api_timeout', -1, 'api_timeout must be greater than 0, got -1'),
    ('api_timeout', float('nan'), 'api_timeout must be a finite number, got nan (float)'),
    ('job_id', 'abc\n', "job_id 'abc\\n' is not a valid job id: use 1-64 letters, digits, '-' or '_'"),
    ('job_id', 'a/../b', "job_id 'a/../b' is not a valid job id: use 1-64 letters, digits, '-' or '_'"),
    ('region_name', '@127.0.0.1:1/x', "region_name '@127.0.0.1:1/x' is not a valid region name: use lower-case names such as eu-de or eu-nl"),
])
def test_bad_input_is_refused_before_connecting(connected, option, value, message):
    calls = connected({})
    result = run('job_wait', **{option: value})
    assert result['failed'] is True and result['msg'] == message
    assert calls == []
    assert result['polls'] == 0 and result['changed'] is False


def test_empty_job_ids(connected):
    calls = connected({})
    result = run('job_info', job_id=None, job_ids=[])
    assert result['msg'] == 'job_ids is empty: give at least one job id' and calls == []


def test_job_info_result_and_deadline(connected):
    calls = connected({'a': job('a'), 'b': job('b', 'running')})
    result = run('job_info', job_id=None, job_ids=['a', 'b'], api_timeout=5)
    assert result == {'changed': False, 'jobs': [job('a'), job('b', 'running')]}
    assert calls[0]['pool_size'] == 2 and calls[0]['deadline'] is not None
    assert FakeClient.closed  # its connections are released when the task ends


def test_job_info_deadline_scales_with_the_number_of_ids(connected):
    """2 x api_timeout for every 64 ids begun; the pool holds at most 64 connections."""
    ids = ['j%d' % number for number in range(130)]
    calls = connected(dict((job_id, job(job_id)) for job_id in ids))
    clock = FakeClock(start=100.0)
    result = _runner.run('job_info', dict(BASE, job_id=None, job_ids=ids, api_timeout=5), [].append, Secrets(), clock=clock)
    assert len(result['jobs']) == 130
    assert calls[0]['deadline'] == 100.0 + 2 * 5 * 3 and calls[0]['pool_size'] == 64


def test_job_wait_result_shapes(connected):
    connected({'a': job('a')})
    result = run('job_wait')
    assert set(result) == {'changed', 'job', 'elapsed', 'polls'} and result['polls'] == 1
    connected({'a': job('a', 'failed')})
    result = run('job_wait')
    assert result['failed'] is True and result['msg'] == 'elb job a failed: E1 broke' and result['job']['state'] == 'failed'


def test_api_errors_keep_status_and_error(connected):
    connected({'a': ApiError('reading elb job a failed: HTTP 403 X.1: no', status_code=403, code='X.1', api_message='no')})
    FakeClient.closed[:] = []
    result = run('job_wait')
    assert result['failed'] is True and result['status_code'] == 403
    assert len(FakeClient.closed) == 1  # released on failure too
    assert result['error'] == {'code': 'X.1', 'message': 'no'} and result['polls'] == 1


def test_unknown_status_and_failed_sub_jobs_warn(connected):
    parent = job('a')
    parent['sub_jobs'] = [dict(job('s1', 'failed'), sub_jobs=[])]
    connected({'a': parent, 'b': dict(job('b', 'running'), state='unknown', status='QUEUED')})
    warnings = []
    result = run('job_info', warnings=warnings, job_id=None, job_ids=['a', 'b'])
    assert 'failed' not in result
    assert warnings == ["elb job b reports status 'QUEUED', which is not a known elb job status",
                        'elb job a succeeded, but its sub-job s1 failed: E1 broke']


def test_secrets_of_the_options_are_registered(connected):
    connected({'a': job('a')})
    secrets = Secrets()
    _runner.run('job_info', dict(BASE, job_id='a'), lambda line: None, secrets)
    assert 'tok-secret' in secrets.values


@pytest.mark.parametrize('params, reason', [
    ({'sleep': 0}, 'invalid_input'),
    ({'job_id': 'a/../b'}, 'invalid_input'),
])
def test_every_failure_says_why(connected, params, reason):
    connected({})
    assert run('job_wait', **params)['reason'] == reason


def test_reasons_of_api_job_and_timeout_failures(connected):
    from ansible_collections.otc.jobs.plugins.module_utils.engine._jobs import JobNotFound
    connected({'a': ApiError('reading elb job a failed: HTTP 403', status_code=403)})
    assert run('job_wait')['reason'] == 'api_error'
    connected({'a': JobNotFound('elb job a not found', status_code=404)})
    assert run('job_wait', not_found_timeout=0)['reason'] == 'not_found'
    connected({'a': job('a', 'failed')})
    result = run('job_wait')
    assert result['reason'] == 'job_failed' and result['job']['state'] == 'failed'
    connected({'a': job('a', 'running')})
    result = run('job_wait', timeout=0.01, sleep=0.01, max_sleep=0.01)
    assert result['reason'] == 'timed_out' and result['job']['state'] == 'running'


def test_a_defect_is_an_internal_failure_never_a_job_failure(monkeypatch):
    def broken(*args, **kwargs):
        raise KeyError('surprise')
    monkeypatch.setattr(_runner, 'connect', broken)
    result = run('job_wait')
    assert result['failed'] is True and result['reason'] == 'internal'
    assert result['msg'].startswith("internal error in otc.jobs job_wait (KeyError: 'surprise')")
    assert 'job' not in result


def test_environment_and_base_dir_are_arguments_not_globals(monkeypatch, tmp_path):
    """The task's environment and base directory reach the settings; os.environ and the cwd stay as they are."""
    import os
    seen = {}

    def connect(service, settings, secrets, warn=None, pool_size=8, deadline=None, clock=None):
        seen['settings'] = settings
        return FakeClient({'a': job('a')})
    monkeypatch.setattr(_runner, 'connect', connect)
    (tmp_path / 'ca.pem').write_text('not checked here')
    environ = {'https_proxy': 'http://proxy.example:3128', 'XDG_CACHE_HOME': str(tmp_path / 'cache'),
               'OS_AUTH_URL': 'https://iam.example/v3', 'OS_TOKEN': 'env-token', 'OS_PROJECT_ID': 'p2'}
    before = (dict(os.environ), os.getcwd())
    params = dict(BASE, auth=None, ca_cert='ca.pem')
    result = _runner.run('job_info', params, lambda line: None, Secrets(), environ=environ, base_dir=str(tmp_path))
    assert 'failed' not in result, result
    settings = seen['settings']
    assert settings.auth['token'] == 'env-token' and settings.auth['project_id'] == 'p2'
    assert settings.verify == str(tmp_path / 'ca.pem')
    assert settings.cache_directory == str(tmp_path / 'cache' / 'otc.jobs')
    assert settings.proxies.for_url('https://ecs.eu-de.otc.t-systems.com/v1/x') == {'https': 'http://proxy.example:3128'}
    assert (dict(os.environ), os.getcwd()) == before
