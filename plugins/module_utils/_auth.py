# -*- coding: utf-8 -*-
# Copyright (c) otc.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Authentication methods, one class each behind a small interface (as community.hashi_vault).

An authenticator ``prepare()``s once (e.g. obtains an IAM token), then ``authorize()``s each
request by returning the headers to send. After a 401 the API layer calls ``refresh(used)``
once: True means fresh credentials were obtained and the request is worth repeating.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import calendar
import json
import re
import threading
import time

from ansible_collections.otc.jobs.plugins.module_utils._api import TRANSIENT_STATUSES, error_of, error_suffix
from ansible_collections.otc.jobs.plugins.module_utils._errors import AuthError, TransientError
from ansible_collections.otc.jobs.plugins.module_utils._retry import RetryPolicy
from ansible_collections.otc.jobs.plugins.module_utils._signer import sign_request
from ansible_collections.otc.jobs.plugins.module_utils._token_cache import TokenCache, cache_key


class Authenticator:
    """Interface. ``project_id`` fills URL paths; ``catalog`` is the IAM service catalog, if any."""

    name = None

    def __init__(self, settings, http):
        self.settings = settings
        self.http = http
        self.project_id = settings.auth.get('project_id')
        self.project_name = settings.auth.get('project_name')
        self.catalog = None

    def prepare(self):
        """Obtain whatever the first request needs; called once before it."""

    def authorize(self, method, url, headers, body):
        """The headers to send with this request (a new dict)."""
        raise NotImplementedError

    def credential_marker(self):
        """Identifies the credentials a request was sent with, for refresh()."""
        return None

    def refresh(self, used_marker):
        """After a 401: renew the credentials if this method can; True when worth retrying."""
        return False


class TokenAuth(Authenticator):
    """A ready IAM token (auth.token) for auth.project_id."""

    name = 'token'

    def authorize(self, method, url, headers, body):
        merged = dict(headers)
        merged['X-Auth-Token'] = self.settings.auth['token']
        return merged


class AkskAuth(Authenticator):
    """Permanent or temporary access keys, each request signed with SDK-HMAC-SHA256."""

    name = 'aksk'

    def authorize(self, method, url, headers, body):
        auth = self.settings.auth
        merged = dict(headers)
        merged['X-Project-Id'] = self.project_id
        if auth.get('security_token'):
            merged['X-Security-Token'] = auth['security_token']
        return sign_request(method, url, merged, body, auth['ak'], auth['sk'])


class PasswordAuth(Authenticator):
    """IAM v3 password authentication with a domain-scoped user and a project scope; tokens cached."""

    name = 'password'

    def __init__(self, settings, http, cache=None, clock=time.time):
        super(PasswordAuth, self).__init__(settings, http)
        self.cache = cache if cache is not None else (TokenCache() if settings.token_cache else None)
        self.clock = clock
        self.token = None
        self.expires_at = None
        self._lock = threading.Lock()
        auth = settings.auth
        self._cache_key = cache_key(
            settings.auth_url, auth.get('user_domain_id') or auth.get('user_domain_name'),
            auth.get('username'), auth.get('project_id') or auth.get('project_name'))

    def prepare(self):
        with self._lock:
            if self.token is None and not self._use_cached():
                self._login()

    def authorize(self, method, url, headers, body):
        merged = dict(headers)
        merged['X-Auth-Token'] = self.token
        return merged

    def credential_marker(self):
        return self.token

    def refresh(self, used_marker):
        with self._lock:
            if self.token != used_marker:
                return True  # another request already renewed it
            if self.cache is not None:
                self.cache.drop(self._cache_key)
            self._login()
            return True

    def _use_cached(self):
        entry = self.cache.load(self._cache_key) if self.cache is not None else None
        if entry is None:
            return False
        self._adopt(entry)
        return True

    def _adopt(self, entry):
        self.token = entry['token']
        self.expires_at = entry.get('expires_at')
        self.project_id = entry.get('project_id') or self.project_id
        self.project_name = entry.get('project_name') or self.project_name
        self.catalog = entry.get('catalog')

    def _login(self):
        auth = self.settings.auth
        url = self.settings.auth_url + '/auth/tokens'
        body = json.dumps(self._request_body()).encode('utf-8')
        headers = {'Content-Type': 'application/json;charset=utf8', 'Accept': 'application/json'}
        policy = RetryPolicy(max_attempts=3)
        try:
            response = policy.call(lambda: self._post(url, headers, body))
        except TransientError as exc:
            raise AuthError('cannot reach IAM at %s to authenticate user %s: %s' % (
                self.settings.auth_url, auth.get('username'), exc.message))
        entry = self._read_token(response)
        self._adopt(entry)
        if self.cache is not None:
            self.cache.store(self._cache_key, entry)

    def _post(self, url, headers, body):
        response = self.http.request('POST', url, headers=headers, body=body)
        if response.status in TRANSIENT_STATUSES:
            code, message = error_of(response)
            raise TransientError('IAM answered HTTP %s%s' % (response.status, error_suffix(code, message)),
                                 status_code=response.status, retry_after=response.retry_after)
        return response

    def _request_body(self):
        auth = self.settings.auth
        domain = {'id': auth['user_domain_id']} if auth.get('user_domain_id') else {'name': auth.get('user_domain_name')}
        project = {'id': auth['project_id']} if auth.get('project_id') else {'name': auth.get('project_name')}
        return {'auth': {
            'identity': {'methods': ['password'], 'password': {'user': {
                'name': auth.get('username'), 'password': auth.get('password'), 'domain': domain}}},
            'scope': {'project': project},
        }}

    def _read_token(self, response):
        auth = self.settings.auth
        who = 'user %s in domain %s' % (auth.get('username'), auth.get('user_domain_name') or auth.get('user_domain_id'))
        if response.status not in (200, 201):
            code, message = error_of(response)
            if response.status == 401:
                lead = 'IAM refused the password for %s' % who
            else:
                lead = 'IAM refused to issue a token for %s, project %s' % (who, auth.get('project_id') or auth.get('project_name'))
            raise AuthError('%s (HTTP %s): %s' % (lead, response.status, message or code or 'no reason given'),
                            status_code=response.status)
        token = response.headers.get('X-Subject-Token')
        try:
            body = response.json()['token']
            project_id = body.get('project', {}).get('id')
            project_name = body.get('project', {}).get('name')
            expires_at = parse_expiry(body.get('expires_at'))
        except (ValueError, KeyError, TypeError, AttributeError):
            body, project_id, project_name, expires_at = None, None, None, None
        if not token or body is None:
            raise AuthError('IAM at %s answered HTTP %s without a usable token for %s' % (
                self.settings.auth_url, response.status, who))
        return {
            'token': token,
            'expires_at': expires_at if expires_at is not None else self.clock() + 3600,
            'project_id': project_id,
            'project_name': project_name,
            'catalog': body.get('catalog') if isinstance(body.get('catalog'), list) else None,
        }


METHODS = {'password': PasswordAuth, 'token': TokenAuth, 'aksk': AkskAuth}


def make_authenticator(settings, http):
    return METHODS[settings.auth_type](settings, http)


_EXPIRY = re.compile(r'^(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d)(?:\.\d+)?(?:Z|[+-]00:?00)?$')


def parse_expiry(value):
    """Epoch seconds from IAM's ``expires_at`` (UTC), None when unreadable."""
    match = _EXPIRY.match(str(value or '').strip())
    if not match:
        return None
    return float(calendar.timegm(tuple(int(part) for part in match.groups()) + (0, 0, 0)))
