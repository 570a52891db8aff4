# -*- coding: utf-8 -*-
# Copyright (c) otc.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tests of the clouds.yaml loader, and a corpus fed to both it and openstacksdk's loader."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import importlib
import json
import os
import warnings

import pytest
import yaml

from ansible_collections.otc.jobs.plugins.module_utils.config import _clouds
from ansible_collections.otc.jobs.plugins.module_utils.config._clouds import default_config_dirs, resolve_cloud
from ansible_collections.otc.jobs.plugins.module_utils.core._errors import InvalidInput

# openstacksdk is a test-only dependency (tests/unit/requirements.txt), imported once here: ansible-test
# runs each test in a forked child, which then need not import it again.
try:
    from keystoneauth1.loading import base as KS_BASE
    from openstack.config import loader as SDK_LOADER
except ImportError:
    KS_BASE = SDK_LOADER = None

SECRET = 's3cr3t-Do-Not-Print'


def pw(tag, **extra):
    """A complete password auth block whose values all carry ``tag`` (so they show their source)."""
    auth = {
        'auth_url': 'https://iam.%s.example/v3' % tag,
        'username': 'user-%s' % tag,
        'password': 'pw-%s' % tag,
        'user_domain_name': 'OTC-%s' % tag,
        'project_name': 'eu-de_%s' % tag,
    }
    auth.update(extra)
    return dict((k, v) for k, v in auth.items() if v is not None)


def clouds(**entries):
    return {'clouds': entries}


class Tree:
    """A temporary root with home/, cwd/ and a stand-in for /etc: nothing real is read."""

    def __init__(self, root):
        self.root = str(root)
        self.home = os.path.join(self.root, 'home')
        self.cwd = os.path.join(self.root, 'cwd')
        self.etc = os.path.join(self.root, 'etc', 'openstack')
        for path in (self.home, self.cwd):
            os.makedirs(path)

    def path(self, rel):
        return os.path.join(self.root, rel)

    def write(self, rel, content):
        path = self.path(rel)
        if not os.path.isdir(os.path.dirname(path)):
            os.makedirs(os.path.dirname(path))
        if isinstance(content, (dict, list)):
            content = json.dumps(content) if rel.endswith('json') else yaml.safe_dump(content, default_flow_style=False)
        mode = 'wb' if isinstance(content, bytes) else 'w'
        with open(path, mode) as handle:
            handle.write(content)
        return path

    def environ(self, env=None):
        environ = {'HOME': self.home, 'XDG_CONFIG_DIRS': self.path('etcxdg')}
        for key, value in (env or {}).items():
            environ[key] = value.format(root=self.root) if isinstance(value, str) else value
        return environ

    def dirs(self, environ):
        return [self.etc if d == _clouds.UNIX_SITE_CONFIG_DIR else d for d in default_config_dirs(environ, self.cwd)]

    def resolve(self, cloud=None, env=None, region_name=None):
        environ = self.environ(env)
        return resolve_cloud(cloud, environ=environ, cwd=self.cwd, config_dirs=self.dirs(environ), region_name=region_name)

    def error(self, cloud=None, env=None, region_name=None):
        with pytest.raises(InvalidInput) as info:
            self.resolve(cloud, env, region_name)
        return str(info.value)


@pytest.fixture
def tree(tmp_path):
    return Tree(tmp_path)


# --------------------------------------------------------------------------- file discovery


def test_search_order_cwd_then_user_then_site(tree):
    tree.write('etc/openstack/clouds.yaml', clouds(prod={'auth': pw('etc')}))
    assert tree.resolve('prod')['auth']['password'] == 'pw-etc'
    tree.write('etcxdg/openstack/clouds.yaml', clouds(prod={'auth': pw('site')}))
    assert tree.resolve('prod')['auth']['password'] == 'pw-site'
    tree.write('home/.config/openstack/clouds.yaml', clouds(prod={'auth': pw('home')}))
    assert tree.resolve('prod')['auth']['password'] == 'pw-home'
    tree.write('xdg/openstack/clouds.yaml', clouds(prod={'auth': pw('xdg')}))
    assert tree.resolve('prod')['auth']['password'] == 'pw-home'
    assert tree.resolve('prod', env={'XDG_CONFIG_HOME': '{root}/xdg'})['auth']['password'] == 'pw-xdg'
    tree.write('cwd/clouds.yaml', clouds(prod={'auth': pw('cwd')}))
    result = tree.resolve('prod', env={'XDG_CONFIG_HOME': '{root}/xdg'})
    assert result['auth']['password'] == 'pw-cwd'
    assert result['source'] == tree.path('cwd/clouds.yaml')


def test_suffix_order_yaml_yml_json(tree):
    tree.write('cwd/clouds.json', clouds(prod={'auth': pw('json')}))
    assert tree.resolve('prod')['auth']['password'] == 'pw-json'
    tree.write('cwd/clouds.yml', clouds(prod={'auth': pw('yml')}))
    assert tree.resolve('prod')['auth']['password'] == 'pw-yml'
    tree.write('cwd/clouds.yaml', clouds(prod={'auth': pw('yaml')}))
    assert tree.resolve('prod')['auth']['password'] == 'pw-yaml'


def test_client_config_file_any_name_first(tree):
    tree.write('cwd/clouds.yaml', clouds(prod={'auth': pw('cwd')}))
    path = tree.write('awx/tmpa1b2c3', clouds(prod={'auth': pw('awx')}))
    result = tree.resolve('prod', env={'OS_CLIENT_CONFIG_FILE': path})
    assert result['auth']['password'] == 'pw-awx'
    assert result['source'] == path


def test_client_config_file_missing_falls_back_like_openstacksdk(tree):
    tree.write('cwd/clouds.yaml', clouds(prod={'auth': pw('cwd')}))
    assert tree.resolve('prod', env={'OS_CLIENT_CONFIG_FILE': '{root}/nope'})['auth']['password'] == 'pw-cwd'


def test_name_ending_in_json_is_parsed_as_json(tree):
    path = tree.write('awx/cfg_json', json.dumps(clouds(prod={'auth': pw('j')})))
    assert tree.resolve('prod', env={'OS_CLIENT_CONFIG_FILE': path})['auth']['password'] == 'pw-j'


def test_only_the_first_file_is_read(tree):
    tree.write('cwd/clouds.yaml', clouds(dev={'auth': pw('dev')}, test={'auth': pw('test')}))
    tree.write('home/.config/openstack/clouds.yaml', clouds(prod={'auth': pw('home')}))
    message = tree.error('prod')
    assert "cloud 'prod' is not defined in %s" % tree.path('cwd/clouds.yaml') in message
    assert 'clouds defined: dev, test' in message
    assert 'pw-' not in message and 'user-' not in message


def test_empty_first_file_shadows_later_ones(tree):
    tree.write('cwd/clouds.yaml', '')
    tree.write('home/.config/openstack/clouds.yaml', clouds(prod={'auth': pw('home')}))
    assert 'clouds defined: none' in tree.error('prod')


def test_no_file_lists_the_places_looked_in(tree):
    message = tree.error('prod', env={'OS_CLIENT_CONFIG_FILE': '{root}/awx/gone'})
    assert "cloud 'prod' not found: no clouds file in" in message
    assert 'OS_CLIENT_CONFIG_FILE %s' % tree.path('awx/gone') in message
    for place in (tree.cwd, os.path.join(tree.home, '.config', 'openstack'), tree.etc):
        assert place in message


def test_directory_is_skipped_and_named(tree):
    os.makedirs(tree.path('cwd/clouds.yaml'))
    tree.write('home/.config/openstack/clouds.yaml', clouds(prod={'auth': pw('home')}))
    assert tree.resolve('prod')['auth']['password'] == 'pw-home'
    assert '%s skipped (a directory)' % tree.path('cwd/clouds.yaml') in tree.error('other')


def test_unreadable_file_is_skipped_and_named(tree, monkeypatch):
    tree.write('cwd/clouds.yaml', clouds(prod={'auth': pw('cwd')}))
    tree.write('home/.config/openstack/clouds.yaml', clouds(prod={'auth': pw('home')}))
    real_open = open

    def fake_open(path, *args, **kwargs):
        if path == tree.path('cwd/clouds.yaml'):
            raise IOError(13, 'Permission denied')
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(_clouds, 'open', fake_open, raising=False)
    assert tree.resolve('prod')['auth']['password'] == 'pw-home'
    assert 'skipped (Permission denied)' in tree.error('other')


