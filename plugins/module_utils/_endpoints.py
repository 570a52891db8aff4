# -*- coding: utf-8 -*-
# Copyright (c) otc.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where a service's API lives: the endpoint option, else the token catalog, else the public default."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.otc.jobs.plugins.module_utils._config import region_domain
from ansible_collections.otc.jobs.plugins.module_utils._errors import InvalidInput

# Catalog types to look for, in order of preference.
CATALOG_TYPES = {'elb': ('elb',), 'cfw': ('cfw', 'cfwv3')}
API_VERSIONS = {'elb': 'v1.0', 'cfw': 'v3'}
_PROJECT_PLACEHOLDERS = ('$(tenant_id)s', '%(tenant_id)s', '$(project_id)s', '%(project_id)s')
# A trailing "/v1.0/{project_id}" or "/v3/{project_id}" (or the bare version) on a configured endpoint.
_API_SUFFIX = re.compile(r'/(?:v1\.0|v1|v3)(?:/[^/]*)?/*$')


def service_root(service, endpoint=None, catalog=None, region=None, project_id=None):
    """The API root (scheme://host[:port][/prefix]) to which ``/{version}/{project_id}/jobs/...`` is added."""
    if endpoint:
        return api_root(endpoint)
    if catalog is not None:
        url = catalog_url(service, catalog, region, project_id)
        if url is None:
            raise InvalidInput('no %s endpoint: none in the token catalog for region %s; set endpoint' % (service, region))
        return api_root(url)
    return 'https://%s.%s' % (service, region_domain(region))


def api_root(url):
    url = url.strip().rstrip('/')
    if not re.match(r'^https?://[^/\s]+', url):
        raise InvalidInput('endpoint %r is not an http(s) URL' % url)
    return _API_SUFFIX.sub('', url)


def catalog_url(service, catalog, region, project_id):
    """The public URL of ``service`` in ``region`` from an IAM catalog, with placeholders filled."""
    for wanted in CATALOG_TYPES[service]:
        for entry in catalog:
            if not isinstance(entry, dict) or wanted not in (entry.get('type'), entry.get('name')):
                continue
            for endpoint in entry.get('endpoints') or []:
                if not isinstance(endpoint, dict) or endpoint.get('interface', 'public') != 'public':
                    continue
                if endpoint.get('region') in (region, None, '*') or endpoint.get('region_id') == region:
                    return fill_project(str(endpoint.get('url', '')), project_id) or None
    return None


def fill_project(url, project_id):
    for placeholder in _PROJECT_PLACEHOLDERS:
        url = url.replace(placeholder, project_id or '')
    return url


def job_url(service, root, project_id, job_id):
    return '%s/%s/%s/jobs/%s' % (root, API_VERSIONS[service], project_id, job_id)
