# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""pytest drives real ansible-playbook runs against the local emulator.

The collection must be visible as otc.jobs: scripts/test.sh sets ANSIBLE_COLLECTIONS_PATH to
a copy laid out as ansible_collections/otc/jobs; run directly, we lay out a symlink ourselves.
"""

import json
import os
import subprocess
import sys
import tempfile
import textwrap

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, REPO)

from tests.emulator import otc_emulator  # noqa: E402  pylint: disable=wrong-import-position

BIN = os.path.dirname(sys.executable)
PROJECT_ID = otc_emulator.PROJECT_ID


def _collections_path():
    if os.environ.get('ANSIBLE_COLLECTIONS_PATH'):
        return os.environ['ANSIBLE_COLLECTIONS_PATH']
    root = tempfile.mkdtemp(prefix='otc-jobs-collections-')
    os.makedirs(os.path.join(root, 'ansible_collections', 'otc'))
    os.symlink(REPO, os.path.join(root, 'ansible_collections', 'otc', 'jobs'))
    return root


COLLECTIONS_PATH = _collections_path()


@pytest.fixture(scope='session')
def emulator_server():
    emu = otc_emulator.Emulator().start()
    yield emu
    emu.stop()


@pytest.fixture
def emulator(emulator_server):
    """A running emulator, reset to its initial state for every test."""
    emulator_server.reset()
    return emulator_server


class PlaybookRun:
    def __init__(self, completed, results):
        self.rc = completed.returncode
        self.output = completed.stdout + completed.stderr
        self.results = results  # task name -> registered-style result (callback_plugins/record_results.py)

    def task(self, name):
        return self.results[name]


def run_playbook(tasks, env=None, extra_args=(), check=False, tmp_path=None, play_vars=None):
    """Run ``tasks`` (YAML text of a task list) on localhost; returns PlaybookRun.

    Task results come from the record_results callback in callback_plugins/ (ansible-core 2.19
    no longer ships a json stdout callback), keyed by task name.
    """
    directory = tmp_path or tempfile.mkdtemp(prefix='otc-jobs-play-')
    play = '- hosts: localhost\n  gather_facts: false\n'
    if play_vars:
        play += '  vars: %s\n' % json.dumps(play_vars)
    play += '  tasks:\n' + textwrap.indent(textwrap.dedent(tasks), '    ')
    path = os.path.join(str(directory), 'play.yml')
    results_path = os.path.join(str(directory), 'results.json')
    with open(path, 'w') as handle:
        handle.write(play)
    environment = dict(os.environ)
    environment.update({
        'ANSIBLE_COLLECTIONS_PATH': COLLECTIONS_PATH,
        'ANSIBLE_COLLECTIONS_SCAN_SYS_PATH': 'false',
        'ANSIBLE_CALLBACK_PLUGINS': os.path.join(os.path.dirname(os.path.abspath(__file__)), 'callback_plugins'),
        'OTC_JOBS_RESULTS': results_path,
        'ANSIBLE_LOCALHOST_WARNING': 'false',
        'ANSIBLE_INVENTORY_UNPARSED_WARNING': 'false',
        'ANSIBLE_PYTHON_INTERPRETER': sys.executable,
        'ANSIBLE_NOCOLOR': '1',
        'PATH': BIN + os.pathsep + environment.get('PATH', ''),
        'XDG_CACHE_HOME': os.path.join(str(directory), 'cache'),
    })
    for key in [k for k in environment if k.startswith('OS_')]:
        del environment[key]
    environment.update(env or {})
    command = [os.path.join(BIN, 'ansible-playbook'), path] + list(extra_args)
    if check:
        command.append('--check')
    completed = subprocess.run(command, env=environment, capture_output=True, text=True, timeout=600, check=False)
    results = {}
    if os.path.exists(results_path):
        with open(results_path) as handle:
            results = json.load(handle)
        os.remove(results_path)
    return PlaybookRun(completed, results)


@pytest.fixture
def playbook(tmp_path):
    def runner(tasks, **kwargs):
        kwargs.setdefault('tmp_path', tmp_path)
        return run_playbook(tasks, **kwargs)
    return runner


@pytest.fixture
def token_auth(emulator):
    """Module arguments for token auth against the emulator (YAML flow mapping text)."""
    return "{endpoint: '%s', auth: {token: '%s', project_id: '%s'}}" % (
        emulator.url, otc_emulator.STATIC_TOKEN, PROJECT_ID)
