# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Supported = tested: CORE_MATRIX (scripts/lib.sh), requires_ansible and the README/DEVELOPMENT tables agree."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


def read(path):
    with open(os.path.join(ROOT, path)) as handle:
        return handle.read()


def core_matrix():
    """[(core, python)] from scripts/lib.sh, newest first."""
    line = re.search(r'^CORE_MATRIX=\((.*)\)$', read('scripts/lib.sh'), re.M).group(1)
    return [tuple(row.split()) for row in re.findall(r'"([^"]+)"', line)]


def table_rows(text, first_header):
    """(core, python) of each row of the markdown table whose header starts with ``first_header``."""
    block = text[text.index('| %s' % first_header):].split('\n\n', 1)[0]
    return [tuple(cell.strip() for cell in row.strip('|').split('|')[:2]) for row in (line.strip() for line in block.splitlines()[2:])]


def test_matrix_is_newest_first_and_maintained():
    matrix = core_matrix()
    versions = [tuple(int(p) for p in core.split('.')) for core, dummy in matrix]
    assert versions == sorted(versions, reverse=True) and len(matrix) == 3
    assert versions[-1] >= (2, 19), 'ansible-core before 2.19 is past its end of life'


def test_requires_ansible_names_exactly_the_matrix():
    matrix = core_matrix()
    runtime = yaml.safe_load(read('meta/runtime.yml'))
    oldest, newest = matrix[-1][0], matrix[0][0]
    major, minor = newest.split('.')
    assert runtime['requires_ansible'] == '>=%s.0,<%s.%d.0' % (oldest, major, int(minor) + 1)


def test_readme_and_development_tables_follow_the_matrix():
    matrix = core_matrix()
    assert table_rows(read('README.md'), 'ansible-core | controller Python tested') == matrix
    assert table_rows(read('DEVELOPMENT.md'), 'ansible-core | controller Python | venv') == matrix


def test_dev_requirements_pin_the_newest_release():
    newest = core_matrix()[0][0]
    major, minor = newest.split('.')
    assert 'ansible-core>=%s,<%s.%d' % (newest, major, int(minor) + 1) in read('requirements-dev.txt').splitlines()


def test_nox_sanity_and_units_run_the_newest_release():
    """noxfile.py's ansible-test sessions (make test's sanity and units) use the matrix's first row."""
    noxfile = read('noxfile.py')
    assert re.search(r'^NEWEST_CORE = "([^"]+)"$', noxfile, re.M).group(1) == core_matrix()[0][0]
    assert re.search(r'^NEWEST_PYTHON = "([^"]+)"$', noxfile, re.M).group(1) == core_matrix()[0][1]


def test_user_agent_names_the_galaxy_version():
    from ansible_collections.otc.jobs.plugins.module_utils.net._http import COLLECTION_VERSION, USER_AGENT
    with open(os.path.join(ROOT, 'galaxy.yml')) as galaxy:
        assert yaml.safe_load(galaxy)['version'] == COLLECTION_VERSION
    assert USER_AGENT == 'otc.jobs/' + COLLECTION_VERSION
