# -*- coding: utf-8 -*-
# Copyright (c) otc.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Connection settings from a task's validated options (module, action plugin or lookup alike), clouds.yaml and OS_*.

Precedence, key by key: the ``auth`` option and the top-level options, then the cloud — the
``cloud`` option (a clouds.yaml name or the entry itself), else ``OS_CLOUD``, else, only when no
cloud is named, the ``OS_*`` environment (``_clouds``, which reads them exactly as openstacksdk does).
The method (``auth_type``) is inferred from the first of these layers that holds credentials, so
leftover variables never mix into an explicitly configured credential set. Every secret of every
layer is registered with ``Secrets`` as it is read, and every value that reaches a URL, a header
or a timer is validated here, before any request is sent.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible_collections.otc.jobs.plugins.module_utils.auth._auth import (
    AUTH_TYPE_CHOICES, CLOUD_SPELLINGS, KEY_ALIASES, SECRET_KEYS, USED_KEYS, infer_method, method_named)
from ansible_collections.otc.jobs.plugins.module_utils.auth._token_cache import default_directory
from ansible_collections.otc.jobs.plugins.module_utils.config._clouds import resolve_cloud
from ansible_collections.otc.jobs.plugins.module_utils.core import _validate
from ansible_collections.otc.jobs.plugins.module_utils.core._errors import InvalidInput
from ansible_collections.otc.jobs.plugins.module_utils.net._environment import Proxies, ca_bundle
from ansible_collections.otc.jobs.plugins.module_utils.wire._endpoints import DEFAULT_REGION, default_auth_url, region_from_project

# Spellings of auth keys that mean one of ours (openstack.cloud, openstacksdk and otcextensions conventions):
# the auth methods' aliases, and openstacksdk's older names.
AUTH_ALIASES = dict(KEY_ALIASES, tenant_name='project_name', tenant_id='project_id', user_name='username')
# OS_* variables that may hold a secret: OS_ and each spelling of a secret key (OS_PASSWORD, OS_SK, OS_AUTH_TOKEN, ...).
_SECRET_SPELLINGS = set(SECRET_KEYS) | set(alias for alias, key in KEY_ALIASES.items() if key in SECRET_KEYS) | set(
    spelling for key, spellings in CLOUD_SPELLINGS if key in SECRET_KEYS for spelling in spellings) | {'auth_token'}
ENVIRONMENT_SECRETS = tuple(sorted('OS_' + spelling.upper() for spelling in _SECRET_SPELLINGS))
INTERFACES = ('public', 'internal', 'admin')
DEFAULT_API_TIMEOUT = 30.0


class Settings:
    """Everything needed to reach one service: credentials, scope, region, TLS, timeouts."""

    def __init__(self, auth_type, auth, region, endpoint=None, verify=True, api_timeout=DEFAULT_API_TIMEOUT,
                 token_cache=True, cloud=None, region_explicit=True, interface='public', warnings=(),
                 cache_directory=None, proxies=None):
        self.auth_type = auth_type
        self.auth = auth            # auth key -> str; absent keys are missing
        self.region = region
        # False when the region was only guessed (project name prefix or eu-de): the token's
        # project may then tell better.
        self.region_explicit = region_explicit
        self.endpoint = endpoint
        self.verify = verify        # True, False or a CA bundle path
        self.api_timeout = api_timeout
        self.token_cache = token_cache
        self.cache_directory = cache_directory  # None: the token cache's default
        self.proxies = proxies                  # _environment.Proxies of the task's environment, or None
        self.cloud = cloud
        self.interface = interface
        self.warnings = list(warnings)

    @property
    def auth_url(self):
        return (self.auth.get('auth_url') or default_auth_url(self.region)).rstrip('/')

    def __repr__(self):
        # Never let a secret reach a log line or a traceback through repr().
        shown = dict((k, '********' if k in SECRET_KEYS and v else v) for k, v in self.auth.items())
        return 'Settings(auth_type=%r, auth=%r, region=%r, endpoint=%r)' % (self.auth_type, shown, self.region, self.endpoint)


