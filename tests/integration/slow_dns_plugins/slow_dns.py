# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test callback: a slow DNS resolver in the controller process, for the hostile tests of issue 18.

Loading this plugin (its directory on ANSIBLE_CALLBACK_PLUGINS) replaces ``socket.getaddrinfo`` in the
``ansible-playbook`` process, and so in the workers it forks, where the action plugins and the lookup run:
names ending in ``.slow-dns.test`` take ``OTC_SLOW_DNS_SECONDS`` (45) seconds, then resolve to 127.0.0.1.
Every other name resolves as before.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = '''
name: slow_dns
type: aggregate
short_description: Make names under .slow-dns.test resolve slowly (otc.jobs hostile tests)
description:
  - Replaces socket.getaddrinfo in the controller process so that names ending in C(.slow-dns.test) take
    E(OTC_SLOW_DNS_SECONDS) seconds to resolve (default 45).
'''

import os
import socket
import time

from ansible.plugins.callback import CallbackBase

_REAL_GETADDRINFO = getattr(socket, '_otc_real_getaddrinfo', socket.getaddrinfo)


def _slow_getaddrinfo(host, *args, **kwargs):
    if isinstance(host, str) and host.endswith('.slow-dns.test'):
        time.sleep(float(os.environ.get('OTC_SLOW_DNS_SECONDS', '45')))
        host = '127.0.0.1'
    return _REAL_GETADDRINFO(host, *args, **kwargs)


socket._otc_real_getaddrinfo = _REAL_GETADDRINFO  # pylint: disable=protected-access
socket.getaddrinfo = _slow_getaddrinfo


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'slow_dns'
    CALLBACK_NEEDS_ENABLED = False
