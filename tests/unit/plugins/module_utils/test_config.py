# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for _config: precedence, method choice, input rules, secrets, TLS, warnings."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import math

import pytest

from ansible_collections.otc.jobs.plugins.module_utils.config._config import Settings, resolve_settings
from ansible_collections.otc.jobs.plugins.module_utils.core._errors import InvalidInput
from ansible_collections.otc.jobs.plugins.module_utils.core._secrets import Secrets

PW_AUTH = {'username': 'demo', 'password': 'pw-auth', 'user_domain_name': 'OTCdom', 'project_name': 'eu-de_demo'}
PW_ENV = {'OS_USERNAME': 'envuser', 'OS_PASSWORD': 'pw-env', 'OS_USER_DOMAIN_NAME': 'ENVdom',
          'OS_PROJECT_NAME': 'eu-nl_envproj', 'OS_AUTH_URL': 'https://env.example/v3'}


def resolve(options=None, environ=None, tmp_path=None, secrets=None):
    """Settings with only ``tmp_path`` (if any) searched for clouds.yaml, never the real home or /etc."""
    dirs = [str(tmp_path)] if tmp_path is not None else []
    return resolve_settings(dict(options or {}), secrets if secrets is not None else Secrets(),
                            environ=environ or {}, cwd=str(tmp_path or '/nonexistent'), config_dirs=dirs)


def refused(options=None, environ=None, tmp_path=None):
    with pytest.raises(InvalidInput) as err:
        resolve(options, environ, tmp_path)
    return err.value.message


def write_clouds(directory, clouds, secure=None, name='clouds.yaml'):
    # JSON is YAML: no third-party import needed to write the files.
    (directory / name).write_text(json.dumps({'clouds': clouds}))
    if secure is not None:
        (directory / 'secure.yaml').write_text(json.dumps({'clouds': secure}))


# --- precedence -------------------------------------------------------------------------------------


def test_auth_option_beats_environment_cloud_key_by_key():
    s = resolve({'auth': {'password': 'pw-auth'}}, PW_ENV)
    assert s.auth_type == 'password'
    assert s.auth['password'] == 'pw-auth'
    assert s.auth['username'] == 'envuser'          # only in the environment cloud
    assert s.auth['user_domain_name'] == 'ENVdom'
    assert s.auth_url == 'https://env.example/v3'
    assert s.cloud == 'envvars'


def test_auth_option_beats_named_cloud_and_environment_is_ignored(tmp_path):
    write_clouds(tmp_path, {'c': {'auth': {'auth_url': 'https://cloud.example/v3', 'username': 'clouduser',
                                           'password': 'pw-cloud', 'project_name': 'eu-de_cloud',
                                           'user_domain_name': 'CLOUDdom'}}})
    s = resolve({'cloud': 'c', 'auth': {'username': 'authuser'}}, PW_ENV, tmp_path)
    assert s.auth['username'] == 'authuser'
    assert s.auth['password'] == 'pw-cloud'
    assert s.auth['project_name'] == 'eu-de_cloud'
    assert s.auth_url == 'https://cloud.example/v3'
    assert s.auth['user_domain_name'] == 'CLOUDdom'
    assert s.cloud == 'c'


def test_named_cloud_ignores_leftover_os_variables(tmp_path):
    write_clouds(tmp_path, {'otc': {'auth': dict(PW_AUTH, project_name='eu-de_demo'), 'region_name': 'eu-de'}})
    s = resolve({}, {'OS_CLOUD': 'otc', 'OS_PROJECT_ID': 'leftover0000', 'OS_REGION_NAME': 'eu-nl'}, tmp_path)
    assert 'project_id' not in s.auth
    assert s.region == 'eu-de'
    assert s.cloud == 'otc'


def test_cloud_given_as_dict_with_top_level_aksk():
    secrets = Secrets()
    s = resolve({'cloud': {'ak': 'AKCLOUD', 'sk': 'sk-in-dict', 'project_id': 'p1', 'region_name': 'eu-nl'}},
                PW_ENV, secrets=secrets)
    assert s.auth_type == 'aksk'
    assert (s.auth['ak'], s.auth['sk'], s.auth['project_id']) == ('AKCLOUD', 'sk-in-dict', 'p1')
    assert s.region == 'eu-nl'
    assert 'sk-in-dict' in secrets.values
    assert 'username' not in s.auth  # the environment does not mix into a given cloud


def test_secrets_of_every_layer_are_registered(tmp_path):
    write_clouds(tmp_path, {'c': {'auth': dict(PW_AUTH, password='pw-file')}}, secure={'c': {'auth': {'password': 'pw-secure'}}})
    secrets = Secrets()
    resolve({'cloud': 'c', 'auth': {'token': 'tok-option', 'project_id': 'p1'}},
            dict(PW_ENV, OS_AUTH_TOKEN='tok-env'), tmp_path, secrets)
    assert {'pw-secure', 'tok-option', 'tok-env', 'pw-env'} <= secrets.values


