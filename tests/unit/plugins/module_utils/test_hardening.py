# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Issue 18, hardening second round: server text made safe and capped, bodies that would balloon, bounded
output, token cache files that rot, numeric ranges, a wait whose caller is gone, the real cause of a failure
with its attempts, and "not found" naming the service asked."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import tracemalloc

import pytest

from ansible_collections.otc.jobs.plugins.module_utils.auth._token_cache import MAX_FILE, TokenCache
from ansible_collections.otc.jobs.plugins.module_utils.core._clock import FakeClock
from ansible_collections.otc.jobs.plugins.module_utils.core._errors import ApiError, TransientError
from ansible_collections.otc.jobs.plugins.module_utils.core._errors import JobNotFound
from ansible_collections.otc.jobs.plugins.module_utils.core._secrets import Secrets
from ansible_collections.otc.jobs.plugins.module_utils.core._text import MAX_LINE, MAX_MESSAGE, cap, safe
from ansible_collections.otc.jobs.plugins.module_utils.engine import _runner
from ansible_collections.otc.jobs.plugins.module_utils.engine._jobs import JobClient
from ansible_collections.otc.jobs.plugins.module_utils.engine._messages import failed_sub_job_warnings
from ansible_collections.otc.jobs.plugins.module_utils.engine._waiter import CallerGone, JobWaiter, ParentWatch
from ansible_collections.otc.jobs.plugins.module_utils.net._http import decode_json
from ansible_collections.otc.jobs.plugins.module_utils.net._retry import RetryPolicy
from ansible_collections.otc.jobs.plugins.module_utils.wire._normalize import MAX_LIST_ITEMS, normalize_job
from ansible_collections.otc.jobs.plugins.module_utils.wire._services import job_api

HOSTILE = u'\x1b]0;pwned\x07\x1b[2J\rOK\x08\x00\x85\u202eevil\u2066x\u2069'
UNSAFE = [chr(code) for code in list(range(0x20)) + list(range(0x7f, 0xa0)) + list(range(0x202a, 0x202f)) + list(range(0x2066, 0x206a))]
BASE = {'service': 'elb', 'job_id': 'a', 'job_ids': None, 'auth': {'token': 'tok-secret', 'project_id': 'p1'},
        'endpoint': 'http://127.0.0.1:9', 'token_cache': False}
WAIT = {'timeout': 10, 'sleep': 1, 'max_sleep': 10, 'not_found_timeout': 30, 'max_concurrency': 8, 'progress_interval': 30}


def printable(text):
    return not [char for char in text if char in UNSAFE]


# --- 2. control and bidi characters -----------------------------------------------------------------------


def test_safe_escapes_every_control_and_bidi_character_visibly():
    assert safe(HOSTILE) == '\\x1b]0;pwned\\x07\\x1b[2J\\x0dOK\\x08\\x00\\x85\\u202eevil\\u2066x\\u2069'
    assert printable(safe(u''.join(UNSAFE)))
    assert safe(u'plain text, ümlauts and 日本語') == u'plain text, ümlauts and 日本語'


def test_cap_cuts_at_a_word_and_counts_the_rest():
    text = ' '.join(['word'] * 1000)
    capped = cap(text, 100)
    assert capped.endswith(u'\u2026 %d more characters' % (len(text) - len(capped.split(u'\u2026')[0])))
    assert capped.split(u'\u2026')[0].endswith('word') and len(capped) < 130
    assert cap('short', 100) == 'short'
    # an escape is never cut in half
    assert '\\x1' not in cap('a' * 98 + '\\x1b' + 'b' * 50, 100).replace('\\x1b', '')


class FakeClient:
    service = 'elb'

    def __init__(self, jobs):
        self.jobs = jobs
        self.polls = 0

    def close(self):
        pass

    def fetch_all(self, job_ids, deadline, **kwargs):
        self.polls += len(job_ids)
        return [self.jobs[job_id] for job_id in job_ids]

    def fetch(self, job_id, policy):
        self.polls += 1
        answer = self.jobs[job_id]
        if isinstance(answer, Exception):
            raise answer
        return answer


