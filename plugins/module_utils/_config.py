# -*- coding: utf-8 -*-
# Copyright (c) otc.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Connection settings: one option adapter for modules and plugins, clouds.yaml, OS_* environment.

Precedence, key by key: the ``auth`` option, then the ``cloud`` entry of clouds.yaml (with
secure.yaml merged), then the environment. The method (``auth_type``) is inferred from the
first of these layers that holds credentials, so leftover OS_* variables never mix into an
explicitly configured credential set.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re

from ansible_collections.otc.jobs.plugins.module_utils._errors import InvalidInput

try:
    import yaml
    HAS_YAML = True
except ImportError:
    HAS_YAML = False

AUTH_TYPES = ('password', 'token', 'aksk')
SECRET_KEYS = ('password', 'token', 'sk', 'security_token')

# auth key -> environment variables, first set wins.
AUTH_ENV = {
    'auth_url': ('OS_AUTH_URL',),
    'username': ('OS_USERNAME',),
    'password': ('OS_PASSWORD',),
    'user_domain_name': ('OS_USER_DOMAIN_NAME', 'OS_DOMAIN_NAME'),
    'user_domain_id': ('OS_USER_DOMAIN_ID', 'OS_DOMAIN_ID'),
    'project_name': ('OS_PROJECT_NAME', 'OS_TENANT_NAME'),
    'project_id': ('OS_PROJECT_ID', 'OS_TENANT_ID'),
    'token': ('OS_AUTH_TOKEN', 'OS_TOKEN'),
    'ak': ('OS_ACCESS_KEY', 'OS_AK'),
    'sk': ('OS_SECRET_KEY', 'OS_SK'),
    'security_token': ('OS_SECURITY_TOKEN',),
}
AUTH_KEYS = tuple(AUTH_ENV)

# Spellings clouds.yaml files use for our auth keys (openstacksdk and otcextensions conventions).
CLOUD_AUTH_ALIASES = {
    'domain_name': 'user_domain_name',
    'domain_id': 'user_domain_id',
    'tenant_name': 'project_name',
    'tenant_id': 'project_id',
    'access_key': 'ak',
    'secret_key': 'sk',
    'user_name': 'username',
}
CLOUD_AUTH_TYPES = {
    'password': 'password', 'v3password': 'password',
    'token': 'token', 'v3token': 'token', 'admin_token': 'token',
    'aksk': 'aksk', 'ak/sk': 'aksk', 'ak_sk': 'aksk',
}

DEFAULT_REGION = 'eu-de'
# Swiss regions live under their own domain.
_REGION_DOMAINS = {'eu-ch2': 'sc.otc.t-systems.com'}
_REGION_PREFIX = re.compile(r'^([a-z]{2}-[a-z]+\d*)(?:_|$)')


def region_domain(region):
    return '%s.%s' % (region, _REGION_DOMAINS.get(region, 'otc.t-systems.com'))


def default_auth_url(region):
    host = 'iam-pub' if region in _REGION_DOMAINS else 'iam'
    return 'https://%s.%s/v3' % (host, region_domain(region))


class OptionAdapter:
    """Reads options the same way whether they come from a module, a plugin or a dict."""

    def __init__(self, getter):
        self._getter = getter

    @classmethod
    def from_dict(cls, options):
        return cls(options.get)

    @classmethod
    def from_module(cls, module):
        return cls(module.params.get)

    @classmethod
    def from_plugin(cls, plugin):
        def getter(name):
            try:
                return plugin.get_option(name)
            except KeyError:
                return None
        return cls(getter)

    def get(self, name):
        return self._getter(name)


class Settings:
    """Everything needed to reach one service: credentials, scope, region, TLS, timeouts."""

    def __init__(self, auth_type, auth, region, endpoint, verify, api_timeout, token_cache, cloud=None, region_explicit=True):
        self.auth_type = auth_type
        self.auth = auth            # dict over AUTH_KEYS, None for absent keys
        self.region = region
        # False when the region was only guessed (project name prefix or eu-de): the token's
        # project may then tell better.
        self.region_explicit = region_explicit
        self.endpoint = endpoint
        self.verify = verify        # True, False or a CA bundle path
        self.api_timeout = api_timeout
        self.token_cache = token_cache
        self.cloud = cloud

    @property
    def auth_url(self):
        return (self.auth.get('auth_url') or default_auth_url(self.region)).rstrip('/')

    def __repr__(self):
        # Never let a secret reach a log line or a traceback through repr().
        shown = dict((k, '********' if k in SECRET_KEYS and v else v) for k, v in self.auth.items())
        return 'Settings(auth_type=%r, auth=%r, region=%r, endpoint=%r)' % (self.auth_type, shown, self.region, self.endpoint)


