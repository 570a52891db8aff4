# -*- coding: utf-8 -*-
# Copyright (c) otc.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The action plugins job_info and job_wait: the module's code in the controller process, or the module.

Where the task runs on the controller (connection ``local``, also through ``delegate_to: localhost``;
no ``async``, no ``become``) and ``requests`` imports here, the task's arguments are validated with
the modules' own argument spec and ``_runner.run`` runs in this process, with job_wait's progress
lines shown through Ansible's display. The result is shaped the way AnsibleModule shapes it
(``invocation``, ``warnings``, no_log masking) and then parsed by the same controller code that
parses a module's output, so both paths return the same result. Everywhere else the module runs
exactly as the ``normal`` action would run it.

The strategy imports this file in the controller's main process (to read ``BYPASS_HOST_LOOP``), so
``requests`` and the collection's module_utils are imported once per ``ansible-playbook`` and every
forked worker finds them loaded. Nothing else is shared between tasks: each task runs in a worker
of its own, and the token cache is the private on-disk one the module uses too.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import datetime
import inspect
import json
import os

from ansible.module_utils.common.arg_spec import ModuleArgumentSpecValidator
from ansible.module_utils.common.parameters import remove_values
from ansible.module_utils.common.warnings import get_deprecation_messages, get_warning_messages
from ansible.module_utils.errors import UnsupportedError
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display
from ansible.utils.vars import merge_hash

try:
    from ansible_collections.otc.jobs.plugins.module_utils._argspec import module_kwargs
    from ansible_collections.otc.jobs.plugins.module_utils._http import REQUESTS_IMPORT_ERROR
    from ansible_collections.otc.jobs.plugins.module_utils._runner import run
    from ansible_collections.otc.jobs.plugins.module_utils._secrets import Secrets
except ImportError as exc:  # the module path still works (and reports what is missing there)
    UNAVAILABLE = 'the module code does not import on the controller: %s' % exc
else:
    UNAVAILABLE = 'requests is not installed on the controller' if REQUESTS_IMPORT_ERROR is not None else None

display = Display()

LOCAL_TRANSPORTS = frozenset(('local', 'ansible.builtin.local', 'ansible.legacy.local'))
# The serialization profile of a Python module on ansible-core 2.19+ (earlier versions have none).
MODULE_PROFILE = 'legacy'


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
        return merge_hash(result, self._run_in_process())

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

    def _run_in_process(self):
        kwargs = module_kwargs(self.ACTION)
        supports_check_mode = kwargs.pop('supports_check_mode', False)
        # What the module receives: the task's arguments (module_defaults merged in) as JSON.
        params = json.loads(json.dumps(dict(self._task.args), default=_json_default))
        no_log_values = set()
        warnings_before, deprecations_before = len(get_warning_messages()), len(get_deprecation_messages())

        # AnsibleModule.__init__: validate, keep the coerced values, collect the no_log values.
        # (On ansible-core 2.19 the validator's warnings go to the task's warnings directly.)
        validation = ModuleArgumentSpecValidator(**kwargs).validate(params)
        params.update(validation.validated_parameters)
        no_log_values.update(validation._no_log_values)  # pylint: disable=protected-access
        warnings = list(get_warning_messages()[warnings_before:])
        deprecations = list(get_deprecation_messages()[deprecations_before:])

        try:
            error = validation.errors[0]
        except IndexError:
            error = None
        if error is not None:
            message = validation.errors.msg
            if isinstance(error, UnsupportedError):
                message = 'Unsupported parameters for (%s) module: %s' % (self._task.action, message)
            outcome = {'failed': True, 'msg': message}
        elif self._task.check_mode and not supports_check_mode:
            outcome = {'skipped': True, 'msg': 'remote module (%s) does not support check mode' % self._task.action}
        else:
            secrets = Secrets(sink=no_log_values)
            progress = None
            if self.ACTION in ('job_wait', 'request') and not self._task.no_log:
                progress = _progress_display(secrets, no_log_values)
            with _module_context(self._environment(), self._loader.get_basedir()):
                outcome = run(self.ACTION, params, warnings.append, secrets, progress=progress)
        return self._parse(_formatted(outcome, params, warnings, deprecations, no_log_values))

    def _environment(self):
        """The task's ``environment``, which the module would run with."""
        environment = {}
        self._compute_environment_string(raw_environment_out=environment)
        return environment

    def _parse(self, output):
        """The module's output as ``_execute_module`` returns it: parsed by the controller's own code."""
        response = {'rc': 1 if output.get('failed') else 0, 'stdout': json.dumps(output), 'stderr': ''}
        if 'profile' in inspect.signature(self._parse_returned_data).parameters:
            data = self._parse_returned_data(response, MODULE_PROFILE)  # pylint: disable=too-many-function-args
        else:
            data = self._parse_returned_data(response)  # pylint: disable=no-value-for-parameter
        for key in ('warnings', 'deprecations'):  # as remove_internal_keys does
            if key in data and not data[key]:
                del data[key]
        return data


def _formatted(outcome, params, warnings, deprecations, no_log_values):
    """``outcome`` as AnsibleModule.exit_json / fail_json would print it."""
    result = dict(outcome)
    if result.pop('failed', False):
        message = result.pop('msg', None)
        result.update(failed=True, msg=str(message))
    result['invocation'] = {'module_args': params}
    if warnings:
        result['warnings'] = warnings
    if deprecations:
        result['deprecations'] = deprecations
    preserved = dict((key, value) for key, value in result.items() if value is None or isinstance(value, bool))
    result = remove_values(result, no_log_values)
    result.update(preserved)
    return result


def _progress_display(secrets, no_log_values):
    def show(line):
        display.display(remove_values(secrets.scrub(line), no_log_values))
    return show


@contextlib.contextmanager
def _module_context(environment, directory):
    """What a module on connection local runs with: the task's ``environment`` in ``os.environ`` and, as its
    working directory, the playbook's (where a relative ``clouds.yaml`` or ``ca_cert`` is found). This worker
    process runs only this task, and both are restored when it ends."""
    saved = dict((key, os.environ.get(key)) for key in environment)
    cwd = _chdir(directory) if directory else None
    try:
        for key, value in environment.items():
            os.environ[key] = str(value)
        yield
    finally:
        if cwd is not None:
            _chdir(cwd)
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _chdir(directory):
    """Change to ``directory``; the previous working directory, or None when either is not usable."""
    try:
        previous = os.getcwd()
        os.chdir(directory)
    except OSError:
        return None
    return previous


def _json_default(value):
    """What the module path makes of values JSON has no type for (vaulted strings, dates, sets)."""
    if isinstance(value, (datetime.date, datetime.datetime, datetime.time)):
        return value.isoformat()
    if isinstance(value, (set, frozenset)):
        return list(value)
    return str(value)