def connect_to(monkeypatch, jobs):
    monkeypatch.setattr(_runner, 'connect', lambda *args, **kwargs: FakeClient(jobs))


def run(action, warnings, progress=None, **params):
    options = dict(BASE, **(WAIT if action == 'job_wait' else {}))
    options.update(params)
    return _runner.run(action, options, warnings.append, Secrets(), progress=progress)


def elb_body(job_id, status='SUCCESS', **fields):
    body = {'status': status, 'job_id': job_id, 'job_type': 'createELB', 'entities': {}, 'begin_time': '2026-11-23T10:00:00Z',
            'end_time': '2026-11-23T10:00:05Z', 'error_code': None, 'fail_reason': None}
    body.update(fields)
    return body


def test_server_text_reaches_messages_and_warnings_escaped_while_raw_keeps_it(monkeypatch):
    body = elb_body('a', 'FAIL', error_code='ELB.1' + HOSTILE, fail_reason='quota' + HOSTILE, job_type='create' + HOSTILE,
                    sub_jobs=[elb_body('s' + HOSTILE, 'FAIL', fail_reason='sub' + HOSTILE)])
    connect_to(monkeypatch, {'a': normalize_job('elb', body, 'p1', 'a')})
    warnings, lines = [], []
    result = run('job_wait', warnings, progress=lines.append)
    assert result['failed'] and printable(result['msg']), result['msg']
    assert '\\x1b]0;pwned\\x07' in result['msg'] and '\\u202eevil' in result['msg']
    assert result['job']['raw']['fail_reason'] == 'quota' + HOSTILE  # the data stays as received
    assert all(printable(line) for line in warnings + lines)

    ok = elb_body('b', sub_jobs=[elb_body('s' + HOSTILE, 'FAIL', fail_reason='sub' + HOSTILE)])
    connect_to(monkeypatch, {'b': normalize_job('elb', ok, 'p1', 'b')})
    warnings = []
    run('job_info', warnings, job_id='b')
    assert len(warnings) == 1 and printable(warnings[0]) and '\\x1b' in warnings[0]


# --- 3. bodies under the cap that would balloon -------------------------------------------------------------


def ecs_body(count):
    sub_jobs = [{'status': 'FAIL' if index % 2 else 'SUCCESS', 'job_id': '%032x' % index, 'job_type': 'createSingleServer',
                 'begin_time': '2024-01-01T00:00:00.000Z', 'end_time': '2024-01-01T00:00:01.000Z',
                 'error_code': 'Ecs.0001' if index % 2 else None, 'fail_reason': 'no capacity' if index % 2 else None,
                 'entities': {'server_id': '%032x' % index}} for index in range(count)]
    return json.dumps({'status': 'SUCCESS', 'job_id': 'a' * 32, 'job_type': 'createServer', 'begin_time': '2024-01-01T00:00:00Z',
                       'end_time': '2024-01-01T00:00:05Z', 'entities': {'sub_jobs': sub_jobs}}).encode()


def test_an_8_mib_body_of_28000_sub_jobs_costs_time_and_memory_in_proportion():
    data = ecs_body(28000)
    assert 7 * 1024 * 1024 < len(data) <= 8 * 1024 * 1024
    tracemalloc.start()
    began = time.monotonic()
    try:
        job = normalize_job('ecs', decode_json(data), project_id='p1', job_id='a' * 32)
        warnings = failed_sub_job_warnings(job)
        took = time.monotonic() - began
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert took < 15, took  # about 2 s here (under tracemalloc); the old code took minutes (quadratic resource ids)
    assert peak < 200 * 1000 * 1000, peak  # about 40 MB
    assert len(job['sub_jobs']) == MAX_LIST_ITEMS and job['sub_jobs_total'] == 28000
    assert job['truncated'] == {'sub_jobs': 28000, 'entities.sub_jobs': 28000}
    assert len(job['entities']['sub_jobs']) == MAX_LIST_ITEMS
    assert len(json.dumps(job)) < 1.5 * len(data)  # raw, plus 1000 kept items
    assert len(json.dumps(dict(job, raw=None))) < len(data) / 4
    assert len(warnings) == 1 and len(warnings[0]) < 2 * MAX_LINE