# --- the method ---------------------------------------------------------------------------------------


@pytest.mark.parametrize('auth, expected', [
    ({'ak': 'a', 'sk': 's', 'project_id': 'p', 'token': 't', 'username': 'u'}, 'aksk'),
    ({'token': 't', 'project_id': 'p', 'username': 'u', 'password': 'x'}, 'token'),
    (dict(PW_AUTH), 'password'),
    ({'user_id': 'u1', 'password': 'x', 'project_id': 'p'}, 'password'),
])
def test_inference_order(auth, expected):
    assert resolve({'auth': auth}).auth_type == expected


def test_inference_uses_the_first_layer_with_credentials():
    s = resolve({'auth': {'token': 'tok', 'project_id': 'p1'}}, PW_ENV)
    assert s.auth_type == 'token'
    assert 'password' not in s.auth and 'username' not in s.auth


@pytest.mark.parametrize('spelling, expected', [('v3password', 'password'), ('V3Token', 'token'), ('aksk', 'aksk')])
def test_auth_type_spellings(tmp_path, spelling, expected):
    auth = {'username': 'u', 'password': 'p', 'user_domain_name': 'd', 'project_id': 'p1', 'token': 't', 'ak': 'a', 'sk': 's'}
    write_clouds(tmp_path, {'c': {'auth_type': spelling, 'auth': auth}})
    assert resolve({'cloud': 'c'}, tmp_path=tmp_path).auth_type == expected
    assert resolve({'auth': auth, 'auth_type': spelling}).auth_type == expected


def test_unknown_auth_type():
    assert refused({'auth': PW_AUTH, 'auth_type': 'v3oidc'}) == (
        "auth_type 'v3oidc' is not supported: use one of aksk, ak/sk, ak_sk, token, v3token, admin_token, password, v3password")


def test_no_credentials_message():
    assert refused({}).startswith('no credentials: set auth.username/auth.password, auth.token with auth.project_id')


@pytest.mark.parametrize('auth, message', [
    ({'username': 'u'},
     'password authentication needs password, user_domain_name (or user_domain_id), project_name (or project_id): '
     'set auth.password (or the cloud entry, or its OS_* variable)'),
    ({'username': 'u', 'password': 'p', 'project_id': 'x'},
     'password authentication needs user_domain_name (or user_domain_id): set auth.user_domain_name '
     '(or the cloud entry, or its OS_* variable)'),
    ({'token': 't'}, 'token authentication needs project_id: set auth.project_id (or the cloud entry, or its OS_* variable)'),
    ({'ak': 'a'}, 'aksk authentication needs sk, project_id (or project_name): set auth.sk (or the cloud entry, or its OS_* variable)'),
])
def test_incomplete_credentials(auth, message):
    assert refused({'auth': auth}) == message


def test_aksk_with_project_name_only_is_complete():
    s = resolve({'auth': {'ak': 'a', 'sk': 's', 'project_name': 'eu-nl_x'}})
    assert s.auth_type == 'aksk' and s.region == 'eu-nl'


def test_keys_of_other_methods_are_dropped_and_unknown_keys_warned_by_name():
    s = resolve({'auth': {'token': 't', 'project_id': 'p1', 'password': 'hidden', 'system_scope': 'all',
                          'default_domain_id': 'dd'}})
    assert set(s.auth) == {'token', 'project_id'}
    assert s.warnings == ['auth keys that otc.jobs does not use were ignored: default_domain_id, system_scope']
    assert 'all' not in s.warnings[0] and 'dd' not in s.warnings[0].split(': ', 1)[1].replace('default_domain_id', '')


@pytest.mark.parametrize('alias, key', [('domain_name', 'user_domain_name'), ('domain_id', 'user_domain_id'),
                                        ('tenant_name', 'project_name'), ('tenant_id', 'project_id')])
def test_auth_aliases(alias, key):
    auth = {'username': 'u', 'password': 'p', 'user_domain_name': 'd', 'project_id': 'p1'}
    auth.pop(key, None)
    auth[alias] = 'v1'
    assert resolve({'auth': auth}).auth[key] == 'v1'


# --- input rules --------------------------------------------------------------------------------------


@pytest.mark.parametrize('value', ['LEAKY-TOKEN\n', ' LEAKY-TOKEN', 'LEAKY TOKEN', 'LEAKY\tTOKEN', 'LEAKÿTOKEN'])
def test_header_invalid_token_refused_without_its_value(value):
    message = refused({'auth': {'token': value, 'project_id': 'p1'}})
    assert message.startswith('auth.token contains spaces, line breaks or other characters')
    assert 'LEAKY' not in message


