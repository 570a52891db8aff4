# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The authentication methods with a scripted HTTP client: each method's rules, IAM login, the token cache
bound to the password, the AK/SK project lookup, secrets registered, hostile IAM answers."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible_collections.otc.jobs.plugins.module_utils.core._clock import FakeClock
from ansible_collections.otc.jobs.plugins.module_utils.auth._auth import (
    AUTH_TYPE_CHOICES, METHODS, infer_method, make_authenticator, method_named)
from ansible_collections.otc.jobs.plugins.module_utils.auth._auth_method_aksk import AkskAuth
from ansible_collections.otc.jobs.plugins.module_utils.auth._auth_method_password import PasswordAuth, parse_expiry
from ansible_collections.otc.jobs.plugins.module_utils.auth._token_cache import TokenCache
from ansible_collections.otc.jobs.plugins.module_utils.config._config import Settings
from ansible_collections.otc.jobs.plugins.module_utils.core._errors import AuthError, InvalidInput
from ansible_collections.otc.jobs.plugins.module_utils.core._secrets import Secrets
from ansible_collections.otc.jobs.plugins.module_utils.net._http import HttpResponse

NOW = 1800000000.0
IAM = 'https://iam.example/v3'
PW_AUTH = {'auth_url': IAM, 'username': 'demo', 'password': 'pw-right', 'user_domain_name': 'OTCdom',
           'project_name': 'eu-de_demo'}


class Headers(dict):
    def get(self, key, default=None):
        for name, value in self.items():
            if name.lower() == key.lower():
                return value
        return default


class ScriptedHttp:
    """Answers requests from a list of (status, body, headers); records every request."""

    def __init__(self, *answers):
        self.answers = list(answers)
        self.requests = []

    def request(self, method, url, headers=None, body=None, deadline=None):
        self.requests.append({'method': method, 'url': url, 'headers': dict(headers or {}),
                              'body': json.loads(body) if body else None})
        status, payload, headers = self.answers.pop(0)
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        return HttpResponse(status, Headers(headers or {}), data)


def token_answer(token='MIIissued-token', project_id='pid0001', project_name='eu-nl_demo', expires='2027-01-15T10:00:00.000000Z'):
    body = {'token': {'expires_at': expires, 'project': {'id': project_id, 'name': project_name},
                      'catalog': [{'type': 'elb', 'endpoints': []}]}}
    return 201, body, {'X-Subject-Token': token}


def password_auth(http, cache=None, secrets=None, **auth):
    settings = Settings('password', dict(PW_AUTH, **auth), 'eu-de')
    return PasswordAuth(settings, http, secrets or Secrets(), cache=cache, clock=FakeClock(epoch=NOW))


# --- the rules each method owns -----------------------------------------------------------------------


def test_every_spelling_names_one_method():
    assert [method.NAME for method in METHODS] == ['aksk', 'token', 'password']
    for spelling in AUTH_TYPE_CHOICES:
        assert method_named(spelling.upper()) is not None
    assert method_named('v3password') is PasswordAuth and method_named('oidc') is None


@pytest.mark.parametrize('auth, name', [({'sk': 's'}, 'aksk'), ({'token': 't'}, 'token'), ({'user_id': 'u'}, 'password'),
                                        ({'project_id': 'p'}, None)])
def test_inference(auth, name):
    method = infer_method(auth)
    assert (method.NAME if method else None) == name


def test_password_by_user_id_needs_no_domain():
    assert PasswordAuth.missing({'user_id': 'u', 'password': 'p', 'project_id': 'x'}) == []


def test_header_rules_name_the_key_never_the_value():
    with pytest.raises(InvalidInput) as err:
        AkskAuth.validate({'ak': 'AK', 'sk': 'secret value with spaces', 'project_id': 'p'}, 'here')
    assert err.value.message.startswith('auth.sk contains spaces') and 'secret value' not in err.value.message


# --- password ---------------------------------------------------------------------------------------------