# --- 4. bounded output -----------------------------------------------------------------------------------


def failed_sub_job(index, reason='no capacity'):
    return {'id': 'sub-%d' % index, 'state': 'failed', 'error': {'code': 'E', 'message': reason}, 'sub_jobs': []}


def test_50000_failed_sub_jobs_give_one_warning(monkeypatch):
    job = normalize_job('elb', elb_body('a'), 'p1', 'a')
    job['sub_jobs'] = [failed_sub_job(index) for index in range(50000)]
    connect_to(monkeypatch, {'a': job})
    warnings = []
    run('job_info', warnings)
    assert len(warnings) == 1
    assert warnings[0].startswith('elb job a succeeded, but 50000 of its sub-jobs failed: sub-0 failed: E no capacity; ')
    assert warnings[0].endswith('; and 49995 more') and len(warnings[0]) <= MAX_LINE + 40


def test_a_3_mb_reason_is_capped_in_msg_and_progress(monkeypatch):
    reason = 'x ' * (1500 * 1000)
    job = normalize_job('elb', elb_body('a', 'FAIL', fail_reason=reason), 'p1', 'a')
    connect_to(monkeypatch, {'a': job})
    warnings, lines = [], []
    result = run('job_wait', warnings, progress=lines.append, return_raw=False)
    assert len(result['msg']) <= MAX_MESSAGE + 40 and result['msg'].endswith(' more characters')
    assert all(len(line) <= MAX_LINE + 40 for line in lines) and lines
    assert 'raw' not in result['job']
    assert len(json.dumps(result)) < 20000  # was 3 MB of reason in msg, error and raw each


def test_return_raw_false_leaves_raw_out_of_jobs_and_sub_jobs(monkeypatch):
    job = normalize_job('elb', elb_body('a', sub_jobs=[elb_body('s1')]), 'p1', 'a')
    connect_to(monkeypatch, {'a': job})
    result = run('job_info', [], return_raw=False)
    assert 'raw' not in result['job'] and 'raw' not in result['job']['sub_jobs'][0]
    job = normalize_job('elb', elb_body('a'), 'p1', 'a')
    connect_to(monkeypatch, {'a': job})
    assert run('job_info', [])['job']['raw']['job_id'] == 'a'  # default: kept


# --- 5. token cache files that rot ----------------------------------------------------------------------------

NOW = 1800000000.0


@pytest.fixture
def cache_dir(tmp_path):
    directory = tmp_path / 'otc.jobs'
    directory.mkdir(mode=0o700)
    return directory


def write_entry(directory, text):
    path = directory / 'token-k.json'
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    os.chmod(str(path), 0o600)
    return path


@pytest.mark.parametrize('content', [
    '[' * 200000 + ']' * 200000,                                           # maximum recursion depth exceeded
    '{"token": "t", "expires_at": %s}' % ('9' * 400),                      # int too large to convert to float
    '{"token": "t", "expires_at": "1e400"}',
    '{"token": "t", "expires_at": 1e400}',
    '{"token": "t", "expires_at": NaN}',
    '{"token": ',
    b'\xff\xfe garbage',
    '{"token": "t", "expires_at": 1800003600, "pad": "%s"}' % ('x' * (MAX_FILE + 10)),
    '[]',
])
def test_a_rotten_cache_file_is_ignored_removed_and_warned_about_once(cache_dir, content):
    path = write_entry(cache_dir, content)
    warnings = []
    cache = TokenCache(str(cache_dir), clock=FakeClock(epoch=NOW), warn=warnings.append)
    assert cache.load('k', 'pw') is None
    assert cache.load('k', 'pw') is None
    assert not path.exists()
    assert len(warnings) == 1 and 'token cache file' in warnings[0] and 'ignored and removed' in warnings[0]
    assert cache.store('k', {'token': 't', 'expires_at': NOW + 3600}, 'pw')
    assert cache.load('k', 'pw')['token'] == 't'


