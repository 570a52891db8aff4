# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Integration tests of otc.jobs.job_info against the local emulator (SPEC §2-§4, §6)."""

import datetime

from tests.emulator import otc_emulator
from tests.integration.harness import assert_failed as failed
from tests.integration.harness import assert_ok, module_task
from tests.integration.harness import with_token_defaults as wrap

JOB_KEYS = {'id', 'service', 'project_id', 'status', 'state', 'finished', 'succeeded', 'job_type',
            'begin_time', 'end_time', 'duration', 'error', 'entities', 'sub_jobs', 'progress', 'resource_ids', 'raw'}
PROJECT_ID = otc_emulator.PROJECT_ID


def info_task(name, service, job_id=None, job_ids=None):
    ids = {'job_ids': job_ids} if job_ids is not None else {'job_id': job_id}
    return module_task(name, 'job_info', service=service, **ids)


def iso_of_epoch(epoch, seconds_only=False):
    millis = int(round(epoch * 1000))
    if seconds_only:
        millis = millis // 1000 * 1000
    instant = datetime.datetime.fromtimestamp(millis / 1000.0, tz=datetime.timezone.utc)
    return instant.strftime('%Y-%m-%dT%H:%M:%S.') + '%03dZ' % (instant.microsecond // 1000)


def ok(run, name):
    result = assert_ok(run, name)
    assert result['changed'] is False
    return result


def test_every_state_on_both_services(emulator, playbook):
    entities = {'elb': {'id': 'lb-1', 'name': 'web'}}
    jobs = {
        'elb_init': emulator.create_job('elb', statuses=[['INIT', None]]),
        'elb_running': emulator.create_job('elb', statuses=[['INIT', 0.05], ['RUNNING', None]]),
        'elb_success': emulator.create_job('elb', statuses=[['INIT', 0.05], ['RUNNING', 0.25], ['SUCCESS', None]],
                                           entities=entities),
        'elb_fail': emulator.create_job('elb', duration=0.3, outcome='fail', error_code='ELB.8902',
                                        fail_reason='Insufficient EIP quota for the load balancer.'),
        'cfw_running': emulator.create_job('cfw', duration=None),
        'cfw_success': emulator.create_job('cfw', duration=0.3),
        'cfw_failed': emulator.create_job('cfw', duration=0.3, outcome='fail'),
    }
    tasks = ''.join(info_task(name, name.split('_', maxsplit=1)[0], job['job_id']) for name, job in jobs.items())
    run = playbook(wrap(emulator, tasks))
    assert run.rc == 0, run.output[-3000:]
    expected = {
        'elb_init': ('INIT', 'init', False, False),
        'elb_running': ('RUNNING', 'running', False, False),
        'elb_success': ('SUCCESS', 'success', True, True),
        'elb_fail': ('FAIL', 'failed', True, False),
        'cfw_running': ('Running', 'running', False, False),
        'cfw_success': ('Success', 'success', True, True),
        'cfw_failed': ('Failed', 'failed', True, False),
    }
    for name, (status, state, finished, succeeded) in expected.items():
        result = ok(run, name)
        job = result['job']
        assert 'jobs' not in result
        assert set(job) == JOB_KEYS, name
        service = name.split('_', maxsplit=1)[0]
        assert job['id'] == jobs[name]['job_id']
        assert job['service'] == service
        assert job['project_id'] == PROJECT_ID
        assert (job['status'], job['state'], job['finished'], job['succeeded']) == (status, state, finished, succeeded), name
        assert job['sub_jobs'] == []
        assert isinstance(job['raw'], dict)
        assert job['begin_time'].endswith('Z')
        if service == 'elb':
            assert job['job_type'] == 'createELB'
            assert job['raw']['job_id'] == job['id']
        else:
            assert job['job_type'] is None
            assert job['entities'] == {}
            assert job['raw']['data']['id'] == job['id']
        if finished:
            assert isinstance(job['duration'], float), name
            assert abs(job['duration'] - 0.3) < 0.01, (name, job['duration'])
            assert job['end_time'].endswith('Z')
        else:
            assert job['duration'] is None
            assert job['end_time'] is None
        if state == 'failed':
            assert isinstance(job['error'], dict) and set(job['error']) == {'code', 'message'}
        else:
            assert job['error'] is None
    assert run.task('elb_fail')['job']['error'] == {
        'code': 'ELB.8902', 'message': 'Insufficient EIP quota for the load balancer.'}
    assert run.task('elb_success')['job']['entities'] == entities
    assert run.task('elb_running')['job']['entities'] == {}


def test_job_ids_in_input_order_and_check_mode(emulator, playbook):
    created = [emulator.create_job('elb', duration=0) if i % 2 else emulator.create_job('elb', statuses=[['INIT', None]])
               for i in range(3)]
    ids = [job['job_id'] for job in reversed(created)]
    cfw = emulator.create_job('cfw', duration=0)
    tasks = info_task('many', 'elb', job_ids=ids) + info_task('cfw one', 'cfw', cfw['job_id'])
    run = playbook(wrap(emulator, tasks), check=True)
    assert run.rc == 0, run.output[-3000:]
    result = ok(run, 'many')
    assert 'job' not in result
    assert [job['id'] for job in result['jobs']] == ids
    assert [job['state'] for job in result['jobs']] == ['init', 'success', 'init']
    for job in result['jobs']:
        assert set(job) == JOB_KEYS
    assert ok(run, 'cfw one')['job']['state'] == 'success'
    # check mode still sends the GETs: job_info is read only
    assert emulator.stats()['by_route'].get('elb_job') == 3


def test_time_formats_normalize_to_the_same_iso(emulator, playbook):
    seconds_only = {'s', 'iso_z', 'offset_colon', 'offset_compact'}
    formats = ['ms', 's', 'ms_string', 'iso_z', 'iso_fraction', 'offset_colon', 'offset_compact']
    jobs = dict((fmt, emulator.create_job('cfw', duration=0.2, time_format=fmt)) for fmt in formats)
    jobs['elb_iso'] = emulator.create_job('elb', duration=0.2)
    jobs['empty'] = emulator.create_job('cfw', duration=0.2, time_format='empty')
    jobs['null'] = emulator.create_job('elb', duration=0.2, time_format='null')
    # one job polled under every format: same instant, same normalized text (modulo the second precision)
    tasks = ''.join(info_task('fmt ' + name, 'elb' if name in ('elb_iso', 'null') else 'cfw', job['job_id'])
                    for name, job in jobs.items())
    run = playbook(wrap(emulator, tasks))
    assert run.rc == 0, run.output[-3000:]
    for name, job in jobs.items():
        result = ok(run, 'fmt ' + name)['job']
        if name in ('empty', 'null'):
            assert result['begin_time'] is None and result['end_time'] is None and result['duration'] is None
            assert result['state'] == 'success'
            continue
        begin = emulator.get_job(job['job_id'])['appears_at']
        precise = name not in seconds_only
        assert result['begin_time'] == iso_of_epoch(begin, seconds_only=not precise), name
        assert result['end_time'] == iso_of_epoch(begin + 0.2, seconds_only=not precise), name
        if precise:
            assert abs(result['duration'] - 0.2) < 0.002, name
    raw_s = run.task('fmt s')['job']['raw']['data']['begin_time']
    raw_compact = run.task('fmt offset_compact')['job']['raw']['data']['begin_time']
    assert isinstance(raw_s, int) and raw_compact.endswith('+0800')


def test_sub_jobs_variants(emulator, playbook):
    variants = dict((kind, emulator.create_job('elb', duration=0, sub_jobs_empty=kind))
                    for kind in ('absent', 'null', 'empty_string', 'list'))
    nested = emulator.create_job('elb', duration=0, sub_jobs=[
        {'job_id': 'sub-ok', 'job_type': 'createListener'},
        {'job_id': 'sub-bad', 'outcome': 'fail', 'error_code': 'ELB.7001', 'fail_reason': 'listener port in use',
         'sub_jobs': [{'job_id': 'sub-sub', 'outcome': 'fail', 'error_code': 'ELB.7002', 'fail_reason': 'deep'}]},
    ])
    tasks = ''.join(info_task('sub ' + kind, 'elb', job['job_id']) for kind, job in variants.items())
    tasks += info_task('nested', 'elb', nested['job_id'])
    run = playbook(wrap(emulator, tasks))
    assert run.rc == 0, run.output[-3000:]
    for kind in variants:
        job = ok(run, 'sub ' + kind)['job']
        assert job['sub_jobs'] == [], kind
        assert job['state'] == 'success'
    assert 'sub_jobs' not in run.task('sub absent')['job']['raw']
    assert run.task('sub empty_string')['job']['raw']['sub_jobs'] == ''
    job = ok(run, 'nested')['job']
    assert job['state'] == 'failed'
    assert job['error'] == {'code': 'ELB.7001', 'message': 'listener port in use'}
    subs = job['sub_jobs']
    assert [sub['id'] for sub in subs] == ['sub-ok', 'sub-bad']
    for sub in subs:
        assert set(sub) == JOB_KEYS
    assert subs[0]['state'] == 'success' and subs[0]['job_type'] == 'createListener' and subs[0]['error'] is None
    assert subs[1]['state'] == 'failed' and subs[1]['finished'] is True and subs[1]['succeeded'] is False
    assert subs[1]['error'] == {'code': 'ELB.7001', 'message': 'listener port in use'}
    assert subs[1]['sub_jobs'][0]['id'] == 'sub-sub'
    assert subs[1]['sub_jobs'][0]['error'] == {'code': 'ELB.7002', 'message': 'deep'}


def test_unknown_status_warns(emulator, playbook):
    elb = emulator.create_job('elb', statuses=[['QUEUED', None]])
    cfw = emulator.create_job('cfw', duration=None)
    emulator.add_fault('unknown_status', match={'route': 'cfw_job'}, status='Pending')
    run = playbook(wrap(emulator, info_task('elb q', 'elb', elb['job_id']) + info_task('cfw q', 'cfw', cfw['job_id'])))
    assert run.rc == 0, run.output[-3000:]
    for name, status in (('elb q', 'QUEUED'), ('cfw q', 'Pending')):
        result = ok(run, name)
        assert result['job']['state'] == 'unknown'
        assert result['job']['status'] == status
        assert result['job']['finished'] is False and result['job']['succeeded'] is False
        warnings = result.get('warnings') or []
        assert len(warnings) == 1 and status in warnings[0], warnings


def test_missing_jobs_fail_with_details(emulator, playbook):
    tasks = (info_task('elb missing', 'elb', 'nosuchjob123') + info_task('cfw missing', 'cfw', 'nosuchjob456')
             + info_task('exactly 64', 'elb', 'b' * 64))
    run = playbook(wrap(emulator, tasks))
    # a 64-character id is valid: it is sent and merely not found
    assert 'HTTP 404' in failed(run, 'exactly 64')['msg']
    assert emulator.stats()['job_gets']['b' * 64] == 1
    elb = failed(run, 'elb missing')
    for part in ('elb', 'nosuchjob123', 'HTTP 404', 'ELB.1102'):
        assert part in elb['msg'], elb['msg']
    assert elb['status_code'] == 404
    assert elb['error']['code'] == 'ELB.1102' and elb['error']['message']
    assert elb['changed'] is False
    cfw = failed(run, 'cfw missing')
    for part in ('cfw', 'nosuchjob456', 'HTTP 400', 'CFW.00200005'):
        assert part in cfw['msg'], cfw['msg']
    assert cfw['status_code'] == 400
    assert cfw['error']['code'] == 'CFW.00200005'
    assert 'Traceback' not in run.output


HOSTILE = {
    'dotdot': 'a/../b',
    'slash': 'a/b',
    'percent': '%2F',
    'query': 'a?x=1',
    'fragment': 'a#b',
    'space': 'a b',
    'crlf': 'a\r\nb',
    'empty': '',
    'long': 'a' * 300,
}


def test_hostile_ids_refused_without_a_request(emulator, playbook):
    good = emulator.create_job('elb', duration=0)['job_id']
    tasks = ''
    for name, value in HOSTILE.items():
        tasks += info_task('single ' + name, 'elb', value)
    for name in ('dotdot', 'crlf', 'empty', 'long'):
        tasks += info_task('list ' + name, 'cfw', job_ids=[good, HOSTILE[name]])
    tasks += info_task('65', 'elb', 'b' * 65)
    emulator.reset_stats()
    run = playbook(wrap(emulator, tasks))
    for name in HOSTILE:
        single = failed(run, 'single ' + name)
        assert 'is not a valid job id' in single['msg'], (name, single['msg'])
        assert single['msg'].startswith('job_id '), single['msg']
        assert single['changed'] is False
    for name in ('dotdot', 'crlf', 'empty', 'long'):
        listed = failed(run, 'list ' + name)
        assert 'is not a valid job id' in listed['msg'], (name, listed['msg'])
        assert 'job_ids' in listed['msg']
    assert run.task('single dotdot')['msg'] == "job_id 'a/../b' is not a valid job id: use 1-64 letters, digits, '-' or '_'"
    assert len(run.task('single long')['msg']) < 300
    assert "'a\\r\\nb'" in run.task('single crlf')['msg']  # the id arrived with its CR LF, shown escaped
    assert failed(run, '65')['msg'].endswith("is not a valid job id: use 1-64 letters, digits, '-' or '_'")
    assert 'Traceback' not in run.output
    stats = emulator.stats()
    assert stats['total'] == 0, stats['by_route']
    assert stats['job_gets'] == {}


def test_api_errors_and_retries(emulator, playbook):
    job = emulator.create_job('elb', duration=0)['job_id']
    other = emulator.create_job('elb', duration=0)['job_id']
    transient = emulator.create_job('cfw', duration=0)['job_id']
    emulator.add_fault('status', match={'job_id': other}, times=None, status=500)
    emulator.add_fault('status', match={'job_id': transient}, times=1, status=503)
    tasks = (info_task('persistent 500', 'elb', other)
             + info_task('one 503', 'cfw', transient)
             + '- name: bad token\n  otc.jobs.job_info: {service: elb, job_id: %s, auth: {token: wrong-token, project_id: %s}}\n'
               '  ignore_errors: true\n' % (job, PROJECT_ID))
    run = playbook(wrap(emulator, tasks))
    bad = failed(run, 'bad token')
    assert 'HTTP 401' in bad['msg'] and 'APIGW.030' in bad['msg'], bad['msg']
    assert job in bad['msg'] and 'elb' in bad['msg']
    assert bad['status_code'] == 401
    assert 'wrong-token' not in run.output
    persistent = failed(run, 'persistent 500')
    assert 'HTTP 500' in persistent['msg'] and other in persistent['msg'], persistent['msg']
    assert persistent['status_code'] == 500
    assert emulator.stats()['job_gets'][other] > 1  # retried before giving up
    assert ok(run, 'one 503')['job']['state'] == 'success'
    assert emulator.stats()['job_gets'][transient] == 2