def test_fifo_is_refused_without_blocking(tree):
    os.mkfifo(tree.path('cwd/clouds.yaml'))
    assert 'is not a regular file' in tree.error('prod')


def test_large_file_is_refused(tree):
    tree.write('cwd/clouds.yaml', '# ' + 'x' * (1024 * 1024) + '\n')
    assert 'larger than 1 MiB' in tree.error('prod')


# --------------------------------------------------------------------------- search directories


@pytest.mark.parametrize('env, expected', [
    ({}, ['{cwd}', '{home}/.config/openstack', '{home}/.config/openstack', '/etc/xdg/openstack', '/etc/openstack']),
    ({'XDG_CONFIG_HOME': '/x/cfg'}, ['{cwd}', '/x/cfg/openstack', '{home}/.config/openstack', '/etc/xdg/openstack', '/etc/openstack']),
    ({'XDG_CONFIG_HOME': 'relative'}, ['{cwd}', '{home}/.config/openstack', '{home}/.config/openstack', '/etc/xdg/openstack', '/etc/openstack']),
    ({'XDG_CONFIG_DIRS': '/s1'}, ['{cwd}', '{home}/.config/openstack', '{home}/.config/openstack', '/s1/openstack', '/etc/openstack']),
    ({'XDG_CONFIG_DIRS': '/s1:rel:/s2'},
     ['{cwd}', '{home}/.config/openstack', '{home}/.config/openstack', '/s1/openstack:/s2/openstack', '/etc/openstack']),
    ({'SNAP_REAL_HOME': '/real'}, ['{cwd}', '{home}/.config/openstack', '/real/.config/openstack', '/etc/xdg/openstack', '/etc/openstack']),
])
def test_default_config_dirs(env, expected):
    environ = dict(env, HOME='/h/me')
    expected = [e.format(cwd='/w', home='/h/me') for e in expected]
    assert default_config_dirs(environ, '/w', platform='linux') == expected


def test_default_config_dirs_darwin():
    assert default_config_dirs({'HOME': '/Users/me'}, '/w', platform='darwin') == [
        '/w', '/Users/me/Library/Application Support/openstack', '/Users/me/.config/openstack',
        '/Library/Application Support/openstack', '/etc/openstack']


def test_default_config_dirs_use_os_environ_and_getcwd(monkeypatch, tmp_path):
    monkeypatch.chdir(str(tmp_path))
    monkeypatch.setenv('HOME', '/h/x')
    monkeypatch.delenv('XDG_CONFIG_HOME', raising=False)
    monkeypatch.delenv('SNAP_REAL_HOME', raising=False)
    assert default_config_dirs()[:3] == [os.getcwd(), '/h/x/.config/openstack', '/h/x/.config/openstack']


# --------------------------------------------------------------------------- secure.yaml


def test_secure_file_merged_key_by_key(tree):
    tree.write('cwd/clouds.yaml', clouds(prod={'auth': pw('cwd', password=None), 'region_name': 'eu-nl'}))
    tree.write('home/.config/openstack/secure.yaml', clouds(prod={'auth': {'password': 'pw-secure'}}))
    result = tree.resolve('prod')
    assert result['auth']['password'] == 'pw-secure'
    assert result['auth']['username'] == 'user-cwd'
    assert result['region_name'] == 'eu-nl'
    assert result['source'] == tree.path('cwd/clouds.yaml')
    assert result['secure_source'] == tree.path('home/.config/openstack/secure.yaml')


def test_secure_file_override_and_json(tree):
    tree.write('cwd/clouds.yaml', clouds(prod={'auth': pw('cwd')}))
    tree.write('cwd/secure.yaml', clouds(prod={'auth': {'password': 'pw-cwd-secure'}}))
    path = tree.write('sec/secure.json', clouds(prod={'auth': {'password': 'pw-json-secure'}}))
    assert tree.resolve('prod')['auth']['password'] == 'pw-cwd-secure'
    assert tree.resolve('prod', env={'OS_CLIENT_SECURE_FILE': path})['auth']['password'] == 'pw-json-secure'


def test_cloud_only_in_secure_file(tree):
    tree.write('cwd/secure.yml', clouds(prod={'auth': pw('sec')}))
    result = tree.resolve('prod')
    assert result['auth']['password'] == 'pw-sec'
    assert result['source'] == tree.path('cwd/secure.yml')


# --------------------------------------------------------------------------- which cloud


def test_os_cloud_names_the_cloud(tree):
    tree.write('cwd/clouds.yaml', clouds(prod={'auth': pw('prod')}, dev={'auth': pw('dev')}))
    assert tree.resolve(env={'OS_CLOUD': 'dev'})['name'] == 'dev'
    assert tree.resolve('prod', env={'OS_CLOUD': 'dev'})['name'] == 'prod'
    assert tree.resolve('', env={'OS_CLOUD': 'dev'})['name'] == 'dev'


def test_single_cloud_is_the_default(tree):
    path = tree.write('awx/tmpzz', clouds(devstack={'auth': pw('awx')}))
    result = tree.resolve(env={'OS_CLIENT_CONFIG_FILE': path, 'OS_REGION_NAME': 'eu-nl'})
    assert result['name'] == 'devstack'
    assert result['region_name'] is None


def test_several_clouds_and_nothing_named_is_nothing(tree):
    tree.write('cwd/clouds.yaml', clouds(prod={'auth': pw('prod')}, dev={'auth': pw('dev')}))
    assert tree.resolve() == {}


def test_nothing_configured(tree):
    assert tree.resolve() == {}
    assert tree.resolve(env={'OS_REGION_NAME': 'eu-de', 'OS_CLOUD': ''}) == {}


def test_environment_cloud_beats_single_cloud(tree):
    tree.write('cwd/clouds.yaml', clouds(prod={'auth': pw('prod')}))
    result = tree.resolve(env={'OS_IDENTITY_API_VERSION': '3'})
    assert result['name'] == 'envvars'
    assert result['source'] == 'environment'
    assert result['auth'] == {}


def test_os_cloud_name_renames_the_environment_cloud(tree):
    result = tree.resolve(env={'OS_CLOUD_NAME': 'fromenv', 'OS_USERNAME': 'u'})
    assert result['name'] == 'fromenv'
    assert tree.resolve('fromenv', env={'OS_CLOUD_NAME': 'fromenv', 'OS_USERNAME': 'u'})['auth'] == {'username': 'u'}


def test_file_cloud_named_like_the_environment_cloud_is_refused(tree):
    tree.write('cwd/clouds.yaml', clouds(envvars={'auth': pw('x')}, prod={'auth': pw('p')}))
    message = tree.error('prod')
    assert "defines a cloud named 'envvars'" in message and 'OS_CLOUD_NAME' in message


NAMED_LEFTOVERS = {
    'OS_AUTH_URL': 'https://leftover/v3', 'OS_USERNAME': 'leftover', 'OS_PASSWORD': SECRET,
    'OS_USER_DOMAIN_NAME': 'leftover', 'OS_USER_DOMAIN_ID': 'leftover', 'OS_DOMAIN_NAME': 'leftover',
    'OS_DOMAIN_ID': 'leftover', 'OS_PROJECT_NAME': 'leftover', 'OS_PROJECT_ID': 'leftover',
    'OS_TENANT_NAME': 'leftover', 'OS_TENANT_ID': 'leftover', 'OS_PROJECT_DOMAIN_NAME': 'leftover',
    'OS_PROJECT_DOMAIN_ID': 'leftover', 'OS_AUTH_TOKEN': SECRET, 'OS_TOKEN': SECRET, 'OS_AUTH_TYPE': 'token',
    'OS_REGION_NAME': 'leftover', 'OS_CACERT': '/leftover', 'OS_INSECURE': 'true', 'OS_VERIFY': 'false',
    'OS_INTERFACE': 'admin', 'OS_ENDPOINT_TYPE': 'admin', 'OS_API_TIMEOUT': '1', 'OS_CERT': '/c', 'OS_KEY': '/k',
    'OS_ACCESS_KEY': 'leftover', 'OS_AK': 'leftover', 'OS_SECRET_KEY': SECRET, 'OS_SK': SECRET,
    'OS_SECURITY_TOKEN': SECRET, 'OS_PROFILE': 'otc',
}


@pytest.mark.parametrize('variable', sorted(NAMED_LEFTOVERS))
def test_named_cloud_ignores_leftover_environment(tree, variable):
    tree.write('cwd/clouds.yaml', clouds(prod={'auth': pw('prod')}))
    baseline = tree.resolve('prod')
    assert tree.resolve('prod', env={variable: NAMED_LEFTOVERS[variable]}) == baseline
    assert tree.resolve(env={'OS_CLOUD': 'prod', variable: NAMED_LEFTOVERS[variable]}) == baseline


