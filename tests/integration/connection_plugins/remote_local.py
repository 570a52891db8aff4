# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test connection: ansible.builtin.local under another name, so the action plugins take the remote path.

It runs commands on this machine exactly as ``local`` does, but its transport is not ``local``: the
otc.jobs action plugins therefore ship and execute the module, as they would over ssh. Tests and
benchmarks use it to compare the two paths on identical tasks.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = '''
name: remote_local
short_description: ansible.builtin.local under another transport name (tests only)
description:
  - Runs commands on the controller like C(ansible.builtin.local); its transport name is not C(local).
author: otc.jobs maintainers
'''

from ansible.plugins.connection.local import Connection as LocalConnection


class Connection(LocalConnection):
    transport = 'remote_local'