def test_login_body_scope_and_issued_token_registered():
    secrets = Secrets()
    http = ScriptedHttp(token_answer())
    auth = password_auth(http, secrets=secrets)
    auth.prepare()
    sent = http.requests[0]
    assert sent['url'] == IAM + '/auth/tokens'
    assert sent['body']['auth']['identity']['password']['user'] == {
        'name': 'demo', 'password': 'pw-right', 'domain': {'name': 'OTCdom'}}
    assert sent['body']['auth']['scope'] == {'project': {'name': 'eu-de_demo', 'domain': {'name': 'OTCdom'}}}
    assert auth.authorize('GET', 'https://x', {}, b'') == {'X-Auth-Token': 'MIIissued-token'}
    assert auth.project_id == 'pid0001' and auth.project_name == 'eu-nl_demo'
    assert 'MIIissued-token' in secrets.values
    assert auth.expires_at == parse_expiry('2027-01-15T10:00:00Z')


def test_login_by_user_id_and_project_domain():
    http = ScriptedHttp(token_answer())
    password_auth(http, user_id='uid1', username=None, project_domain_id='pd1').prepare()
    body = http.requests[0]['body']['auth']
    assert body['identity']['password']['user'] == {'id': 'uid1', 'password': 'pw-right'}
    assert body['scope']['project'] == {'name': 'eu-de_demo', 'domain': {'id': 'pd1'}}


def test_wrong_password_message_never_echoes_the_password():
    # An IAM that echoes the request into its error: the message may carry it, the secrets registry masks it.
    secrets = Secrets(sink=set())
    http = ScriptedHttp((401, {'error': {'code': 401, 'message': 'bad credentials for {"password": "pw-right"}'}}, {}))
    settings = Settings('password', dict(PW_AUTH), 'eu-de')
    secrets.add(PW_AUTH['password'])
    with pytest.raises(AuthError) as err:
        PasswordAuth(settings, http, secrets).prepare()
    assert err.value.message.startswith('IAM refused the password for user demo in domain OTCdom (HTTP 401)')
    assert 'pw-right' not in secrets.scrub(err.value.message)


def test_a_token_that_cannot_be_a_header_is_refused_unprinted():
    http = ScriptedHttp(token_answer(token='MIIleaky\nX-Injected: 1'))
    with pytest.raises(AuthError) as err:
        password_auth(http).prepare()
    assert 'cannot be sent in an HTTP header' in err.value.message and 'leaky' not in err.value.message


@pytest.mark.parametrize('answer', [
    (201, {'token': {}}, {}),                         # no X-Subject-Token
    (201, b'not json', {'X-Subject-Token': 'MIIx'}),
    (201, {'nothing': 1}, {'X-Subject-Token': 'MIIx'}),
])
def test_unusable_token_answers(answer):
    with pytest.raises(AuthError) as err:
        password_auth(ScriptedHttp(answer)).prepare()
    assert 'without a usable token' in err.value.message


def test_cache_reuse_is_bound_to_the_password(tmp_path):
    cache = TokenCache(str(tmp_path / 'cache'), clock=FakeClock(epoch=NOW))
    http = ScriptedHttp(token_answer(), (401, {'error': {'message': 'The username or password is wrong.'}}, {}),
                        token_answer(token='MIIsecond'))
    password_auth(http, cache=cache).prepare()
    assert len(http.requests) == 1
    password_auth(http, cache=cache).prepare()  # same password: from the cache
    assert len(http.requests) == 1
    with pytest.raises(AuthError):
        password_auth(http, cache=cache, password='pw-wrong').prepare()  # wrong password: to IAM, refused
    assert len(http.requests) == 2
    auth = password_auth(http, cache=cache)
    auth.prepare()  # the right one still finds its token
    assert auth.token == 'MIIissued-token' and len(http.requests) == 2


def test_refresh_after_401_logs_in_again_once(tmp_path):
    cache = TokenCache(str(tmp_path / 'cache'), clock=FakeClock(epoch=NOW))
    http = ScriptedHttp(token_answer(token='MIIold'), token_answer(token='MIInew'))
    auth = password_auth(http, cache=cache)
    auth.prepare()
    assert auth.refresh('MIIold') is True and auth.token == 'MIInew'
    assert auth.refresh('MIIold') is True and len(http.requests) == 2  # another request already renewed it


