# -*- coding: utf-8 -*-
# Copyright (c) otc.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The action plugins job_info and job_wait: the module's code in the controller process, or the module.

Where the task runs on the controller (connection ``local``, also through ``delegate_to: localhost``;
no ``async``, no ``become``) and ``requests`` imports here, the task's arguments are validated with
the modules' own argument spec and ``_runner.run`` runs in this process, with job_wait's progress
lines shown through Ansible's display. Everywhere else the module runs exactly as the ``normal``
action would run it.

Only documented ground is used: ActionBase's ``run`` contract (a result dict whose ``warnings`` are
strings), ``ModuleArgumentSpecValidator`` and ``remove_values`` from module_utils, the task's
``environment`` templated with the action's templar, the loader's base directory, and Display. The
task's environment and base directory are handed to the runner as arguments; neither ``os.environ``
nor the working directory of the worker is changed. The result is shaped as AnsibleModule shapes it
(``invocation``, no_log masking, ``warnings``), so both paths return the same result; the one
version-dependent detail, how ansible-core marks a module failure, is in ``_core_compat``.

The strategy imports this file in the controller's main process (to read ``BYPASS_HOST_LOOP``), so
``requests`` and the collection's module_utils are imported once per ``ansible-playbook`` and every
forked worker finds them loaded. Nothing else is shared between tasks: each task runs in a worker
of its own, and the token cache is the private on-disk one the module uses too.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import json
import os

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.arg_spec import ModuleArgumentSpecValidator
from ansible.module_utils.common.parameters import remove_values
from ansible.module_utils.errors import UnsupportedError
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display
from ansible.utils.vars import merge_hash

from ansible_collections.otc.jobs.plugins.plugin_utils._core_compat import inject_invocation

try:
    from ansible_collections.otc.jobs.plugins.module_utils.config._argspec import module_kwargs, no_log_values
    from ansible_collections.otc.jobs.plugins.module_utils.net._http import REQUESTS_IMPORT_ERROR
    from ansible_collections.otc.jobs.plugins.module_utils.engine._runner import run
    from ansible_collections.otc.jobs.plugins.module_utils.core._secrets import Secrets
except ImportError as exc:  # the module path still works (and reports what is missing there)
    UNAVAILABLE = 'the module code does not import on the controller: %s' % exc
else:
    UNAVAILABLE = 'requests is not installed on the controller' if REQUESTS_IMPORT_ERROR is not None else None

display = Display()

LOCAL_TRANSPORTS = frozenset(('local', 'ansible.builtin.local', 'ansible.legacy.local'))
# Actions that show progress lines while they wait.
WAITING_ACTIONS = ('job_wait', 'request')


class JobsAction(ActionBase):
    """Base of the job_info and job_wait action plugins; ``ACTION`` names the module."""

    ACTION = None
    _supports_check_mode = True
    _supports_async = True

    def run(self, tmp=None, task_vars=None):
        result = super(JobsAction, self).run(tmp, task_vars)
        del tmp  # no longer has any effect
        reason = self._module_reason()
        if reason is not None:
            display.vvv('%s: executing the module (%s)' % (self._task.action, reason), host=self._host_name())
            return self._run_module(result, task_vars)
        display.vvv('%s: running in the controller process (connection %s), no module shipped'
                    % (self._task.action, self._connection.transport), host=self._host_name())
        return merge_hash(result, self._run_in_process(task_vars))

    # ------------------------------------------------------------------ where

    def _module_reason(self):
        """Why this task must execute the module, or None when it can run in this process."""
        if UNAVAILABLE is not None:
            return UNAVAILABLE
        if self._task.async_val:
            return 'async'
        transport = getattr(self._connection, 'transport', None)
        if transport not in LOCAL_TRANSPORTS:
            return 'connection %s' % transport
        if self._play_context.become or getattr(self._connection, 'become', None) is not None:
            return 'become'
        return None

    def _host_name(self):
        return self._task.delegate_to or getattr(self._play_context, 'remote_addr', None)

    def _run_module(self, result, task_vars):
        """Exactly what the ``normal`` action does."""
        wrap_async = self._task.async_val and not self._connection.has_native_async
        result = merge_hash(result, self._execute_module(task_vars=task_vars, wrap_async=wrap_async))
        if not wrap_async:
            self._remove_tmp_path(self._connection._shell.tmpdir)
        return result

    # ------------------------------------------------------------------ in process

    def _run_in_process(self, task_vars):
        kwargs = module_kwargs(self.ACTION)
        supports_check_mode = kwargs.pop('supports_check_mode', False)
        # What the module receives: the task's arguments (module_defaults merged in) as JSON.
        params = json.loads(json.dumps(dict(self._task.args), default=_json_default))

        # AnsibleModule.__init__: validate and keep the coerced values. On the controller the validator's
        # warnings (an option given twice through its aliases) go to the task's warnings through Display.
        validation = ModuleArgumentSpecValidator(**kwargs).validate(params)
        params.update(validation.validated_parameters)
        masked = no_log_values(kwargs['argument_spec'], params)
        warnings = []
        if validation.error_messages:
            message = validation.errors.msg
            if isinstance(validation.errors[0], UnsupportedError):
                message = 'Unsupported parameters for (%s) module: %s' % (self._task.action, message)
            outcome = {'failed': True, 'msg': message, 'reason': 'invalid_input'}
        elif self._task.check_mode and not supports_check_mode:
            outcome = {'skipped': True, 'msg': 'remote module (%s) does not support check mode' % self._task.action}
        else:
            secrets = Secrets(sink=masked)
            progress = None
            if self.ACTION in WAITING_ACTIONS and not self._task.no_log:
                progress = _progress_display(secrets, masked)
            outcome = run(self.ACTION, params, warnings.append, secrets, progress=progress,
                          environ=self._environment(), base_dir=self._loader.get_basedir(), check_mode=self._task.check_mode)
        return _formatted(outcome, params if inject_invocation(task_vars) else None, warnings, masked)

    def _environment(self):
        """The environment the module would run with: this process's, updated by the task's ``environment``
        (a list of mappings, block's first, each templated), as ActionBase builds the module's."""
        environment = dict(os.environ)
        for layer in self._task.environment or []:
            if not layer:
                continue
            layer = self._templar.template(layer)
            if not isinstance(layer, dict):
                raise AnsibleActionFail('environment must be a dictionary, received %s (%s)' % (layer, type(layer).__name__))
            environment.update((str(key), str(value)) for key, value in layer.items())
        return environment


def _formatted(outcome, params, warnings, masked):
    """``outcome`` as AnsibleModule.exit_json / fail_json returns it, and the controller then reads it."""
    result = dict(outcome)
    if result.get('failed'):
        result['msg'] = str(result.get('msg'))
    if params is not None:
        result['invocation'] = {'module_args': params}
    if warnings:
        result['warnings'] = warnings
    preserved = dict((key, value) for key, value in result.items() if value is None or isinstance(value, bool))
    result = remove_values(result, masked)
    result.update(preserved)
    return result


def _progress_display(secrets, masked):
    def show(line):
        display.display(remove_values(secrets.scrub(line), masked))
    return show


def _json_default(value):
    """What the module path makes of values JSON has no type for (vaulted strings, dates, sets)."""
    if isinstance(value, (datetime.date, datetime.datetime, datetime.time)):
        return value.isoformat()
    if isinstance(value, (set, frozenset)):
        return list(value)
    return str(value)
