# -*- coding: utf-8 -*-
# Copyright (c) otc.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Endpoints per service (SPEC §2b, §5 "Endpoint discovery"): explicit endpoints, token catalogs, defaults, job URLs.

Catalog types and URL forms are those of shared/api/job-apis.md (summary table and "Catalog evidence").
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.otc.jobs.plugins.module_utils.wire._endpoints import (
    DEFAULT_REGION, api_root, catalog_url, default_auth_url, fill_project, job_url, region_domain,
    region_from_project, service_root)
from ansible_collections.otc.jobs.plugins.module_utils.core._errors import InvalidInput
from ansible_collections.otc.jobs.plugins.module_utils.wire._services import job_api

PID = '0123456789abcdef0123456789abcdef'
JOB = 'f588ce71-e26c-400d-8981-f854355f6849'
ALL_SERVICES = ('elb', 'cfw', 'ecs', 'evs', 'ims', 'bms', 'vbs', 'cce', 'rds', 'dds', 'ddm')
PLACEHOLDERS = ('$(tenant_id)s', '%(tenant_id)s', '$(project_id)s', '%(project_id)s', PID)

# job-apis.md: the job path after the root, with {p} = PID and {id} = JOB.
JOB_PATHS = {
    'elb': '/v1.0/%s/jobs/%s' % (PID, JOB),
    'cfw': '/v3/%s/jobs/%s' % (PID, JOB),
    'ecs': '/v1/%s/jobs/%s' % (PID, JOB),
    'evs': '/v1/%s/jobs/%s' % (PID, JOB),
    'ims': '/v1/%s/jobs/%s' % (PID, JOB),
    'bms': '/v1/%s/jobs/%s' % (PID, JOB),
    'vbs': '/v1/%s/jobs/%s' % (PID, JOB),
    'cce': '/api/v3/projects/%s/jobs/%s' % (PID, JOB),
    'rds': '/v3/%s/jobs?id=%s' % (PID, JOB),
    'dds': '/v3/%s/jobs?id=%s' % (PID, JOB),
    'ddm': '/v3/%s/jobs/%s' % (PID, JOB),
}

# job-apis.md summary and "Catalog evidence": (catalog type, catalog name, URL template after the host).
# '{project}' stands for the placeholder or the substituted project id.
CATALOG_FORMS = {
    'elb': [('elb', 'elb', '/v1.0'), ('elbv1', 'elbv1', '/v1.0/{project}')],
    'cfw': [('cfw', 'cfw', '/v3/{project}'), ('cfwv3', 'cfwv3', '/v3/{project}')],
    'ecs': [('ecs', 'ecs', '/v1/{project}')],
    'evs': [('evs', 'evs', '/v2/{project}')],
    'ims': [('image', 'glance', '')],
    'bms': [('bms', 'bms', '/v1/{project}')],
    'vbs': [('vbsv2', 'vbsv2', '/v2/{project}'), ('vbs', 'vbs', '/v2/')],
    'cce': [('ccev2.0', 'ccev2.0', '')],
    'rds': [('rdsv3', 'rdsv3', '/v3/{project}')],
    'dds': [('ddsv3', 'ddsv3', '/v3/{project}')],
    'ddm': [('ddmv3', 'ddmv3', '/v3/{project}')],
}


def host(service, region='eu-de'):
    return 'https://%s.%s.otc.t-systems.com' % (service, region)


def ep(url, interface='public', region='eu-de', **extra):
    data = {'interface': interface, 'region': region, 'region_id': region, 'url': url, 'id': 'e-%s-%s' % (interface, region)}
    data.update(extra)
    return data


def svc(stype, *endpoints, **extra):
    data = {'type': stype, 'name': extra.pop('name', stype), 'endpoints': list(endpoints), 'id': 'svc-' + stype}
    data.update(extra)
    return data


def otc_catalog(placeholder=PID):
    """A token catalog as OTC gives it: every documented type, two regions, public and internal interfaces."""
    catalog = []
    for service in ALL_SERVICES:
        for stype, name, path in CATALOG_FORMS[service]:
            endpoints = []
            for region in ('eu-nl', 'eu-de'):
                url = host(service, region) + path.replace('{project}', placeholder)
                endpoints.append(ep(url.replace('https://', 'https://internal-'), 'internal', region))
                endpoints.append(ep(url, 'public', region))
            catalog.append(svc(stype, *endpoints, name=name))
    catalog.append(svc('identity', ep('https://iam.eu-de.otc.t-systems.com/v3')))
    return catalog