def test_named_cloud_ignores_all_leftovers_at_once(tree):
    tree.write('cwd/clouds.yaml', clouds(prod={'auth': pw('prod'), 'region_name': 'eu-de'}))
    assert tree.resolve('prod', env=NAMED_LEFTOVERS) == tree.resolve('prod')


# --------------------------------------------------------------------------- environment cloud


@pytest.mark.parametrize('variable, value, field, key, expected', [
    ('OS_AUTH_URL', 'https://e/v3', 'auth', 'auth_url', 'https://e/v3'),
    ('OS_USERNAME', 'u', 'auth', 'username', 'u'),
    ('OS_PASSWORD', 'p', 'auth', 'password', 'p'),
    ('OS_USER_DOMAIN_NAME', 'd', 'auth', 'user_domain_name', 'd'),
    ('OS_USER_DOMAIN_ID', 'd', 'auth', 'user_domain_id', 'd'),
    ('OS_DOMAIN_NAME', 'd', 'auth', 'domain_name', 'd'),
    ('OS_DOMAIN_ID', 'd', 'auth', 'domain_id', 'd'),
    ('OS_PROJECT_NAME', 'p', 'auth', 'project_name', 'p'),
    ('OS_PROJECT_ID', 'p', 'auth', 'project_id', 'p'),
    ('OS_TENANT_NAME', 'p', 'auth', 'project_name', 'p'),
    ('OS_TENANT_ID', 'p', 'auth', 'project_id', 'p'),
    ('OS_PROJECT_DOMAIN_NAME', 'd', 'auth', 'project_domain_name', 'd'),
    ('OS_PROJECT_DOMAIN_ID', 'd', 'auth', 'project_domain_id', 'd'),
    ('OS_AUTH_TOKEN', 't', 'auth', 'token', 't'),
    ('OS_TOKEN', 't', 'auth', 'token', 't'),
    ('OS_ACCESS_KEY', 'a', 'auth', 'ak', 'a'),
    ('OS_AK', 'a', 'auth', 'ak', 'a'),
    ('OS_SECRET_KEY', 's', 'auth', 'sk', 's'),
    ('OS_SK', 's', 'auth', 'sk', 's'),
    ('OS_SECURITY_TOKEN', 's', 'auth', 'security_token', 's'),
    ('OS_AUTH_TYPE', 'v3token', 'auth_type', None, 'v3token'),
    ('OS_CACERT', '/ca.pem', 'cacert', None, '/ca.pem'),
    ('OS_INSECURE', 'TRUE', 'verify', None, False),
    ('OS_INSECURE', '1', 'verify', None, True),
    ('OS_VERIFY', 'false', 'verify', None, False),
    ('OS_INTERFACE', 'internal', 'interface', None, 'internal'),
    ('OS_ENDPOINT_TYPE', 'internal', 'interface', None, 'internal'),
    ('OS_API_TIMEOUT', '12', 'api_timeout', None, '12'),
    ('OS_CERT', '/c.pem', 'cert', None, '/c.pem'),
    ('OS_KEY', '/k.pem', 'key', None, '/k.pem'),
])
def test_environment_variables(tree, variable, value, field, key, expected):
    result = tree.resolve(env={variable: value, 'OS_IDENTITY_API_VERSION': '3'})
    assert result['name'] == 'envvars'
    got = result[field][key] if key else result[field]
    assert got == expected


def test_environment_region(tree):
    result = tree.resolve(env={'OS_USERNAME': 'u', 'OS_REGION_NAME': 'eu-nl'})
    assert (result['region_name'], result['region_explicit']) == ('eu-nl', True)


def test_environment_precedence_between_spellings(tree):
    result = tree.resolve(env={
        'OS_AUTH_TOKEN': 'tok-a', 'OS_TOKEN': 'tok-b', 'OS_ACCESS_KEY': 'ak-long', 'OS_AK': 'ak-short',
        'OS_SECRET_KEY': 'sk-long', 'OS_SK': 'sk-short', 'OS_TENANT_ID': 't', 'OS_PROJECT_ID': 'p'})
    assert result['auth']['token'] == 'tok-b'
    assert result['auth']['ak'] == 'ak-long'
    assert result['auth']['sk'] == 'sk-long'
    assert result['auth']['project_id'] == 'p'


def test_environment_domain_fills_user_and_project_domain(tree):
    result = tree.resolve(env={'OS_DOMAIN_NAME': 'dom', 'OS_PROJECT_NAME': 'p', 'OS_USER_DOMAIN_NAME': 'own'})
    assert result['auth'] == {'project_name': 'p', 'user_domain_name': 'own', 'project_domain_name': 'dom'}


def test_environment_ignores_test_infra_variables(tree):
    assert tree.resolve(env={'OS_TEST_TIMEOUT': '1', 'OS_STDOUT_CAPTURE': '1', 'OS_LOG_CAPTURE': '1'}) == {}


def test_environment_profile(tree):
    result = tree.resolve(env={'OS_PROFILE': 'otc', 'OS_USERNAME': 'u'})
    assert result['auth']['auth_url'] == 'https://iam.eu-de.otc.t-systems.com/v3'
    assert (result['region_name'], result['region_explicit'], result['profile']) == ('eu-de', False, 'otc')


# --------------------------------------------------------------------------- cloud given as a dict


def test_inline_dict_reads_no_file_and_no_environment(tree):
    tree.write('cwd/clouds.yaml', 'clouds: [broken\n')
    path = tree.write('awx/broken', 'clouds: {broken\n')
    entry = {'auth': pw('inline'), 'region_name': 'eu-nl', 'verify': False, 'api_timeout': 40}
    result = tree.resolve(entry, env={'OS_CLIENT_CONFIG_FILE': path, 'OS_PASSWORD': SECRET, 'OS_CLOUD': 'prod'})
    assert result['auth'] == pw('inline')
    assert (result['name'], result['source'], result['region_name'], result['verify'], result['api_timeout']) == (
        None, 'option', 'eu-nl', False, 40)


def test_inline_dict_with_profile(tree):
    result = tree.resolve({'profile': 'otc', 'auth': {'username': 'u'}, 'region_name': 'eu-nl'})
    assert result['auth']['auth_url'] == 'https://iam.eu-nl.otc.t-systems.com/v3'
    assert result['region_explicit'] is True


def test_inline_dict_with_a_cloud_key_is_refused(tree):
    assert "'cloud' key" in tree.error({'cloud': 'prod', 'auth': {'password': SECRET}})


@pytest.mark.parametrize('value', [42, ['prod'], True])
def test_cloud_option_type(tree, value):
    assert 'must be the name of a cloud' in tree.error(value)


def test_inline_dict_is_not_modified(tree):
    entry = {'auth': {'tenant_name': 'x', 'user_name': 'u'}, 'ak': 'a', 'regions': [{'name': 'r', 'values': {'auth': {'password': 'p'}}}]}
    before = json.dumps(entry, sort_keys=True)
    tree.resolve(entry)
    assert json.dumps(entry, sort_keys=True) == before


# --------------------------------------------------------------------------- entry contents


def test_backward_compatible_spellings(tree):
    tree.write('cwd/clouds.yaml', clouds(prod={
        'username': 'top-user',
        'project_id': 'top-project-id',
        'auth': {'auth-url': 'https://a/v3', 'user_name': 'auth-user', 'tenant_id': 'tenant-id', 'tenant_name': 'tenant-name',
                 'user-domain-name': 'ud', 'project-domain-id': 'pd', 'auth_token': 'tok', 'password': 'p'},
    }))
    assert tree.resolve('prod')['auth'] == {
        'auth_url': 'https://a/v3', 'username': 'auth-user', 'project_id': 'top-project-id', 'project_name': 'tenant-name',
        'user_domain_name': 'ud', 'project_domain_id': 'pd', 'token': 'tok', 'password': 'p'}


def test_top_level_auth_keys_join_auth_for_password_types(tree):
    tree.write('cwd/clouds.yaml', clouds(prod={'auth_url': 'https://a/v3', 'username': 'u', 'password': 'p', 'user_domain_id': 'd'}))
    assert tree.resolve('prod')['auth'] == {'auth_url': 'https://a/v3', 'username': 'u', 'password': 'p', 'user_domain_id': 'd'}


