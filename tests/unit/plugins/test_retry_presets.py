# -*- coding: utf-8 -*-
# Copyright (c) otc.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A retry change is one file: ``module_utils/net/_retry.py`` (DEVELOPMENT.md, "Three everyday changes").

No other module builds a ``RetryPolicy`` or a ``RetryPreset`` or keeps its own list of transient statuses;
each names a preset. Which file uses which preset is listed in DEVELOPMENT.md, and the list must match.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ast
import os
import re

import pytest

from ansible_collections.otc.jobs.plugins.module_utils.net import _retry
from ansible_collections.otc.jobs.tests.unit.plugins.test_layers import _python_files

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), '..', '..', '..'))
PLUGINS = os.path.join(ROOT, 'plugins')
MODULE_UTILS = os.path.join(PLUGINS, 'module_utils')
RETRY = os.path.join('module_utils', 'net', '_retry.py')
RETRY_MODULE = 'ansible_collections.otc.jobs.plugins.module_utils.net._retry'
PRESETS = dict((name, value) for name, value in vars(_retry).items() if isinstance(value, _retry.RetryPreset))
# Only _retry may spell these out.
RETRY_OWN = frozenset(('RetryPolicy', 'RetryPreset', 'TRANSIENT_STATUSES'))


def _tree(relpath):
    with open(os.path.join(PLUGINS, relpath)) as source:
        return ast.parse(source.read(), relpath)


def _imported_from_retry(tree):
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == RETRY_MODULE:
            names.update(alias.name for alias in node.names)
    return names


@pytest.mark.parametrize('relpath', sorted(path for path in _python_files() if path != RETRY))
def test_no_retry_policy_is_built_outside_the_retry_module(relpath):
    tree = _tree(relpath)
    used = sorted(set(_imported_from_retry(tree)) & RETRY_OWN)
    built = sorted('line %d' % node.lineno for node in ast.walk(tree) if isinstance(node, ast.Call)
                   and (getattr(node.func, 'id', None) or getattr(node.func, 'attr', None)) in RETRY_OWN)
    assert not used and not built, '%s builds its own retry policy or transient list (%s); name a preset of net/_retry.py' % (
        relpath, ', '.join(used + built))


def _preset_users_in_code():
    users = dict((name, set()) for name in PRESETS)
    for relpath in _python_files():
        for name in _imported_from_retry(_tree(relpath)) & set(PRESETS):
            users[name].add(os.path.relpath(os.path.join(PLUGINS, relpath), MODULE_UTILS).replace(os.sep, '/'))
    return users


def _preset_users_in_development_md():
    with open(os.path.join(ROOT, 'DEVELOPMENT.md')) as handle:
        text = handle.read()
    trace = text[text.index('- **A retry change**'):]
    trace = trace[:trace.index('\n\n')]
    users = {}
    for name, files in re.findall(r'^\s+- `([A-Z_]+)`[^:]*: (.+)$', trace, re.MULTILINE):
        users[name] = set(re.findall(r'`([a-z_/]+\.py)`', files))
    return users


def test_development_md_lists_every_preset_with_the_files_that_use_it():
    assert _preset_users_in_development_md() == _preset_users_in_code()


def test_development_md_states_the_tries_of_each_preset_as_the_code_has_them():
    with open(os.path.join(ROOT, 'DEVELOPMENT.md')) as handle:
        stated = dict((name, int(tries)) for name, tries in re.findall(r'^\s+- `([A-Z_]+)` \((\d+) tries', handle.read(), re.MULTILINE))
    assert stated == dict((name, preset.max_attempts) for name, preset in PRESETS.items() if preset.max_attempts is not None)


def test_every_preset_is_used():
    assert all(_preset_users_in_code().values())
