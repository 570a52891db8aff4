# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for _config: precedence, inference, region, defaults, clouds.yaml, repr, TLS."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible_collections.otc.jobs.plugins.module_utils._config import (
    OptionAdapter, Settings, check_complete, default_auth_url, infer_auth_type, load_cloud, resolve_settings)
from ansible_collections.otc.jobs.plugins.module_utils._errors import InvalidInput

PW_AUTH = {'username': 'demo', 'password': 'pw-auth', 'user_domain_name': 'OTCdom', 'project_name': 'eu-de_demo'}
PW_ENV = {'OS_USERNAME': 'envuser', 'OS_PASSWORD': 'pw-env', 'OS_USER_DOMAIN_NAME': 'ENVdom',
          'OS_PROJECT_NAME': 'eu-nl_envproj', 'OS_AUTH_URL': 'https://env.example/v3'}


def resolve(options=None, environ=None, search_dirs=None):
    return resolve_settings(OptionAdapter.from_dict(options or {}), environ=environ or {}, search_dirs=search_dirs or [])


def write_clouds(directory, clouds, secure=None, name='clouds.yaml'):
    # JSON is YAML: no third-party import needed to write the files.
    (directory / name).write_text(json.dumps({'clouds': clouds}))
    if secure is not None:
        (directory / 'secure.yaml').write_text(json.dumps({'clouds': secure}))


# precedence ---------------------------------------------------------------

def test_auth_beats_env_key_by_key():
    s = resolve({'auth': {'password': 'pw-auth'}}, PW_ENV)
    assert s.auth_type == 'password'
    assert s.auth['password'] == 'pw-auth'
    assert s.auth['username'] == 'envuser'          # only in env
    assert s.auth['user_domain_name'] == 'ENVdom'
    assert s.auth_url == 'https://env.example/v3'


def test_auth_beats_cloud_beats_env(tmp_path):
    write_clouds(tmp_path, {'c': {'auth': {'auth_url': 'https://cloud.example/v3', 'username': 'clouduser',
                                           'password': 'pw-cloud', 'project_name': 'eu-de_cloud'}}})
    s = resolve({'cloud': 'c', 'auth': {'username': 'authuser'}}, PW_ENV, [str(tmp_path)])
    assert s.auth['username'] == 'authuser'          # auth wins
    assert s.auth['password'] == 'pw-cloud'          # cloud beats env
    assert s.auth['project_name'] == 'eu-de_cloud'
    assert s.auth['auth_url'] == 'https://cloud.example/v3'
    assert s.auth['user_domain_name'] == 'ENVdom'    # env fills the gap
    assert s.cloud == 'c'


def test_os_cloud_env_selects_cloud(tmp_path):
    write_clouds(tmp_path, {'fromenv': {'auth': dict(PW_AUTH, password='pw-cloud')}})
    s = resolve({}, {'OS_CLOUD': 'fromenv'}, [str(tmp_path)])
    assert s.auth['password'] == 'pw-cloud'
    assert s.cloud == 'fromenv'


def test_cloud_option_beats_os_cloud(tmp_path):
    write_clouds(tmp_path, {'a': {'auth': dict(PW_AUTH, password='A')}, 'b': {'auth': dict(PW_AUTH, password='B')}})
    assert resolve({'cloud': 'a'}, {'OS_CLOUD': 'b'}, [str(tmp_path)]).auth['password'] == 'A'


def test_empty_values_do_not_override():
    s = resolve({'auth': {'password': '', 'username': None}}, PW_ENV)
    assert s.auth['password'] == 'pw-env'
    assert s.auth['username'] == 'envuser'


def test_env_alternatives():
    s = resolve({}, {'OS_AUTH_TOKEN': '', 'OS_TOKEN': 'tok', 'OS_TENANT_ID': 'pid'})
    assert s.auth_type == 'token'
    assert s.auth['token'] == 'tok' and s.auth['project_id'] == 'pid'
    s = resolve({}, {'OS_AK': 'ak', 'OS_SK': 'sk', 'OS_PROJECT_ID': 'pid', 'OS_SECURITY_TOKEN': 'st'})
    assert s.auth_type == 'aksk' and s.auth['security_token'] == 'st'


# auth_type inference ------------------------------------------------------

