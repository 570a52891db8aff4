# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for _endpoints: explicit endpoints, catalog discovery, defaults."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.otc.jobs.plugins.module_utils._endpoints import (
    api_root, catalog_url, fill_project, job_url, service_root)
from ansible_collections.otc.jobs.plugins.module_utils._errors import InvalidInput

PID = '0123456789abcdef0123456789abcdef'


def ep(url, interface='public', region='eu-de', **extra):
    data = {'interface': interface, 'region': region, 'url': url}
    data.update(extra)
    return data


def svc(stype, *endpoints, **extra):
    data = {'type': stype, 'name': stype, 'endpoints': list(endpoints)}
    data.update(extra)
    return data


@pytest.mark.parametrize('endpoint, root', [
    ('https://elb.eu-de.otc.t-systems.com', 'https://elb.eu-de.otc.t-systems.com'),
    ('https://elb.eu-de.otc.t-systems.com/', 'https://elb.eu-de.otc.t-systems.com'),
    ('https://elb.eu-de.otc.t-systems.com/v1.0/' + PID, 'https://elb.eu-de.otc.t-systems.com'),
    ('https://elb.eu-de.otc.t-systems.com/v1.0/%s/' % PID, 'https://elb.eu-de.otc.t-systems.com'),
    ('https://elb.eu-de.otc.t-systems.com/v1.0', 'https://elb.eu-de.otc.t-systems.com'),
    ('https://cfw.eu-de.otc.t-systems.com/v3/' + PID, 'https://cfw.eu-de.otc.t-systems.com'),
    ('https://cfw.eu-de.otc.t-systems.com/v3', 'https://cfw.eu-de.otc.t-systems.com'),
    ('http://127.0.0.1:8080/prefix', 'http://127.0.0.1:8080/prefix'),
    ('http://127.0.0.1:8080/prefix/v3/' + PID, 'http://127.0.0.1:8080/prefix'),
    ('  https://x.example  ', 'https://x.example'),
])
def test_explicit_endpoint(endpoint, root):
    assert service_root('elb', endpoint=endpoint, catalog=[], region='eu-de', project_id=PID) == root
    assert api_root(endpoint) == root


@pytest.mark.parametrize('bad', ['elb.eu-de.otc.t-systems.com', 'ftp://x', 'https://', 'https:// x'])
def test_endpoint_not_http(bad):
    with pytest.raises(InvalidInput) as err:
        service_root('elb', endpoint=bad)
    assert 'is not an http(s) URL' in err.value.message


def test_explicit_endpoint_beats_catalog():
    catalog = [svc('elb', ep('https://cat.example/v1.0/$(tenant_id)s'))]
    assert service_root('elb', 'https://given.example', catalog, 'eu-de', PID) == 'https://given.example'


@pytest.mark.parametrize('placeholder', ['$(tenant_id)s', '%(tenant_id)s', '$(project_id)s', '%(project_id)s'])
def test_catalog_placeholders(placeholder):
    catalog = [svc('elb', ep('https://elb.cat.example/v1.0/' + placeholder))]
    assert catalog_url('elb', catalog, 'eu-de', PID) == 'https://elb.cat.example/v1.0/' + PID
    assert service_root('elb', None, catalog, 'eu-de', PID) == 'https://elb.cat.example'
    assert fill_project('a/' + placeholder, PID) == 'a/' + PID


def test_catalog_public_interface_only():
    catalog = [svc('elb', ep('http://internal.example/v1.0/$(tenant_id)s', 'internal'),
                   ep('http://admin.example', 'admin'),
                   ep('https://public.example/v1.0/$(tenant_id)s', 'public'))]
    assert service_root('elb', None, catalog, 'eu-de', PID) == 'https://public.example'


def test_catalog_no_public_endpoint():
    catalog = [svc('elb', ep('http://internal.example', 'internal'))]
    assert catalog_url('elb', catalog, 'eu-de', PID) is None
    with pytest.raises(InvalidInput):
        service_root('elb', None, catalog, 'eu-de', PID)


