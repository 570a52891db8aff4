# -*- coding: utf-8 -*-
# Copyright (c) otc.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A module compiles every module_utils it imports from source on each run (AnsiballZ keeps no bytecode),
so what a module does not use is imported where it is used (BENCHMARKS.md, the module-path note)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import subprocess
import sys

import pytest

UTILS = 'ansible_collections.otc.jobs.plugins.module_utils.'
# Imported only by the tasks that use them.
ON_DEMAND = (UTILS + 'engine._waiter', UTILS + 'engine._request', UTILS + 'auth._signer', 'yaml')


def _loaded_after_importing(module):
    """The names in ON_DEMAND that a fresh interpreter has loaded after importing ``module``."""
    code = 'import importlib, json, sys; importlib.import_module(%r); print(json.dumps(sorted(m for m in %r if m in sys.modules)))' % (
        module, ON_DEMAND)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(path for path in sys.path if path))
    answer = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, env=env, check=False)
    assert answer.returncode == 0, answer.stderr[-2000:]
    return json.loads(answer.stdout)


@pytest.mark.parametrize('module', ['job_info', 'job_wait', 'request'])
def test_a_module_loads_the_waiter_request_engine_signer_and_yaml_only_when_used(module):
    assert _loaded_after_importing('ansible_collections.otc.jobs.plugins.modules.' + module) == []


def test_the_check_sees_a_module_that_loads_them():
    assert _loaded_after_importing(UTILS + 'engine._request') == [UTILS + 'engine._request', UTILS + 'engine._waiter']