@pytest.mark.parametrize('auth, expected', [
    ({'ak': 'x'}, 'aksk'), ({'sk': 'x'}, 'aksk'), ({'ak': 'x', 'token': 't'}, 'aksk'),
    ({'token': 't'}, 'token'), ({'token': 't', 'password': 'p'}, 'token'),
    ({'username': 'u'}, 'password'), ({'password': 'p'}, 'password'),
    ({'project_id': 'p', 'auth_url': 'x'}, None), ({}, None),
])
def test_infer_auth_type(auth, expected):
    assert infer_auth_type(auth) == expected


def test_inference_uses_first_layer_with_credentials():
    # env holds AK/SK leftovers, auth holds a token: token wins, env keys do not change the method.
    env = {'OS_ACCESS_KEY': 'ak', 'OS_SECRET_KEY': 'sk', 'OS_PROJECT_ID': 'pid'}
    s = resolve({'auth': {'token': 'tok'}}, env)
    assert s.auth_type == 'token'
    assert s.auth['project_id'] == 'pid'


def test_inference_from_cloud_layer(tmp_path):
    write_clouds(tmp_path, {'c': {'auth': {'access_key': 'AK', 'secret_key': 'SK', 'project_id': 'pid'}}})
    s = resolve({'cloud': 'c'}, PW_ENV, [str(tmp_path)])
    assert s.auth_type == 'aksk'
    assert s.auth['ak'] == 'AK' and s.auth['sk'] == 'SK'


def test_inference_from_env_layer():
    assert resolve({}, PW_ENV).auth_type == 'password'


def test_explicit_auth_type_option_wins():
    s = resolve({'auth_type': 'token', 'auth': {'token': 't', 'project_id': 'p', 'ak': 'a', 'sk': 's'}})
    assert s.auth_type == 'token'


def test_cloud_auth_type_spellings(tmp_path):
    write_clouds(tmp_path, {'c': {'auth_type': 'v3token', 'auth': {'token': 't', 'project_id': 'p',
                                                                   'username': 'u'}}})
    assert resolve({'cloud': 'c'}, {}, [str(tmp_path)]).auth_type == 'token'


def test_no_credentials_message():
    with pytest.raises(InvalidInput) as err:
        resolve({'auth': {'project_id': 'p'}}, {'OS_REGION_NAME': 'eu-de'})
    assert err.value.message.startswith('no credentials: ')


# region and auth_url ------------------------------------------------------

@pytest.mark.parametrize('project, region', [
    ('eu-nl_x', 'eu-nl'), ('eu-de_demo', 'eu-de'), ('eu-ch2_sub', 'eu-ch2'), ('eu-de', 'eu-de'),
    ('myproject', 'eu-de'), ('EU-NL_x', 'eu-de'),
])
def test_region_from_project_name(project, region):
    assert resolve({'auth': dict(PW_AUTH, project_name=project)}).region == region


def test_region_default_and_precedence():
    s = resolve({'auth': dict(PW_AUTH, project_name=None, project_id='pid')})
    assert s.region == 'eu-de'
    s = resolve({'auth': dict(PW_AUTH, project_name='eu-nl_x')}, {'OS_REGION_NAME': 'eu-ch2'})
    assert s.region == 'eu-ch2'
    s = resolve({'region_name': 'eu-de', 'auth': dict(PW_AUTH, project_name='eu-nl_x')}, {'OS_REGION_NAME': 'eu-ch2'})
    assert s.region == 'eu-de'


@pytest.mark.parametrize('region, url', [
    ('eu-de', 'https://iam.eu-de.otc.t-systems.com/v3'),
    ('eu-nl', 'https://iam.eu-nl.otc.t-systems.com/v3'),
    ('eu-ch2', 'https://iam-pub.eu-ch2.sc.otc.t-systems.com/v3'),
])
def test_default_auth_url(region, url):
    assert default_auth_url(region) == url
    assert resolve({'region_name': region, 'auth': PW_AUTH}).auth_url == url


def test_auth_url_trailing_slash_stripped():
    assert resolve({'auth': dict(PW_AUTH, auth_url='https://x.example/v3/')}).auth_url == 'https://x.example/v3'


# check_complete -----------------------------------------------------------

def _settings(auth_type, **auth):
    keys = ('auth_url', 'username', 'password', 'user_domain_name', 'user_domain_id',
            'project_name', 'project_id', 'token', 'ak', 'sk', 'security_token')
    full = dict((k, None) for k in keys)
    full.update(auth)
    return Settings(auth_type, full, 'eu-de', None, True, 30.0, True)