def test_catalog_region_filtering():
    catalog = [svc('elb', ep('https://nl.example', region='eu-nl'), ep('https://de.example', region='eu-de'))]
    assert service_root('elb', None, catalog, 'eu-de', PID) == 'https://de.example'
    assert service_root('elb', None, catalog, 'eu-nl', PID) == 'https://nl.example'
    with pytest.raises(InvalidInput) as err:
        service_root('elb', None, catalog, 'eu-ch2', PID)
    assert err.value.message == 'no elb endpoint: none in the token catalog for region eu-ch2; set endpoint'


def test_catalog_region_id_and_global():
    catalog = [svc('elb', {'interface': 'public', 'region': 'other', 'region_id': 'eu-nl', 'url': 'https://rid.example'})]
    assert service_root('elb', None, catalog, 'eu-nl', PID) == 'https://rid.example'
    catalog = [svc('elb', {'interface': 'public', 'url': 'https://global.example'})]
    assert service_root('elb', None, catalog, 'eu-de', PID) == 'https://global.example'
    catalog = [svc('elb', {'interface': 'public', 'region': '*', 'url': 'https://star.example'})]
    assert service_root('elb', None, catalog, 'eu-de', PID) == 'https://star.example'


def test_catalog_missing_interface_counts_as_public():
    catalog = [svc('elb', {'region': 'eu-de', 'url': 'https://noiface.example'})]
    assert service_root('elb', None, catalog, 'eu-de', PID) == 'https://noiface.example'


def test_cfw_prefers_cfw_then_cfwv3():
    cfw = svc('cfw', ep('https://cfw.example/v3/%(project_id)s'))
    cfwv3 = svc('cfwv3', ep('https://cfwv3.example/v3/%(tenant_id)s'))
    assert service_root('cfw', None, [cfwv3, cfw], 'eu-de', PID) == 'https://cfw.example'
    assert service_root('cfw', None, [cfwv3], 'eu-de', PID) == 'https://cfwv3.example'
    assert catalog_url('cfw', [cfwv3], 'eu-de', PID) == 'https://cfwv3.example/v3/' + PID


def test_catalog_matches_by_name_too():
    catalog = [{'type': 'network-elb', 'name': 'elb', 'endpoints': [ep('https://byname.example')]}]
    assert service_root('elb', None, catalog, 'eu-de', PID) == 'https://byname.example'


def test_catalog_ignores_junk_entries():
    catalog = ['junk', None, {'type': 'elb', 'endpoints': None}, svc('elb', 'junk', ep('https://ok.example'))]
    assert service_root('elb', None, catalog, 'eu-de', PID) == 'https://ok.example'


@pytest.mark.parametrize('service', ['elb', 'cfw'])
def test_missing_service_in_catalog(service):
    catalog = [svc('identity', ep('https://iam.example/v3')), svc('elb' if service == 'cfw' else 'cfw', ep('https://x'))]
    with pytest.raises(InvalidInput) as err:
        service_root(service, None, catalog, 'eu-de', PID)
    assert err.value.message == 'no %s endpoint: none in the token catalog for region eu-de; set endpoint' % service


def test_empty_catalog_is_missing_not_default():
    with pytest.raises(InvalidInput):
        service_root('cfw', None, [], 'eu-de', PID)


@pytest.mark.parametrize('service, region, url', [
    ('elb', 'eu-de', 'https://elb.eu-de.otc.t-systems.com'),
    ('cfw', 'eu-de', 'https://cfw.eu-de.otc.t-systems.com'),
    ('elb', 'eu-nl', 'https://elb.eu-nl.otc.t-systems.com'),
    ('cfw', 'eu-ch2', 'https://cfw.eu-ch2.sc.otc.t-systems.com'),
    ('elb', 'eu-ch2', 'https://elb.eu-ch2.sc.otc.t-systems.com'),
])
def test_default_urls(service, region, url):
    assert service_root(service, None, None, region, PID) == url


def test_job_url():
    assert job_url('elb', 'https://r', PID, 'j1') == 'https://r/v1.0/%s/jobs/j1' % PID
    assert job_url('cfw', 'https://r', PID, 'j2') == 'https://r/v3/%s/jobs/j2' % PID
