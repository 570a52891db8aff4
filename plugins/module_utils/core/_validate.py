# -*- coding: utf-8 -*-
# Copyright (c) otc.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Input rules (SPEC §4): every value that reaches a URL, a header or a timer is checked before any request.

Each check returns the value (possibly converted) or raises ``InvalidInput`` with one message that
names the option and what is wrong, and never echoes a secret or URL credentials.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import math
import re
from urllib.parse import urlsplit

from ansible_collections.otc.jobs.plugins.module_utils.core._errors import InvalidInput

# Ids land in URL paths (and RDS/DDS queries): nothing that could leave a path segment gets through.
# \Z, not $: '$' also matches before a trailing newline.
_ID = re.compile(r'\A[A-Za-z0-9_-]{1,64}\Z')
# The region picks host names (IAM and the services): it must not be able to pick another host.
_REGION = re.compile(r'\A[a-z]{2}(?:-[a-z0-9]+)+\Z')
# Header values: visible ASCII only; a newline or a space at either end is a copy-paste accident
# that requests would otherwise report by quoting the whole value.
_HEADER_SAFE = re.compile(r'\A[\x21-\x7e]+\Z')
_HOST = re.compile(r'\A(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?\Z')
_IPV6 = re.compile(r'\A\[[0-9A-Fa-f:.]+\]\Z')
_PATH = re.compile(r'\A[A-Za-z0-9._~!$&\'()*+,;=:@%/-]*\Z')
ID_RULE = "use 1-64 letters, digits, '-' or '_'"
# Upper bounds of the numeric options (documented in plugins/doc_fragments/auth.py): beyond them a
# deadline would overflow the platform's time_t, or a progress line would flood the log.
MAX_TIMEOUT = 7 * 86400        # timeout, not_found_timeout: one week
MAX_API_TIMEOUT = 86400        # api_timeout: one day
MAX_SLEEP = 3600               # sleep, max_sleep: one hour
MIN_PROGRESS_INTERVAL = 1      # progress_interval: 0 (off) or 1 s to MAX_TIMEOUT


def is_id(value):
    """Whether ``value`` has the shape of a job or project id (1-64 letters, digits, '-' or '_')."""
    return isinstance(value, str) and bool(_ID.match(value))


def job_id(value, option='job_id'):
    if not is_id(value):
        raise InvalidInput('%s %s is not a valid job id: %s' % (option, quote(value), ID_RULE))
    return value


def project_id(value, option='auth.project_id'):
    if not is_id(value):
        raise InvalidInput('%s %s is not a valid project id: %s' % (option, quote(value), ID_RULE))
    return value


def region(value, option='region_name'):
    if not isinstance(value, str) or not _REGION.match(value):
        raise InvalidInput('%s %s is not a valid region name: use lower-case names such as eu-de or eu-nl' % (option, quote(value)))
    return value


def url(value, option):
    """An ``http(s)://host[:port][/path]`` URL without query, fragment or credentials; returned without trailing '/'."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput('%s must be an http(s) URL such as https://host[:port][/path]' % option)
    if value != value.strip() or any(ord(char) < 0x21 or ord(char) == 0x7f for char in value):
        raise InvalidInput('%s must not contain spaces or control characters' % option)
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        raise InvalidInput('%s must be http(s)://host[:port][/path] with a port from 1 to 65535' % option)
    if parts.scheme.lower() not in ('http', 'https'):
        raise InvalidInput('%s must start with https:// or http://' % option)
    netloc = parts.netloc
    if '@' in netloc:
        # The user-info may be a password: it is neither used nor printed.
        raise InvalidInput('%s must not contain credentials (user:password@): give them in auth instead' % option)
    host = netloc.rsplit(':', 1)[0] if not netloc.endswith(']') else netloc
    if netloc.startswith('['):
        host = netloc[:netloc.find(']') + 1]
    if not host or not (_HOST.match(host) or _IPV6.match(host)):
        raise InvalidInput('%s must name a host: http(s)://host[:port][/path]' % option)
    if port is not None and not 0 < port < 65536 or netloc.endswith(':'):
        raise InvalidInput('%s must be http(s)://host[:port][/path] with a port from 1 to 65535' % option)
    if parts.query or parts.fragment or '?' in value or '#' in value:
        raise InvalidInput('%s must not have a query (?...) or a fragment (#...)' % option)
    if not _PATH.match(parts.path) or '/../' in parts.path + '/' or '/./' in parts.path + '/':
        raise InvalidInput('%s has a path with characters or segments that are not allowed' % option)
    return value.rstrip('/')


def number(value, option, minimum=None, above=None, maximum=None, integer=False):
    """A finite number in range; ``above`` is an exclusive lower bound, ``minimum`` an inclusive one."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise InvalidInput('%s must be a finite number, got %s' % (option, quote(value)))
    if integer and value != int(value):
        raise InvalidInput('%s must be a whole number, got %s' % (option, quote(value)))
    if above is not None and value <= above:
        raise InvalidInput('%s must be greater than %s, got %s' % (option, _plain(above), _plain(value)))
    if minimum is not None and value < minimum:
        raise InvalidInput('%s must be at least %s, got %s' % (option, _plain(minimum), _plain(value)))
    if maximum is not None and value > maximum:
        raise InvalidInput('%s must be at most %s, got %s' % (option, _plain(maximum), _plain(value)))
    return int(value) if integer else float(value)


def progress_interval(value, option='progress_interval'):
    """0 (no progress lines) or MIN_PROGRESS_INTERVAL to MAX_TIMEOUT seconds."""
    value = number(value, option, minimum=0, maximum=MAX_TIMEOUT)
    if 0 < value < MIN_PROGRESS_INTERVAL:
        raise InvalidInput('%s must be 0 (no progress lines) or at least %d s, got %s' % (
            option, MIN_PROGRESS_INTERVAL, _plain(value)))
    return value


def header_secret(value, option):
    """A credential sent in a header (or used to sign one); refused, never quoted, when it is not visible ASCII."""
    if not isinstance(value, str) or not _HEADER_SAFE.match(value):
        raise InvalidInput('%s contains spaces, line breaks or other characters that cannot be sent in an HTTP header '
                           '(often a trailing newline from a file or a variable); its value is not shown' % option)
    return value


def plain_text(value, option, limit=255):
    """A name sent in a request body or query (user, domain, project name): no control characters, bounded."""
    if not isinstance(value, str) or len(value) > limit or any(ord(char) < 0x20 or ord(char) == 0x7f for char in value):
        raise InvalidInput('%s must be at most %d characters without control characters' % (option, limit))
    return value


def quote(value):
    """A short printable rendering of a (non-secret) bad value."""
    text = repr(value) if isinstance(value, str) else '%r (%s)' % (value, type(value).__name__)
    return text if len(text) <= 80 else text[:77] + '...'


def _plain(value):
    return ('%d' % value) if float(value).is_integer() and abs(value) < 1e16 else repr(value)