def test_header_invalid_secrets_from_env_and_clouds_yaml(tmp_path):
    message = refused({}, {'OS_AUTH_TOKEN': 'ENVLEAK\n', 'OS_PROJECT_ID': 'p1'})
    assert 'auth.token' in message and 'ENVLEAK' not in message
    write_clouds(tmp_path, {'c': {'auth': {'ak': 'AK', 'sk': 'SK', 'security_token': ' FILELEAK', 'project_id': 'p1'}}})
    message = refused({'cloud': 'c'}, tmp_path=tmp_path)
    assert 'auth.security_token' in message and 'FILELEAK' not in message


@pytest.mark.parametrize('project_id', ['p/../x', 'p?x', 'p#x', 'p\n', 'a' * 65, '..', 'p x'])
def test_project_id_rule_from_every_source(tmp_path, project_id):
    assert 'is not a valid project id' in refused({'auth': {'token': 't', 'project_id': project_id}})
    assert 'is not a valid project id' in refused({}, {'OS_AUTH_TOKEN': 't', 'OS_PROJECT_ID': project_id})
    write_clouds(tmp_path, {'c': {'auth': {'token': 't', 'project_id': project_id}}})
    assert 'is not a valid project id' in refused({'cloud': 'c'}, tmp_path=tmp_path)


@pytest.mark.parametrize('region', ['@127.0.0.1:8080/x', 'eu-de.evil.com', 'EU-DE', 'eu', 'eu-de\n', 'eu-de/x'])
def test_region_rule(region):
    message = refused({'auth': PW_AUTH, 'region_name': region})
    assert message.startswith('region_name %r is not a valid region name' % region)


def test_region_rule_applies_to_cloud_and_environment(tmp_path):
    assert 'is not a valid region name' in refused({}, dict(PW_ENV, OS_REGION_NAME='@evil.example'))
    write_clouds(tmp_path, {'c': {'auth': PW_AUTH, 'region_name': 'eu-de.evil.example'}})
    assert 'is not a valid region name' in refused({'cloud': 'c'}, tmp_path=tmp_path)


def test_region_precedence(tmp_path):
    assert resolve({'auth': PW_AUTH}).region == 'eu-de'
    assert resolve({'auth': dict(PW_AUTH, project_name='eu-nl_x')}).region == 'eu-nl'
    assert resolve({'auth': dict(PW_AUTH, project_name='eu-nl_x')}).region_explicit is False
    write_clouds(tmp_path, {'c': {'auth': PW_AUTH, 'regions': ['eu-nl', 'eu-de']}})
    s = resolve({'cloud': 'c'}, tmp_path=tmp_path)
    assert s.region == 'eu-nl'
    assert resolve({'cloud': 'c', 'region_name': 'eu-de'}, tmp_path=tmp_path).region == 'eu-de'
    assert resolve({'auth': PW_AUTH, 'region_name': 'eu-ch2'}).auth_url == 'https://iam-pub.eu-ch2.sc.otc.t-systems.com/v3'


@pytest.mark.parametrize('option', ['endpoint', 'auth_url'])
def test_urls_with_credentials_are_refused_and_never_printed(option):
    secrets = Secrets()
    url = 'http://someone:hunter2secret@127.0.0.1:8080/v3'
    options = {'auth': dict(PW_AUTH, auth_url=url)} if option == 'auth_url' else {'auth': PW_AUTH, 'endpoint': url}
    with pytest.raises(InvalidInput) as err:
        resolve(options, secrets=secrets)
    assert 'must not contain credentials' in err.value.message
    assert 'hunter2secret' not in err.value.message and 'someone' not in err.value.message


def test_user_info_of_an_endpoint_is_a_secret():
    secrets = Secrets()
    with pytest.raises(InvalidInput):
        resolve({'auth': PW_AUTH, 'endpoint': 'https://user:pw-in-url@elb.example'}, secrets=secrets)
    assert 'user:pw-in-url' in secrets.values


@pytest.mark.parametrize('url, fragment', [
    ('https://elb.example/x?token=abc', 'must not have a query'),
    ('https://elb.example/#frag', 'must not have a query'),
    ('file:///etc/passwd', 'must start with https:// or http://'),
    ('ftp://elb.example', 'must start with https:// or http://'),
    ('https://', 'must name a host'),
    ('https://elb.example:99999', 'port from 1 to 65535'),
    ('https://elb.example:0', 'port from 1 to 65535'),
    ('https://elb example', 'spaces or control characters'),
    ('https://elb.example/v1\n', 'spaces or control characters'),
    ('https://elb.example/../x', 'path'),
])
def test_endpoint_shape(url, fragment):
    message = refused({'auth': PW_AUTH, 'endpoint': url})
    assert message.startswith('endpoint ') and fragment in message, message


