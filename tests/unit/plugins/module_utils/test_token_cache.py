# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for _token_cache: roundtrip, expiry margin, permissions, atomic writes, distrust."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import stat

import pytest

from ansible_collections.otc.jobs.plugins.module_utils._token_cache import (
    EXPIRY_MARGIN, TokenCache, cache_key, default_directory)

NOW = 1800000000.0


class Clock:
    def __init__(self, now=NOW):
        self.now = now

    def __call__(self):
        return self.now


def entry(expires_at=NOW + 3600, token='tok-secret'):
    return {'token': token, 'expires_at': expires_at, 'project_id': 'pid', 'catalog': [{'type': 'elb'}]}


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def cache(tmp_path, clock):
    return TokenCache(directory=str(tmp_path / 'otc.jobs'), clock=clock)


def mode(path):
    return stat.S_IMODE(os.stat(str(path)).st_mode)


def test_roundtrip(cache):
    key = cache_key('https://iam/v3', 'dom', 'user', 'proj')
    assert cache.load(key) is None
    assert cache.store(key, entry()) is True
    assert cache.load(key) == entry()


def test_keys_are_separate(cache):
    a, b = cache_key('u', 'd', 'x', 'p1'), cache_key('u', 'd', 'x', 'p2')
    cache.store(a, entry(token='A'))
    cache.store(b, entry(token='B'))
    assert cache.load(a)['token'] == 'A' and cache.load(b)['token'] == 'B'


def test_cache_key():
    key = cache_key('https://iam/v3/', 'dom', 'user', 'proj')
    assert key == cache_key('https://iam/v3', 'dom', 'user', 'proj')  # trailing slash ignored
    assert len(key) == 64 and all(c in '0123456789abcdef' for c in key)
    others = {cache_key('https://other/v3', 'dom', 'user', 'proj'), cache_key('https://iam/v3', 'x', 'user', 'proj'),
              cache_key('https://iam/v3', 'dom', 'x', 'proj'), cache_key('https://iam/v3', 'dom', 'user', 'x')}
    assert key not in others and len(others) == 4
    assert cache_key('https://iam/v3', None, 'user', None) == cache_key('https://iam/v3', '', 'user', '')


def test_expiry_margin(cache, clock):
    key = cache_key('u', 'd', 'x', 'p')
    cache.store(key, entry(expires_at=NOW + 1000))
    assert EXPIRY_MARGIN == 300
    clock.now = NOW + 1000 - EXPIRY_MARGIN - 1
    assert cache.load(key) is not None
    clock.now = NOW + 1000 - EXPIRY_MARGIN
    assert cache.load(key) is None
    clock.now = NOW + 2000
    assert cache.load(key) is None


def test_missing_expiry_is_expired(cache):
    key = 'k'
    cache.store(key, {'token': 't'})
    assert cache.load(key) is None


def test_permissions(tmp_path, cache):
    old = os.umask(0o022)
    try:
        cache.store('k', entry())
    finally:
        os.umask(old)
    directory = tmp_path / 'otc.jobs'
    assert mode(directory) == 0o700
    files = os.listdir(str(directory))
    assert files == ['token-k.json']
    assert mode(directory / 'token-k.json') == 0o600


def test_existing_loose_directory_tightened(tmp_path, cache):
    directory = tmp_path / 'otc.jobs'
    directory.mkdir()
    os.chmod(str(directory), 0o755)
    cache.store('k', entry())
    assert mode(directory) == 0o700


def test_atomic_no_temp_files_left(tmp_path, cache):
    for i in range(5):
        cache.store('k', entry(token='t%d' % i))
    assert os.listdir(str(tmp_path / 'otc.jobs')) == ['token-k.json']
    assert cache.load('k')['token'] == 't4'


def test_failed_write_leaves_nothing(tmp_path, cache):
    # not JSON-serialisable: store reports failure, no temp file or cache file stays
    assert cache.store('k', {'token': 't', 'expires_at': NOW + 3600, 'bad': object()}) is False
    assert os.listdir(str(tmp_path / 'otc.jobs')) == []
    assert cache.load('k') is None


def test_unwritable_directory_is_not_an_error(tmp_path, clock):
    blocker = tmp_path / 'file'
    blocker.write_text('x')
    cache = TokenCache(directory=str(blocker / 'otc.jobs'), clock=clock)
    assert cache.store('k', entry()) is False
    assert cache.load('k') is None
    cache.drop('k')


@pytest.mark.parametrize('content', ['{not json', '', '[]', '"x"', '{"token": ""}', '{"expires_at": 9999999999}',
                                     '{"token": "t", "expires_at": "soon"}', '{"token": "t", "expires_at": null}'])
def test_corrupted_file_is_none(cache, content):
    cache.store('k', entry())
    path = cache._path('k')
    with open(path, 'w') as handle:
        handle.write(content)
    assert cache.load('k') is None


@pytest.mark.parametrize('loose', [0o644, 0o640, 0o604, 0o660, 0o606])
def test_shared_file_ignored(cache, loose):
    cache.store('k', entry())
    os.chmod(cache._path('k'), loose)
    assert cache.load('k') is None


def test_drop(cache):
    cache.store('k', entry())
    cache.drop('k')
    assert cache.load('k') is None
    assert not os.path.exists(cache._path('k'))
    cache.drop('k')  # dropping twice is harmless


def test_default_directory(monkeypatch, tmp_path):
    assert default_directory({'XDG_CACHE_HOME': '/xdg'}) == '/xdg/otc.jobs'
    monkeypatch.setenv('HOME', str(tmp_path))
    assert default_directory({}) == os.path.join(str(tmp_path), '.cache', 'otc.jobs')
    monkeypatch.setenv('XDG_CACHE_HOME', str(tmp_path / 'x'))
    assert TokenCache().directory == str(tmp_path / 'x' / 'otc.jobs')