def test_token_types_take_the_token_but_leave_user_keys_outside(tree):
    for auth_type in ('token', 'v3token'):
        tree.write('cwd/clouds.yaml', clouds(prod={'auth_type': auth_type, 'username': 'u', 'password': 'p',
                                                   'auth': {'auth_token': 't', 'project_id': 'pid', 'auth_url': 'https://a/v3'}}))
        result = tree.resolve('prod')
        assert result['auth_type'] == auth_type
        assert result['auth'] == {'token': 't', 'project_id': 'pid', 'auth_url': 'https://a/v3'}


def test_auth_plugin_is_ignored_like_openstacksdk(tree):
    # openstacksdk's defaults always hold auth_type, which beats the older auth_plugin
    tree.write('cwd/clouds.yaml', clouds(a={'auth_plugin': 'token'}, b={'auth_plugin': 'token', 'auth_type': 'v3password'}))
    assert tree.resolve('a')['auth_type'] is None
    assert tree.resolve('b')['auth_type'] == 'v3password'


def test_auth_type_absent_is_none(tree):
    tree.write('cwd/clouds.yaml', clouds(prod={'auth': pw('p')}))
    assert tree.resolve('prod')['auth_type'] is None


@pytest.mark.parametrize('auth, expected', [
    ({'domain_name': 'd', 'project_name': 'p'}, {'user_domain_name': 'd', 'project_domain_name': 'd', 'project_name': 'p'}),
    ({'domain_id': 'd', 'project_id': 'p', 'user_domain_id': 'own'}, {'user_domain_id': 'own', 'project_domain_id': 'd', 'project_id': 'p'}),
    ({'domain_name': 'd', 'tenant_name': 'p', 'project_domain_name': 'pd'},
     {'user_domain_name': 'd', 'project_domain_name': 'pd', 'project_name': 'p'}),
    ({'domain_name': 'd', 'username': 'u'}, {'domain_name': 'd', 'username': 'u'}),
])
def test_domain_handling(tree, auth, expected):
    tree.write('cwd/clouds.yaml', clouds(prod={'auth': auth}))
    assert tree.resolve('prod')['auth'] == expected


def test_top_level_domain_name_with_project(tree):
    tree.write('cwd/clouds.yaml', clouds(prod={'domain_name': 'd', 'project_name': 'p'}))
    assert tree.resolve('prod')['auth'] == {'user_domain_name': 'd', 'project_domain_name': 'd', 'project_name': 'p'}


@pytest.mark.parametrize('entry, expected', [
    ({'ak': 'a1', 'sk': 's1'}, {'ak': 'a1', 'sk': 's1'}),
    ({'ak': 'a1', 'sk': 's1', 'security_token': 't1'}, {'ak': 'a1', 'sk': 's1', 'security_token': 't1'}),
    ({'access_key': 'a1', 'secret_key': 's1'}, {'ak': 'a1', 'sk': 's1'}),
    ({'auth': {'ak': 'a1', 'sk': 's1', 'security_token': 't1'}}, {'ak': 'a1', 'sk': 's1', 'security_token': 't1'}),
    ({'auth': {'access_key': 'a1', 'secret_key': 's1'}}, {'ak': 'a1', 'sk': 's1'}),
    ({'ak': 'top', 'auth': {'ak': 'nested', 'sk': 's'}}, {'ak': 'top', 'sk': 's'}),
    ({'access_key': 'long', 'ak': 'short', 'sk': 's'}, {'ak': 'long', 'sk': 's'}),
])
def test_aksk_spellings(tree, entry, expected):
    tree.write('cwd/clouds.yaml', clouds(prod=entry))
    assert tree.resolve('prod')['auth'] == expected


def test_otcextensions_entry_keeps_password_and_aksk(tree):
    tree.write('cwd/clouds.yaml', clouds(otc={'auth': pw('o'), 'interface': 'public', 'identity_api_version': 3, 'ak': 'AK', 'sk': 'SK'}))
    result = tree.resolve('otc')
    assert result['auth'] == pw('o', ak='AK', sk='SK')
    assert result['auth_type'] is None


def test_aksk_auth_type(tree):
    tree.write('cwd/clouds.yaml', clouds(prod={'auth_type': 'aksk', 'ak': 'a', 'sk': 's', 'project_id': 'p', 'auth_url': 'https://a/v3',
                                               'username': 'not-used'}))
    result = tree.resolve('prod')
    assert result['auth_type'] == 'aksk'
    assert result['auth'] == {'ak': 'a', 'sk': 's', 'project_id': 'p', 'auth_url': 'https://a/v3'}


def test_other_auth_keys_are_kept(tree):
    tree.write('cwd/clouds.yaml', clouds(prod={'auth': pw('p', user_id='uid', trust_id='tr', system_scope='all')}))
    auth = tree.resolve('prod')['auth']
    assert (auth['user_id'], auth['trust_id'], auth['system_scope']) == ('uid', 'tr', 'all')


def test_null_and_empty_auth_values_are_absent(tree):
    tree.write('cwd/clouds.yaml', clouds(prod={'auth': {'project_id': None, 'project_name': '', 'username': 'u', 'extra': None}}))
    assert tree.resolve('prod')['auth'] == {'username': 'u'}


def test_numbers_become_strings(tree):
    tree.write('cwd/clouds.yaml', 'clouds:\n  prod:\n    api_timeout: 45\n    auth:\n      project_id: 12345\n      user_domain_id: 6.5\n')
    result = tree.resolve('prod')
    assert result['auth'] == {'project_id': '12345', 'user_domain_id': '6.5'}
    assert result['api_timeout'] == 45


# --------------------------------------------------------------------------- regions


@pytest.mark.parametrize('entry, region, explicit, values_auth_url', [
    ({'region_name': 'eu-nl'}, 'eu-nl', True, None),
    ({'region_name': 'eu-nl,eu-de'}, 'eu-nl', True, None),
    ({'regions': ['eu-nl', 'eu-de']}, 'eu-nl', False, None),
    ({'regions': [{'name': 'eu-nl', 'values': {'auth': {'auth_url': 'https://nl/v3'}}}, {'name': 'eu-de'}]}, 'eu-nl', False, 'https://nl/v3'),
    ({'regions': ['eu-nl', 'eu-de'], 'region_name': 'eu-de'}, 'eu-nl', False, None),
    ({}, None, False, None),
])
def test_region_choice(tree, entry, region, explicit, values_auth_url):
    entry = dict(entry, auth={'auth_url': 'https://base/v3'})
    tree.write('cwd/clouds.yaml', clouds(prod=entry))
    result = tree.resolve('prod')
    assert (result['region_name'], result['region_explicit']) == (region, explicit)
    assert result['auth']['auth_url'] == (values_auth_url or 'https://base/v3')


def test_region_values_override_settings(tree):
    tree.write('cwd/clouds.yaml', clouds(prod={'interface': 'public', 'regions': [
        {'name': 'r1', 'values': {'interface': 'internal', 'verify': False}}, {'name': 'r2', 'values': {'interface': 'admin'}}]}))
    result = tree.resolve('prod')
    assert (result['interface'], result['verify']) == ('internal', False)
    result = tree.resolve('prod', region_name='r2')
    assert (result['region_name'], result['region_explicit'], result['interface'], result['verify']) == ('r2', True, 'admin', None)


def test_requested_region_must_be_one_of_the_clouds(tree):
    tree.write('cwd/clouds.yaml', clouds(prod={'regions': ['r1', 'r2']}))
    message = tree.error('prod', region_name='r3')
    assert "region 'r3' is not one of the 2 regions that cloud 'prod' in %s lists" % tree.path('cwd/clouds.yaml') in message
    assert 'r1' not in message


def test_requested_region_without_a_list(tree):
    tree.write('cwd/clouds.yaml', clouds(prod={'auth': {'username': 'u'}}))
    result = tree.resolve('prod', region_name='eu-nl')
    assert (result['region_name'], result['region_explicit']) == ('eu-nl', True)


@pytest.mark.parametrize('regions', ['eu-de', [{'values': {}}], [{'name': 'r', 'other': SECRET}], [None], [{'name': 'r', 'values': 'x'}]])
def test_invalid_regions(tree, regions):
    tree.write('cwd/clouds.yaml', clouds(prod={'regions': regions}))
    message = tree.error('prod')
    assert 'regions' in message and SECRET not in message


# --------------------------------------------------------------------------- profiles