def test_good_urls_are_kept_without_trailing_slash():
    s = resolve({'auth': dict(PW_AUTH, auth_url='https://iam.example:8443/v3/'), 'endpoint': 'http://[::1]:8080/elb/'})
    assert s.auth_url == 'https://iam.example:8443/v3'
    assert s.endpoint == 'http://[::1]:8080/elb'


@pytest.mark.parametrize('value', [0, -1, float('nan'), float('inf'), 'abc', True])
def test_api_timeout_rule(value):
    message = refused({'auth': PW_AUTH, 'api_timeout': value})
    assert message.startswith('api_timeout must be'), message


def test_api_timeout_from_cloud_and_default(tmp_path):
    write_clouds(tmp_path, {'c': {'auth': PW_AUTH, 'api_timeout': 7}})
    assert resolve({'cloud': 'c'}, tmp_path=tmp_path).api_timeout == 7.0
    assert resolve({'cloud': 'c', 'api_timeout': 3}, tmp_path=tmp_path).api_timeout == 3.0
    assert resolve({'auth': PW_AUTH}).api_timeout == 30.0
    assert math.isfinite(resolve({'auth': PW_AUTH}).api_timeout)


def test_interface(tmp_path):
    assert resolve({'auth': PW_AUTH}).interface == 'public'
    write_clouds(tmp_path, {'c': {'auth': PW_AUTH, 'interface': 'internal'}, 'd': {'auth': PW_AUTH, 'interface': 'weird'}})
    assert resolve({'cloud': 'c'}, tmp_path=tmp_path).interface == 'internal'
    assert resolve({'cloud': 'c', 'interface': 'admin'}, tmp_path=tmp_path).interface == 'admin'
    assert refused({'cloud': 'd'}, tmp_path=tmp_path) == "interface 'weird' is not one of public, internal, admin"


# --- TLS ------------------------------------------------------------------------------------------------


def test_verify_default_true_and_false_warns_once():
    assert resolve({'auth': PW_AUTH}).verify is True
    s = resolve({'auth': PW_AUTH, 'validate_certs': False, 'ca_cert': '/nonexistent'})
    assert s.verify is False
    assert len(s.warnings) == 1 and s.warnings[0].startswith('validate_certs is false')


def test_ca_cert_must_exist(tmp_path):
    message = refused({'auth': PW_AUTH, 'ca_cert': str(tmp_path / 'missing.pem')})
    assert message.startswith("ca_cert '%s' is not a readable file" % (tmp_path / 'missing.pem'))
    bundle = tmp_path / 'ca.pem'
    bundle.write_text('-----BEGIN CERTIFICATE-----\n')
    assert resolve({'auth': PW_AUTH, 'ca_cert': str(bundle)}).verify == str(bundle)


@pytest.mark.parametrize('verify', [False, 'false', 'no'])
def test_cloud_verify_false(tmp_path, verify):
    write_clouds(tmp_path, {'c': {'auth': PW_AUTH, 'verify': verify}})
    assert resolve({'cloud': 'c'}, tmp_path=tmp_path).verify is False
    assert resolve({'cloud': 'c', 'validate_certs': True}, tmp_path=tmp_path).verify is True


def test_cloud_verify_naming_a_bundle(tmp_path):
    bundle = tmp_path / 'ca.pem'
    bundle.write_text('x')
    write_clouds(tmp_path, {'c': {'auth': PW_AUTH, 'verify': str(bundle)}, 'd': {'auth': PW_AUTH, 'verify': '/missing.pem'}})
    assert resolve({'cloud': 'c'}, tmp_path=tmp_path).verify == str(bundle)
    assert "ca_cert '/missing.pem' is not a readable file" in refused({'cloud': 'd'}, tmp_path=tmp_path)


def test_cloud_cacert(tmp_path):
    bundle = tmp_path / 'ca.pem'
    bundle.write_text('x')
    write_clouds(tmp_path, {'c': {'auth': PW_AUTH, 'cacert': str(bundle)}})
    assert resolve({'cloud': 'c'}, tmp_path=tmp_path).verify == str(bundle)


# --- misc -----------------------------------------------------------------------------------------------


def test_repr_hides_secrets():
    s = Settings('password', dict(PW_AUTH, password='very-secret'), 'eu-de')
    assert 'very-secret' not in repr(s) and '********' in repr(s)


def test_token_cache_option():
    assert resolve({'auth': PW_AUTH}).token_cache is True
    assert resolve({'auth': PW_AUTH, 'token_cache': False}).token_cache is False
