# -*- coding: utf-8 -*-
# Copyright (c) otc.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A private on-disk cache of IAM tokens (and AK/SK project ids), so a play of many tasks asks IAM once.

One file per credential set, named by a hash of auth_url, domain, user and scope (never the
password). A token entry also holds a salted, slow digest of the secret it was issued for (the password), checked
before reuse: a wrong password never gets a cached token, it goes to IAM and fails there.

Directory 0700, files 0600, written atomically; neither the directory nor a file is ever used
through a symbolic link, and nothing others can write is trusted. The cache is an optimisation:
any problem reading or writing it means "no cached entry", never a failed task. A file that cannot be
read as an entry (corrupt, oversized, nested too deeply, numbers out of range) is removed, to be
replaced by the next login, with one warning; a catalog too big for a file is cut to the entries of
the job services (one warning), so the next task still finds the token.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import binascii
import hashlib
import hmac
import json
import math
import os
import stat
import tempfile

from ansible_collections.otc.jobs.plugins.module_utils.core._clock import REAL_CLOCK

# Renew this long before IAM's expiry, so a token never dies in the middle of a task.
EXPIRY_MARGIN = 300
# PBKDF2-HMAC-SHA256: slow enough that a stolen cache file does not give the password away cheaply,
# fast enough (tens of ms) to check on every task.
DIGEST_ITERATIONS = 100000
MAX_FILE = 1024 * 1024
# IAM tokens live 24 hours; an expiry further away than this is not one IAM gave.
MAX_LIFETIME = 7 * 86400
_NOFOLLOW = getattr(os, 'O_NOFOLLOW', 0)


def default_directory(environ=None):
    environ = os.environ if environ is None else environ
    base = environ.get('XDG_CACHE_HOME') or os.path.join(os.path.expanduser('~'), '.cache')
    return os.path.join(base, 'otc.jobs')


def cache_key(*parts):
    material = '\n'.join(str(part or '') for part in parts)
    return hashlib.sha256(material.encode('utf-8')).hexdigest()


def secret_digest(secret, salt=None, iterations=DIGEST_ITERATIONS):
    salt = salt if salt is not None else os.urandom(16)
    digest = hashlib.pbkdf2_hmac('sha256', secret.encode('utf-8'), salt, iterations)
    return {'salt': binascii.hexlify(salt).decode('ascii'), 'iterations': iterations,
            'sha256': binascii.hexlify(digest).decode('ascii')}


def secret_matches(stored, secret):
    """Whether ``secret`` is the one ``stored`` (a secret_digest) was made from."""
    try:
        salt = binascii.unhexlify(stored['salt'])
        iterations = int(stored['iterations'])
        if not 1000 <= iterations <= 10000000:
            return False
        fresh = secret_digest(secret, salt, iterations)
        return hmac.compare_digest(fresh['sha256'], str(stored['sha256']))
    except (KeyError, TypeError, ValueError, binascii.Error):
        return False


class CorruptEntry(ValueError):
    """A cache file of ours that cannot be an entry: it is removed and replaced."""