# --- explicit endpoints -----------------------------------------------------------------------------


@pytest.mark.parametrize('service, endpoint, root', [
    ('elb', 'https://elb.eu-de.otc.t-systems.com', 'https://elb.eu-de.otc.t-systems.com'),
    ('elb', 'https://elb.eu-de.otc.t-systems.com/', 'https://elb.eu-de.otc.t-systems.com'),
    ('elb', 'https://elb.eu-de.otc.t-systems.com/v1.0/' + PID, 'https://elb.eu-de.otc.t-systems.com'),
    ('elb', 'https://elb.eu-de.otc.t-systems.com/v1.0/%s/' % PID, 'https://elb.eu-de.otc.t-systems.com'),
    ('elb', 'https://elb.eu-de.otc.t-systems.com/v1.0', 'https://elb.eu-de.otc.t-systems.com'),
    ('cfw', 'https://cfw.eu-de.otc.t-systems.com/v3/' + PID, 'https://cfw.eu-de.otc.t-systems.com'),
    ('cfw', 'https://cfw.eu-de.otc.t-systems.com/v3', 'https://cfw.eu-de.otc.t-systems.com'),
    ('ecs', 'https://ecs.example/v1/' + PID, 'https://ecs.example'),
    ('ecs', 'https://ecs.example', 'https://ecs.example'),
    ('evs', 'https://evs.example/v2/' + PID, 'https://evs.example'),      # catalog v2, job API v1
    ('evs', 'https://evs.example/v3/' + PID, 'https://evs.example'),
    ('evs', 'https://evs.example/v2', 'https://evs.example'),
    ('ims', 'https://ims.example', 'https://ims.example'),
    ('ims', 'https://ims.example/v1/', 'https://ims.example'),
    ('ims', 'https://ims.example/v2', 'https://ims.example'),
    ('bms', 'https://bms.example/v1/' + PID, 'https://bms.example'),
    ('vbs', 'https://vbs.example/v2/' + PID, 'https://vbs.example'),
    ('vbs', 'https://vbs.example/v2/', 'https://vbs.example'),
    ('cce', 'https://cce.example', 'https://cce.example'),
    ('cce', 'https://cce.example/api/v3/projects/' + PID, 'https://cce.example'),
    ('cce', 'https://cce.example/api/v3/projects/%s/' % PID, 'https://cce.example'),
    ('cce', 'https://cce.example/api/v3/projects', 'https://cce.example'),
    ('cce', 'https://cce.example/api/v2', 'https://cce.example'),
    ('cce', 'https://cce.example/v3/' + PID, 'https://cce.example'),
    ('rds', 'https://rds.example/v3/' + PID, 'https://rds.example'),
    ('dds', 'https://dds.example/v3/' + PID, 'https://dds.example'),
    ('ddm', 'https://ddm.example/v3/' + PID, 'https://ddm.example'),
    ('ddm', 'https://ddm.example/v1/' + PID, 'https://ddm.example'),     # DDM's create/delete API is v1
    # A proxy prefix stays; only the trailing version and project go.
    ('evs', 'http://127.0.0.1:8080/evs/v2/' + PID, 'http://127.0.0.1:8080/evs'),
    ('cce', 'http://127.0.0.1:8080/cce/api/v3/projects/' + PID, 'http://127.0.0.1:8080/cce'),
    ('elb', 'http://127.0.0.1:8080/prefix', 'http://127.0.0.1:8080/prefix'),
    ('elb', 'http://127.0.0.1:8080/prefix/v3/' + PID, 'http://127.0.0.1:8080/prefix'),
    ('ecs', 'https://ecs.example/v1/%s/extra' % PID, 'https://ecs.example/v1/%s/extra' % PID),   # not a version suffix
    ('ecs', '  https://x.example  ', 'https://x.example'),
])
def test_explicit_endpoint(service, endpoint, root):
    api = job_api(service)
    assert service_root(api, endpoint=endpoint, catalog=[], region='eu-de', project_id=PID) == root
    assert api_root(api, endpoint) == root
    assert job_url(api, root, PID, JOB) == root + JOB_PATHS[service]


