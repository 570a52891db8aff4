# -*- coding: utf-8 -*-
# Copyright (c) otc.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Everything timed in plugins/ reads one injectable clock (``module_utils/core/_clock.py``).

Reading ``time`` or ``datetime.now`` directly, pausing on a ``threading.Event`` or a queue with a timeout,
or starting a thread pool elsewhere would put a piece of wall-clock time back where ``FakeClock`` cannot
reach it, and the tests that rely on exact fake instants would silently test real time again.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ast
import os

import pytest
from ansible_collections.otc.jobs.tests.unit.plugins.test_layers import _python_files

PLUGINS = os.path.normpath(os.path.join(os.path.dirname(__file__), '..', '..', '..', 'plugins'))
THE_CLOCK = os.path.join('module_utils', 'core', '_clock.py')

# Files that may read time directly, each with the reason. Keep it empty unless the clock truly cannot serve.
ALLOWED = {}

TIME_FUNCTIONS = frozenset(('time', 'time_ns', 'monotonic', 'monotonic_ns', 'perf_counter', 'perf_counter_ns', 'sleep'))
NOW_FUNCTIONS = frozenset(('now', 'utcnow', 'today'))
POOLS = frozenset(('ThreadPoolExecutor', 'ProcessPoolExecutor'))
# What a pause with a timeout can be called on: a name bound to one of these in the module, or any call with timeout=.
WAITABLES = frozenset(('Event', 'Condition', 'Barrier', 'Queue', 'SimpleQueue', 'LifoQueue', 'PriorityQueue'))


def _dotted(node):
    """'self.clock' for the expression self.clock; '' for anything that is not a plain name chain."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        inner = _dotted(node.value)
        return inner + '.' + node.attr if inner else ''
    return ''


def _waitables(tree):
    """Names (dotted) the module binds to a new Event, Condition, Barrier or queue."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            if _dotted(node.value.func).split('.')[-1] in WAITABLES:
                names.update(_dotted(target) for target in node.targets)
    names.discard('')
    return names


def _direct_time(tree):
    """(line, what) of every direct use of wall-clock time, pause or thread pool in one module.

    A pause is recognised on what the module itself binds to an Event or a queue, and wherever ``timeout=``
    is given; an Event handed in from elsewhere and waited on positionally escapes the check (review it).
    """
    waitables = _waitables(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == 'time':
            for alias in node.names:
                if alias.name in TIME_FUNCTIONS:
                    yield node.lineno, 'from time import %s' % alias.name
        elif isinstance(node, ast.Attribute):
            owner = _dotted(node.value)
            if owner == 'time' and node.attr in TIME_FUNCTIONS:
                yield node.lineno, 'time.%s' % node.attr
            elif owner.split('.')[-1:] in (['datetime'], ['date']) and node.attr in NOW_FUNCTIONS:
                yield node.lineno, '%s.%s' % (owner, node.attr)
        elif isinstance(node, ast.Name) and node.id in POOLS:
            yield node.lineno, node.id
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            receiver = _dotted(node.func.value)
            # event.wait(timeout) and answers.get(timeout=...) pause in real time; clock.wait/clock.take do not.
            timed = node.args if receiver in waitables else [k for k in node.keywords if k.arg == 'timeout']
            if node.func.attr in ('wait', 'get', 'join') and timed and not receiver.endswith('clock'):
                yield node.lineno, '%s.%s(<timeout>)' % (receiver or '<expression>', node.func.attr)


@pytest.mark.parametrize('relpath', sorted(_python_files()))
def test_time_is_read_through_the_clock(relpath):
    if relpath == THE_CLOCK or relpath in ALLOWED:
        return
    with open(os.path.join(PLUGINS, relpath)) as source:
        tree = ast.parse(source.read(), relpath)
    found = ['line %d: %s' % use for use in _direct_time(tree)]
    assert not found, '%s reads time itself; take a core._clock.Clock (default REAL_CLOCK) instead: %s' % (
        relpath, '; '.join(found))


def test_the_check_sees_each_kind_of_direct_use():
    source = '\n'.join([
        'import time, datetime, threading',
        'from time import monotonic',
        'def f(answers, waiter, clock=time.monotonic):',
        '    time.sleep(1)',
        '    datetime.datetime.now()',
        '    event = threading.Event()',
        '    event.wait(3)',
        '    answers.get(timeout=2)',
        '    clock.wait(event, 3)',
        '    waiter.wait(["job"])',
        '    pool = ThreadPoolExecutor(4)',
    ])
    found = [what for dummy, what in _direct_time(ast.parse(source))]
    assert sorted(found) == sorted(['from time import monotonic', 'time.monotonic', 'time.sleep', 'datetime.datetime.now',
                                    'event.wait(<timeout>)', 'answers.get(<timeout>)', 'ThreadPoolExecutor'])


def test_allowed_files_exist_and_say_why():
    for relpath, reason in ALLOWED.items():
        assert os.path.exists(os.path.join(PLUGINS, relpath)), relpath
        assert reason.strip(), relpath
