# -*- coding: utf-8 -*-
# Copyright (c) otc.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""IAM v3 password authentication: a domain-scoped user and a project scope; tokens cached per password."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import calendar
import json
import re
import threading

from ansible_collections.otc.jobs.plugins.module_utils.auth._auth_base import AuthMethod
from ansible_collections.otc.jobs.plugins.module_utils.auth._token_cache import cache_key
from ansible_collections.otc.jobs.plugins.module_utils.core import _validate
from ansible_collections.otc.jobs.plugins.module_utils.core._errors import AuthError, InvalidInput, InvalidResponse, TransientError
from ansible_collections.otc.jobs.plugins.module_utils.net._api import (
    REDIRECT_STATUSES, error_of, redirect_text)
from ansible_collections.otc.jobs.plugins.module_utils.net._retry import IAM_REQUEST, is_transient_status
from ansible_collections.otc.jobs.plugins.module_utils.wire._error_body import error_suffix

_EXPIRY = re.compile(r'^(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d)(?:\.\d+)?(?:Z|[+-]00:?00)?$')


class PasswordAuth(AuthMethod):
    NAME = 'password'
    ALIASES = ('v3password',)
    CLAIM_KEYS = ('username', 'user_id', 'password')
    KEYS = ('auth_url', 'username', 'user_id', 'password', 'user_domain_name', 'user_domain_id',
            'project_name', 'project_id', 'project_domain_name', 'project_domain_id')
    SECRET_KEYS = ('password',)
    REFUSED_HINT = 'IAM issued the token, but the service refused it'
    OPTIONS = dict(
        username=dict(
            type='str',
            description='User name for password authentication (E(OS_USERNAME)).'),
        user_id=dict(
            type='str',
            description='User id for password authentication, instead of O(auth.username) and its domain.'),
        password=dict(
            type='str', no_log=True,
            description='Password for password authentication (E(OS_PASSWORD)). Never logged or returned.'),
        user_domain_name=dict(
            type='str', aliases=['domain_name'],
            description='The account (domain) name, for example C(OTC00000000001000000xxx) (E(OS_USER_DOMAIN_NAME)).'),
        user_domain_id=dict(
            type='str', aliases=['domain_id'],
            description='The account (domain) id, instead of O(auth.user_domain_name) (E(OS_USER_DOMAIN_ID)).'),
    )

    def __init__(self, *args, **kwargs):
        super(PasswordAuth, self).__init__(*args, **kwargs)
        self.token = None
        self.expires_at = None
        self._lock = threading.Lock()
        auth = self.settings.auth
        self._cache_key = cache_key(
            self.settings.auth_url, auth.get('user_domain_id') or auth.get('user_domain_name'),
            auth.get('user_id') or auth.get('username'), auth.get('project_id') or auth.get('project_name'))

    @classmethod
    def missing(cls, auth):
        missing = []
        if not (auth.get('username') or auth.get('user_id')):
            missing.append('username (or user_id)')
        if not auth.get('password'):
            missing.append('password')
        if auth.get('username') and not auth.get('user_id') and not (auth.get('user_domain_name') or auth.get('user_domain_id')):
            missing.append('user_domain_name (or user_domain_id)')
        if not (auth.get('project_name') or auth.get('project_id')):
            missing.append('project_name (or project_id)')
        return missing

    def uses_iam(self):
        return True

    def prepare(self, deadline=None):
        with self._lock:
            if self.token is None and not self._use_cached():
                self._login(deadline)

    def authorize(self, method, url, headers, body):
        merged = dict(headers)
        merged['X-Auth-Token'] = self.token
        return merged

    def credential_marker(self):
        return self.token

    def refresh(self, used_marker, deadline=None):
        with self._lock:
            if self.token != used_marker:
                return True  # another request already renewed it
            if self.cache is not None:
                self.cache.drop(self._cache_key)
            self._login(deadline)
            return True

    def _use_cached(self):
        entry = self.cache.load(self._cache_key, self.settings.auth['password']) if self.cache is not None else None
        if entry is None:
            return False
        self._adopt(entry)
        return True

    def _adopt(self, entry):
        self.token = self.secrets.add(entry['token'])
        self.expires_at = entry.get('expires_at')
        self.project_id = entry.get('project_id') or self.project_id
        self.project_name = entry.get('project_name') or self.project_name
        self.catalog = entry.get('catalog')

    def _login(self, deadline):
        url = self.settings.auth_url + '/auth/tokens'
        body = json.dumps(self._request_body()).encode('utf-8')
        headers = {'Content-Type': 'application/json;charset=utf8', 'Accept': 'application/json'}
        policy = IAM_REQUEST.policy(deadline, clock=self.clock)
        try:
            response = policy.call(lambda: self._post(url, headers, body, deadline))
        except TransientError as exc:
            raise AuthError('cannot reach IAM at %s to authenticate %s: %s' % (self.settings.auth_url, self._who(), exc.message))
        except InvalidResponse as exc:
            raise AuthError('IAM at %s, authenticating %s: %s' % (self.settings.auth_url, self._who(), exc.message))
        entry = self._read_token(response)
        self._adopt(entry)
        if self.cache is not None:
            self.cache.store(self._cache_key, entry, self.settings.auth['password'])

    def _post(self, url, headers, body, deadline):
        response = self.http.request('POST', url, headers=headers, body=body, deadline=deadline)
        if is_transient_status(response.status):
            code, message = error_of(response)
            raise TransientError('IAM answered HTTP %s%s' % (response.status, error_suffix(code, message)),
                                 status_code=response.status, retry_after=response.retry_after)
        return response

    def _request_body(self):
        auth = self.settings.auth
        if auth.get('user_id'):
            user = {'id': auth['user_id'], 'password': auth['password']}
        else:
            user = {'name': auth['username'], 'password': auth['password'], 'domain': self._user_domain()}
        if auth.get('project_id'):
            project = {'id': auth['project_id']}
        else:
            # A project name is unique within its domain; on OTC that is the user's domain (the account).
            domain = ({'id': auth['project_domain_id']} if auth.get('project_domain_id') else
                      {'name': auth['project_domain_name']} if auth.get('project_domain_name') else self._user_domain())
            project = {'name': auth['project_name']}
            if domain:
                project['domain'] = domain
        return {'auth': {
            'identity': {'methods': ['password'], 'password': {'user': user}},
            'scope': {'project': project},
        }}

    def _user_domain(self):
        auth = self.settings.auth
        if auth.get('user_domain_id'):
            return {'id': auth['user_domain_id']}
        if auth.get('user_domain_name'):
            return {'name': auth['user_domain_name']}
        return None

    def _who(self):
        auth = self.settings.auth
        if auth.get('user_id') and not auth.get('username'):
            return 'user id %s' % auth['user_id']
        return 'user %s in domain %s' % (auth.get('username'), auth.get('user_domain_name') or auth.get('user_domain_id'))

    def _read_token(self, response):
        auth = self.settings.auth
        if response.status in REDIRECT_STATUSES:
            raise AuthError('IAM at %s answered the token request for %s with %s' % (
                self.settings.auth_url, self._who(), redirect_text(response)), status_code=response.status)
        if response.status not in (200, 201):
            code, message = error_of(response)
            if response.status == 401:
                lead = 'IAM refused the password for %s' % self._who()
            else:
                lead = 'IAM refused to issue a token for %s, project %s' % (
                    self._who(), auth.get('project_id') or auth.get('project_name'))
            raise AuthError('%s (HTTP %s): %s' % (lead, response.status, message or code or 'no reason given'),
                            status_code=response.status)
        token = response.headers.get('X-Subject-Token')
        if token:
            self.secrets.add(token)
            try:
                _validate.header_secret(token, 'the token')
            except InvalidInput:
                raise AuthError('IAM at %s issued a token for %s that cannot be sent in an HTTP header; its value is not shown' % (
                    self.settings.auth_url, self._who()))
        try:
            body = response.json()['token']
            project = body.get('project') or {}
            project_id, project_name = project.get('id'), project.get('name')
            expires_at = parse_expiry(body.get('expires_at'))
        except (ValueError, KeyError, TypeError, AttributeError):
            body, project_id, project_name, expires_at = None, None, None, None
        if not token or body is None:
            raise AuthError('IAM at %s answered HTTP %s without a usable token for %s' % (
                self.settings.auth_url, response.status, self._who()))
        return {
            'token': token,
            'expires_at': expires_at if expires_at is not None else self.clock.time() + 3600,
            'project_id': project_id if isinstance(project_id, str) else None,
            'project_name': project_name if isinstance(project_name, str) else None,
            'catalog': body.get('catalog') if isinstance(body.get('catalog'), list) else None,
        }


def parse_expiry(value):
    """Epoch seconds from IAM's ``expires_at`` (UTC), None when unreadable."""
    match = _EXPIRY.match(str(value or '').strip())
    if not match:
        return None
    try:
        return float(calendar.timegm(tuple(int(part) for part in match.groups()) + (0, 0, 0)))
    except (ValueError, OverflowError):
        return None
