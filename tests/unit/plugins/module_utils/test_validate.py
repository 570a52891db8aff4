# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Input rules (SPEC §4): ids, regions, URLs, numbers, header-bound secrets."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.otc.jobs.plugins.module_utils.core import _validate
from ansible_collections.otc.jobs.plugins.module_utils.core._errors import InvalidInput


@pytest.mark.parametrize('value', ['a', 'A-b_9', 'x' * 64, '2c9eb2c5544cbf6101544f0602af2b4f', 'f588ce71-e26c-400d-8981-f854355f6849'])
def test_good_ids(value):
    assert _validate.job_id(value) == value and _validate.project_id(value) == value


@pytest.mark.parametrize('value', ['', 'x' * 65, 'abc\n', '\nabc', 'a b', 'a/b', 'a?b', 'a#b', 'a%2f', '..', 'ä', None, 5, ['a']])
def test_bad_ids(value):
    with pytest.raises(InvalidInput) as err:
        _validate.job_id(value, 'job_ids item')
    assert err.value.message.startswith('job_ids item ') and "use 1-64 letters, digits, '-' or '_'" in err.value.message


@pytest.mark.parametrize('value, good', [('eu-de', True), ('eu-nl', True), ('eu-ch2', True), ('ap-southeast-3', True),
                                         ('eu', False), ('EU-DE', False), ('eu-de ', False), ('eu_de', False),
                                         ('eu-de.example.com', False), ('eu-de/x', False), ('@h:1', False), ('eu-', False)])
def test_regions(value, good):
    if good:
        assert _validate.region(value) == value
    else:
        with pytest.raises(InvalidInput):
            _validate.region(value)


@pytest.mark.parametrize('value, expected', [
    ('https://iam.eu-de.otc.t-systems.com/v3/', 'https://iam.eu-de.otc.t-systems.com/v3'),
    ('http://127.0.0.1:8080', 'http://127.0.0.1:8080'),
    ('http://[::1]:8080/x', 'http://[::1]:8080/x'),
    ('HTTPS://Host.Example.:443/a/b', 'HTTPS://Host.Example.:443/a/b'),
    ('https://elb.example/v1.0/$(tenant_id)s', 'https://elb.example/v1.0/$(tenant_id)s'),
])
def test_good_urls(value, expected):
    assert _validate.url(value, 'endpoint') == expected


@pytest.mark.parametrize('value', ['', '   ', 'elb.example', 'https://user@host', 'https://:pw@host', 'https://host:',
                                   'https://host:65536', 'https://-host', 'https://ho_st', 'https://host/a b',
                                   'https://host/a?b', 'https://host#a', 'https://host/./x', 'javascript:alert(1)',
                                   'https://host/\u00e4', None, 5])
def test_bad_urls(value):
    with pytest.raises(InvalidInput) as err:
        _validate.url(value, 'auth.auth_url')
    assert err.value.message.startswith('auth.auth_url ')
    assert 'pw' not in err.value.message


@pytest.mark.parametrize('kwargs, value, message', [
    ({'above': 0}, 0, 'x must be greater than 0, got 0'),
    ({'minimum': 1, 'maximum': 64, 'integer': True}, 2.5, 'x must be a whole number, got 2.5 (float)'),
    ({'minimum': 0}, True, 'x must be a finite number, got True (bool)'),
    ({'minimum': 0}, '3', "x must be a finite number, got '3'"),
])
def test_numbers(kwargs, value, message):
    with pytest.raises(InvalidInput) as err:
        _validate.number(value, 'x', **kwargs)
    assert err.value.message == message


def test_number_conversion():
    assert _validate.number(3, 'x', integer=True, minimum=1) == 3
    assert _validate.number(1e-9, 'x', above=0) == 1e-9


@pytest.mark.parametrize('value', ['tok\n', ' tok', 'to k', 'tok\r', 'tök', '', None])
def test_header_secrets_never_quoted(value):
    with pytest.raises(InvalidInput) as err:
        _validate.header_secret(value, 'auth.token')
    assert 'tok' not in err.value.message.replace('auth.token', '')


def test_plain_text():
    assert _validate.plain_text('eu-de_project', 'auth.project_name') == 'eu-de_project'
    for value in ('a\nb', 'x' * 256, 5):
        with pytest.raises(InvalidInput):
            _validate.plain_text(value, 'auth.project_name')
