# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test-only callback: writes every task result, by task name, to $OTC_JOBS_RESULTS as JSON."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = '''
name: record_results
type: aggregate
short_description: Record task results for the otc.jobs integration tests
description: Writes each task's result, keyed by task name, to the JSON file named by E(OTC_JOBS_RESULTS).
'''

import json
import os

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'record_results'
    CALLBACK_NEEDS_ENABLED = False

    def __init__(self):
        super(CallbackModule, self).__init__()
        self._results = {}

    def _record(self, result, status):
        data = json.loads(json.dumps(result._result, default=str))
        data['_status'] = status
        self._results[result._task.get_name()] = data

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
