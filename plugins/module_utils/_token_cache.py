# -*- coding: utf-8 -*-
# Copyright (c) otc.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A private on-disk cache of IAM tokens, so a play of many tasks asks IAM once.

One file per credential set, named by a hash of auth_url, domain, user and scope (never the
password). Directory 0700, files 0600, written atomically. The cache is an optimisation: any
problem reading or writing it means "no cached token", never a failed task.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import json
import os
import stat
import tempfile
import time

# Renew this long before IAM's expiry, so a token never dies in the middle of a task.
EXPIRY_MARGIN = 300


def default_directory(environ=None):
    environ = os.environ if environ is None else environ
    base = environ.get('XDG_CACHE_HOME') or os.path.join(os.path.expanduser('~'), '.cache')
    return os.path.join(base, 'otc.jobs')


def cache_key(auth_url, domain, user, project):
    material = '\n'.join(str(part or '') for part in (auth_url.rstrip('/'), domain, user, project))
    return hashlib.sha256(material.encode('utf-8')).hexdigest()


class TokenCache:
    def __init__(self, directory=None, clock=time.time):
        self.directory = directory or default_directory()
        self.clock = clock

    def _path(self, key):
        return os.path.join(self.directory, 'token-%s.json' % key)

    def load(self, key):
        """The cached entry if it is still valid for EXPIRY_MARGIN seconds, else None."""
        path = self._path(key)
        try:
            if _is_shared(path):
                return None
            with open(path) as handle:
                entry = json.load(handle)
            if not isinstance(entry, dict) or not entry.get('token'):
                return None
            if float(entry.get('expires_at', 0)) - self.clock() <= EXPIRY_MARGIN:
                return None
            return entry
        except (IOError, OSError, ValueError, TypeError):
            return None

    def store(self, key, entry):
        try:
            self._ensure_directory()
            handle, temp_path = tempfile.mkstemp(prefix='.token-', dir=self.directory)
            try:
                os.fchmod(handle, 0o600)
                with os.fdopen(handle, 'w') as stream:
                    json.dump(entry, stream)
                os.rename(temp_path, self._path(key))
            except BaseException:
                _remove(temp_path)
                raise
        except (IOError, OSError, TypeError, ValueError):
            return False
        return True

    def drop(self, key):
        _remove(self._path(key))

    def _ensure_directory(self):
        if not os.path.isdir(self.directory):
            os.makedirs(self.directory, 0o700)
        mode = stat.S_IMODE(os.stat(self.directory).st_mode)
        if mode != 0o700:
            os.chmod(self.directory, 0o700)


def _is_shared(path):
    """A cache file others may read or write is not trusted (and not used)."""
    info = os.stat(path)
    return bool(info.st_mode & 0o077) or (hasattr(os, 'getuid') and info.st_uid != os.getuid())


def _remove(path):
    try:
        os.remove(path)
    except OSError:
        pass
