# -*- coding: utf-8 -*-
# Copyright (c) otc.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""AK/SK: permanent or temporary access keys, every request signed with SDK-HMAC-SHA256.

With a project name but no project id, the id is looked up once with a signed
``GET {auth_url}/projects?name=...`` and cached like a token.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from urllib.parse import quote

from ansible_collections.otc.jobs.plugins.module_utils.auth._auth_base import AuthMethod
from ansible_collections.otc.jobs.plugins.module_utils.auth._token_cache import cache_key
from ansible_collections.otc.jobs.plugins.module_utils.core._errors import ApiError, AuthError, TransientError
from ansible_collections.otc.jobs.plugins.module_utils.net._api import check_response
from ansible_collections.otc.jobs.plugins.module_utils.net._retry import IAM_REQUEST

# A project's id never changes; a day keeps a renamed or deleted project from lingering long.
PROJECT_ID_LIFETIME = 86400


class AkskAuth(AuthMethod):
    NAME = 'aksk'
    ALIASES = ('ak/sk', 'ak_sk')
    CLAIM_KEYS = ('ak', 'sk')
    KEYS = ('ak', 'sk', 'security_token', 'project_id', 'project_name', 'auth_url')
    SECRET_KEYS = ('sk', 'security_token')
    HEADER_KEYS = ('ak', 'sk', 'security_token')
    OPTIONS = dict(
        ak=dict(
            type='str', aliases=['access_key'], no_log=False,
            description='Access key for AK/SK request signing (E(OS_ACCESS_KEY)).'),
        sk=dict(
            type='str', aliases=['secret_key'], no_log=True,
            description='Secret key for AK/SK request signing (E(OS_SECRET_KEY)). Never logged or returned.'),
        security_token=dict(
            type='str', no_log=True,
            description='Security token of temporary AK/SK credentials (E(OS_SECURITY_TOKEN)). Never logged or returned.'),
    )
    # otcextensions style: top-level keys of a cloud entry, and OS_AK/OS_ACCESS_KEY and friends.
    CLOUD_SPELLINGS = (('ak', ('ak', 'access_key')), ('sk', ('sk', 'secret_key')), ('security_token', ('security_token',)))
    REFUSED_HINT = ('AK/SK signs every request anew, so this is not an expiry: check the access key and secret key '
                    '(and the security token of temporary keys), and that this machine\'s clock is right: '
                    'signatures more than 15 minutes off are refused')

    @classmethod
    def missing(cls, auth):
        missing = [key for key in ('ak', 'sk') if not auth.get(key)]
        if not (auth.get('project_id') or auth.get('project_name')):
            missing.append('project_id (or project_name)')
        return missing

    def uses_iam(self):
        return not self.project_id   # the project id is looked up by name at IAM

    def prepare(self, deadline=None):
        if not self.project_id:
            self.project_id = self._look_up_project(deadline)

    def authorize(self, method, url, headers, body, project_header=True):
        auth = self.settings.auth
        merged = dict(headers)
        if project_header and self.project_id:
            merged['X-Project-Id'] = self.project_id
        if auth.get('security_token'):
            merged['X-Security-Token'] = auth['security_token']
        # Imported here: a module compiles its module_utils on every run, and only AK/SK tasks sign.
        from ansible_collections.otc.jobs.plugins.module_utils.auth._signer import sign_request  # pylint: disable=import-outside-toplevel
        try:
            return sign_request(method, url, merged, body, auth['ak'], auth['sk'])
        except ValueError as exc:
            raise AuthError('cannot sign the request to %s with AK/SK: %s' % (url.split('?', 1)[0].rsplit('/', 1)[0], exc))

    def _look_up_project(self, deadline):
        auth = self.settings.auth
        name = self.project_name
        key = cache_key(self.settings.auth_url, auth['ak'], name)
        cached = self.cache.load(key, kind='project') if self.cache is not None else None
        if cached and isinstance(cached.get('project_id'), str):
            return cached['project_id']
        url = '%s/projects?name=%s' % (self.settings.auth_url, quote(name, safe=''))
        what = 'looking up the id of project %s at IAM with access key %s' % (name, auth['ak'])

        def get():
            headers = self.authorize('GET', url, {'Accept': 'application/json'}, b'', project_header=False)
            return check_response(self.http.request('GET', url, headers=headers, deadline=deadline), what)

        try:
            body = IAM_REQUEST.policy(deadline, clock=self.clock).call(get)
        except (TransientError, ApiError) as exc:
            hint = '; ' + self.REFUSED_HINT if exc.status_code in (401, 403) else ''
            raise AuthError(exc.message + hint, **exc.details)
        projects = body.get('projects') if isinstance(body, dict) else None
        ids = [project.get('id') for project in projects or [] if isinstance(project, dict) and project.get('name') == name]
        if len(ids) != 1 or not isinstance(ids[0], str):
            raise AuthError('%s: IAM knows %s project of that name; set auth.project_id' % (
                what, 'no' if not ids else '%d of them, not one' % len(ids)))
        if self.cache is not None:
            self.cache.store(key, {'project_id': ids[0], 'expires_at': self.clock.time() + PROJECT_ID_LIFETIME}, kind='project')
        return ids[0]