def test_evs_endpoint_from_the_catalog_form_gives_the_v1_job_url():
    api = job_api('evs')
    root = service_root(api, endpoint='https://evs.example/v2/' + PID)
    assert root == 'https://evs.example'
    assert job_url(api, root, PID, JOB) == 'https://evs.example/v1/%s/jobs/%s' % (PID, JOB)


def test_explicit_endpoint_beats_catalog():
    api = job_api('elb')
    catalog = [svc('elb', ep('https://cat.example/v1.0/$(tenant_id)s'))]
    assert service_root(api, 'https://given.example', catalog, 'eu-de', PID) == 'https://given.example'


# --- token catalogs ---------------------------------------------------------------------------------


@pytest.mark.parametrize('placeholder', PLACEHOLDERS, ids=['dollar-tenant', 'percent-tenant', 'dollar-project',
                                                           'percent-project', 'substituted'])
@pytest.mark.parametrize('service, stype, name, path', [
    (service, stype, name, path) for service in ALL_SERVICES for stype, name, path in CATALOG_FORMS[service]
])
def test_catalog_forms_of_every_service(service, stype, name, path, placeholder):
    api = job_api(service)
    url = host(service) + path.replace('{project}', placeholder)
    catalog = [svc('identity', ep('https://iam.example/v3')), svc(stype, ep(url), name=name)]
    assert catalog_url(api, catalog, 'eu-de', PID) == host(service) + path.replace('{project}', PID)
    root = service_root(api, None, catalog, 'eu-de', PID)
    assert root == host(service)
    assert job_url(api, root, PID, JOB) == host(service) + JOB_PATHS[service]


@pytest.mark.parametrize('placeholder', PLACEHOLDERS)
@pytest.mark.parametrize('region', ['eu-de', 'eu-nl'])
@pytest.mark.parametrize('service', ALL_SERVICES)
def test_a_full_catalog_resolves_every_service_in_its_region(service, region, placeholder):
    api = job_api(service)
    root = service_root(api, None, otc_catalog(placeholder), region, PID)
    assert root == host(service, region)
    assert job_url(api, root, PID, JOB) == host(service, region) + JOB_PATHS[service]


@pytest.mark.parametrize('service', ALL_SERVICES)
def test_internal_interface_when_asked_for(service):
    api = job_api(service)
    internal = host(service).replace('https://', 'https://internal-')
    assert service_root(api, None, otc_catalog(), 'eu-de', PID, interface='internal') == internal
    assert service_root(api, None, otc_catalog(), 'eu-de', PID, interface='public') == host(service)


@pytest.mark.parametrize('service', ALL_SERVICES)
def test_missing_entry(service):
    api = job_api(service)
    others = [entry for entry in otc_catalog() if entry['type'] not in api.catalog_types]
    with pytest.raises(InvalidInput) as caught:
        service_root(api, None, others, 'eu-de', PID)
    assert caught.value.message == (
        'no %s endpoint: none in the token catalog for region eu-de (catalog type %s, interface public); set endpoint'
        % (service, ' or '.join(api.catalog_types)))
    assert catalog_url(api, others, 'eu-de', PID) is None


def test_missing_entry_names_the_documented_types():
    with pytest.raises(InvalidInput) as caught:
        service_root(job_api('vbs'), None, [], 'eu-nl', PID)
    assert caught.value.message == ('no vbs endpoint: none in the token catalog for region eu-nl '
                                    '(catalog type vbsv2 or vbs, interface public); set endpoint')
    with pytest.raises(InvalidInput) as caught:
        service_root(job_api('cce'), None, [], 'eu-de', PID, interface='internal')
    assert '(catalog type ccev2.0, interface internal)' in caught.value.message


