# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark-only callback: wall-clock start and end of every task, written to $OTC_JOBS_BENCH_TIMES."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = '''
name: bench_times
type: aggregate
short_description: Record task start and end times for the otc.jobs benchmarks
description:
  - Writes, keyed by task name, the wall-clock time the task started (C(v2_playbook_on_task_start)), the time its
    final result reached the controller (C(v2_runner_on_ok), C(v2_runner_on_failed)), and the result,
    to the JSON file named by E(OTC_JOBS_BENCH_TIMES).
'''

import json
import os
import time

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'bench_times'
    CALLBACK_NEEDS_ENABLED = False

    def __init__(self):
        super(CallbackModule, self).__init__()
        self._tasks = {}

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._tasks[task.get_name()] = {'start': time.time()}

    def _end(self, result, status):
        now = time.time()
        data = json.loads(json.dumps(result._result, default=str))
        data.pop('results', None)  # loop items: only the aggregate matters here
        entry = self._tasks.setdefault(result._task.get_name(), {})
        entry.update({'end': now, 'status': status, 'result': data})

    def v2_runner_on_ok(self, result):
        self._end(result, 'ok')

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._end(result, 'failed')

    def v2_playbook_on_stats(self, stats):
        path = os.environ.get('OTC_JOBS_BENCH_TIMES')
        if path:
            with open(path, 'w') as handle:
                json.dump(self._tasks, handle)
