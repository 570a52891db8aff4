# -*- coding: utf-8 -*-
# Copyright (c) otc.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The interface every authentication method implements (as community.hashi_vault's auth methods do).

A method class owns its rules: which ``auth_type`` spellings name it, which keys make us infer it,
its own auth options (``OPTIONS``, the argument spec of its keys, and ``CLOUD_SPELLINGS``, how
clouds.yaml and OS_* may spell them), which keys it needs (``missing``), which of them are secrets
or travel in headers (``validate``), and how it authorizes requests. Adding a method is its own
``_auth_method_*.py`` and one line in ``_auth.METHODS``; everything else reads these attributes.
An instance ``prepare()``s once (e.g. obtains an IAM token), then
``authorize()``s each request by returning the headers to send. After a 401 the API layer calls
``refresh(used)`` once: True means fresh credentials were obtained and the request is worth repeating.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.otc.jobs.plugins.module_utils.core import _validate
from ansible_collections.otc.jobs.plugins.module_utils.core._clock import REAL_CLOCK
from ansible_collections.otc.jobs.plugins.module_utils.core._errors import InvalidInput


# Scope keys every method may read (argument spec); a method's own keys are in its OPTIONS.
SCOPE_OPTIONS = dict(
    auth_url=dict(type='str'),
    project_name=dict(type='str'),
    project_id=dict(type='str'),
    project_domain_name=dict(type='str'),
    project_domain_id=dict(type='str'),
)


class AuthMethod:
    NAME = None
    ALIASES = ()        # other auth_type spellings (openstack.cloud: v3password, v3token)
    CLAIM_KEYS = ()     # any of these set means "this method" when auth_type is not given
    KEYS = ()           # auth keys the method reads
    SECRET_KEYS = ()    # never printed; registered as no-log values
    HEADER_KEYS = ()    # sent in (or signing) a header: visible ASCII only
    OPTIONS = {}        # its own auth keys: argument spec (type, no_log, aliases) and the doc's description
    CLOUD_SPELLINGS = ()  # (key, spellings) accepted at the top level of a cloud entry or under auth
    # Said after a 401 that renewing cannot fix.
    REFUSED_HINT = 'check the credentials'

    def __init__(self, settings, http, secrets, cache=None, clock=REAL_CLOCK):
        self.settings = settings
        self.http = http
        self.secrets = secrets
        self.cache = cache
        self.clock = clock
        self.project_id = settings.auth.get('project_id')
        self.project_name = settings.auth.get('project_name')
        self.catalog = None

    # --- rules ------------------------------------------------------------------------------------

    @classmethod
    def claims(cls, auth):
        """Whether the keys of ``auth`` describe this method."""
        return any(auth.get(key) for key in cls.CLAIM_KEYS)

    @classmethod
    def missing(cls, auth):
        """What ``auth`` lacks for this method, as option names ('project_name (or project_id)')."""
        return []

    @classmethod
    def validate(cls, auth, where):
        """Refuse incomplete credentials and values that cannot be sent, naming the key, never the value."""
        missing = cls.missing(auth)
        if missing:
            raise InvalidInput('%s authentication needs %s: set auth.%s (%s)' % (
                cls.NAME, ', '.join(missing), missing[0].split(' ')[0], where))
        for key in cls.HEADER_KEYS:
            if auth.get(key) is not None:
                _validate.header_secret(auth[key], 'auth.%s' % key)

    # --- requests ---------------------------------------------------------------------------------

    def uses_iam(self):
        """Whether preparing talks to IAM at auth_url (its plain-http warning matters)."""
        return False

    def prepare(self, deadline=None):
        """Obtain whatever the first request needs; called once before it."""

    def authorize(self, method, url, headers, body):
        """The headers to send with this request (a new dict)."""
        raise NotImplementedError

    def credential_marker(self):
        """Identifies the credentials a request was sent with, for refresh()."""
        return None

    def refresh(self, used_marker, deadline=None):
        """After a 401: renew the credentials if this method can; True when worth retrying."""
        return False
