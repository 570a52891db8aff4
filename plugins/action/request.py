# -*- coding: utf-8 -*-
# Copyright (c) otc.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of otc.jobs.request: the module's code in the controller process where the task runs there."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.otc.jobs.plugins.plugin_utils._action import JobsAction


class ActionModule(JobsAction):
    ACTION = 'request'