@pytest.mark.parametrize('service', ALL_SERVICES)
def test_other_region_only_is_missing(service):
    api = job_api(service)
    catalog = otc_catalog()
    for entry in catalog:
        entry['endpoints'] = [endpoint for endpoint in entry['endpoints'] if endpoint['region'] == 'eu-nl']
    with pytest.raises(InvalidInput) as caught:
        service_root(api, None, catalog, 'eu-de', PID)
    assert caught.value.message.startswith('no %s endpoint: none in the token catalog for region eu-de ' % service)
    assert service_root(api, None, catalog, 'eu-nl', PID) == host(service, 'eu-nl')


@pytest.mark.parametrize('service', ALL_SERVICES)
def test_no_public_endpoint_is_missing(service):
    api = job_api(service)
    catalog = otc_catalog()
    for entry in catalog:
        entry['endpoints'] = [endpoint for endpoint in entry['endpoints'] if endpoint['interface'] != 'public']
    with pytest.raises(InvalidInput):
        service_root(api, None, catalog, 'eu-de', PID)


@pytest.mark.parametrize('service, bad, reason', [
    ('ecs', 'ecs.eu-de.otc.t-systems.com/v1/$(tenant_id)s', 'must start with https:// or http://'),
    ('evs', 'ftp://evs.example/v2/$(tenant_id)s', 'must start with https:// or http://'),
    ('cce', 'https://', 'must name a host'),
    ('rds', 'https://rds example/v3/$(tenant_id)s', 'must not contain spaces or control characters'),
    ('dds', 'https://dds.example/v3/x?debug=1', 'must not have a query'),
    ('ddm', 'https://ddm.example:99999/v3', 'with a port from 1 to 65535'),
    ('ims', 'https://user:s3cr3t-pw@ims.example', 'must not contain credentials'),
    ('bms', 'https://bms.example/../v1/$(tenant_id)s', 'has a path with characters or segments that are not allowed'),
])
def test_catalog_url_that_is_not_a_valid_url(service, bad, reason):
    api = job_api(service)
    catalog = [svc(api.catalog_types[0], ep(bad))]
    with pytest.raises(InvalidInput) as caught:
        service_root(api, None, catalog, 'eu-de', PID)
    message = caught.value.message
    assert message.startswith('the %s endpoint of the token catalog ' % service)
    assert reason in message
    assert message.endswith('; set endpoint')
    assert 's3cr3t-pw' not in message


@pytest.mark.parametrize('placeholder', ['$(tenant_id)s', '%(tenant_id)s', '$(project_id)s', '%(project_id)s'])
def test_fill_project(placeholder):
    assert fill_project('https://x/v1/' + placeholder, PID) == 'https://x/v1/' + PID
    assert fill_project('https://x/v1/%s/%s' % (placeholder, placeholder), 'p') == 'https://x/v1/p/p'
    assert fill_project('https://x/v1/' + placeholder, None) == 'https://x/v1/'
    assert fill_project('https://x/v1/$(other)s', PID) == 'https://x/v1/$(other)s'


def test_catalog_without_a_project_id_still_gives_the_root():
    api = job_api('ecs')
    catalog = [svc('ecs', ep('https://ecs.example/v1/$(tenant_id)s'))]
    assert service_root(api, None, catalog, 'eu-de', None) == 'https://ecs.example'


@pytest.mark.parametrize('service, preferred, fallback', [
    ('cfw', 'cfw', 'cfwv3'), ('elb', 'elb', 'elbv1'), ('vbs', 'vbsv2', 'vbs'),
])
def test_documented_type_first_then_the_others(service, preferred, fallback):
    api = job_api(service)
    first = svc(preferred, ep('https://first.example/v3/%(project_id)s'))
    second = svc(fallback, ep('https://second.example/v2/%(tenant_id)s'))
    assert service_root(api, None, [second, first], 'eu-de', PID) == 'https://first.example'
    assert service_root(api, None, [second], 'eu-de', PID) == 'https://second.example'
    assert catalog_url(api, [second], 'eu-de', PID) == 'https://second.example/v2/' + PID


@pytest.mark.parametrize('service, undocumented', [('ims', 'ims'), ('cce', 'cce'), ('rds', 'rds'), ('dds', 'dds'), ('ddm', 'ddm')])
def test_undocumented_catalog_types_are_not_taken(service, undocumented):
    # An old 'rds' entry is the RDS v1 API ('.../rds/v1/{p}'): its root would give a wrong job URL.
    catalog = [svc(undocumented, ep('https://%s.example/%s/v1/%%(project_id)s' % (undocumented, undocumented)))]
    with pytest.raises(InvalidInput):
        service_root(job_api(service), None, catalog, 'eu-de', PID)


