# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Integration tests of otc.jobs.job_wait against the local emulator (SPEC §2-§4, §6)."""

import time

from tests.integration.harness import assert_failed, assert_ok, module_task
from tests.integration.harness import with_token_defaults as wrap

FAST = {'sleep': 0.2, 'max_sleep': 0.5}


def wait_task(name, service, job_id=None, job_ids=None, **options):
    args = dict(FAST, timeout=20)
    args.update(options)
    args.update({'job_ids': job_ids} if job_ids is not None else {'job_id': job_id})
    return module_task(name, 'job_wait', service=service, **args)


def ok(run, name):
    result = assert_ok(run, name)
    assert result['changed'] is False
    assert isinstance(result['elapsed'], float) and isinstance(result['polls'], int) and result['polls'] >= 1
    return result


def failed(run, name):
    result = assert_failed(run, name)
    assert result['changed'] is False
    return result


def test_success_failure_and_cfw(emulator, playbook):
    # ansible-playbook needs 1-3 s to start, so a job's own duration cannot promise a pending answer:
    # the first answer is forced to RUNNING by an unknown_status fault (a known status, so no warning)
    single = emulator.create_job('elb', duration=2.0)['job_id']
    emulator.add_fault('unknown_status', match={'job_id': single}, times=1, status='RUNNING')
    failing = emulator.create_job('elb', duration=0.3, error_code='ELB.8902',
                                  fail_reason='Insufficient EIP quota for the load balancer.',
                                  sub_jobs=[{'job_id': 'subok1', 'job_type': 'createListener'},
                                            {'job_id': 'subbad1', 'outcome': 'fail', 'error_code': 'ELB.7001',
                                             'fail_reason': 'listener port in use'}])['job_id']
    trio = [emulator.create_job('elb', duration=0.3)['job_id'],
            emulator.create_job('elb', duration=0.4, outcome='fail', error_code='ELB.8902', fail_reason='no quota')['job_id'],
            emulator.create_job('elb', duration=0.5)['job_id']]
    cfw_ok = emulator.create_job('cfw', duration=0.4)['job_id']
    cfw_bad = emulator.create_job('cfw', duration=0.4, outcome='fail')['job_id']
    tasks = (wait_task('single', 'elb', single) + wait_task('failing', 'elb', failing)
             + wait_task('trio', 'elb', job_ids=trio) + wait_task('cfw ok', 'cfw', cfw_ok)
             + wait_task('cfw bad', 'cfw', cfw_bad))
    run = playbook(wrap(emulator, tasks))

    result = ok(run, 'single')
    assert result['job']['id'] == single and result['job']['state'] == 'success' and result['job']['finished'] is True
    assert 'jobs' not in result
    assert 0.2 <= result['elapsed'] < 5
    assert result['polls'] == emulator.get_job(single)['gets'] >= 2
    assert not result.get('warnings')

    result = failed(run, 'failing')
    msg = result['msg']
    for part in (failing, 'ELB.8902', 'Insufficient EIP quota for the load balancer.', 'job_type createELB',
                 'subbad1', 'ELB.7001', 'listener port in use'):
        assert part in msg, (part, msg)
    assert 'subok1' not in msg
    assert msg.startswith('elb job %s failed: ELB.8902 Insufficient EIP quota' % failing), msg
    assert result['job']['state'] == 'failed' and result['job']['id'] == failing
    assert result['job']['sub_jobs'][1]['state'] == 'failed'
    assert isinstance(result['elapsed'], float) and result['polls'] >= 1

    result = failed(run, 'trio')
    assert result['msg'].startswith('1 of 3 elb jobs failed: '), result['msg']
    assert trio[1] in result['msg'] and 'ELB.8902 no quota' in result['msg']
    assert trio[0] not in result['msg'] and trio[2] not in result['msg']
    assert [job['id'] for job in result['jobs']] == trio
    assert [job['state'] for job in result['jobs']] == ['success', 'failed', 'success']
    assert all(job['finished'] for job in result['jobs'])

    result = ok(run, 'cfw ok')
    assert result['job']['status'] == 'Success' and result['job']['service'] == 'cfw'
    result = failed(run, 'cfw bad')
    assert result['msg'].startswith('cfw job %s failed' % cfw_bad), result['msg']
    assert result['job']['status'] == 'Failed' and result['job']['state'] == 'failed'
    assert 'Traceback' not in run.output


def test_concurrency_is_bounded(emulator, playbook):
    emulator.configure(latency=0.2)
    ids = [emulator.create_job('elb', duration=1.0 + 0.05 * i)['job_id'] for i in range(12)]
    for job_id in ids:  # each job answers RUNNING at least once, however slow ansible starts
        emulator.add_fault('unknown_status', match={'job_id': job_id}, times=1, status='RUNNING')
    ids.reverse()
    run = playbook(wrap(emulator, wait_task('twelve', 'elb', job_ids=ids, max_concurrency=4)))
    result = ok(run, 'twelve')
    assert [job['id'] for job in result['jobs']] == ids
    assert all(job['state'] == 'success' for job in result['jobs'])
    stats = emulator.stats()
    assert 2 <= stats['peak_in_flight'] <= 4, stats['peak_in_flight']
    assert result['polls'] == stats['by_route']['elb_job']
    assert result['polls'] >= 24  # every job seen unfinished, then finished