class TokenCache:
    def __init__(self, directory=None, clock=REAL_CLOCK, warn=None, catalog_types=None):
        self.directory = directory or default_directory()
        self.clock = clock
        self._warn = warn
        self._warned = False
        # Catalog entry types worth keeping when a catalog is too big for a file (the job services').
        self.catalog_types = catalog_types

    def _warn_once(self, message):
        if self._warn is not None and not self._warned:
            self._warned = True
            self._warn(message)

    def _path(self, key, kind):
        return os.path.join(self.directory, '%s-%s.json' % (kind, key))

    def load(self, key, secret=None, kind='token'):
        """The cached entry if it is valid for EXPIRY_MARGIN more seconds and, for a token, was issued
        for the credential ``secret`` (a password, for example); else None."""
        path = self._path(key, kind)
        try:
            if not self._trusted_directory():
                return None
            entry = _read_private(path)
            if entry is None:
                return None
            if not isinstance(entry, dict):
                raise CorruptEntry('it holds no entry')
            expires_at = _expiry(entry.get('expires_at', 0))
            if expires_at is None or expires_at - self.clock.time() > MAX_LIFETIME:
                raise CorruptEntry('its expiry is not a time')
            if not expires_at - self.clock.time() > EXPIRY_MARGIN:
                return None
            if kind == 'token':
                if not entry.get('token') or secret is None or not secret_matches(entry.get('secret_digest'), secret):
                    return None
                entry = dict(entry)
                entry.pop('secret_digest', None)
            return entry
        except (IOError, OSError):
            return None
        except Exception as exc:  # pylint: disable=broad-except
            # Corrupt JSON, nesting beyond the recursion limit, numbers too large for a float, ...:
            # the file is ours (checked), so it is replaced by the next login. Never a failed task.
            _remove(path)
            reason = exc.args[0] if isinstance(exc, CorruptEntry) else 'it is not a readable entry'
            self._warn_once('the token cache file %s was ignored and removed (%s); a fresh one is written '
                            'after the next login' % (path, reason))
            return None

    def store(self, key, entry, secret=None, kind='token'):
        entry = dict(entry)
        expires_at = _expiry(entry.get('expires_at'))
        if expires_at is not None and expires_at - self.clock.time() > MAX_LIFETIME:
            entry['expires_at'] = self.clock.time() + MAX_LIFETIME  # what load would refuse as no real expiry
        if kind == 'token':
            if secret is None:
                return False
            entry['secret_digest'] = secret_digest(secret)
        try:
            self._ensure_directory()
            text = json.dumps(entry)
            if len(text) > MAX_FILE:
                text = self._smaller(entry, len(text))
                if text is None:
                    return False
            handle, temp_path = tempfile.mkstemp(prefix='.%s-' % kind, dir=self.directory)
            try:
                os.fchmod(handle, 0o600)
                with os.fdopen(handle, 'w') as stream:
                    stream.write(text)
                # rename replaces a symlink at the target itself; it never writes through it.
                os.rename(temp_path, self._path(key, kind))
            except BaseException:
                _remove(temp_path)
                raise
        except (IOError, OSError, TypeError, ValueError):
            return False
        return True

    def _smaller(self, entry, size):
        """The entry as JSON with its catalog cut to the job services' entries, or None (with a warning) when still too big."""
        catalog = entry.get('catalog')
        if isinstance(catalog, list) and self.catalog_types is not None:
            kept = [item for item in catalog if isinstance(item, dict) and item.get('type') in self.catalog_types]
            text = json.dumps(dict(entry, catalog=kept))
            if len(text) <= MAX_FILE:
                self._warn_once('the token catalog (%d entries, %d KiB) is larger than the token cache takes (%d KiB): '
                                'only the %d entries of the job services were cached' % (
                                    len(catalog), size // 1024, MAX_FILE // 1024, len(kept)))
                return text
        self._warn_once('the token (%d KiB with its catalog) is larger than the token cache takes (%d KiB): '
                        'it is not cached, so every task logs in to IAM' % (size // 1024, MAX_FILE // 1024))
        return None

    def drop(self, key, kind='token'):
        _remove(self._path(key, kind))

    def _trusted_directory(self):
        """A real directory (not a symlink) of ours that only we can use."""
        info = os.lstat(self.directory)
        return (stat.S_ISDIR(info.st_mode) and not stat.S_IMODE(info.st_mode) & 0o077
                and (not hasattr(os, 'getuid') or info.st_uid == os.getuid()))

    def _ensure_directory(self):
        try:
            os.mkdir(self.directory, 0o700)
        except OSError:
            pass  # exists (checked below), or the parent is missing
        if not os.path.lexists(self.directory):
            os.makedirs(self.directory, 0o700)
        info = os.lstat(self.directory)
        if not stat.S_ISDIR(info.st_mode) or (hasattr(os, 'getuid') and info.st_uid != os.getuid()):
            raise OSError('%s is not a directory of ours' % self.directory)
        if stat.S_IMODE(info.st_mode) != 0o700:
            os.chmod(self.directory, 0o700)  # lstat said: a real directory, so this cannot follow a link


def _expiry(value):
    """Seconds since the epoch as a finite float, or None (a string, a 400-digit number, NaN, infinity)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        value = float(value)
    except (OverflowError, ValueError):
        return None
    return value if math.isfinite(value) else None


def _read_private(path):
    """JSON of a regular file of ours that others cannot read or write, opened without following links.

    None for a file that is not ours to judge (another owner, open modes, not a regular file);
    CorruptEntry for one of ours that is too big.
    """
    handle = os.open(path, os.O_RDONLY | _NOFOLLOW)
    try:
        info = os.fstat(handle)
        if not stat.S_ISREG(info.st_mode) or info.st_mode & 0o077:
            return None
        if hasattr(os, 'getuid') and info.st_uid != os.getuid():
            return None
        if info.st_size > MAX_FILE:
            raise CorruptEntry('it is larger than %d KiB' % (MAX_FILE // 1024))
        with os.fdopen(handle, 'r') as stream:
            handle = None
            return json.loads(stream.read(MAX_FILE + 1), parse_constant=_no_constant)
    finally:
        if handle is not None:
            os.close(handle)


def _remove(path):
    try:
        os.remove(path)
    except OSError:
        pass


def _no_constant(name):
    raise CorruptEntry('it holds %s' % name)