def test_profile_otc(tree):
    tree.write('cwd/clouds.yaml', clouds(prod={'profile': 'otc', 'auth': {'username': 'u'}},
                                         nl={'profile': 'otc', 'region_name': 'eu-nl'},
                                         own={'profile': 'otc', 'auth': {'auth_url': 'https://own/v3'}},
                                         old={'cloud': 'otc'},
                                         swiss={'profile': 'otc-swiss'}))
    result = tree.resolve('prod')
    assert result['auth'] == {'username': 'u', 'auth_url': 'https://iam.eu-de.otc.t-systems.com/v3'}
    assert (result['region_name'], result['region_explicit'], result['interface'], result['profile']) == ('eu-de', False, 'public', 'otc')
    result = tree.resolve('nl')
    assert (result['auth']['auth_url'], result['region_name'], result['region_explicit']) == (
        'https://iam.eu-nl.otc.t-systems.com/v3', 'eu-nl', True)
    assert tree.resolve('own')['auth']['auth_url'] == 'https://own/v3'
    assert tree.resolve('old')['profile'] == 'otc'
    assert tree.resolve('old')['auth']['auth_url'] == 'https://iam.eu-de.otc.t-systems.com/v3'
    result = tree.resolve('swiss')
    assert (result['auth']['auth_url'], result['region_name']) == ('https://iam-pub.eu-ch2.sc.otc.t-systems.com/v3', 'eu-ch2')


def test_unknown_profile_is_an_error_naming_it(tree):
    tree.write('cwd/clouds.yaml', clouds(prod={'profile': 'nosuchvendor', 'auth': {'password': SECRET}}))
    message = tree.error('prod')
    assert "names the profile 'nosuchvendor', which is not known" in message and SECRET not in message


def test_profile_from_clouds_public(tree):
    tree.write('home/.config/openstack/clouds-public.yaml', {'public-clouds': {
        'mine': {'auth': {'auth_url': 'https://iam.{region_name}.mine.example/v3'}, 'regions': ['r1', 'r2']},
        'otc': {'auth': {'auth_url': 'https://shadowed/v3'}}}})
    tree.write('cwd/clouds.yaml', clouds(prod={'profile': 'mine'}, otc={'profile': 'otc'}))
    result = tree.resolve('prod')
    assert (result['auth']['auth_url'], result['region_name']) == ('https://iam.r1.mine.example/v3', 'r1')
    assert tree.resolve('otc')['auth']['auth_url'] == 'https://shadowed/v3'


def test_unknown_placeholder_is_left_alone(tree):
    tree.write('cwd/clouds.yaml', clouds(prod={'region_name': 'r', 'auth': {'auth_url': 'https://{region_name}.{nope}/v3'}}))
    assert tree.resolve('prod')['auth']['auth_url'] == 'https://r.{nope}/v3'


# --------------------------------------------------------------------------- TLS, interface, timeout


@pytest.mark.parametrize('entry, verify, cacert', [
    ({}, None, None),
    ({'verify': True}, True, None),
    ({'verify': False}, False, None),
    ({'verify': 'no'}, False, None),
    ({'verify': 'Yes'}, True, None),
    ({'verify': '/ca/bundle.pem'}, True, '/ca/bundle.pem'),
    ({'verify': '/ca/bundle.pem', 'cacert': '/other.pem'}, True, '/other.pem'),
    ({'insecure': True}, False, None),
    ({'insecure': 'True', 'verify': True}, False, None),
    ({'insecure': 'yes'}, True, None),
    ({'insecure': False}, True, None),
    ({'cacert': '~/ca.pem'}, None, '{home}/ca.pem'),
    ({'cacert': '/ca.pem', 'verify': False}, False, '/ca.pem'),
])
def test_tls(tree, entry, verify, cacert):
    tree.write('cwd/clouds.yaml', clouds(prod=entry))
    result = tree.resolve('prod')
    assert (result['verify'], result['cacert']) == (verify, cacert and cacert.format(home=tree.home))


def test_client_certificate(tree):
    tree.write('cwd/clouds.yaml', clouds(prod={'cert': '~/c.pem', 'key': '/k.pem'}))
    result = tree.resolve('prod')
    assert (result['cert'], result['key']) == (os.path.join(tree.home, 'c.pem'), '/k.pem')


@pytest.mark.parametrize('entry, interface, timeout', [
    ({}, None, None),
    ({'interface': 'internal', 'api_timeout': 12.5}, 'internal', 12.5),
    ({'interface': 'public', 'endpoint_type': 'internal'}, 'internal', None),
    ({'api_timeout': 10, 'compute_timeout': 99}, None, '99'),
])
def test_interface_and_timeout(tree, entry, interface, timeout):
    tree.write('cwd/clouds.yaml', clouds(prod=entry))
    result = tree.resolve('prod')
    assert (result['interface'], result['api_timeout']) == (interface, timeout)


# --------------------------------------------------------------------------- errors and secrets


@pytest.mark.parametrize('rel, text, kind', [
    ('cwd/clouds.yaml', "clouds:\n  prod:\n    auth:\n      password: '%s\n" % SECRET, 'YAML'),
    ('cwd/clouds.yaml', 'clouds:\n  prod:\n    auth: {password: %s\n' % SECRET, 'YAML'),
    ('cwd/clouds.yaml', 'clouds:\n  prod: *%s\n' % SECRET, 'YAML'),
    ('cwd/clouds.yaml', 'clouds:\n  prod: !%s x\n' % SECRET, 'YAML'),
    ('cwd/clouds.yaml', b'clouds:\n  prod: \xff' + SECRET.encode() + b'\n', 'YAML'),
    ('cwd/clouds.json', '{"clouds": {"prod": {"auth": {"password": "%s\\q"}}}}' % SECRET, 'JSON'),
    ('cwd/clouds.json', '{"clouds": {"prod": {"auth": {"password": %s}}}}' % SECRET, 'JSON'),
])
def test_parse_errors_name_the_file_not_the_content(tree, rel, text, kind):
    path = tree.write(rel, text)
    with pytest.raises(InvalidInput) as info:
        tree.resolve('prod')
    message = str(info.value)
    assert message.startswith('cannot parse %s as %s' % (path, kind))
    # the parser's exception, whose text quotes the file, is not chained into tracebacks
    assert info.value.__cause__ is None and info.value.__suppress_context__
    assert SECRET not in message and 's3cr3t' not in message


@pytest.mark.parametrize('text, expected', [
    ('- a\n- b\n', 'must hold a mapping with a "clouds" key'),
    ('clouds: [a, b]\n', '"clouds" key must map cloud names'),
    ('clouds:\n  prod:\n', "cloud 'prod' in %s is empty"),
    ('clouds:\n  prod: %s\n' % SECRET, "cloud 'prod' in %s must be a mapping"),
    ('clouds:\n  prod:\n    auth: %s\n' % SECRET, "auth of cloud 'prod' in %s must be a mapping"),
])
def test_malformed_documents(tree, text, expected):
    path = tree.write('cwd/clouds.yaml', text)
    message = tree.error('prod')
    assert (expected % path if '%s' in expected else expected) in message
    assert SECRET not in message


def test_file_without_clouds_key_has_no_clouds(tree):
    tree.write('cwd/clouds.yaml', {'cache': {'max_age': 1}})
    assert 'clouds defined: none' in tree.error('prod')
    assert tree.resolve() == {}


def test_errors_never_carry_values(tree):
    tree.write('cwd/clouds.yaml', clouds(prod={'auth': pw('x', password=SECRET), 'regions': ['r1'], 'profile': 'otc'},
                                         bad={'auth': {'password': SECRET}, 'profile': 'nope'}))
    tree.write('cwd/secure.yaml', clouds(prod={'auth': {'token': SECRET}}))
    messages = [tree.error('missing'), tree.error('bad'), tree.error('prod', region_name='zz'),
                tree.error({'cloud': 'x', 'auth': {'password': SECRET}})]
    for message in messages:
        assert SECRET not in message and 'user-x' not in message


# --------------------------------------------------------------------------- without PyYAML


def test_without_pyyaml(tree, monkeypatch):
    monkeypatch.setattr(_clouds, '_yaml', lambda: None)
    path = tree.write('cwd/clouds.yaml', clouds(prod={'auth': pw('y')}))
    message = tree.error('prod')
    assert 'the cloud option needs PyYAML on the host that runs the task' in message and path in message
    assert 'needs PyYAML' in tree.error()
    # an inline dict, the environment cloud and JSON files work without it
    assert tree.resolve({'auth': pw('i'), 'profile': 'otc'})['auth']['password'] == 'pw-i'
    assert tree.resolve(env={'OS_USERNAME': 'u'})['auth'] == {'username': 'u'}
    json_path = tree.write('awx/c.json', clouds(prod={'auth': pw('j')}))
    assert tree.resolve('prod', env={'OS_CLIENT_CONFIG_FILE': json_path})['auth']['password'] == 'pw-j'