def test_timeout(emulator, playbook):
    endless = emulator.create_job('elb', duration=None)['job_id']
    started = time.monotonic()
    run = playbook(wrap(emulator, wait_task('endless', 'elb', endless, timeout=3, api_timeout=2)))
    wall = time.monotonic() - started
    result = failed(run, 'endless')
    assert result['msg'] == 'timed out after 3 s waiting for elb job %s: last status RUNNING' % endless
    assert result['job']['status'] == 'RUNNING'
    assert 3 <= result['elapsed'] < 3 + 2, result['elapsed']
    assert wall < 3 + 2 + 5, wall  # + ansible-playbook start-up
    assert result['polls'] >= 3


def test_timeout_with_slow_answers_stays_bounded(emulator, playbook):
    endless = emulator.create_job('elb', duration=None)['job_id']
    emulator.add_fault('slow', match={'job_id': endless}, times=None, delay=1.5)
    run = playbook(wrap(emulator, wait_task('slow endless', 'elb', endless, timeout=2, api_timeout=1)))
    result = failed(run, 'slow endless')
    assert result['msg'].startswith('timed out after 2 s waiting for elb job %s: last status' % endless), result['msg']
    assert result['elapsed'] < 2 + 1 + 2, result['elapsed']  # the deadline, one api_timeout, slack for a busy machine


def test_unknown_status_late_jobs_and_4xx(emulator, playbook):
    # scripted statuses; the fault makes the first two answers QUEUED however slow ansible starts
    queued = emulator.create_job('elb', statuses=[['QUEUED', 1.0], ['SUCCESS', None]])['job_id']
    emulator.add_fault('unknown_status', match={'job_id': queued}, times=2, status='QUEUED')
    late = emulator.create_job('elb', duration=0.2, appear_after=5.0)['job_id']
    never = emulator.create_job('cfw', duration=0.2, appear_after=30)['job_id']
    forbidden = emulator.create_job('elb', duration=0)['job_id']
    emulator.add_fault('status', match={'job_id': forbidden}, times=None, status=403)
    tasks = (wait_task('queued', 'elb', queued) + wait_task('late', 'elb', late, not_found_timeout=10)
             + wait_task('never', 'cfw', never, not_found_timeout=1) + wait_task('forbidden', 'elb', forbidden))
    run = playbook(wrap(emulator, tasks))

    result = ok(run, 'queued')
    assert result['job']['state'] == 'success'
    warnings = result.get('warnings') or []
    assert len(warnings) == 1 and 'QUEUED' in warnings[0] and queued in warnings[0], warnings
    assert result['polls'] >= 3

    result = ok(run, 'late')
    assert result['job']['state'] == 'success'
    assert result['elapsed'] >= 0.5 and result['polls'] >= 2
    late_answers = [r['status'] for r in emulator.stats()['requests'] if r['path'].endswith('/' + late)]
    assert late_answers[0] == 404 and late_answers[-1] == 200, late_answers

    result = failed(run, 'never')
    assert 'not found' in result['msg'] and never in result['msg'] and 'cfw' in result['msg'], result['msg']
    assert 'CFW.00200005' in result['msg']

    result = failed(run, 'forbidden')
    assert 'HTTP 403' in result['msg'] and forbidden in result['msg'], result['msg']
    assert result['status_code'] == 403
    assert result['polls'] == 1  # not retried
    assert emulator.get_job(forbidden)['gets'] == 1
    # RETURN documents elapsed as 'returned: always', but an API error result has only polls (reported)
    assert result['elapsed'] < 5


FAULTS = [
    ('status500', 'status', 2, {'status': 500}),
    ('status502', 'status', 1, {'status': 502}),
    ('status503', 'status', 3, {'status': 503}),
    ('status504', 'status', 2, {'status': 504}),
    ('html503', 'html_503', 2, {}),
    ('ratelimit', 'rate_limit', 1, {'retry_after': 1}),
    ('reset', 'reset', 2, {}),
    ('slow', 'slow', 1, {'delay': 1.5}),
    ('truncated', 'truncated', 2, {}),
    ('notjson', 'not_json', 3, {}),
]


def test_transient_faults_are_retried(emulator, playbook):
    jobs = {}
    tasks = ''
    for name, kind, times, params in FAULTS:
        job_id = emulator.create_job('elb', duration=0, job_id='fault-' + name)['job_id']
        emulator.add_fault(kind, match={'job_id': job_id}, times=times, **params)
        jobs[name] = job_id
        tasks += wait_task(name, 'elb', job_id, api_timeout=1, timeout=15)
    run = playbook(wrap(emulator, tasks))
    assert run.rc == 0, run.output[-3000:]
    for name, dummy_kind, times, dummy_params in FAULTS:
        result = ok(run, name)
        assert result['job']['state'] == 'success', name
        assert result['polls'] > times, (name, result['polls'])
        assert emulator.get_job(jobs[name])['gets'] == times + 1, name
    assert run.task('ratelimit')['elapsed'] >= 0.95
    assert run.task('slow')['elapsed'] >= 1.0  # one read timeout of api_timeout 1
    assert emulator.list_faults() == []


def test_check_mode_waits_too(emulator, playbook):
    job_id = emulator.create_job('elb', duration=1.0)['job_id']
    emulator.add_fault('unknown_status', match={'job_id': job_id}, times=2, status='RUNNING')
    run = playbook(wrap(emulator, wait_task('checked', 'elb', job_id)), check=True)
    result = ok(run, 'checked')
    assert result['job']['state'] == 'success'
    assert result['elapsed'] >= 0.3  # two pending answers, at least sleep 0.2 x 0.9 apart
    assert result['polls'] == emulator.get_job(job_id)['gets'] >= 3
