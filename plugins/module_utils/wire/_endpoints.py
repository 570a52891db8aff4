# -*- coding: utf-8 -*-
# Copyright (c) otc.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where things live: regions and their host names, IAM, and each service's job API.

A service's root is the ``endpoint`` option, else its token-catalog entry, else the public default
``https://{service}.{region}.otc.t-systems.com``. Catalog URLs and endpoints may end in an API version
and a project (``/v2/$(tenant_id)s``) that differ from the job API's (EVS and VBS catalogs say v2,
their job APIs are v1): the service table says what to strip before the job path is added.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
from urllib.parse import quote

from ansible_collections.otc.jobs.plugins.module_utils.core import _validate
from ansible_collections.otc.jobs.plugins.module_utils.core._errors import InvalidInput

DEFAULT_REGION = 'eu-de'
# Swiss regions live under their own domain, with their IAM at iam-pub.
_REGION_DOMAINS = {'eu-ch2': 'sc.otc.t-systems.com'}
_REGION_PREFIX = re.compile(r'\A([a-z]{2}-[a-z]+\d*)(?:_|\Z)')
_PROJECT_PLACEHOLDERS = ('$(tenant_id)s', '%(tenant_id)s', '$(project_id)s', '%(project_id)s')


def region_domain(region):
    return '%s.%s' % (region, _REGION_DOMAINS.get(region, 'otc.t-systems.com'))


def default_auth_url(region):
    host = 'iam-pub' if region in _REGION_DOMAINS else 'iam'
    return 'https://%s.%s/v3' % (host, region_domain(region))


def region_from_project(project_name):
    """'eu-de_sub' -> 'eu-de'; None when the name carries no region."""
    match = _REGION_PREFIX.match(project_name or '')
    return match.group(1) if match else None


def service_root(api, endpoint=None, catalog=None, region=None, project_id=None, interface='public'):
    """The API root (scheme://host[:port][/prefix]) to which the service's job path is added."""
    if endpoint:
        return api_root(api, endpoint)
    if catalog is not None:
        url = catalog_url(api, catalog, region, project_id, interface)
        if url is None:
            raise InvalidInput('no %s endpoint: none in the token catalog for region %s (catalog type %s, interface %s); '
                               'set endpoint' % (api.name, region, ' or '.join(api.catalog_types), interface))
        try:
            return api_root(api, _validate.url(url, 'the %s endpoint of the token catalog' % api.name))
        except InvalidInput as exc:
            raise InvalidInput('%s; set endpoint' % exc.message)
    return 'https://%s.%s' % (api.host, region_domain(region))


def api_root(api, url):
    """``url`` without a trailing API version and project, as the service table describes them."""
    url = url.strip().rstrip('/')
    for suffix in api.root_suffixes:
        stripped = re.sub(suffix + r'\Z', '', url)
        if stripped != url:
            return stripped.rstrip('/')
    return url


def catalog_url(api, catalog, region, project_id, interface='public'):
    """The URL of ``api``'s service in ``region`` from an IAM catalog, with placeholders filled."""
    for wanted in api.catalog_types:
        for entry in catalog:
            if not isinstance(entry, dict) or wanted not in (entry.get('type'), entry.get('name')):
                continue
            for endpoint in entry.get('endpoints') or []:
                if not isinstance(endpoint, dict) or endpoint.get('interface', 'public') != interface:
                    continue
                # 'region' and 'region_id' name the same region; an entry naming neither (or '*') is global.
                regions = (endpoint.get('region'), endpoint.get('region_id'))
                if (region is not None and region in regions) or all(name in (None, '*') for name in regions):
                    url = endpoint.get('url')
                    if isinstance(url, str) and url:
                        return fill_project(url, project_id)
    return None


def fill_project(url, project_id):
    for placeholder in _PROJECT_PLACEHOLDERS:
        url = url.replace(placeholder, project_id or '')
    return url


def job_url(api, root, project_id, job_id):
    """The job's URL; ids were validated, and are quoted all the same."""
    return root + api.path.format(project_id=quote(project_id, safe=''), job_id=quote(job_id, safe=''))