# =========================================================================== openstacksdk comparison
#
# Each variant is written to a fresh temporary tree (HOME, XDG dirs, working directory, a stand-in
# for /etc/openstack) and resolved by openstacksdk's loader and by resolve_cloud. openstacksdk
# computes its search path at import time, so its loader module is re-imported inside the patched
# environment; its /etc/openstack entries are pointed at the stand-in, as ours are. The keystoneauth
# plugin is not instantiated (load_from_options is stubbed): openstacksdk's config processing,
# including the auth option moves of _validate_auth, runs unchanged.

COMPARED_AUTH = ('auth_url', 'username', 'password', 'user_id', 'user_domain_name', 'user_domain_id', 'project_name',
                 'project_id', 'project_domain_name', 'project_domain_id', 'domain_name', 'domain_id', 'token')


def awx_file(auth, verify=True, region=None):
    """What AWX's OpenStack credential injector writes (_openstack_data, yaml.safe_dump)."""
    data = {'clouds': {'devstack': {'auth': auth, 'verify': verify}}}
    if region:
        data['clouds']['devstack']['region_name'] = region
    return yaml.safe_dump(data, default_flow_style=False, allow_unicode=True)


AWX_AUTH = {'auth_url': 'https://iam.eu-de.otc.t-systems.com/v3', 'username': 'user-awx', 'password': 'pw-awx',
            'project_name': 'eu-de_awx', 'project_domain_name': 'OTC-project-awx', 'domain_name': 'OTC-awx'}
# an AWX credential without project: AWX writes project_name '' and leaves project_domain_name out
AWX_AUTH_NO_PROJECT = dict((k, '' if k == 'project_name' else v) for k, v in AWX_AUTH.items() if k != 'project_domain_name')
AWX_PATH = '{root}/awx/env/tmpq1w2e3r4'
ENV_FULL = {'OS_AUTH_URL': 'https://iam.env.example/v3', 'OS_USERNAME': 'user-env', 'OS_PASSWORD': 'pw-env',
            'OS_USER_DOMAIN_NAME': 'OTC-env', 'OS_PROJECT_NAME': 'eu-nl_env', 'OS_PROJECT_DOMAIN_NAME': 'OTC-env-p'}

