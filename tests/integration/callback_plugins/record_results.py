# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test and benchmark callback: every task result, by task name, with its status and times, to $OTC_JOBS_RESULTS."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = '''
name: record_results
type: aggregate
short_description: Record task results and times for the otc.jobs integration tests and benchmarks
description:
  - Writes each task's result, keyed by task name, to the JSON file named by E(OTC_JOBS_RESULTS), with C(_status)
    (C(ok), C(failed), C(skipped)), C(_start) (wall-clock time of C(v2_playbook_on_task_start)) and C(_end) (when the
    task's final result reached the controller).
'''

import json
import os
import time

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'record_results'
    CALLBACK_NEEDS_ENABLED = False

    def __init__(self):
        super(CallbackModule, self).__init__()
        self._starts = {}
        self._results = {}

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._starts[task.get_name()] = time.time()

    def _record(self, result, status):
        ended = time.time()
        name = result._task.get_name()
        data = json.loads(json.dumps(result._result, default=str))
        data.update({'_status': status, '_start': self._starts.get(name), '_end': ended})
        self._results[name] = data

    def v2_runner_on_ok(self, result):
        self._record(result, 'ok')

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record(result, 'failed')

    def v2_runner_on_skipped(self, result):
        self._record(result, 'skipped')

    def v2_playbook_on_stats(self, stats):
        path = os.environ.get('OTC_JOBS_RESULTS')
        if path:
            with open(path, 'w') as handle:
                json.dump(self._results, handle)
