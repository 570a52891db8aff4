# -*- coding: utf-8 -*-
# Copyright (c) otc.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Running job_info or job_wait as an Ansible module: the argument spec, the runner, one exit."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.otc.jobs.plugins.module_utils.config._argspec import module_kwargs
from ansible_collections.otc.jobs.plugins.module_utils.core._secrets import Secrets
from ansible_collections.otc.jobs.plugins.module_utils.engine._runner import run
from ansible_collections.otc.jobs.plugins.module_utils.net._http import REQUESTS_IMPORT_ERROR


class _Module(AnsibleModule):
    """AnsibleModule whose own failures (the argument spec's checks) say why, as every failed result does."""

    def fail_json(self, msg, **kwargs):  # pylint: disable=arguments-differ
        kwargs.setdefault('reason', 'invalid_input')
        super(_Module, self).fail_json(msg=msg, **kwargs)


def main(action):
    module = _Module(**module_kwargs(action))
    if REQUESTS_IMPORT_ERROR is not None:
        module.fail_json(msg=missing_required_lib('requests'), exception=REQUESTS_IMPORT_ERROR)
    # Every secret read from any source joins no_log_values: Ansible then masks it in the whole result.
    result = run(action, module.params, module.warn, Secrets(sink=module.no_log_values), check_mode=module.check_mode)
    if result.pop('failed', False):
        module.fail_json(**result)
    module.exit_json(**result)
