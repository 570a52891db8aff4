# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Proxies and CA bundles from a given environment mapping, read as requests reads os.environ."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.otc.jobs.plugins.module_utils.net._environment import Proxies, ca_bundle

URL = 'https://elb.eu-de.otc.t-systems.com/v1.0/p/elbaas/jobs/1'


def test_no_variables_no_proxy():
    assert not Proxies({}) and Proxies({}).for_url(URL) == {}


@pytest.mark.parametrize('environ, expected', [
    ({'https_proxy': 'http://p:1'}, {'https': 'http://p:1'}),
    ({'HTTPS_PROXY': 'http://P:1'}, {'https': 'http://P:1'}),
    ({'https_proxy': 'http://low:1', 'HTTPS_PROXY': 'http://up:1'}, {'https': 'http://low:1'}),
    ({'all_proxy': 'socks5://a:1'}, {'https': 'socks5://a:1'}),
    ({'http_proxy': 'http://p:1'}, {}),
])
def test_proxy_by_scheme(environ, expected):
    assert Proxies(environ).for_url(URL) == expected


@pytest.mark.parametrize('no_proxy, bypassed', [
    ('*', True),
    ('otc.t-systems.com', True),
    ('.t-systems.com', True),
    ('elb.eu-de.otc.t-systems.com:443', False),  # URL has no explicit port
    ('elb.eu-de.otc.t-systems.com', True),
    ('other.com, t-systems.com', True),
    ('systems.com', False),  # domain boundaries, as curl matches (requests matches any suffix)
    ('ystems.com', False),
    ('', False),
])
def test_no_proxy(no_proxy, bypassed):
    proxies = Proxies({'https_proxy': 'http://p:1', 'no_proxy': no_proxy})
    assert (proxies.for_url(URL) == {}) is bypassed


def test_no_proxy_networks_and_ports():
    proxies = Proxies({'http_proxy': 'http://p:1', 'NO_PROXY': '10.0.0.0/8,127.0.0.1,host.local:8080'})
    assert proxies.for_url('http://10.1.2.3/x') == {}
    assert proxies.for_url('http://127.0.0.1:9/x') == {}
    assert proxies.for_url('http://host.local:8080/x') == {}
    assert proxies.for_url('http://host.local:8081/x') == {'http': 'http://p:1'}
    assert proxies.for_url('http://11.1.2.3/x') == {'http': 'http://p:1'}


def test_ca_bundle_as_requests_reads_it():
    assert ca_bundle({}) is None
    assert ca_bundle({'CURL_CA_BUNDLE': '/c'}) == '/c'
    assert ca_bundle({'REQUESTS_CA_BUNDLE': '/r', 'CURL_CA_BUNDLE': '/c'}) == '/r'
