# -*- coding: utf-8 -*-
# Copyright (c) otc.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Authentication with a ready IAM token (``auth.token``) for ``auth.project_id``."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.otc.jobs.plugins.module_utils.auth._auth_base import AuthMethod


class TokenAuth(AuthMethod):
    NAME = 'token'
    ALIASES = ('v3token', 'admin_token')
    CLAIM_KEYS = ('token',)
    KEYS = ('token', 'project_id', 'project_name', 'auth_url')
    SECRET_KEYS = ('token',)
    HEADER_KEYS = ('token',)
    OPTIONS = dict(
        token=dict(
            type='str', no_log=True,
            description='A ready IAM token, used with O(auth.project_id) (E(OS_AUTH_TOKEN)). Never logged or returned.'),
    )
    REFUSED_HINT = 'the token is wrong, expired or for another project: get a new one'

    @classmethod
    def missing(cls, auth):
        return [key for key in ('token', 'project_id') if not auth.get(key)]

    def authorize(self, method, url, headers, body):
        merged = dict(headers)
        merged['X-Auth-Token'] = self.settings.auth['token']
        return merged