def test_a_catalog_too_big_for_the_cache_is_cut_to_the_job_services_once(cache_dir):
    endpoint = {'url': 'https://x.example.com/v1', 'interface': 'public', 'region': 'eu-de'}
    catalog = [{'type': 'junk%d' % index, 'endpoints': [endpoint] * 2} for index in range(10000)]
    catalog.append({'type': 'elb', 'endpoints': [{'url': 'https://elb.example.com', 'interface': 'public', 'region': 'eu-de'}]})
    warnings = []
    cache = TokenCache(str(cache_dir), clock=FakeClock(epoch=NOW), warn=warnings.append, catalog_types=frozenset(['elb']))
    assert cache.store('k', {'token': 't', 'expires_at': NOW + 3600, 'catalog': catalog}, 'pw')
    entry = cache.load('k', 'pw')
    assert entry['catalog'] == catalog[-1:]
    assert len(warnings) == 1 and '10001 entries' in warnings[0]


# --- 6. numeric ranges -------------------------------------------------------------------------------------


@pytest.mark.parametrize('option, value, message', [
    ('timeout', 9.3e9, 'timeout must be at most 604800, got 9300000000'),
    ('api_timeout', 1e10, 'api_timeout must be at most 86400, got 10000000000'),
    ('progress_interval', 1e-9, 'progress_interval must be 0 (no progress lines) or at least 1 s, got 1e-09'),
    ('progress_interval', 0.5, 'progress_interval must be 0 (no progress lines) or at least 1 s, got 0.5'),
    ('progress_interval', 1e12, 'progress_interval must be at most 604800, got 1000000000000'),
    ('sleep', 1e6, 'sleep must be at most 3600, got 1000000'),
    ('max_sleep', 1e300, 'max_sleep must be at most 3600, got 1e+300'),
    ('not_found_timeout', 1e9, 'not_found_timeout must be at most 604800, got 1000000000'),
])
def test_numbers_out_of_range_are_refused_before_any_request(monkeypatch, option, value, message):
    calls = []
    monkeypatch.setattr(_runner, 'connect', lambda *args, **kwargs: calls.append(1))
    result = run('job_wait', [], **{option: value})
    assert result['failed'] and result['msg'] == message and calls == []


def test_the_edges_of_the_ranges_pass(monkeypatch):
    connect_to(monkeypatch, {'a': normalize_job('elb', elb_body('a'), 'p1', 'a')})
    result = run('job_wait', [], timeout=604800, api_timeout=86400, progress_interval=1, sleep=3600, max_sleep=3600,
                 not_found_timeout=604800)
    assert not result.get('failed'), result
    assert not run('job_wait', [], progress_interval=0).get('failed')


# --- 7. the caller is gone ------------------------------------------------------------------------------------


class Forever:
    service = 'elb'
    polls = 0

    def fetch(self, job_id, policy):
        self.polls += 1
        return {'id': job_id, 'service': 'elb', 'status': 'RUNNING', 'state': 'running', 'finished': False, 'progress': None}


def test_a_wait_stops_within_seconds_once_its_parent_changes():
    clock = FakeClock()
    began = clock.now()
    watch = ParentWatch(getppid=lambda: 100 if clock.now() - began < 1 else 1)
    with pytest.raises(CallerGone) as caught:
        JobWaiter(Forever(), timeout=60, sleep=1, max_sleep=10, parent=watch, clock=clock).wait(['j1'])
    assert 1 <= clock.now() - began <= 1 + JobWaiter.PARENT_CHECK
    assert 'the process that started the wait (pid 100) is gone' in caught.value.message


