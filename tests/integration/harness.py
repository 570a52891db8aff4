# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Running real ansible / ansible-playbook processes against the emulator: for the integration tests and bench/.

The collection must be visible as otc.jobs: scripts/test.sh sets ANSIBLE_COLLECTIONS_PATH to a tree
laid out as ansible_collections/otc/jobs; otherwise a symlink to this checkout is laid out once.
Task results come from the record_results callback in callback_plugins/ (ansible-core 2.19 no
longer ships a json stdout callback), keyed by task name.
"""

import atexit
import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap

from tests.emulator import otc_emulator

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.dirname(sys.executable)
CALLBACKS = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'callback_plugins')
_linked = []


def collections_path():
    if os.environ.get('ANSIBLE_COLLECTIONS_PATH'):
        return os.environ['ANSIBLE_COLLECTIONS_PATH']
    if not _linked:
        root = tempfile.mkdtemp(prefix='otc-jobs-collections-')
        atexit.register(shutil.rmtree, root, True)  # removes the link, never what it points to
        os.makedirs(os.path.join(root, 'ansible_collections', 'otc'))
        os.symlink(REPO, os.path.join(root, 'ansible_collections', 'otc', 'jobs'))
        _linked.append(root)
    return _linked[0]


def ansible_env(directory, extra=None):
    """The environment of an ansible run: this collection, this venv's Python, a token cache of its own
    under ``directory``, and no OS_* variables from the caller's shell."""
    env = dict((key, value) for key, value in os.environ.items() if not key.startswith('OS_'))
    env.update({
        'ANSIBLE_COLLECTIONS_PATH': collections_path(),
        'ANSIBLE_COLLECTIONS_SCAN_SYS_PATH': 'false',
        'ANSIBLE_LOCALHOST_WARNING': 'false',
        'ANSIBLE_INVENTORY_UNPARSED_WARNING': 'false',
        'ANSIBLE_PYTHON_INTERPRETER': sys.executable,
        'ANSIBLE_NOCOLOR': '1',
        'ANSIBLE_RETRY_FILES_ENABLED': 'false',
        'PATH': BIN + os.pathsep + env.get('PATH', ''),
        'XDG_CACHE_HOME': os.path.join(str(directory), 'cache'),
    })
    env.update(extra or {})
    return env


class PlaybookRun:
    def __init__(self, completed, results):
        self.rc = completed.returncode
        self.output = completed.stdout + completed.stderr
        self.results = results  # task name -> registered-style result with _status, _start, _end

    def task(self, name):
        return self.results[name]


def run_playbook(tasks, directory=None, env=None, extra_args=(), check=False, play_vars=None):
    """Run ``tasks`` (YAML text of a task list) on localhost in ``directory``; returns PlaybookRun."""
    directory = str(directory or tempfile.mkdtemp(prefix='otc-jobs-play-'))
    play = '- hosts: localhost\n  gather_facts: false\n'
    if play_vars:
        play += '  vars: %s\n' % json.dumps(play_vars)
    play += '  tasks:\n' + textwrap.indent(textwrap.dedent(tasks), '    ')
    path = os.path.join(directory, 'play.yml')
    results_path = os.path.join(directory, 'results.json')
    with open(path, 'w') as handle:
        handle.write(play)
    environment = ansible_env(directory, {'ANSIBLE_CALLBACK_PLUGINS': CALLBACKS, 'OTC_JOBS_RESULTS': results_path})
    environment.update(env or {})
    command = [os.path.join(BIN, 'ansible-playbook'), path] + list(extra_args)
    if check:
        command.append('--check')
    completed = subprocess.run(command, env=environment, capture_output=True, text=True, timeout=900, check=False)
    results = {}
    if os.path.exists(results_path):
        with open(results_path) as handle:
            results = json.load(handle)
        os.remove(results_path)
    return PlaybookRun(completed, results)


# --- task texts and result checks shared by the integration tests ----------------------------------


def module_task(name, module, ignore_errors=True, **args):
    """One task of ``otc.jobs.<module>`` with ``args`` (YAML text)."""
    text = '- name: %s\n  otc.jobs.%s: %s\n' % (name, module, json.dumps(args))
    return text + ('  ignore_errors: true\n' if ignore_errors else '')


def with_token_defaults(emulator, tasks):
    """``tasks`` inside one block whose module_defaults (action group otc.jobs.otc) carry token auth."""
    defaults = json.dumps({'endpoint': emulator.url, 'auth': {'token': otc_emulator.STATIC_TOKEN,
                                                              'project_id': otc_emulator.PROJECT_ID}})
    return '- name: all\n  module_defaults:\n    group/otc.jobs.otc: %s\n  block:\n%s' % (
        defaults, textwrap.indent(textwrap.dedent(tasks), '    '))


def assert_ok(run, name):
    result = run.task(name)
    assert result['_status'] == 'ok', (name, result.get('msg'), run.output[-3000:])
    return result


def assert_failed(run, name):
    """The task failed the way every user-caused failure must: one message, no traceback."""
    result = run.task(name)
    assert result['_status'] == 'failed', (name, result)
    # ansible-core 2.19 adds "exception": "(traceback unavailable)" to every fail_json; a real one has a stack.
    assert 'Traceback (most recent call last)' not in run.output
    assert 'Traceback (most recent call last)' not in json.dumps(result), result
    assert 'module_stderr' not in result, result
    return result