CORPUS = [
    dict(id='cwd-yaml-beats-home', cloud='prod', expect={'password': 'pw-cwd', 'region_name': 'eu-de'},
         files={'cwd/clouds.yaml': clouds(prod={'auth': pw('cwd'), 'region_name': 'eu-de'}),
                'home/.config/openstack/clouds.yaml': clouds(prod={'auth': pw('home')})}),
    dict(id='home-yml', cloud='prod', expect={'password': 'pw-home'},
         files={'home/.config/openstack/clouds.yml': clouds(prod={'auth': pw('home')})}),
    dict(id='xdg-config-home-json', cloud='prod', xdg=True, expect={'password': 'pw-xdg'},
         files={'xdg/openstack/clouds.json': clouds(prod={'auth': pw('xdg')}),
                'home/.config/openstack/clouds.yaml': clouds(prod={'auth': pw('home')})}),
    dict(id='yaml-before-yml-before-json', cloud='prod', expect={'password': 'pw-yaml'},
         files={'cwd/clouds.json': clouds(prod={'auth': pw('json')}), 'cwd/clouds.yml': clouds(prod={'auth': pw('yml')}),
                'cwd/clouds.yaml': clouds(prod={'auth': pw('yaml')})}),
    dict(id='first-file-only', cloud='prod', error=True,
         files={'cwd/clouds.yaml': clouds(dev={'auth': pw('dev')}),
                'home/.config/openstack/clouds.yaml': clouds(prod={'auth': pw('home')})}),
    dict(id='xdg-config-dirs-site', cloud='prod', expect={'password': 'pw-site'},
         files={'etcxdg/openstack/clouds.yaml': clouds(prod={'auth': pw('site')}),
                'etc/openstack/clouds.yaml': clouds(prod={'auth': pw('etc')})}),
    dict(id='etc-openstack', cloud='prod', expect={'password': 'pw-etc'},
         files={'etc/openstack/clouds.yaml': clouds(prod={'auth': pw('etc')})}),
    dict(id='secure-yaml-merge', cloud='prod', expect={'password': 'pw-secure', 'username': 'user-cwd', 'project_id': 'pid-secure'},
         files={'cwd/clouds.yaml': clouds(prod={'auth': pw('cwd', password=None), 'region_name': 'eu-nl'}),
                'home/.config/openstack/secure.yaml': clouds(prod={'auth': {'password': 'pw-secure', 'project_id': 'pid-secure'}})}),
    dict(id='secure-json-override', cloud='prod', env={'OS_CLIENT_SECURE_FILE': '{root}/sec/mine.json'},
         expect={'password': 'pw-secjson'},
         files={'cwd/clouds.yaml': clouds(prod={'auth': pw('cwd')}),
                'cwd/secure.yaml': clouds(prod={'auth': {'password': 'pw-secyaml'}}),
                'sec/mine.json': clouds(prod={'auth': {'password': 'pw-secjson'}})}),
    dict(id='cloud-only-in-secure', cloud='prod', expect={'password': 'pw-sec'},
         files={'cwd/secure.yaml': clouds(prod={'auth': pw('sec')})}),
    dict(id='awx-credential-unnamed', cloud=None, env={'OS_CLIENT_CONFIG_FILE': AWX_PATH},
         expect={'name': 'devstack', 'password': 'pw-awx', 'user_domain_name': 'OTC-awx',
                 'project_domain_name': 'OTC-project-awx', 'verify': False, 'region_name': 'eu-nl'},
         files={'awx/env/tmpq1w2e3r4': awx_file(AWX_AUTH, verify=False, region='eu-nl'),
                'cwd/clouds.yaml': clouds(other={'auth': pw('cwd')})}),
    dict(id='awx-credential-no-project', cloud=None, env={'OS_CLIENT_CONFIG_FILE': AWX_PATH},
         expect={'name': 'devstack', 'domain_name': 'OTC-awx', 'region_name': None},
         files={'awx/env/tmpq1w2e3r4': awx_file(AWX_AUTH_NO_PROJECT, verify=True)}),
    dict(id='awx-credential-named-with-leftovers', cloud='devstack',
         env={'OS_CLIENT_CONFIG_FILE': AWX_PATH, 'OS_PROJECT_ID': 'leftover', 'OS_REGION_NAME': 'leftover',
              'OS_USERNAME': 'leftover', 'OS_PASSWORD': 'leftover', 'OS_CACERT': '/leftover.pem'},
         expect={'password': 'pw-awx', 'region_name': None},
         files={'awx/env/tmpq1w2e3r4': awx_file(AWX_AUTH)}),
    dict(id='named-cloud-all-leftovers', cloud='prod', env=NAMED_LEFTOVERS, expect={'password': 'pw-prod', 'region_name': 'eu-nl'},
         files={'cwd/clouds.yaml': clouds(prod={'auth': pw('prod'), 'region_name': 'eu-nl'})}),
    dict(id='client-config-file-missing', cloud='prod', env={'OS_CLIENT_CONFIG_FILE': '{root}/nope.yaml'},
         expect={'password': 'pw-cwd'}, files={'cwd/clouds.yaml': clouds(prod={'auth': pw('cwd')})}),
    dict(id='regions-names', cloud='prod', expect={'region_name': 'eu-nl'},
         files={'cwd/clouds.yaml': clouds(prod={'auth': pw('r'), 'regions': ['eu-nl', 'eu-de']})}),
    dict(id='regions-dicts-with-values', cloud='prod', expect={'region_name': 'eu-nl', 'auth_url': 'https://nl.example/v3'},
         files={'cwd/clouds.yaml': clouds(prod={'auth': pw('r'), 'regions': [
             {'name': 'eu-nl', 'values': {'auth': {'auth_url': 'https://nl.example/v3'}, 'interface': 'internal'}},
             {'name': 'eu-de'}]})}),
    dict(id='regions-beat-region-name', cloud='prod', expect={'region_name': 'eu-nl'},
         files={'cwd/clouds.yaml': clouds(prod={'auth': pw('r'), 'region_name': 'eu-de', 'regions': ['eu-nl', 'eu-de']})}),
    dict(id='region-name-comma-list', cloud='prod', expect={'region_name': 'eu-nl'},
         files={'cwd/clouds.yaml': clouds(prod={'auth': pw('r'), 'region_name': 'eu-nl,eu-de'})}),
    dict(id='region-requested', cloud='prod', region_name='eu-de', expect={'region_name': 'eu-de', 'auth_url': 'https://de.example/v3'},
         files={'cwd/clouds.yaml': clouds(prod={'auth': pw('r'), 'regions': [
             'eu-nl', {'name': 'eu-de', 'values': {'auth': {'auth_url': 'https://de.example/v3'}}}]})}),
    dict(id='region-requested-unknown', cloud='prod', region_name='eu-ch2', error=True,
         files={'cwd/clouds.yaml': clouds(prod={'auth': pw('r'), 'regions': ['eu-nl', 'eu-de']})}),
    dict(id='profile-otc', cloud='prod', expect={'auth_url': 'https://iam.eu-de.otc.t-systems.com/v3', 'region_name': 'eu-de'},
         files={'cwd/clouds.yaml': clouds(prod={'profile': 'otc', 'auth': pw('p', auth_url=None)})}),
    dict(id='profile-otc-region', cloud='prod', expect={'auth_url': 'https://iam.eu-nl.otc.t-systems.com/v3'},
         files={'cwd/clouds.yaml': clouds(prod={'profile': 'otc', 'region_name': 'eu-nl', 'auth': pw('p', auth_url=None)})}),
    dict(id='profile-otc-own-auth-url', cloud='prod', expect={'auth_url': 'https://iam.p.example/v3'},
         files={'cwd/clouds.yaml': clouds(prod={'profile': 'otc', 'auth': pw('p')})}),
    dict(id='profile-deprecated-cloud-key', cloud='prod', expect={'auth_url': 'https://iam.eu-de.otc.t-systems.com/v3'},
         files={'cwd/clouds.yaml': clouds(prod={'cloud': 'otc', 'auth': pw('p', auth_url=None)})}),
    dict(id='profile-from-clouds-public', cloud='prod', expect={'auth_url': 'https://iam.r1.mine.example/v3', 'region_name': 'r1'},
         files={'cwd/clouds.yaml': clouds(prod={'profile': 'mine', 'auth': pw('p', auth_url=None)}),
                'home/.config/openstack/clouds-public.yaml': {'public-clouds': {'mine': {
                    'auth': {'auth_url': 'https://iam.{region_name}.mine.example/v3'}, 'regions': ['r1', 'r2']}}}}),
    dict(id='os-cloud-names-the-cloud', cloud=None, env=dict(ENV_FULL, OS_CLOUD='prod'), expect={'name': 'prod', 'password': 'pw-prod'},
         files={'cwd/clouds.yaml': clouds(prod={'auth': pw('prod')}, dev={'auth': pw('dev')})}),
    dict(id='option-beats-os-cloud', cloud='dev', env={'OS_CLOUD': 'prod'}, expect={'name': 'dev'},
         files={'cwd/clouds.yaml': clouds(prod={'auth': pw('prod')}, dev={'auth': pw('dev')})}),
    dict(id='env-only-full', cloud=None,
         env=dict(ENV_FULL, OS_REGION_NAME='eu-nl', OS_CACERT='{root}/ca.pem', OS_INTERFACE='internal'),
         expect={'name': 'envvars', 'password': 'pw-env', 'region_name': 'eu-nl'},
         files={'cwd/clouds.yaml': clouds(prod={'auth': pw('prod')})}),
    dict(id='env-only-legacy-names', cloud=None,
         env={'OS_AUTH_URL': 'https://e/v3', 'OS_USERNAME': 'u', 'OS_PASSWORD': 'p', 'OS_DOMAIN_NAME': 'dom',
              'OS_TENANT_NAME': 'tn', 'OS_TENANT_ID': 'tid', 'OS_USER_DOMAIN_ID': 'udid', 'OS_INSECURE': 'true',
              'OS_ENDPOINT_TYPE': 'internal'},
         expect={'project_name': 'tn', 'project_id': 'tid', 'project_domain_name': 'dom', 'verify': False}),
    dict(id='env-only-token', cloud=None,
         env={'OS_AUTH_TYPE': 'token', 'OS_AUTH_TOKEN': 'tok-auth', 'OS_TOKEN': 'tok-token', 'OS_PROJECT_ID': 'pid',
              'OS_AUTH_URL': 'https://e/v3', 'OS_USERNAME': 'not-moved'},
         expect={'token': 'tok-token', 'username': None}),
    dict(id='env-insecure-1-and-cacert', cloud=None,
         env=dict(ENV_FULL, OS_INSECURE='1', OS_CACERT='~/ca.pem'), expect={'verify': '{root}/home/ca.pem'}),
    dict(id='env-selectors-only-single-cloud', cloud=None, env={'OS_REGION_NAME': 'eu-nl'},
         expect={'name': 'only', 'region_name': 'eu-de'},
         files={'cwd/clouds.yaml': clouds(only={'auth': pw('only'), 'region_name': 'eu-de'})}),
    dict(id='env-nonselector-beats-single-cloud', cloud=None, env={'OS_IDENTITY_API_VERSION': '3'}, expect={'name': 'envvars'},
         files={'cwd/clouds.yaml': clouds(only={'auth': pw('only')})}),
    dict(id='os-cloud-name', cloud=None, env=dict(ENV_FULL, OS_CLOUD_NAME='fromenv'), expect={'name': 'fromenv'}),
    dict(id='envvars-name-conflict', cloud='prod', error=True,
         files={'cwd/clouds.yaml': clouds(prod={'auth': pw('p')}, envvars={'auth': pw('e')})}),
    dict(id='cloud-not-found', cloud='nope', error=True, files={'cwd/clouds.yaml': clouds(prod={'auth': pw('p')})}),
    dict(id='unnamed-two-clouds-is-nothing', cloud=None, expect={'nothing': True},
         files={'cwd/clouds.yaml': clouds(prod={'auth': pw('p')}, dev={'auth': pw('d')})}),
    dict(id='nothing-at-all', cloud=None, expect={'nothing': True}),
    dict(id='inline-dict', cloud={'auth': pw('inline'), 'region_name': 'eu-nl', 'verify': False, 'cacert': '/ca.pem'},
         env=dict(ENV_FULL, OS_CLOUD='prod'), expect={'password': 'pw-inline', 'region_name': 'eu-nl', 'verify': False},
         files={'cwd/clouds.yaml': clouds(prod={'auth': pw('prod')})}),
    dict(id='inline-dict-profile-otc', cloud={'profile': 'otc', 'auth': pw('inline', auth_url=None), 'region_name': 'eu-nl'},
         expect={'auth_url': 'https://iam.eu-nl.otc.t-systems.com/v3'}),
    dict(id='legacy-spellings-and-top-level-keys', cloud='prod',
         expect={'username': 'auth-user', 'project_id': 'top-project-id', 'project_name': 'tenant-name', 'token': 'tok'},
         files={'cwd/clouds.yaml': clouds(prod={
             'username': 'top-user', 'project_id': 'top-project-id', 'auth_type': 'v3password',
             'auth': {'auth-url': 'https://a/v3', 'user_name': 'auth-user', 'tenant_id': 'tenant-id', 'tenant_name': 'tenant-name',
                      'user-domain-name': 'ud', 'project-domain-id': 'pd', 'auth_token': 'tok', 'password': 'p'}})}),
    dict(id='domain-id-project-scoped', cloud='prod', expect={'user_domain_id': 'own', 'project_domain_id': 'did'},
         files={'cwd/clouds.yaml': clouds(prod={'auth': {
             'auth_url': 'https://a/v3', 'domain_id': 'did', 'project_id': 'p', 'user_domain_id': 'own', 'username': 'u', 'password': 'p'}})}),
    dict(id='domain-name-not-project-scoped', cloud='prod', expect={'domain_name': 'dn'},
         files={'cwd/clouds.yaml': clouds(prod={'domain_name': 'dn', 'auth': {'auth_url': 'https://a/v3', 'username': 'u'}})}),
    dict(id='v3token-top-level-user-stays-out', cloud='prod', expect={'token': 't', 'username': None},
         files={'cwd/clouds.yaml': clouds(prod={'auth_type': 'v3token', 'username': 'u',
                                                'auth': {'token': 't', 'project_id': 'pid', 'auth_url': 'https://a/v3'}})}),
    dict(id='auth-plugin-is-ignored', cloud='prod', expect={'token': 't', 'auth_type': 'password'},
         files={'cwd/clouds.yaml': clouds(prod={'auth_plugin': 'token', 'auth': {'token': 't', 'project_id': 'pid'}})}),
    dict(id='tls-cacert-cert-key', cloud='prod', expect={'verify': '{root}/home/ca.pem'},
         files={'cwd/clouds.yaml': clouds(prod={'auth': pw('t'), 'verify': True, 'cacert': '~/ca.pem', 'cert': '~/c.pem',
                                                'key': '~/k.pem'})}),
    dict(id='tls-insecure-string', cloud='prod', expect={'verify': False},
         files={'cwd/clouds.yaml': clouds(prod={'auth': pw('t'), 'insecure': 'True', 'verify': True, 'cacert': '/ca.pem'})}),
    dict(id='tls-verify-false-with-cacert', cloud='prod', expect={'verify': False},
         files={'cwd/clouds.yaml': clouds(prod={'auth': pw('t'), 'verify': False, 'cacert': '/ca.pem'})}),
    dict(id='interface-endpoint-type-timeouts', cloud='prod', expect={'interface': 'internal'},
         files={'cwd/clouds.yaml': clouds(prod={'auth': pw('t'), 'interface': 'admin', 'endpoint_type': 'internal',
                                                'api_timeout': 10, 'compute_timeout': 99})}),
    dict(id='numbers-in-auth', cloud='prod', expect={'project_id': '12345'},
         files={'cwd/clouds.yaml': 'clouds:\n  prod:\n    api_timeout: 30\n    auth:\n      auth_url: https://a/v3\n'
                                   '      project_id: 12345\n      user_domain_id: 777\n      username: u\n      password: p\n'}),
    dict(id='otcextensions-top-level-aksk', cloud='otc', expect={'password': 'pw-o', 'ak': 'AK', 'sk': 'SK'},
         files={'cwd/clouds.yaml': clouds(otc={'auth': pw('o'), 'interface': 'public', 'identity_api_version': 3,
                                               'ak': 'AK', 'sk': 'SK'})}),
]


