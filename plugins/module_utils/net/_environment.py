# -*- coding: utf-8 -*-
# Copyright (c) otc.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a task's environment says about HTTP: proxies and a CA bundle, read from a given mapping.

A module reads its process environment; on the controller path the task's ``environment`` is handed
in as a mapping and nothing global is changed. So the HTTP client does not let requests read
``os.environ`` (``trust_env``): these helpers read the same variables, the way requests does, from the
mapping they are given.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress

try:
    from urllib.parse import urlsplit
except ImportError:  # pragma: no cover - Python 2 is not supported, but sanity compiles for it
    from urlparse import urlsplit  # pylint: disable=import-error

CA_BUNDLE_VARIABLES = ('REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE')


def _variable(environ, name):
    """``name`` in lower case first, then upper case, as urllib and requests read proxy variables."""
    return environ.get(name.lower()) or environ.get(name.upper()) or None


def ca_bundle(environ):
    """The CA bundle requests would take from the environment when certificates are verified, or None."""
    for name in CA_BUNDLE_VARIABLES:
        if environ.get(name):
            return environ[name]
    return None


class Proxies:
    """The proxy for each URL, from ``*_proxy`` and ``no_proxy`` of one environment mapping."""

    def __init__(self, environ):
        self.by_scheme = {}
        for scheme in ('http', 'https'):
            proxy = _variable(environ, scheme + '_proxy') or _variable(environ, 'all_proxy')
            if proxy:
                self.by_scheme[scheme] = proxy
        no_proxy = _variable(environ, 'no_proxy') or ''
        self.no_proxy = [entry.strip().lower() for entry in no_proxy.replace(' ', ',').split(',') if entry.strip()]

    def __bool__(self):
        return bool(self.by_scheme)

    __nonzero__ = __bool__

    def for_url(self, url):
        """``{'http': …, 'https': …}`` for requests, empty when ``url`` goes direct."""
        parts = urlsplit(url)
        proxy = self.by_scheme.get(parts.scheme)
        if not proxy or self.bypassed(parts.hostname or '', parts.port):
            return {}
        return {parts.scheme: proxy}

    def bypassed(self, host, port=None):
        """Whether ``no_proxy`` names ``host``: ``*``, the host or a domain suffix, ``host:port``, an IP network."""
        host = host.lower().strip('[]')
        for entry in self.no_proxy:
            if entry == '*':
                return True
            if _in_network(host, entry):
                return True
            name, entry_port = entry.split(':') if entry.count(':') == 1 else (entry, '')
            if entry_port and str(port) != entry_port:
                continue
            name = name.lstrip('.')
            if name and (host == name or host.endswith('.' + name)):
                return True
        return False


def _in_network(host, entry):
    try:
        return ipaddress.ip_address(host) in ipaddress.ip_network(entry, strict=False)
    except ValueError:
        return False
