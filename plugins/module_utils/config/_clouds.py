# -*- coding: utf-8 -*-
# Copyright (c) otc.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""clouds.yaml and OS_* environment, read the way openstacksdk's config loader reads them.

One entry point, :func:`resolve_cloud`. It never imports openstacksdk; it re-implements the
parts of ``openstack/config/loader.py`` (openstacksdk 4.x) that decide which file, which cloud,
and which auth keys, region and TLS settings a connection gets, and a unit test
(tests/unit/plugins/module_utils/test_clouds.py) feeds the same files and environment to both.

openstacksdk's rules, as followed here:

* Files: ``OS_CLIENT_CONFIG_FILE`` (any name; ``*json`` is parsed as JSON, anything else as
  YAML), then ``clouds.yaml``, ``clouds.yml``, ``clouds.json`` in: the working directory,
  the platformdirs user config dir (``$XDG_CONFIG_HOME/openstack`` if absolute, else
  ``~/.config/openstack``), ``~/.config/openstack`` (``$SNAP_REAL_HOME`` for snaps), the
  platformdirs site config dir (``$XDG_CONFIG_DIRS`` entries + ``/openstack``, joined by ``:``
  as platformdirs' multipath does, default ``/etc/xdg/openstack``) and ``/etc/openstack``. Only
  the first existing file is read. ``secure.*`` (or ``OS_CLIENT_SECURE_FILE``) is found the same
  way and merged key by key over the whole document; ``clouds-public.*`` holds extra profiles.
* Which cloud: the name given, else ``OS_CLOUD``; with no name, the ``OS_*`` variables form the
  cloud ``envvars`` (``OS_CLOUD_NAME``) if any variable other than the selectors (``OS_CLOUD``,
  ``OS_REGION_NAME``, ``OS_CLIENT_CONFIG_FILE``, ``OS_CLIENT_SECURE_FILE``, ``OS_CLOUD_NAME``)
  is set, else the only cloud of the file when it holds exactly one (AWX's credential file),
  else nothing. A named cloud never takes anything from the ``OS_*`` variables.
* Entry: vendor profile first (``profile``, or the deprecated ``cloud`` key), the entry over it
  (``auth`` merged key by key), the chosen region's ``values`` over that. The region is the one
  asked for, else the first of ``regions``, else of ``region_name`` (split on commas), else of
  the profile's ``regions``: ``regions`` wins over ``region_name`` when both are given.
* Auth keys: the backward-compatible spellings (``tenant_*``, ``auth_token``, ``user_name``,
  dashes, ...) and top-level keys are folded into ``auth`` exactly as openstacksdk's
  ``magic_fixes`` and ``_validate_auth`` do for the chosen ``auth_type`` (top-level
  username/password/auth_url join ``auth`` for password types, token for token types);
  ``domain_name``/``domain_id`` fill the user and project domain of a project-scoped cloud;
  ``{region_name}`` in ``auth.auth_url`` is filled in. OTC AK/SK (otcextensions style): ``ak``
  or ``access_key``, ``sk`` or ``secret_key``, ``security_token``, at the top level or in
  ``auth``, go to ``auth.ak``/``auth.sk``/``auth.security_token`` (``OS_ACCESS_KEY``/``OS_AK``
  etc. for the environment cloud).
* TLS: ``insecure`` (only ``true`` counts, any case) beats ``verify``; ``cacert``, ``cert``,
  ``key`` have ``~`` expanded.

Deliberate differences (documented in the collection's docs):

* A ``cloud`` given as a dict is read as one clouds.yaml entry on its own: no clouds file and no
  ``OS_*`` variable is read (only ``clouds-public.*`` when it names a non-built-in profile).
  openstacksdk lays such a dict over its default cloud.
* A clouds file that cannot be parsed, is over 1 MiB or is not a regular file is an error
  (openstacksdk logs a warning and moves on to the next file). Unreadable files and directories
  are skipped as openstacksdk skips them, and named in the "not found" message.
* Profiles: ``otc`` and ``otc-swiss`` are built in (the latter with the ``https://`` that
  openstacksdk's copy lacks); any other profile must be in ``clouds-public.*``. An unknown
  profile is an error (openstacksdk warns and goes on without it, or fetches a URL profile).
* ``null`` auth values are absent (openstacksdk turns some into the string ``'None'``).
* ``verify`` given as a string: ``true/yes/on/1`` and ``false/no/off/0`` are booleans here;
  openstacksdk hands any string to requests as a CA bundle path (kept for other strings).
* ``auth_type`` is None when not given (openstacksdk defaults to ``password``), so the caller
  can infer it; ``aksk`` is ours. (``auth_plugin`` is ignored, as it is in effect by openstacksdk,
  whose defaults always hold an ``auth_type``.)
* Not emulated: ``OS_CLOUD_NAME`` set but empty (taken as unset), ``{placeholders}`` in top-level
  string settings, vendor profiles fetched from a URL, keystoneauth plugins other than the
  password and token ones (their options are treated like the password plugin's).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import json
import os
import posixpath
import re
import stat
import sys

from ansible_collections.otc.jobs.plugins.module_utils.auth._auth import CLOUD_SPELLINGS, METHODS
from ansible_collections.otc.jobs.plugins.module_utils.core._errors import InvalidInput


def _yaml():
    """PyYAML, or None without it; imported only when a YAML file is read (most tasks read none, and a
    module imports on every run)."""
    try:
        import yaml  # pylint: disable=import-outside-toplevel
    except ImportError:
        return None
    return yaml


MAX_FILE_SIZE = 1024 * 1024
SUFFIXES = ('.yaml', '.yml', '.json')
UNIX_SITE_CONFIG_DIR = '/etc/openstack'
ENVVARS_CLOUD = 'envvars'

# OS_* variables that only select things; set alone, they do not form the environment cloud.
ENV_SELECTORS = frozenset(('OS_CLOUD', 'OS_REGION_NAME', 'OS_CLIENT_CONFIG_FILE', 'OS_CLIENT_SECURE_FILE', 'OS_CLOUD_NAME'))
# Prefixes openstacksdk ignores (test-infra variables).
ENV_IGNORED_PREFIXES = ('OS_TEST', 'OS_STD', 'OS_LOG')

# openstacksdk's openstack/config/vendors/{otc,otc-swiss}.json, the facts that matter here.
BUILTIN_PROFILES = {
    'otc': {
        'auth': {'auth_url': 'https://iam.{region_name}.otc.t-systems.com/v3'},
        'regions': ['eu-de', 'eu-nl'],
        'identity_api_version': '3',
        'interface': 'public',
    },
    'otc-swiss': {
        'auth': {'auth_url': 'https://iam-pub.eu-ch2.sc.otc.t-systems.com/v3'},
        'regions': ['eu-ch2'],
        'identity_api_version': '3',
        'interface': 'public',
    },
}

# openstacksdk loader._fix_backwards_auth: target <- spellings; the last one present wins and a
# top-level key beats the same key under auth. The last three are ours (otcextensions style).
_BACKWARDS_AUTH = (
    ('domain_id', ('domain_id', 'domain-id')),
    ('domain_name', ('domain_name', 'domain-name')),
    ('user_domain_id', ('user_domain_id', 'user-domain-id')),
    ('user_domain_name', ('user_domain_name', 'user-domain-name')),
    ('project_domain_id', ('project_domain_id', 'project-domain-id')),
    ('project_domain_name', ('project_domain_name', 'project-domain-name')),
    ('token', ('auth-token', 'auth_token', 'token')),
    ('passcode', ('passcode',)),
)
_BACKWARDS_PROJECT = (
    ('project_id', ('tenant_id', 'tenant-id', 'project_id', 'project-id')),
    ('project_name', ('tenant_name', 'tenant-name', 'project_name', 'project-name')),
)
_BACKWARDS_PROJECT_V2 = (
    ('tenant_id', ('project_id', 'project-id', 'tenant_id', 'tenant-id')),
    ('tenant_name', ('project_name', 'project-name', 'tenant_name', 'tenant-name')),
)
# Keys of our own methods (e.g. aksk's ak/access_key): each auth method's CLOUD_SPELLINGS.
_BACKWARDS_OWN = CLOUD_SPELLINGS

# keystoneauth1 plugin options (name, deprecated names) per auth_type: openstacksdk's
# _validate_auth moves them from the top level into auth (auth wins).
_SCOPE = (('auth_url', ()), ('system_scope', ()), ('domain_id', ()), ('domain_name', ()))
_SCOPE_V2_NAMES = (('project_id', ('tenant_id',)), ('project_name', ('tenant_name',)))
_SCOPE_V3_NAMES = (('project_id', ()), ('project_name', ()))
_SCOPE_TAIL = (('project_domain_id', ()), ('project_domain_name', ()), ('trust_id', ()))
_DEFAULT_DOMAIN = (('default_domain_id', ()), ('default_domain_name', ()))
_USER = (('user_id', ()), ('username', ('user_name',)), ('user_domain_id', ()), ('user_domain_name', ()), ('password', ()))
_PLUGIN_OPTIONS = {
    'password': _SCOPE + _SCOPE_V2_NAMES + _SCOPE_TAIL + _DEFAULT_DOMAIN + _USER,
    'v3password': _SCOPE + _SCOPE_V3_NAMES + _SCOPE_TAIL + _USER,
    'token': _SCOPE + _SCOPE_V2_NAMES + _SCOPE_TAIL + _DEFAULT_DOMAIN + (('token', ()),),
    'v3token': _SCOPE + _SCOPE_V3_NAMES + _SCOPE_TAIL + (('token', ()),),
}
# Methods of ours (not keystoneauth plugins): the v3 scope and the method's own keys.
_PLUGIN_OPTIONS.update((name, _SCOPE + _SCOPE_V3_NAMES + _SCOPE_TAIL + tuple((key, ()) for key in method.OPTIONS))
                       for method in METHODS if method.NAME not in _PLUGIN_OPTIONS
                       for name in (method.NAME,) + method.ALIASES)

_TRUE_WORDS = ('true', 'yes', 'on', '1')
_FALSE_WORDS = ('false', 'no', 'off', '0', '')
_PLACEHOLDER = re.compile(r'\{([A-Za-z_][A-Za-z0-9_]*)\}')


def resolve_cloud(cloud=None, environ=None, cwd=None, config_dirs=None, region_name=None):
    """The cloud that ``cloud`` (a name, an entry dict or None) selects, as a plain dict.

    ``environ`` defaults to os.environ, ``cwd`` to os.getcwd(), ``config_dirs`` to
    :func:`default_config_dirs` of those. ``region_name`` picks a region of the cloud's
    ``regions`` as openstacksdk's ``get_one(region_name=...)`` does (an error if the cloud lists
    regions and it is not one of them); None takes the cloud's default.

    Returns ``{}`` when nothing is configured (no cloud named, no OS_* variable, and no single
    cloud in the first clouds file); otherwise a dict with the keys ``name`` (cloud name,
    ``'envvars'`` for the environment, None for a dict), ``source`` (path of the clouds file,
    ``'environment'`` or ``'option'``), ``secure_source`` (path of the secure file that held
    part of the entry, or None), ``auth`` (dict, normalized keys, no None or empty values),
    ``auth_type``, ``region_name``, ``region_explicit``, ``verify`` (bool or None when not
    set), ``cacert``, ``cert``, ``key``, ``interface``, ``api_timeout`` and ``profile``.
    Errors are InvalidInput naming files, clouds and the region asked for, never a value read
    from a file or the environment (not even region names).
    """
    environ = os.environ if environ is None else environ
    envvar_key = environ.get('OS_CLOUD_NAME') or ENVVARS_CLOUD
    if isinstance(cloud, dict):
        if 'cloud' in cloud:
            raise InvalidInput(
                "the cloud option's dictionary has a 'cloud' key: give the cloud's name as the cloud option "
                "instead, or use 'profile' to name a vendor profile")
        sources = _Sources(environ, cwd, config_dirs)
        entry = _check_entry(cloud, 'the cloud option')
        return _build(entry, sources, envvar_key, environ, region_name,
                      name=None, source='option', secure_source=None, where='the cloud option')
    if cloud is not None and not isinstance(cloud, str):
        raise InvalidInput('the cloud option must be the name of a cloud (a string) or a cloud entry (a dictionary)')

    name = cloud or environ.get('OS_CLOUD') or None
    env_entry = _environment_cloud(environ)
    sources = _Sources(environ, cwd, config_dirs)
    # The files matter unless the environment cloud is the one used (then openstacksdk reads them
    # only to refuse a file cloud with the environment cloud's name).
    uses_env = env_entry is not None and (name is None or name == envvar_key)
    files = sources.load_clouds(need_yaml=not uses_env)
    clouds = files['clouds']
    if envvar_key in clouds:
        raise InvalidInput(
            '%s defines a cloud named %r, the name openstacksdk gives the cloud formed by the OS_* environment '
            'variables (set OS_CLOUD_NAME to another name, or rename the cloud)' % (files['origin'](envvar_key), envvar_key))

    if uses_env:
        return _build(env_entry, sources, envvar_key, environ, region_name,
                      name=envvar_key, source='environment', secure_source=None, where='the OS_* environment variables')
    if name is None:
        if len(clouds) != 1:
            return {}
        name = next(iter(clouds))
    if name not in clouds:
        raise InvalidInput(_not_found_message(name, files, sources, env_entry is not None, envvar_key))
    where = 'cloud %r in %s' % (name, files['origin'](name))
    entry = _check_entry(clouds[name], where)
    return _build(entry, sources, envvar_key, environ, region_name, name=name,
                  source=files['origin'](name), secure_source=files['secure_origin'](name), where=where)


def default_config_dirs(environ=None, cwd=None, platform=None):
    """openstacksdk's CONFIG_SEARCH_PATH for this environment, working directory and platform."""
    environ = os.environ if environ is None else environ
    cwd = os.getcwd() if cwd is None else cwd
    platform = sys.platform if platform is None else platform
    home = _platformdirs_home(environ)
    xdg_home = environ.get('XDG_CONFIG_HOME', '')
    xdg_dirs = [p for p in environ.get('XDG_CONFIG_DIRS', '').split(os.pathsep) if posixpath.isabs(p)]
    if platform == 'darwin':
        user_default = os.path.join(home, 'Library', 'Application Support', 'openstack')
        site_default = '/Library/Application Support/openstack'
    else:
        user_default = os.path.join(home, '.config', 'openstack')
        site_default = '/etc/xdg/openstack'
    user_dir = os.path.join(xdg_home, 'openstack') if posixpath.isabs(xdg_home) else user_default
    # platformdirs' multipath site dir: every entry, joined by os.pathsep into one string (which
    # openstacksdk then uses as one directory, so with several entries no file is found there).
    site_dir = os.pathsep.join(os.path.join(p, 'openstack') for p in xdg_dirs) if xdg_dirs else site_default
    snap_home = environ.get('SNAP_REAL_HOME')
    unix_home = snap_home if snap_home else _expanduser_home(environ)
    return [cwd, user_dir, os.path.join(unix_home, '.config', 'openstack'), site_dir, UNIX_SITE_CONFIG_DIR]


# --------------------------------------------------------------------------- files


class _Sources:
    """Where clouds, secure and vendor files are looked for, and their loading."""

    def __init__(self, environ, cwd, config_dirs):
        self.environ = environ
        self.dirs = list(config_dirs) if config_dirs is not None else default_config_dirs(environ, cwd)
        self.clouds_override = environ.get('OS_CLIENT_CONFIG_FILE') or None
        self.secure_override = environ.get('OS_CLIENT_SECURE_FILE') or None
        self.notes = []

    def _files(self, stem, override=None):
        files = [override] if override else []
        files.extend(os.path.join(d, stem + s) for d in self.dirs for s in SUFFIXES)
        return files

    def looked_in(self):
        dirs = []
        for d in self.dirs:
            if d not in dirs:
                dirs.append(d)
        text = '%s (clouds.yaml, clouds.yml, clouds.json)' % ', '.join(dirs)
        if self.clouds_override:
            text = 'OS_CLIENT_CONFIG_FILE %s, then %s' % (self.clouds_override, text)
        return text

    def load_clouds(self, need_yaml):
        clouds_path, clouds_doc = _load_first(self._files('clouds', self.clouds_override), need_yaml, self.notes)
        secure_path, secure_doc = _load_first(self._files('secure', self.secure_override), need_yaml, self.notes)
        own = _clouds_of(clouds_path, clouds_doc)
        secure = _clouds_of(secure_path, secure_doc)
        merged = dict((k, copy.deepcopy(v)) for k, v in own.items())
        for key, value in secure.items():
            if isinstance(value, dict) and isinstance(merged.get(key), dict):
                merged[key] = _merge(merged[key], value)
            else:
                merged[key] = copy.deepcopy(value)

        def origin(name):
            return clouds_path if name in own or secure_path is None else secure_path

        def secure_origin(name):
            return secure_path if name in secure else None

        return {'clouds': merged, 'path': clouds_path, 'secure_path': secure_path,
                'origin': origin, 'secure_origin': secure_origin}

    def vendor_profile(self, profile):
        path, doc = _load_first(self._files('clouds-public'), False, self.notes)
        if path is None or not isinstance(doc, dict):
            return None
        public = doc.get('public-clouds')
        if isinstance(public, dict) and profile in public:
            return _check_entry(public[profile], 'profile %r in %s' % (profile, path))
        return None


def _load_first(files, need_yaml, notes):
    """(path, document) of the first existing file, as openstacksdk's _load_yaml_json_file."""
    for path in files:
        if not os.path.exists(path):
            continue
        try:
            info = os.stat(path)
        except (IOError, OSError) as exc:
            notes.append('%s skipped (%s)' % (path, exc.strerror or type(exc).__name__))
            continue
        if stat.S_ISDIR(info.st_mode):
            notes.append('%s skipped (a directory)' % path)
            continue
        if not stat.S_ISREG(info.st_mode):
            raise InvalidInput('%s is not a regular file' % path)
        if info.st_size > MAX_FILE_SIZE:
            raise InvalidInput('%s is larger than 1 MiB; a clouds file that large is refused' % path)
        is_json = path.endswith('json')
        if not is_json and _yaml() is None:
            if need_yaml:
                raise InvalidInput(
                    'the cloud option needs PyYAML on the host that runs the task, to read %s '
                    '(install PyYAML, or give the cloud as a dictionary, or use OS_* variables)' % path)
            return None, None
        try:
            with open(path, 'rb') as handle:
                raw = handle.read(MAX_FILE_SIZE + 1)
        except (IOError, OSError) as exc:
            notes.append('%s skipped (%s)' % (path, exc.strerror or type(exc).__name__))
            continue
        if len(raw) > MAX_FILE_SIZE:
            raise InvalidInput('%s is larger than 1 MiB; a clouds file that large is refused' % path)
        return path, _parse(path, raw, is_json)
    return None, None


def _parse(path, raw, is_json):
    # Messages carry line and column only: parser messages and marks quote the file.
    if is_json:
        try:
            return json.loads(raw.decode('utf-8-sig'))
        except ValueError as exc:
            line, column = getattr(exc, 'lineno', None), getattr(exc, 'colno', None)
            where = ' (line %s, column %s)' % (line, column) if line else ''
            # "from None": the parser's own message, which quotes the file, stays out of tracebacks too
            raise InvalidInput('cannot parse %s as JSON%s' % (path, where)) from None
    yaml = _yaml()
    try:
        return yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        mark = getattr(exc, 'problem_mark', None) or getattr(exc, 'context_mark', None)
        where = ' (line %d, column %d)' % (mark.line + 1, mark.column + 1) if mark is not None else ''
        raise InvalidInput('cannot parse %s as YAML%s: %s' % (path, where, type(exc).__name__)) from None


def _clouds_of(path, doc):
    if path is None or not doc:
        return {}
    if not isinstance(doc, dict):
        raise InvalidInput('%s is not a valid clouds file: it must hold a mapping with a "clouds" key' % path)
    clouds = doc.get('clouds')
    if clouds is None:
        return {}
    if not isinstance(clouds, dict):
        raise InvalidInput('%s is not a valid clouds file: its "clouds" key must map cloud names to entries' % path)
    return clouds


def _not_found_message(name, files, sources, has_env_cloud, envvar_key):
    if files['path'] is None and files['secure_path'] is None:
        message = 'cloud %r not found: no clouds file in %s' % (name, sources.looked_in())
    else:
        read = files['path'] or files['secure_path']
        names = sorted(str(k) for k in files['clouds'])
        if has_env_cloud:
            names.append('%s (the OS_* environment variables)' % envvar_key)
        message = 'cloud %r is not defined in %s (only the first clouds file found is read, as openstacksdk does; ' \
                  'clouds defined: %s)' % (name, read, ', '.join(names) or 'none')
        if files['path'] and files['secure_path']:
            message += ', nor in %s' % files['secure_path']
    if sources.notes:
        message += '; ' + '; '.join(sources.notes)
    return message


# --------------------------------------------------------------------------- environment


def _environment_cloud(environ):
    """openstacksdk's _get_os_environ: OS_FOO_BAR -> foo_bar, or None if only selectors are set."""
    keys = [k for k in environ if k.startswith('OS_') and not k.startswith(ENV_IGNORED_PREFIXES)]
    if not set(keys) - ENV_SELECTORS:
        return None
    return dict((k.split('_', 1)[-1].lower(), environ[k]) for k in sorted(keys))


# --------------------------------------------------------------------------- entry processing


def _build(entry, sources, envvar_key, environ, requested_region, name, source, secure_source, where):
    entry = _normalize(entry)
    profile_name = entry.get('profile', entry.get('cloud'))
    profile = {}
    if profile_name and profile_name != envvar_key:
        profile = _profile(profile_name, sources, where)
    elif not profile_name:
        profile_name = None

    config = {}
    _auth_update(config, profile)
    _auth_update(config, entry, where)
    config.pop('cloud', None)

    region, region_values, explicit = _region(entry, profile, requested_region, where)
    config.pop('regions', None)
    for key, value in region_values.items():
        if value is None:
            continue
        if key == 'auth':
            config.setdefault('auth', {}).update(_check_auth(value, where))
        else:
            config[key] = value
    config['region_name'] = region

    config = _fix_api_timeout(config)
    # The older auth_plugin never counts: openstacksdk's _fix_backwards_auth_plugin lets auth_type
    # win, and its defaults always hold auth_type (password).
    config.pop('auth_plugin', None)
    auth_type = config.pop('auth_type', None)
    auth = dict(config.pop('auth', None) or {})
    _fix_backwards_auth(config, auth, auth_type)
    interface = config.get('endpoint_type', config.get('interface'))
    _handle_domain_id(config, auth)
    auth_url = auth.get('auth_url')
    if isinstance(auth_url, str):
        auth['auth_url'] = _fill_placeholders(auth_url, config)
    _move_plugin_options(config, auth, auth_type)

    verify = _verify(config)
    cacert = _path(config.get('cacert'), environ)
    if isinstance(verify, tuple):
        verify, cacert = True, cacert or _path(verify[1], environ)
    return {
        'name': name,
        'source': source,
        'secure_source': secure_source,
        'auth': dict((k, _scalar(v)) for k, v in auth.items() if v is not None and v != ''),
        'auth_type': None if auth_type is None else str(auth_type),
        'region_name': region or None,
        'region_explicit': bool(region) and explicit,
        'verify': verify,
        'cacert': cacert,
        'cert': _path(config.get('cert'), environ),
        'key': _path(config.get('key'), environ),
        'interface': interface if interface not in ('', None) else None,
        'api_timeout': config.get('api_timeout'),
        'profile': None if profile_name is None else str(profile_name),
    }


def _check_entry(entry, where):
    if entry is None:
        raise InvalidInput('%s is empty' % where)
    if not isinstance(entry, dict):
        raise InvalidInput('%s must be a mapping of settings' % where)
    if 'auth' in entry:
        _check_auth(entry['auth'], where)
    return entry


def _check_auth(auth, where):
    if auth is None:
        return {}
    if not isinstance(auth, dict):
        raise InvalidInput('auth of %s must be a mapping of auth keys' % where)
    return _normalize(auth)


def _normalize(mapping):
    """openstacksdk's normalize_keys on one level: dashes to underscores, numbers to strings."""
    result = {}
    for key, value in mapping.items():
        key = str(key).replace('-', '_')
        if isinstance(value, (int, float)) and not isinstance(value, bool) and key not in ('api_timeout', 'verbose_level'):
            value = str(value)
        result[key] = value
    return result


def _merge(base, override):
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _auth_update(config, update, where=None):
    """openstacksdk's _auth_update: like dict.update, but auth is merged key by key."""
    for key, value in update.items():
        if key == 'auth':
            config.setdefault('auth', {}).update(_check_auth(value, where))
        else:
            config[key] = copy.deepcopy(value)


def _profile(profile_name, sources, where):
    profile_name = str(profile_name)
    data = sources.vendor_profile(profile_name)
    if data is None:
        data = copy.deepcopy(BUILTIN_PROFILES.get(profile_name))
    if data is None:
        raise InvalidInput('%s names the profile %r, which is not known: the built-in profiles are %s, others must be '
                           'in a clouds-public.yaml under public-clouds' % (where, profile_name, ', '.join(sorted(BUILTIN_PROFILES))))
    return _normalize(data)


def _region(entry, profile, requested, where):
    """(region name, its values, explicit) as openstacksdk's _get_region picks it."""
    if 'regions' in entry and entry['regions'] is not None:
        regions, explicit = _expand_regions(entry['regions'], where), False
    elif entry.get('region_name') is not None:
        value = entry['region_name']
        names = value if isinstance(value, list) else str(value).split(',')
        regions, explicit = _expand_regions(names, where), True
    elif profile.get('regions'):
        regions, explicit = _expand_regions(profile['regions'], where), False
    elif profile.get('region_name'):
        regions, explicit = [{'name': str(profile['region_name']), 'values': {}}], False
    else:
        regions, explicit = [], False
    if requested:
        for region in regions:
            if region['name'] == requested:
                return region['name'], region['values'], True
        if regions:
            raise InvalidInput('region %r is not one of the %d regions that %s lists in regions or region_name '
                               '(region names are case sensitive)' % (requested, len(regions), where))
        return requested, {}, True
    if not regions:
        return '', {}, False
    return regions[0]['name'], regions[0]['values'], explicit


def _expand_regions(regions, where):
    if not isinstance(regions, list):
        raise InvalidInput('regions of %s must be a list of region names or of mappings with a name' % where)
    expanded = []
    for index, region in enumerate(regions):
        if isinstance(region, dict):
            if 'name' not in region or not set(region) <= set(('name', 'values')):
                raise InvalidInput('regions entry %d of %s must have a name and nothing but name and values' % (index + 1, where))
            values = region.get('values') or {}
            if not isinstance(values, dict):
                raise InvalidInput('values of regions entry %d of %s must be a mapping' % (index + 1, where))
            expanded.append({'name': str(region['name']), 'values': _normalize(values)})
        elif region is None or isinstance(region, (list, bool)):
            raise InvalidInput('regions entry %d of %s must be a region name or a mapping with a name' % (index + 1, where))
        else:
            expanded.append({'name': str(region), 'values': {}})
    return expanded


def _fix_api_timeout(config):
    """Service-specific *_timeout keys set api_timeout (openstacksdk's _fix_backwards_api_timeout)."""
    fixed = {}
    service_timeout = None
    for key, value in config.items():
        if key.endswith('timeout') and key not in ('timeout', 'api_timeout'):
            service_timeout = value
        else:
            fixed[key] = value
    if service_timeout is not None:
        fixed['api_timeout'] = service_timeout
    return fixed


def _fix_backwards_auth(config, auth, auth_type):
    mappings = _BACKWARDS_AUTH + (_BACKWARDS_PROJECT_V2 if auth_type == 'v2password' else _BACKWARDS_PROJECT) + _BACKWARDS_OWN
    for target_key, spellings in mappings:
        target = None
        for key in spellings:
            if key in auth:
                value = auth.pop(key)
                target = value if value is not None else target
            if key in config:
                # values outside auth win, as openstacksdk prefers them
                value = config.pop(key)
                target = value if value is not None else target
        if target is not None and str(target):
            auth[target_key] = str(target)


def _project_scoped(config, auth):
    return any(k in config or k in auth for k in ('project_id', 'project_name'))


def _handle_domain_id(config, auth):
    """domain_id/domain_name fill the user and project domain of a project-scoped cloud."""
    mappings = (('domain_id', ('user_domain_id', 'project_domain_id')),
                ('domain_name', ('user_domain_name', 'project_domain_name')))
    for target_key, keys in mappings:
        if not _project_scoped(config, auth):
            if target_key in config and target_key not in auth:
                auth[target_key] = config.pop(target_key)
            continue
        for key in keys:
            if target_key in auth and key not in auth:
                auth[key] = auth[target_key]
        config.pop(target_key, None)
        auth.pop(target_key, None)


def _fill_placeholders(text, config):
    def replace(match):
        value = config.get(match.group(1))
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            return str(value)
        return match.group(0)
    return _PLACEHOLDER.sub(replace, text)


def _move_plugin_options(config, auth, auth_type):
    """openstacksdk's _validate_auth: the auth plugin's options join auth; auth beats top level."""
    options = _PLUGIN_OPTIONS.get(str(auth_type or 'password').lower(), _PLUGIN_OPTIONS['password'])
    for name, deprecated in options:
        names = (name,) + deprecated
        winner = _first_present(auth, names)
        if not winner:
            winner = _first_present(config, names)
        for key in names:
            config.pop(key, None)
            auth.pop(key, None)
        if winner:
            auth[name] = winner


def _first_present(mapping, names):
    for key in names:
        if key in mapping:
            return mapping[key]
    return None


def _verify(config):
    """True/False/None (not set), or ('path', value) for a verify string naming a CA bundle."""
    if config.get('verify') is None and config.get('insecure') is None:
        return None
    insecure = config.get('insecure')
    if insecure is not None and not isinstance(insecure, bool):
        insecure = str(insecure).lower() == 'true'
    if insecure:
        return False
    value = config.get('verify')
    if value is None or isinstance(value, bool):
        return True if value is None else value
    word = str(value).strip().lower()
    if word in _TRUE_WORDS:
        return True
    if word in _FALSE_WORDS:
        return False
    return ('path', str(value))


def _path(value, environ):
    if value is None or value == '':
        return None
    value = str(value)
    if value == '~' or value.startswith('~/'):
        return _expanduser_home(environ).rstrip('/') + value[1:]
    return os.path.expanduser(value) if value.startswith('~') else value


def _scalar(value):
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return value


def _expanduser_home(environ):
    """The home os.path.expanduser('~') uses: $HOME as it is, else the password database."""
    home = environ.get('HOME')
    if home is not None:
        return home
    return _pwd_home()


def _platformdirs_home(environ):
    """The home platformdirs uses: $HOME when absolute, else the password database."""
    home = environ.get('HOME')
    if home is not None and posixpath.isabs(home):
        return home
    return _pwd_home()


def _pwd_home():
    try:
        import pwd
        return pwd.getpwuid(os.getuid()).pw_dir
    except (ImportError, KeyError):
        return os.path.expanduser('~')