def test_catalog_matches_by_name_too():
    api = job_api('elb')
    catalog = [{'type': 'network-elb', 'name': 'elb', 'endpoints': [ep('https://byname.example')]}]
    assert service_root(api, None, catalog, 'eu-de', PID) == 'https://byname.example'
    # IMS: OTC names the 'image' type 'glance'; the type is what counts.
    catalog = [{'type': 'image', 'name': 'glance', 'endpoints': [ep('https://ims.example')]}]
    assert service_root(job_api('ims'), None, catalog, 'eu-de', PID) == 'https://ims.example'


def test_entries_of_other_services_on_the_same_path_are_not_taken():
    # ECS, EVS, IMS, BMS and VBS share '/v1/{p}/jobs/{id}': only the host tells them apart.
    catalog = otc_catalog()
    roots = set(service_root(job_api(service), None, catalog, 'eu-de', PID) for service in ('ecs', 'evs', 'ims', 'bms', 'vbs'))
    assert roots == set(host(service) for service in ('ecs', 'evs', 'ims', 'bms', 'vbs'))
    # No VBS entry: EVS's volume entries are not VBS's.
    without_vbs = [entry for entry in catalog if entry['type'] not in ('vbs', 'vbsv2')]
    without_vbs.append(svc('volumev2', ep('https://evs.eu-de.otc.t-systems.com/v2/' + PID), name='cinderv2'))
    with pytest.raises(InvalidInput):
        service_root(job_api('vbs'), None, without_vbs, 'eu-de', PID)


def test_catalog_region_filtering():
    api = job_api('elb')
    catalog = [svc('elb', ep('https://nl.example', region='eu-nl'), ep('https://de.example', region='eu-de'))]
    assert service_root(api, None, catalog, 'eu-de', PID) == 'https://de.example'
    assert service_root(api, None, catalog, 'eu-nl', PID) == 'https://nl.example'
    with pytest.raises(InvalidInput) as caught:
        service_root(api, None, catalog, 'eu-ch2', PID)
    assert caught.value.message == ('no elb endpoint: none in the token catalog for region eu-ch2 '
                                    '(catalog type elb or elbv1, interface public); set endpoint')


def test_catalog_region_id_and_global():
    api = job_api('elb')
    catalog = [svc('elb', {'interface': 'public', 'region': 'other', 'region_id': 'eu-nl', 'url': 'https://rid.example'})]
    assert service_root(api, None, catalog, 'eu-nl', PID) == 'https://rid.example'
    catalog = [svc('elb', {'interface': 'public', 'url': 'https://global.example'})]
    assert service_root(api, None, catalog, 'eu-de', PID) == 'https://global.example'
    catalog = [svc('elb', {'interface': 'public', 'region': '*', 'url': 'https://star.example'})]
    assert service_root(api, None, catalog, 'eu-de', PID) == 'https://star.example'


def test_catalog_with_region_ids_only_picks_the_right_region():
    # Keystone v3 endpoints may carry only 'region_id': another region's endpoint is no global one.
    api = job_api('rds')
    catalog = [svc('rdsv3', {'interface': 'public', 'region_id': 'eu-nl', 'url': 'https://rds.nl.example/v3/' + PID},
                   {'interface': 'public', 'region_id': 'eu-de', 'url': 'https://rds.de.example/v3/' + PID})]
    assert service_root(api, None, catalog, 'eu-de', PID) == 'https://rds.de.example'
    assert service_root(api, None, catalog, 'eu-nl', PID) == 'https://rds.nl.example'
    with pytest.raises(InvalidInput):
        service_root(api, None, catalog, 'eu-ch2', PID)


def test_catalog_missing_interface_counts_as_public():
    api = job_api('elb')
    catalog = [svc('elb', {'region': 'eu-de', 'url': 'https://noiface.example'})]
    assert service_root(api, None, catalog, 'eu-de', PID) == 'https://noiface.example'


