# -*- coding: utf-8 -*-
# Copyright (c) otc.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The layers of plugins/ (DEVELOPMENT.md, "Layers"): every import goes down, never up or sideways.

module_utils is split into sub-packages, lowest first; a file may import its own package and the
packages below it. Plugins (modules, action, lookup, filter, plugin_utils, doc fragments) sit on top.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ast
import os

import pytest

PLUGINS = os.path.normpath(os.path.join(os.path.dirname(__file__), '..', '..', '..', 'plugins'))
PREFIX = 'ansible_collections.otc.jobs.plugins.'

# Lowest first. What each layer is for is in DEVELOPMENT.md.
LAYERS = ('core', 'wire', 'net', 'auth', 'config', 'engine')
TOP = len(LAYERS)
# Third-party packages a layer must not import: wire and core are pure data and text.
FORBIDDEN = {'core': ('requests', 'ansible'), 'wire': ('requests', 'ansible')}


def _python_files():
    for root, _dirs, files in os.walk(PLUGINS):
        for name in files:
            if name.endswith('.py'):
                yield os.path.relpath(os.path.join(root, name), PLUGINS)


def _rank(parts):
    """The layer of a path under plugins/ given as parts, e.g. ('module_utils', 'net', '_http.py')."""
    if parts[0] != 'module_utils':
        return TOP
    assert len(parts) >= 3 and parts[1] in LAYERS, 'module_utils/%s is in no layer (LAYERS)' % '/'.join(parts[1:])
    return LAYERS.index(parts[1])


def _imports(relpath):
    """(imported plugin path parts, top-level package) of every import in one file."""
    with open(os.path.join(PLUGINS, relpath)) as source:
        tree = ast.parse(source.read(), relpath)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            # 'from ...module_utils.core import _errors' imports core/_errors
            names = [node.module + '.' + alias.name for alias in node.names]
            names.append(node.module)
        else:
            continue
        for name in names:
            if name.startswith(PREFIX):
                yield tuple(name[len(PREFIX):].split('.')), None
            else:
                yield None, name.split('.')[0]


def _edges():
    for relpath in sorted(_python_files()):
        parts = tuple(relpath.split(os.sep))
        for target, package in _imports(relpath):
            yield parts, target, package


def test_every_module_util_is_in_a_layer():
    flat = [path for path in _python_files() if path.startswith('module_utils' + os.sep) and path.count(os.sep) == 1]
    assert flat == []
    packages = sorted(name for name in os.listdir(os.path.join(PLUGINS, 'module_utils'))
                      if os.path.isdir(os.path.join(PLUGINS, 'module_utils', name)) and name != '__pycache__')
    assert packages == sorted(LAYERS)


def test_imports_only_go_down():
    upward = []
    for source, target, _package in _edges():
        if target is None or target[0] != 'module_utils' or len(target) < 3:
            continue
        if _rank(target) > _rank(source):
            upward.append('%s imports %s' % ('/'.join(source), '.'.join(target)))
    assert upward == []


def test_module_utils_never_import_plugins():
    found = ['%s imports %s' % ('/'.join(source), '.'.join(target))
             for source, target, _package in _edges()
             if target is not None and source[0] == 'module_utils' and target[0] != 'module_utils']
    assert found == []


@pytest.mark.parametrize('layer', sorted(FORBIDDEN))
def test_pure_layers_need_no_third_party_package(layer):
    found = ['%s imports %s' % ('/'.join(source), package)
             for source, _target, package in _edges()
             if source[:2] == ('module_utils', layer) and package in FORBIDDEN[layer]]
    assert found == []


def test_the_checker_sees_an_upward_import():
    """The rank of a hypothetical net -> engine import is upward; a guard that the test above can fail."""
    assert _rank(('module_utils', 'engine', '_waiter.py')) > _rank(('module_utils', 'net', '_http.py'))
    assert list(_imports(os.path.join('module_utils', 'engine', '_runner.py')))