def resolve_settings(options, secrets, environ=None, cwd=None, config_dirs=None):
    """Settings from the options dict, clouds.yaml and the environment (see the module docstring).

    ``environ`` is the task's environment (default os.environ), ``cwd`` the directory relative paths
    are found in (default the working directory); both are only read.
    """
    environ = os.environ if environ is None else environ
    _register_environment_secrets(environ, secrets)
    explicit = auth_keys(options.get('auth') or {}, 'the auth option', secrets)
    cloud_option = options.get('cloud')
    if isinstance(cloud_option, dict):
        _register_nested_secrets(cloud_option, secrets)
    region_option = options.get('region_name')
    if region_option:
        _validate.region(region_option, 'region_name')
    cloud = resolve_cloud(cloud_option, environ=environ, cwd=cwd, config_dirs=config_dirs, region_name=region_option) or {}
    where = _cloud_description(cloud)
    from_cloud = auth_keys(cloud.get('auth') or {}, where, secrets)
    layers = [explicit, from_cloud]

    method = _choose_method(options.get('auth_type'), cloud.get('auth_type'), layers, where)
    auth = {}
    for layer in reversed(layers):
        auth.update(layer)
    warnings = []
    ignored = sorted(key for key in auth if key not in USED_KEYS)
    if ignored:
        # Shared openstack.cloud settings carry keys that mean nothing here: names only, never values.
        warnings.append('auth keys that otc.jobs does not use were ignored: %s' % ', '.join(ignored))
    auth = dict((key, value) for key, value in auth.items() if key in method.KEYS)
    method.validate(auth, 'or the cloud entry, or its OS_* variable')
    _validate_auth(auth)

    region, region_explicit = _region(options, cloud, auth)
    endpoint = options.get('endpoint')
    if endpoint is not None:
        secrets.add(_user_info(endpoint))
        endpoint = _validate.url(endpoint, 'endpoint')
    verify = _verify(options, cloud, warnings, environ, cwd)
    interface = options.get('interface') or cloud.get('interface') or 'public'
    if interface not in INTERFACES:
        raise InvalidInput('interface %s is not one of %s' % (_validate.quote(interface), ', '.join(INTERFACES)))
    api_timeout = _first_given(options.get('api_timeout'), cloud.get('api_timeout'), DEFAULT_API_TIMEOUT)
    api_timeout = _validate.number(_as_number(api_timeout, 'api_timeout'), 'api_timeout', above=0, maximum=_validate.MAX_API_TIMEOUT)
    token_cache = options.get('token_cache')
    return Settings(
        auth_type=method.NAME, auth=auth, region=region, endpoint=endpoint, verify=verify, api_timeout=api_timeout,
        token_cache=True if token_cache is None else bool(token_cache), cloud=cloud.get('name'),
        region_explicit=region_explicit, interface=interface, warnings=warnings,
        cache_directory=default_directory(environ), proxies=Proxies(environ),
    )


def auth_keys(auth, where, secrets):
    """The auth keys of one layer with our spellings, as strings; empty values dropped, secrets registered."""
    if not isinstance(auth, dict):
        raise InvalidInput('%s must be a dictionary of auth keys' % where)
    cleaned = {}
    for key, value in auth.items():
        key = str(key).strip().lower()
        if value is None or value == '':
            continue
        if isinstance(value, (dict, list)):
            raise InvalidInput('auth.%s (%s) must be a string, not a %s' % (key, where, type(value).__name__))
        value = str(value)
        if key in SECRET_KEYS or 'secret' in key or 'password' in key or 'token' in key:
            secrets.add(value)
        secrets.add(_user_info(value))
        target = AUTH_ALIASES.get(key, key)
        if target not in cleaned or key == target:
            cleaned[target] = value
    return cleaned


def _choose_method(auth_type, cloud_auth_type, layers, where):
    for given, source in ((auth_type, 'auth_type'), (cloud_auth_type, 'auth_type of %s' % where)):
        if given:
            method = method_named(given)
            if method is None:
                raise InvalidInput('%s %s is not supported: use one of %s' % (
                    source, _validate.quote(given), ', '.join(AUTH_TYPE_CHOICES)))
            return method
    for layer in layers:
        method = infer_method(layer)
        if method is not None:
            return method
    raise InvalidInput(
        'no credentials: set auth.username/auth.password, auth.token with auth.project_id, or auth.ak/auth.sk '
        '(or name a cloud of clouds.yaml, or set OS_* environment variables)')


