# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""core/_clock: the real clock's pauses and pool, and the fake clock that the timing tests run on."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import queue
import threading

import pytest

from ansible_collections.otc.jobs.plugins.module_utils.core._clock import REAL_CLOCK, FakeClock


def test_the_real_clock_takes_what_is_there_without_waiting_for_more():
    answers = queue.Queue()
    assert REAL_CLOCK.take(answers, 0) == []
    for item in (1, 2, 3):
        answers.put(item)
    assert REAL_CLOCK.take(answers, 5) == [1, 2, 3]
    event = threading.Event()
    assert REAL_CLOCK.wait(event, 0) is False
    event.set()
    assert REAL_CLOCK.wait(event, None) is True
    pool = REAL_CLOCK.pool(2)
    try:
        assert pool.submit(sum, [1, 2]).result(timeout=5) == 3
    finally:
        pool.shutdown(wait=True)


def test_fake_time_moves_only_when_code_pauses():
    clock = FakeClock(start=10.0, epoch=1800000000.0)
    assert clock.now() == 10.0 and clock.time() == 1800000000.0
    clock.sleep(2.5)
    assert clock.wait(threading.Event(), 1.5) is False
    assert clock.now() == 14.0 and clock.time() == 1800000004.0 and clock.sleeps == [2.5, 1.5]
    event = threading.Event()
    event.set()
    assert clock.wait(event, 60) is True and clock.now() == 14.0   # set: no time passes
    clock.advance(6)
    assert clock.now() == 20.0
    with pytest.raises(AssertionError):
        clock.wait(threading.Event(), None)


def test_fake_pool_work_runs_in_turn_when_an_answer_is_taken():
    clock = FakeClock(start=0.0)
    answers = queue.Queue()
    ran = []

    def work(name, seconds):
        ran.append((name, clock.in_flight))
        clock.sleep(seconds)
        answers.put(name)
    pool = clock.pool(4)
    futures = [pool.submit(work, name, 1.0) for name in 'abc']
    assert ran == [] and clock.in_flight == 3          # nothing runs before the caller looks for an answer
    assert clock.take(answers, 10) == ['a'] and clock.now() == 1.0
    assert ran == [('a', 3)] and futures[0].done() and not futures[1].done()
    pool.shutdown(wait=True)                            # as a thread pool does: what was submitted finishes
    assert [name for name, dummy in ran] == ['a', 'b', 'c'] and clock.in_flight == 0
    assert clock.take(answers, 0.5) == ['b', 'c'] and clock.now() == 3.0
    assert clock.take(answers, 0.5) == [] and clock.now() == 3.5   # nothing came: the timeout passed
    with pytest.raises(AssertionError):
        clock.take(answers, None)


def test_fake_pool_work_that_fails_fails_its_future():
    clock = FakeClock()
    future = clock.pool(1).submit(int, 'not a number')
    clock.run_next()
    assert isinstance(future.exception(), ValueError)
