# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for _token_cache: roundtrip, password binding, expiry margin, permissions, symlinks, atomic writes, distrust."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import stat

import pytest

from ansible_collections.otc.jobs.plugins.module_utils.core._clock import FakeClock
from ansible_collections.otc.jobs.plugins.module_utils.auth._token_cache import (
    EXPIRY_MARGIN, TokenCache, cache_key, default_directory, secret_digest, secret_matches)

NOW = 1800000000.0
PW = 'the-password'


def entry(expires_at=NOW + 3600, token='tok-secret'):
    return {'token': token, 'expires_at': expires_at, 'project_id': 'pid', 'catalog': [{'type': 'elb'}]}


@pytest.fixture
def clock():
    return FakeClock(epoch=NOW)


@pytest.fixture
def cache(tmp_path, clock):
    return TokenCache(directory=str(tmp_path / 'otc.jobs'), clock=clock)


def mode(path):
    return stat.S_IMODE(os.stat(str(path)).st_mode)


def test_roundtrip(cache):
    key = cache_key('https://iam/v3', 'dom', 'user', 'proj')
    assert cache.load(key, PW) is None
    assert cache.store(key, entry(), PW) is True
    assert cache.load(key, PW) == entry()


def test_a_cached_token_is_only_for_its_password(cache):
    key = cache_key('https://iam/v3', 'dom', 'user', 'proj')
    cache.store(key, entry(), PW)
    assert cache.load(key, 'wrong-password') is None
    assert cache.load(key, PW + ' ') is None
    assert cache.load(key) is None
    assert cache.load(key, PW)['token'] == 'tok-secret'


def test_the_file_holds_a_salted_slow_digest_never_the_password(cache):
    cache.store('k', entry(), PW)
    with open(cache._path('k', 'token')) as handle:
        text = handle.read()
    assert PW not in text
    stored = json.loads(text)['secret_digest']
    assert stored['iterations'] >= 100000 and len(stored['salt']) == 32
    cache.store('k2', entry(), PW)
    with open(cache._path('k2', 'token')) as handle:
        assert json.load(handle)['secret_digest']['sha256'] != stored['sha256']  # salted: same password, other digest


@pytest.mark.parametrize('stored', [None, {}, {'salt': 'zz', 'iterations': 1000, 'sha256': 'x'},
                                    {'salt': '00', 'iterations': 1, 'sha256': 'x'},
                                    {'salt': '00', 'iterations': 'many', 'sha256': 'x'}])
def test_broken_digests_never_match(stored):
    assert secret_matches(stored, PW) is False


def test_digest_roundtrip():
    digest = secret_digest(PW, iterations=1000)
    assert secret_matches(digest, PW) and not secret_matches(digest, 'other')


def test_a_token_is_not_stored_without_a_password(cache):
    assert cache.store('k', entry()) is False


def test_project_entries_need_no_password(cache):
    cache.store('k', {'project_id': 'p1', 'expires_at': NOW + 3600}, kind='project')
    assert cache.load('k', kind='project') == {'project_id': 'p1', 'expires_at': NOW + 3600}
    assert cache.load('k', PW) is None  # another kind, another file


def test_a_symlinked_directory_is_not_followed(tmp_path, clock):
    target = tmp_path / 'elsewhere'
    target.mkdir()
    os.chmod(str(target), 0o755)
    os.symlink(str(target), str(tmp_path / 'otc.jobs'))
    cache = TokenCache(directory=str(tmp_path / 'otc.jobs'), clock=clock)
    assert cache.store('k', entry(), PW) is False
    assert os.listdir(str(target)) == []
    assert mode(target) == 0o755  # not chmod-ed through the link
    assert cache.load('k', PW) is None


def test_a_symlinked_file_is_not_read(tmp_path, cache):
    cache.store('real', entry(token='planted'), PW)
    os.symlink(cache._path('real', 'token'), cache._path('k', 'token'))
    assert cache.load('k', PW) is None
    assert cache.load('real', PW)['token'] == 'planted'


def test_a_symlinked_file_is_replaced_not_written_through(tmp_path, cache):
    victim = tmp_path / 'victim'
    victim.write_text('keep me')
    cache.store('other', entry(), PW)  # creates the directory
    os.symlink(str(victim), cache._path('k', 'token'))
    assert cache.store('k', entry(), PW) is True
    assert victim.read_text() == 'keep me'
    assert not os.path.islink(cache._path('k', 'token'))


def test_keys_are_separate(cache):
    a, b = cache_key('u', 'd', 'x', 'p1'), cache_key('u', 'd', 'x', 'p2')
    cache.store(a, entry(token='A'), PW)
    cache.store(b, entry(token='B'), PW)
    assert cache.load(a, PW)['token'] == 'A' and cache.load(b, PW)['token'] == 'B'