def _validate_auth(auth):
    if auth.get('auth_url'):
        auth['auth_url'] = _validate.url(auth['auth_url'], 'auth.auth_url')
    if auth.get('project_id'):
        _validate.project_id(auth['project_id'])
    for key in ('username', 'user_id', 'user_domain_name', 'user_domain_id', 'project_name',
                'project_domain_name', 'project_domain_id'):
        if auth.get(key):
            _validate.plain_text(auth[key], 'auth.%s' % key)


def _region(options, cloud, auth):
    """(region, explicit): the option, the cloud's, the project name's prefix, else eu-de."""
    given = options.get('region_name')
    if given:
        return _validate.region(given, 'region_name'), True
    if cloud.get('region_name'):
        return _validate.region(cloud['region_name'], 'region_name of %s' % _cloud_description(cloud)), bool(cloud.get('region_explicit', True))
    return region_from_project(auth.get('project_name')) or DEFAULT_REGION, False


def _verify(options, cloud, warnings, environ, cwd):
    validate = options.get('validate_certs')
    if validate is None:
        validate = cloud.get('verify')
    # Both are booleans here: the argument spec converts the option, _clouds the cloud's verify
    # (whose CA-bundle form it turns into cacert).
    if validate is not None and not validate:
        warnings.append('validate_certs is false: TLS certificates are not verified, so the credentials can be '
                        'intercepted; use ca_cert for a private CA instead')
        return False
    ca_cert, source = options.get('ca_cert') or cloud.get('cacert'), 'ca_cert'
    if not ca_cert:
        # What requests takes from the environment when certificates are verified.
        ca_cert, source = ca_bundle(environ), 'the CA bundle of REQUESTS_CA_BUNDLE or CURL_CA_BUNDLE'
    if not ca_cert:
        return True
    ca_cert = os.path.expanduser(str(ca_cert))
    if cwd and not os.path.isabs(ca_cert):
        ca_cert = os.path.join(cwd, ca_cert)
    if not os.path.isfile(ca_cert) or not os.access(ca_cert, os.R_OK):
        raise InvalidInput('%s %s is not a readable file: give the path of a PEM CA bundle' % (source, _validate.quote(ca_cert)))
    return ca_cert


def _as_number(value, option):
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            raise InvalidInput('%s must be a number, got %s' % (option, _validate.quote(value)))
    return value


def _first_given(*values):
    for value in values:
        if value is not None and value != '':
            return value
    return None


def _cloud_description(cloud):
    if cloud.get('source') == 'environment':
        return 'the OS_* environment'
    if cloud.get('name') and cloud.get('source'):
        return 'cloud %r (%s)' % (cloud['name'], cloud['source'])
    if cloud.get('source') == 'option':
        return 'the cloud option'
    return 'the cloud entry'


def _user_info(url):
    """The user-info part of a URL (a secret if it is there), else None."""
    if not isinstance(url, str) or '://' not in url:
        return None
    netloc = url.split('://', 1)[1].split('/', 1)[0]
    return netloc.rsplit('@', 1)[0] if '@' in netloc else None


def _register_environment_secrets(environ, secrets):
    for name in ENVIRONMENT_SECRETS:
        secrets.add(environ.get(name))
    for name in ('OS_AUTH_URL',):
        secrets.add(_user_info(environ.get(name)))


def _register_nested_secrets(data, secrets):
    """Secrets anywhere in a cloud dict: values of secret-looking keys, and URL user-info."""
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key, value in item.items():
                if isinstance(value, (dict, list)):
                    stack.append(value)
                elif isinstance(value, str):
                    lowered = str(key).lower()
                    if lowered in SECRET_KEYS or any(word in lowered for word in ('password', 'secret', 'token')):
                        secrets.add(value)
                    secrets.add(_user_info(value))
        elif isinstance(item, list):
            stack.extend(item)
