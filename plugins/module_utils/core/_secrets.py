# -*- coding: utf-8 -*-
# Copyright (c) otc.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Secrets from every source, registered once so that no message, warning or result can carry them.

Passwords, tokens, secret keys, security tokens and URL user-info reach us from options, a ``cloud``
dict, clouds.yaml/secure.yaml, the environment and IAM itself (the issued token). Each is added here
when it is read; modules hand the values to ``AnsibleModule.no_log_values`` (Ansible then masks them
everywhere in the result), plugins scrub their messages with ``scrub``. An API that echoes a request
back therefore cannot make us print what we sent.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

MASK = '********'


class Secrets:
    """A set of secret strings; ``sink`` (e.g. ``module.no_log_values``) receives each one as well."""

    def __init__(self, sink=None):
        self.values = set()
        self._sink = sink

    def add(self, value):
        """Register ``value`` (and its stripped form); None, non-strings and empty strings are ignored.

        Like Ansible's no_log, even a short secret is masked wherever it appears: a mangled message is
        better than a leaked password.
        """
        if not isinstance(value, str):
            return value
        for form in (value, value.strip()):
            if form and form not in self.values:
                self.values.add(form)
                if self._sink is not None:
                    self._sink.add(form)
        return value

    def scrub(self, text):
        """``text`` with every registered secret replaced by ``********``, longest first."""
        if not isinstance(text, str) or not self.values:
            return text
        for value in sorted(self.values, key=len, reverse=True):
            if value in text:
                text = text.replace(value, MASK)
        return text

    def scrub_data(self, data):
        """``data`` (dicts, lists, strings) with every string scrubbed; returns a new structure."""
        if isinstance(data, str):
            return self.scrub(data)
        if isinstance(data, dict):
            return dict((self.scrub_data(key), self.scrub_data(value)) for key, value in data.items())
        if isinstance(data, (list, tuple)):
            return [self.scrub_data(item) for item in data]
        return data