def test_cache_key():
    key = cache_key('https://iam/v3', 'dom', 'user', 'proj')
    assert len(key) == 64 and all(c in '0123456789abcdef' for c in key)
    others = {cache_key('https://other/v3', 'dom', 'user', 'proj'), cache_key('https://iam/v3', 'x', 'user', 'proj'),
              cache_key('https://iam/v3', 'dom', 'x', 'proj'), cache_key('https://iam/v3', 'dom', 'user', 'x')}
    assert key not in others and len(others) == 4
    assert cache_key('https://iam/v3', None, 'user', None) == cache_key('https://iam/v3', '', 'user', '')


def test_expiry_margin(cache, clock):
    key = cache_key('u', 'd', 'x', 'p')
    cache.store(key, entry(expires_at=NOW + 1000), PW)
    assert EXPIRY_MARGIN == 300
    clock.advance(1000 - EXPIRY_MARGIN - 1)
    assert cache.load(key, PW) is not None
    clock.advance(1)
    assert cache.load(key, PW) is None
    clock.advance(1000 + EXPIRY_MARGIN)
    assert cache.load(key, PW) is None


@pytest.mark.parametrize('expires_at', [float('nan'), 'nan'])
def test_a_nan_expiry_is_expired(cache, expires_at):
    cache.store('k', entry(expires_at=expires_at), PW)  # a valid digest: only the expiry can refuse it
    assert cache.load('k', PW) is None
    cache.store('k', entry(), PW)
    assert cache.load('k', PW) is not None


def test_missing_expiry_is_expired(cache):
    key = 'k'
    cache.store(key, {'token': 't'}, PW)
    assert cache.load(key, PW) is None


def test_permissions(tmp_path, cache):
    old = os.umask(0o022)
    try:
        cache.store('k', entry(), PW)
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
    cache.store('k', entry(), PW)
    assert mode(directory) == 0o700


def test_atomic_no_temp_files_left(tmp_path, cache):
    for i in range(5):
        cache.store('k', entry(token='t%d' % i), PW)
    assert os.listdir(str(tmp_path / 'otc.jobs')) == ['token-k.json']
    assert cache.load('k', PW)['token'] == 't4'


def test_failed_write_leaves_nothing(tmp_path, cache):
    # not JSON-serialisable: store reports failure, no temp file or cache file stays
    assert cache.store('k', {'token': 't', 'expires_at': NOW + 3600, 'bad': object()}, PW) is False
    assert os.listdir(str(tmp_path / 'otc.jobs')) == []
    assert cache.load('k', PW) is None


def test_unwritable_directory_is_not_an_error(tmp_path, clock):
    blocker = tmp_path / 'file'
    blocker.write_text('x')
    cache = TokenCache(directory=str(blocker / 'otc.jobs'), clock=clock)
    assert cache.store('k', entry(), PW) is False
    assert cache.load('k', PW) is None
    cache.drop('k')


@pytest.mark.parametrize('content', ['{not json', '', '[]', '"x"', '{"token": ""}', '{"expires_at": 9999999999}',
                                     '{"token": "t", "expires_at": "soon"}', '{"token": "t", "expires_at": null}'])
def test_corrupted_file_is_none(cache, content):
    cache.store('k', entry(), PW)
    path = cache._path('k', 'token')
    with open(path, 'w') as handle:
        handle.write(content)
    assert cache.load('k', PW) is None


@pytest.mark.parametrize('loose', [0o644, 0o640, 0o604, 0o660, 0o606])
def test_shared_file_ignored(cache, loose):
    cache.store('k', entry(), PW)
    os.chmod(cache._path('k', 'token'), loose)
    assert cache.load('k', PW) is None


def test_drop(cache):
    cache.store('k', entry(), PW)
    cache.drop('k')
    assert cache.load('k', PW) is None
    assert not os.path.exists(cache._path('k', 'token'))
    cache.drop('k')  # dropping twice is harmless


def test_default_directory(monkeypatch, tmp_path):
    assert default_directory({'XDG_CACHE_HOME': '/xdg'}) == '/xdg/otc.jobs'
    monkeypatch.setenv('HOME', str(tmp_path))
    assert default_directory({}) == os.path.join(str(tmp_path), '.cache', 'otc.jobs')
    monkeypatch.setenv('XDG_CACHE_HOME', str(tmp_path / 'x'))
    assert TokenCache().directory == str(tmp_path / 'x' / 'otc.jobs')