def test_transient_iam_answers_are_retried():
    http = ScriptedHttp((503, b'busy', {}), token_answer())
    password_auth(http).prepare()
    assert len(http.requests) == 2


# --- AK/SK --------------------------------------------------------------------------------------------------


def aksk(http, cache=None, **auth):
    settings = Settings('aksk', dict({'auth_url': IAM, 'ak': 'AKTEST', 'sk': 'sk-secret'}, **auth), 'eu-de')
    return AkskAuth(settings, http, Secrets(), cache=cache, clock=FakeClock(epoch=NOW))


def test_signed_requests_carry_project_and_security_token():
    auth = aksk(ScriptedHttp(), project_id='pid1', security_token='sec-token')
    headers = auth.authorize('GET', 'https://rds.example/v3/pid1/jobs?id=j1', {'Accept': 'application/json'}, b'')
    assert headers['X-Project-Id'] == 'pid1' and headers['X-Security-Token'] == 'sec-token'
    assert headers['Authorization'].startswith(
        'SDK-HMAC-SHA256 Access=AKTEST, SignedHeaders=host;x-project-id;x-sdk-date;x-security-token, Signature=')


def test_project_id_looked_up_by_name_once_and_cached(tmp_path):
    cache = TokenCache(str(tmp_path / 'cache'), clock=FakeClock(epoch=NOW))
    http = ScriptedHttp((200, {'projects': [{'id': 'pid-found', 'name': 'eu-de_x'}]}, {}))
    auth = aksk(http, cache=cache, project_name='eu-de_x')
    auth.prepare()
    assert auth.project_id == 'pid-found'
    request = http.requests[0]
    assert request['url'] == IAM + '/projects?name=eu-de_x'
    assert request['headers']['Authorization'].startswith('SDK-HMAC-SHA256 Access=AKTEST')
    assert 'X-Project-Id' not in request['headers']
    again = aksk(ScriptedHttp(), cache=cache, project_name='eu-de_x')
    again.prepare()
    assert again.project_id == 'pid-found'


def test_project_names_are_quoted_in_the_lookup():
    http = ScriptedHttp((200, {'projects': [{'id': 'p', 'name': 'a b&c'}]}, {}))
    aksk(http, project_name='a b&c').prepare()
    assert http.requests[0]['url'] == IAM + '/projects?name=a%20b%26c'


@pytest.mark.parametrize('answer, fragment', [
    ((200, {'projects': []}, {}), 'IAM knows no project of that name'),
    ((200, {'projects': [{'id': 'a', 'name': 'n'}, {'id': 'b', 'name': 'n'}]}, {}), '2 of them'),
    ((401, {'error_code': 'APIGW.0301', 'error_msg': 'bad signature'}, {}), 'clock'),
    ((403, {'error_code': 'IAM.0003', 'error_msg': 'forbidden'}, {}), 'HTTP 403 IAM.0003: forbidden'),
])
def test_project_lookup_failures(answer, fragment):
    with pytest.raises(AuthError) as err:
        aksk(ScriptedHttp(answer), project_name='n').prepare()
    assert fragment in err.value.message
    assert 'sk-secret' not in err.value.message


def test_signing_errors_are_clear_messages():
    auth = aksk(ScriptedHttp(), project_id='p')
    with pytest.raises(AuthError) as err:
        auth.authorize('GET', 'http://127.0.0.1:99999/v1/p/jobs/j', {}, b'')
    assert err.value.message.startswith('cannot sign the request to http://127.0.0.1:99999/v1/p/jobs with AK/SK')


def test_make_authenticator_uses_the_cache_only_when_enabled(tmp_path, monkeypatch):
    monkeypatch.setenv('XDG_CACHE_HOME', str(tmp_path))
    settings = Settings('password', dict(PW_AUTH), 'eu-de', token_cache=False)
    assert make_authenticator(settings, ScriptedHttp(), Secrets()).cache is None
    settings = Settings('password', dict(PW_AUTH), 'eu-de', token_cache=True)
    assert make_authenticator(settings, ScriptedHttp(), Secrets()).cache.directory == str(tmp_path / 'otc.jobs')