@pytest.mark.parametrize('auth_type, auth, message', [
    ('password', {'username': 'u'},
     'password authentication needs password, user_domain_name (or user_domain_id), project_name (or project_id): '
     'set auth.password (or the cloud entry, or its OS_* variable)'),
    ('password', {'username': 'u', 'password': 'p', 'project_id': 'x'},
     'password authentication needs user_domain_name (or user_domain_id): set auth.user_domain_name '
     '(or the cloud entry, or its OS_* variable)'),
    ('token', {'token': 't'},
     'token authentication needs project_id: set auth.project_id (or the cloud entry, or its OS_* variable)'),
    ('aksk', {'ak': 'a'},
     'aksk authentication needs sk, project_id: set auth.sk (or the cloud entry, or its OS_* variable)'),
])
def test_check_complete_messages(auth_type, auth, message):
    with pytest.raises(InvalidInput) as err:
        check_complete(_settings(auth_type, **auth))
    assert err.value.message == message
    for secret in ('p', 't'):
        assert "'%s'" % secret not in err.value.message


@pytest.mark.parametrize('auth_type, auth', [
    ('password', {'username': 'u', 'password': 'p', 'user_domain_id': 'd', 'project_name': 'n'}),
    ('token', {'token': 't', 'project_id': 'p'}),
    ('aksk', {'ak': 'a', 'sk': 's', 'project_id': 'p'}),
])
def test_check_complete_ok(auth_type, auth):
    check_complete(_settings(auth_type, **auth))


def test_resolve_calls_check_complete():
    with pytest.raises(InvalidInput) as err:
        resolve({'auth': {'token': 't'}})
    assert 'token authentication needs project_id' in err.value.message


# clouds.yaml --------------------------------------------------------------

def test_clouds_search_first_dir_wins_and_secure_merges(tmp_path):
    first, second = tmp_path / 'a', tmp_path / 'b'
    first.mkdir()
    second.mkdir()
    write_clouds(second, {'c': {'region_name': 'eu-nl', 'auth': {'username': 'second'}}})
    first_auth = {'username': 'first', 'user_domain_name': 'D', 'project_name': 'eu-de_p'}
    write_clouds(first, {'c': {'region_name': 'eu-de', 'auth': first_auth}},
                 secure={'c': {'auth': {'password': 'from-secure'}}})
    cloud = load_cloud('c', {}, [str(first), str(second)])
    assert cloud['auth'] == {'username': 'first', 'user_domain_name': 'D', 'project_name': 'eu-de_p',
                             'password': 'from-secure'}
    s = resolve({'cloud': 'c'}, {}, [str(first), str(second)])
    assert s.auth['password'] == 'from-secure' and s.region == 'eu-de'


def test_clouds_yml_extension_and_later_dir(tmp_path):
    empty, other = tmp_path / 'empty', tmp_path / 'other'
    empty.mkdir()
    other.mkdir()
    write_clouds(other, {'c': {'auth': dict(PW_AUTH)}}, name='clouds.yml')
    assert resolve({'cloud': 'c'}, {}, [str(empty), str(other)]).auth['username'] == 'demo'


def test_entry_missing_in_first_file_found_in_next(tmp_path):
    a, b = tmp_path / 'a', tmp_path / 'b'
    a.mkdir()
    b.mkdir()
    write_clouds(a, {'other': {'auth': {}}})
    write_clouds(b, {'c': {'auth': dict(PW_AUTH)}})
    assert resolve({'cloud': 'c'}, {}, [str(a), str(b)]).auth['username'] == 'demo'


def test_explicit_config_and_secure_files(tmp_path):
    conf, sec = tmp_path / 'my-clouds.yaml', tmp_path / 'my-secure.yaml'
    conf.write_text(json.dumps({'clouds': {'c': {'auth': dict(PW_AUTH, password=None)}}}))
    sec.write_text(json.dumps({'clouds': {'c': {'auth': {'password': 'sec'}}}}))
    env = {'OS_CLIENT_CONFIG_FILE': str(conf), 'OS_CLIENT_SECURE_FILE': str(sec)}
    s = resolve({'cloud': 'c'}, env, [])
    assert s.auth['password'] == 'sec'


def test_unknown_cloud_message(tmp_path):
    with pytest.raises(InvalidInput) as err:
        resolve({'cloud': 'nope'}, {}, [str(tmp_path)])
    assert err.value.message.startswith("cloud 'nope' is not in any clouds.yaml (looked in: ")
    assert str(tmp_path / 'clouds.yaml') in err.value.message