def _our_summary(result):
    if not result:
        return {'nothing': True}
    verify = True if result['verify'] is None else result['verify']
    if verify and result['cacert']:
        verify = result['cacert']
    cert = result['cert']
    if cert and result['key']:
        cert = (cert, result['key'])
    timeout = result['api_timeout']
    return {
        'name': result['name'],
        'auth': dict((k, result['auth'][k]) for k in COMPARED_AUTH if k in result['auth']),
        'auth_type': result['auth_type'] or 'password',
        'region_name': result['region_name'],
        'verify': verify,
        'cert': cert,
        'interface': result['interface'] or 'public',
        'api_timeout': None if timeout is None else str(timeout),
    }


def _sdk_summary(region, inline):
    if not inline and region.name in ('defaults', ''):
        return {'nothing': True}
    config = region.config
    verify, cert = region.get_requests_verify_args()
    timeout = config.get('api_timeout')
    return {
        'name': None if inline else region.name,
        'auth': dict((k, config['auth'][k]) for k in COMPARED_AUTH if k in config['auth']),
        'auth_type': config['auth_type'],
        'region_name': region.region_name or None,
        'verify': verify,
        'cert': cert,
        'interface': config.get('interface'),
        'api_timeout': None if timeout is None else str(timeout),
    }


def _openstacksdk_loader():
    if SDK_LOADER is None:
        pytest.importorskip('openstack.config.loader')
    return SDK_LOADER


def _run_both(variant, root, monkeypatch):
    loader = _openstacksdk_loader()

    tree = Tree(root)
    for rel, content in variant.get('files', {}).items():
        tree.write(rel, content)
    env = dict(variant.get('env', {}))
    if variant.get('xdg'):
        env['XDG_CONFIG_HOME'] = '{root}/xdg'
    cloud = variant['cloud']
    inline = isinstance(cloud, dict)
    region_name = variant.get('region_name')
    with monkeypatch.context() as patch:
        for key in list(os.environ):
            if key.startswith('OS_') or key in ('XDG_CONFIG_HOME', 'XDG_CONFIG_DIRS', 'SNAP_REAL_HOME'):
                patch.delenv(key)
        for key, value in tree.environ(env).items():
            patch.setenv(key, value)
        patch.chdir(tree.cwd)
        patch.setattr(KS_BASE.BaseLoader, 'load_from_options', lambda self, **kwargs: None)
        importlib.reload(loader)
        environ = dict(os.environ)
        assert list(loader.CONFIG_SEARCH_PATH) == default_config_dirs(environ, tree.cwd)

        def remap(paths):
            site = _clouds.UNIX_SITE_CONFIG_DIR + os.sep
            return [tree.etc + os.sep + p[len(site):] if p.startswith(site) else p for p in paths]

        try:
            with warnings.catch_warnings():
                warnings.simplefilter('ignore')
                if inline:
                    config = loader.OpenStackConfig(config_files=[], secure_files=[], vendor_files=remap(loader.VENDOR_FILES),
                                                    load_envvars=False)
                    kwargs = dict(cloud, region_name=region_name) if region_name else dict(cloud)
                    sdk = _sdk_summary(config.get_one(**kwargs), inline)
                else:
                    config = loader.OpenStackConfig(config_files=remap(loader.CONFIG_FILES), secure_files=remap(loader.SECURE_FILES),
                                                    vendor_files=remap(loader.VENDOR_FILES))
                    kwargs = {'region_name': region_name} if region_name else {}
                    sdk = _sdk_summary(config.get_one(cloud, **kwargs), inline)
        except Exception as exc:  # openstacksdk's ConfigException, or its crash on the same input
            sdk = {'error': type(exc).__name__}
        try:
            ours = resolve_cloud(cloud, environ=environ, cwd=tree.cwd, config_dirs=tree.dirs(environ), region_name=region_name)
        except InvalidInput as exc:
            ours = {'error': str(exc)}
    importlib.reload(loader)
    return tree, sdk, ours


@pytest.mark.parametrize('variant', CORPUS, ids=[v['id'] for v in CORPUS])
def test_same_as_openstacksdk(variant, tmp_path, monkeypatch):
    tree, sdk, ours = _run_both(variant, tmp_path, monkeypatch)
    if variant.get('error'):
        assert 'error' in sdk, 'openstacksdk accepted %s' % variant['id']
        assert 'error' in ours, 'resolve_cloud accepted %s' % variant['id']
        return
    assert 'error' not in ours, ours
    summary = _our_summary(ours)
    assert summary == sdk
    # the values carry their origin: check that the variant exercises what its name says
    for key, expected in variant.get('expect', {}).items():
        expected = expected.format(root=tree.root) if isinstance(expected, str) else expected
        if key in ('nothing', 'name', 'region_name', 'verify', 'interface', 'auth_type'):
            assert summary.get(key) == expected, key
        else:
            assert ours['auth'].get(key) == expected, key


def test_corpus_size():
    assert len(CORPUS) >= 20
    assert len(set(v['id'] for v in CORPUS)) == len(CORPUS)


@pytest.mark.parametrize('env', [
    {},
    {'XDG_CONFIG_HOME': '{root}/xdg'},
    {'XDG_CONFIG_HOME': 'relative/xdg'},
    {'XDG_CONFIG_DIRS': '{root}/s1'},
    {'XDG_CONFIG_DIRS': '{root}/s1:relative:{root}/s2'},
    {'SNAP_REAL_HOME': '{root}/snap'},
    {'HOME': 'relative-home'},
], ids=['default', 'xdg-home', 'xdg-home-relative', 'xdg-dirs', 'xdg-dirs-several', 'snap', 'home-relative'])
def test_search_path_same_as_openstacksdk(env, tmp_path, monkeypatch):
    loader = _openstacksdk_loader()
    tree = Tree(tmp_path)
    with monkeypatch.context() as patch:
        for key in ('XDG_CONFIG_HOME', 'XDG_CONFIG_DIRS', 'SNAP_REAL_HOME'):
            patch.delenv(key, raising=False)
        for key, value in tree.environ(env).items():
            patch.setenv(key, value)
        patch.chdir(tree.cwd)
        importlib.reload(loader)
        assert list(loader.CONFIG_SEARCH_PATH) == default_config_dirs(dict(os.environ), tree.cwd)
    importlib.reload(loader)
