# -*- coding: utf-8 -*-
# Copyright (c) otc.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of otc.jobs.request: the module's code in the controller process where the task runs there."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.otc.jobs.plugins.plugin_utils._action import JobsAction

try:
    from ansible_collections.otc.jobs.plugins.module_utils._request import check_mode
except ImportError:  # the module path reports what is missing
    check_mode = None


class ActionModule(JobsAction):
    ACTION = 'request'

    def run(self, tmp=None, task_vars=None):
        if check_mode is None:
            return super(ActionModule, self).run(tmp, task_vars)
        # In check mode the module's code sends nothing but GETs; it learns of check mode here.
        with check_mode(self._task.check_mode):
            return super(ActionModule, self).run(tmp, task_vars)
