# -*- coding: utf-8 -*-
# Copyright (c) otc.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one place where the controller path depends on what differs between ansible-core releases.

Each function answers one question with documented means (configuration definitions and values) and
is tested on every supported release (tests/unit/plugins/plugin_utils/test_core_compat.py).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible import constants as C


def _has_setting(name):
    try:
        return name in C.config.get_configuration_definitions()
    except Exception:  # pylint: disable=broad-except
        return False


def inject_invocation(task_vars):
    """Whether a module's result carries ``invocation``: always before ansible-core 2.21, where the
    INJECT_INVOCATION setting (default false) appeared."""
    if not _has_setting('INJECT_INVOCATION'):
        return True
    return bool(C.config.get_config_value('INJECT_INVOCATION', variables=task_vars or {}))