def test_catalog_ignores_junk_entries():
    api = job_api('ddm')
    catalog = ['junk', None, 7, {'type': 'ddmv3', 'endpoints': None}, {'type': 'ddmv3', 'endpoints': 'x'},
               svc('ddmv3', 'junk', ep(None), ep(''), ep(42), ep('https://ok.example/v3/' + PID))]
    assert service_root(api, None, catalog, 'eu-de', PID) == 'https://ok.example'


def test_empty_catalog_is_missing_not_default():
    with pytest.raises(InvalidInput):
        service_root(job_api('cfw'), None, [], 'eu-de', PID)


# --- public defaults and regions --------------------------------------------------------------------


@pytest.mark.parametrize('service', ALL_SERVICES)
@pytest.mark.parametrize('region, domain', [
    ('eu-de', 'eu-de.otc.t-systems.com'), ('eu-nl', 'eu-nl.otc.t-systems.com'), ('eu-ch2', 'eu-ch2.sc.otc.t-systems.com'),
])
def test_default_urls(service, region, domain):
    api = job_api(service)
    root = service_root(api, None, None, region, PID)
    assert root == 'https://%s.%s' % (service, domain)
    assert job_url(api, root, PID, JOB) == root + JOB_PATHS[service]


@pytest.mark.parametrize('region, domain, auth_url', [
    ('eu-de', 'eu-de.otc.t-systems.com', 'https://iam.eu-de.otc.t-systems.com/v3'),
    ('eu-nl', 'eu-nl.otc.t-systems.com', 'https://iam.eu-nl.otc.t-systems.com/v3'),
    ('eu-ch2', 'eu-ch2.sc.otc.t-systems.com', 'https://iam-pub.eu-ch2.sc.otc.t-systems.com/v3'),
])
def test_region_domain_and_default_auth_url(region, domain, auth_url):
    assert region_domain(region) == domain
    assert default_auth_url(region) == auth_url


@pytest.mark.parametrize('project_name, region', [
    ('eu-de', 'eu-de'), ('eu-de_sub', 'eu-de'), ('eu-nl_my-project', 'eu-nl'), ('eu-ch2', 'eu-ch2'),
    ('eu-ch2_x', 'eu-ch2'), ('MyProject', None), ('eu_de', None), ('eu-de-sub', None), ('', None), (None, None),
    ('xeu-de', None), ('EU-DE', None),
])
def test_region_from_project(project_name, region):
    assert region_from_project(project_name) == region


def test_default_region():
    assert DEFAULT_REGION == 'eu-de'


# --- job URLs ---------------------------------------------------------------------------------------


@pytest.mark.parametrize('service', ALL_SERVICES)
def test_job_url(service):
    assert job_url(job_api(service), 'https://r', PID, JOB) == 'https://r' + JOB_PATHS[service]


def test_job_url_of_rds_and_dds_carries_the_id_in_the_query():
    assert job_url(job_api('rds'), 'https://rds.example', 'p1', 'j1') == 'https://rds.example/v3/p1/jobs?id=j1'
    assert job_url(job_api('dds'), 'https://dds.example', 'p1', 'j1') == 'https://dds.example/v3/p1/jobs?id=j1'
    assert job_url(job_api('ddm'), 'https://ddm.example', 'p1', 'j1') == 'https://ddm.example/v3/p1/jobs/j1'
    assert job_url(job_api('cce'), 'https://cce.example', 'p1', 'j1') == 'https://cce.example/api/v3/projects/p1/jobs/j1'


@pytest.mark.parametrize('service, expected', [
    ('ecs', 'https://r/v1/p%2F1/jobs/a%2F..%2Fb%3Fx%3D1'),
    ('rds', 'https://r/v3/p%2F1/jobs?id=a%2F..%2Fb%3Fx%3D1'),
    ('cce', 'https://r/api/v3/projects/p%2F1/jobs/a%2F..%2Fb%3Fx%3D1'),
])
def test_job_url_quotes_what_it_fills_in(service, expected):
    # Ids are validated before any request; the URL is safe all the same.
    assert job_url(job_api(service), 'https://r', 'p/1', 'a/../b?x=1') == expected