def test_unreadable_clouds_yaml(tmp_path):
    (tmp_path / 'clouds.yaml').write_text('clouds: [unclosed\n')
    with pytest.raises(InvalidInput) as err:
        resolve({'cloud': 'c'}, {}, [str(tmp_path)])
    assert err.value.message.startswith('cannot read %s' % (tmp_path / 'clouds.yaml'))


@pytest.mark.parametrize('alias, key', [
    ('domain_name', 'user_domain_name'), ('domain_id', 'user_domain_id'), ('tenant_name', 'project_name'),
    ('tenant_id', 'project_id'), ('access_key', 'ak'), ('secret_key', 'sk'), ('user_name', 'username'),
])
def test_aliases(tmp_path, alias, key):
    base = {'username': 'u', 'password': 'p', 'user_domain_name': 'd', 'project_name': 'eu-de_x', 'ak': 'a',
            'sk': 's', 'project_id': 'pid'}
    base.pop(key, None)
    base[alias] = 'VALUE'
    write_clouds(tmp_path, {'c': {'auth': base}})
    assert resolve({'cloud': 'c'}, {}, [str(tmp_path)]).auth[key] == 'VALUE'
    assert resolve({'auth': base}).auth[key] == 'VALUE'


def test_auth_must_be_dict():
    with pytest.raises(InvalidInput) as err:
        resolve({'auth': 'nope'})
    assert 'the auth option must be a dictionary' in err.value.message


# repr -----------------------------------------------------------------------

def test_repr_hides_secrets():
    s = resolve({'auth': {'ak': 'AKVALUE', 'sk': 'SKSECRET', 'security_token': 'STSECRET', 'project_id': 'pid',
                          'token': 'TOKSECRET', 'password': 'PWSECRET'}, 'auth_type': 'aksk'})
    text = repr(s)
    for secret in ('SKSECRET', 'STSECRET', 'TOKSECRET', 'PWSECRET'):
        assert secret not in text
    assert '********' in text and 'AKVALUE' in text and 'pid' in text
    assert str(s) == text


# TLS, timeouts, token_cache ---------------------------------------------------

def test_verify_default_true():
    assert resolve({'auth': PW_AUTH}).verify is True


def test_verify_false_option_beats_cacert():
    assert resolve({'auth': PW_AUTH, 'validate_certs': False, 'ca_cert': '/x'}, {'OS_CACERT': '/y'}).verify is False


def test_ca_cert_precedence(tmp_path):
    write_clouds(tmp_path, {'c': {'cacert': '/cloud.pem', 'auth': PW_AUTH}})
    dirs = [str(tmp_path)]
    assert resolve({'cloud': 'c', 'ca_cert': '/opt.pem'}, {'OS_CACERT': '/env.pem'}, dirs).verify == '/opt.pem'
    assert resolve({'cloud': 'c'}, {'OS_CACERT': '/env.pem'}, dirs).verify == '/cloud.pem'
    assert resolve({'auth': PW_AUTH}, {'OS_CACERT': '/env.pem'}).verify == '/env.pem'
    assert resolve({'auth': PW_AUTH, 'validate_certs': True, 'ca_cert': '/opt.pem'}).verify == '/opt.pem'


@pytest.mark.parametrize('value', [False, 'false', 'False', 'no'])
def test_cloud_verify_false(tmp_path, value):
    write_clouds(tmp_path, {'c': {'verify': value, 'cacert': '/cloud.pem', 'auth': PW_AUTH}})
    assert resolve({'cloud': 'c'}, {}, [str(tmp_path)]).verify is False
    # the option overrides the cloud entry
    assert resolve({'cloud': 'c', 'validate_certs': True}, {}, [str(tmp_path)]).verify == '/cloud.pem'


def test_timeout_and_token_cache_defaults():
    s = resolve({'auth': PW_AUTH})
    assert s.api_timeout == 30.0 and s.token_cache is True and s.endpoint is None
    s = resolve({'auth': PW_AUTH, 'api_timeout': 5, 'token_cache': False, 'endpoint': 'https://e'})
    assert s.api_timeout == 5.0 and s.token_cache is False and s.endpoint == 'https://e'


def test_option_adapter_sources():
    class FakeModule:
        params = {'cloud': 'x'}

    class FakePlugin:
        def get_option(self, name):
            if name == 'cloud':
                return 'y'
            raise KeyError(name)

    assert OptionAdapter.from_module(FakeModule()).get('cloud') == 'x'
    plugin = OptionAdapter.from_plugin(FakePlugin())
    assert plugin.get('cloud') == 'y' and plugin.get('auth') is None
    assert OptionAdapter.from_dict({}).get('auth') is None