def resolve_settings(options, environ=None, search_dirs=None):
    """Settings from an OptionAdapter, clouds.yaml and the environment (see the module docstring)."""
    environ = os.environ if environ is None else environ
    explicit = _clean_auth(options.get('auth') or {}, 'the auth option')
    cloud_name = options.get('cloud') or environ.get('OS_CLOUD')
    cloud = load_cloud(cloud_name, environ, search_dirs) if cloud_name else {}
    from_cloud = _clean_auth(cloud.get('auth') or {}, 'cloud %r' % cloud_name)
    from_env = dict((key, _first_env(environ, names)) for key, names in AUTH_ENV.items())
    from_env = dict((k, v) for k, v in from_env.items() if v)

    layers = [explicit, from_cloud, from_env]
    auth = dict((key, _first_set(layer.get(key) for layer in layers)) for key in AUTH_KEYS)

    auth_type = options.get('auth_type') or CLOUD_AUTH_TYPES.get(str(cloud.get('auth_type', '')).lower())
    if auth_type is None:
        auth_type = _first_set(infer_auth_type(layer) for layer in layers)
    if auth_type is None:
        raise InvalidInput(
            'no credentials: set auth.username/auth.password, auth.token with auth.project_id, or auth.ak/auth.sk '
            '(or a cloud entry in clouds.yaml, or OS_* environment variables)')
    region = options.get('region_name') or cloud.get('region_name') or environ.get('OS_REGION_NAME')
    region_explicit = bool(region)
    region = region or region_from_project(auth.get('project_name')) or DEFAULT_REGION
    verify = _verify(options, cloud, environ)
    api_timeout = options.get('api_timeout') or cloud.get('api_timeout') or 30
    token_cache = options.get('token_cache')
    settings = Settings(
        auth_type=auth_type, auth=auth, region=region, endpoint=options.get('endpoint'),
        verify=verify, api_timeout=float(api_timeout), token_cache=True if token_cache is None else bool(token_cache),
        cloud=cloud_name, region_explicit=region_explicit,
    )
    check_complete(settings)
    return settings


def infer_auth_type(auth):
    """The method a set of auth keys describes, or None when it holds no credentials."""
    if auth.get('ak') or auth.get('sk'):
        return 'aksk'
    if auth.get('token'):
        return 'token'
    if auth.get('username') or auth.get('password'):
        return 'password'
    return None


def check_complete(settings):
    """Refuse incomplete credentials before any request, naming exactly what is missing."""
    auth = settings.auth
    required = {
        'password': ('username', 'password'),
        'token': ('token', 'project_id'),
        'aksk': ('ak', 'sk', 'project_id'),
    }[settings.auth_type]
    missing = [key for key in required if not auth.get(key)]
    if settings.auth_type == 'password':
        if not (auth.get('user_domain_name') or auth.get('user_domain_id')):
            missing.append('user_domain_name (or user_domain_id)')
        if not (auth.get('project_name') or auth.get('project_id')):
            missing.append('project_name (or project_id)')
    if missing:
        raise InvalidInput('%s authentication needs %s: set auth.%s (or the cloud entry, or its OS_* variable)' % (
            settings.auth_type, ', '.join(missing), missing[0].split(' ')[0]))


def load_cloud(name, environ, search_dirs=None):
    """The clouds.yaml entry ``name`` with secure.yaml merged over it."""
    if not HAS_YAML:
        raise InvalidInput('the cloud option needs the PyYAML Python library on the host running the task')
    dirs = search_dirs if search_dirs is not None else [
        os.getcwd(), os.path.expanduser('~/.config/openstack'), '/etc/openstack']
    clouds_files = _candidates(environ.get('OS_CLIENT_CONFIG_FILE'), dirs, ('clouds.yaml', 'clouds.yml'))
    secure_files = _candidates(environ.get('OS_CLIENT_SECURE_FILE'), dirs, ('secure.yaml', 'secure.yml'))
    entry = _first_entry(name, clouds_files)
    if entry is None:
        raise InvalidInput('cloud %r is not in any clouds.yaml (looked in: %s)' % (name, ', '.join(clouds_files)))
    secure = _first_entry(name, secure_files) or {}
    return _deep_merge(entry, secure)


def _candidates(explicit, dirs, names):
    found = [explicit] if explicit else []
    found.extend(os.path.join(d, n) for d in dirs for n in names)
    return found


def _first_entry(name, files):
    for path in files:
        if not os.path.isfile(path):
            continue
        try:
            with open(path) as handle:
                document = yaml.safe_load(handle) or {}
        except (IOError, OSError, yaml.YAMLError) as exc:
            raise InvalidInput('cannot read %s: %s' % (path, str(exc).splitlines()[0]))
        clouds = document.get('clouds') if isinstance(document, dict) else None
        if isinstance(clouds, dict) and isinstance(clouds.get(name), dict):
            return clouds[name]
    return None


def _deep_merge(base, override):
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _clean_auth(auth, where):
    if not isinstance(auth, dict):
        raise InvalidInput('%s must be a dictionary of auth keys' % where)
    cleaned = {}
    for key, value in auth.items():
        key = CLOUD_AUTH_ALIASES.get(str(key).lower(), str(key).lower())
        if key in AUTH_KEYS and value not in (None, ''):
            cleaned[key] = str(value)
    return cleaned


def _first_env(environ, names):
    return _first_set(environ.get(name) for name in names)


def _first_set(values):
    for value in values:
        if value not in (None, ''):
            return value
    return None


def region_from_project(project_name):
    """'eu-de_sub' -> 'eu-de'; None when the name carries no region."""
    match = _REGION_PREFIX.match(project_name or '')
    return match.group(1) if match else None


def _verify(options, cloud, environ):
    validate = options.get('validate_certs')
    if validate is None:
        validate = cloud.get('verify', True) not in (False, 'false', 'False', 'no')
    if not validate:
        return False
    return options.get('ca_cert') or cloud.get('cacert') or environ.get('OS_CACERT') or True
