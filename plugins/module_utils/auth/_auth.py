# -*- coding: utf-8 -*-
# Copyright (c) otc.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The authentication methods (one class each, in ``_auth_method_*``) and how one is chosen.

``METHODS`` is the one registration of a method: the argument spec of the auth options, the key
spellings of clouds.yaml and OS_*, the secrets to mask and the auth_type choices all come from it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.otc.jobs.plugins.module_utils.auth._auth_base import SCOPE_OPTIONS
from ansible_collections.otc.jobs.plugins.module_utils.auth._auth_method_aksk import AkskAuth
from ansible_collections.otc.jobs.plugins.module_utils.auth._auth_method_password import PasswordAuth
from ansible_collections.otc.jobs.plugins.module_utils.auth._auth_method_token import TokenAuth
from ansible_collections.otc.jobs.plugins.module_utils.auth._token_cache import TokenCache
from ansible_collections.otc.jobs.plugins.module_utils.core._clock import REAL_CLOCK
from ansible_collections.otc.jobs.plugins.module_utils.wire._services import SERVICE_TABLE

# In order of inference: access keys are the most specific credentials, a password the least.
METHODS = (AkskAuth, TokenAuth, PasswordAuth)
AUTH_TYPES = tuple(method.NAME for method in METHODS)
AUTH_TYPE_CHOICES = tuple(name for method in METHODS for name in (method.NAME,) + method.ALIASES)
SECRET_KEYS = tuple(sorted(set(key for method in METHODS for key in method.SECRET_KEYS)))
USED_KEYS = tuple(sorted(set(key for method in METHODS for key in method.KEYS)))


def auth_options():
    """The argument spec of the ``auth`` option's keys: the scope keys and every method's own."""
    options = dict((key, dict(spec)) for key, spec in SCOPE_OPTIONS.items())
    for method in METHODS:
        # 'description' is for the doc fragment (scripts/gen_docs.py), not the argument spec.
        options.update((key, dict((name, value) for name, value in spec.items() if name != 'description'))
                       for key, spec in method.OPTIONS.items())
    return options


# Other spellings of a method's keys (argument-spec aliases such as access_key for ak).
KEY_ALIASES = dict((alias, key) for method in METHODS for key, spec in method.OPTIONS.items()
                   for alias in spec.get('aliases', ()))
CLOUD_SPELLINGS = tuple(spelling for method in METHODS for spelling in method.CLOUD_SPELLINGS)


def method_named(auth_type):
    """The method class an ``auth_type`` spelling names (case-insensitive), or None."""
    wanted = str(auth_type).strip().lower()
    for method in METHODS:
        if wanted == method.NAME or wanted in method.ALIASES:
            return method
    return None


def infer_method(auth):
    """The method class a set of auth keys describes, or None when it holds no credentials."""
    for method in METHODS:
        if method.claims(auth):
            return method
    return None


def make_authenticator(settings, http, secrets, cache=None, warn=None, clock=REAL_CLOCK):
    method = method_named(settings.auth_type)
    if cache is None and settings.token_cache:
        cache = TokenCache(directory=settings.cache_directory, clock=clock, warn=warn, catalog_types=frozenset(
            name for api in SERVICE_TABLE.values() for name in api.catalog_types))
    return method(settings, http, secrets, cache=cache, clock=clock)