def test_a_real_wait_ends_when_its_parent_is_killed(tmp_path):
    child = textwrap.dedent('''
        import os, sys, time
        from ansible_collections.otc.jobs.plugins.module_utils.engine._waiter import JobWaiter
        class Forever:
            service = 'elb'
            polls = 0
            def fetch(self, job_id, policy):
                return {'id': job_id, 'service': 'elb', 'status': 'RUNNING', 'state': 'running', 'finished': False}
        waiter = JobWaiter(Forever(), timeout=120, sleep=1, max_sleep=10)  # its parent is noted here
        print('waiting', flush=True)
        try:
            waiter.wait(['j1'])
        except Exception as exc:
            with open(sys.argv[1] + '.part', 'w') as handle:
                handle.write(str(exc))
            os.replace(sys.argv[1] + '.part', sys.argv[1])  # the test sees the whole report or none
    ''')
    parent = textwrap.dedent('''
        import subprocess, sys, time
        child = subprocess.Popen([sys.executable, '-c', sys.argv[1], sys.argv[2]], stdout=subprocess.PIPE)
        child.stdout.readline()
        print(child.pid, flush=True)
        time.sleep(300)
    ''')
    report = str(tmp_path / 'report')
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(path for path in sys.path if path))
    process = subprocess.Popen([sys.executable, '-c', parent, child, report], stdout=subprocess.PIPE, env=env)
    child_pid = int(process.stdout.readline())
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    killed = time.monotonic()
    while time.monotonic() - killed < 30 and not os.path.exists(report):
        time.sleep(0.2)
    took = time.monotonic() - killed
    try:
        os.kill(child_pid, signal.SIGKILL)  # only if it is still there (a failure)
    except OSError:
        pass
    assert os.path.exists(report), 'the orphaned wait kept polling'
    assert took < 2 * JobWaiter.PARENT_CHECK + 8, took  # a check every PARENT_CHECK s; generous for a busy machine
    with open(report) as handle:
        assert 'is gone' in handle.read()


# --- 8. the real cause, with attempts ---------------------------------------------------------------------


def test_the_last_real_cause_wins_over_a_request_not_sent():
    clock = FakeClock(start=0.0)
    answers = [TransientError('reading elb job a failed: HTTP 503 SYS.503: busy', status_code=503)] * 5

    def call():
        if answers:
            answers.pop()
            clock.advance(2)
            raise TransientError('reading elb job a failed: HTTP 503 SYS.503: busy', status_code=503)
        error = TransientError('reading elb job a: GET to http://x not sent: no time left before the deadline',
                               deadline_passed=True)
        error.not_sent = True
        raise error
    policy = RetryPolicy(deadline=11.0, clock=clock)
    with pytest.raises(TransientError) as caught:
        policy.call(call)
    assert caught.value.message.startswith('reading elb job a failed: HTTP 503 SYS.503: busy (5 attempts over ')
    assert 'not sent' not in caught.value.message


# --- 9. not found: which API was asked --------------------------------------------------------------------


class NotFoundSession:
    def get_json(self, url, what, deadline=None):
        raise ApiError('%s failed: HTTP 404 Common.0011: job not found' % what, status_code=404, code='Common.0011',
                       api_message='job not found')


def test_not_found_names_the_api_asked_and_suggests_service():
    client = JobClient(job_api('ecs'), NotFoundSession(), 'https://ecs.example.com', 'p1')
    with pytest.raises(JobNotFound) as caught:
        client.fetch('0b6f2c1e-1111-2222-3333-444455556666', RetryPolicy(max_attempts=1))
    message = caught.value.message
    assert message.startswith('ecs job 0b6f2c1e-1111-2222-3333-444455556666 not found: HTTP 404 Common.0011: job not found '
                              '(asked the Elastic Cloud Server API, service ecs; check service')
    assert 'the id looks like a job of cfw or cce or rds or dds or ddm' in message
    with pytest.raises(JobNotFound) as caught:
        client.fetch('ff8080825ecc523f015ecd0a98f82f77', RetryPolicy(max_attempts=1))
    assert 'check service' in caught.value.message and 'looks like' not in caught.value.message
