"""Seed ansible-test's pip bootstrap cache with an offline stand-in.

ansible-test bootstraps pip into each virtual environment it creates (``--venv``)
with ``get-pip-<ver>.py`` downloaded from ci-files.testing.ansible.com, a host
these machines cannot reach. It first looks in
``~/.ansible/test/cache/get_pip_<ver with _>.py`` and skips the download when
the file is there, so we put a stand-in there that:

1. runs ``python -m ensurepip`` for the interpreter running it (the new venv), then
2. runs ``python -m pip install`` with the arguments ansible-test gave it, less
   ``--no-setuptools`` and ``--no-wheel`` (get-pip options that pip does not know).

ansible-test runs the script through ``quiet_pip.py`` (``runpy`` as ``__main__``),
so ``sys.argv[1:]`` is e.g. ``--disable-pip-version-check pip==24.2
--no-setuptools --no-wheel``.

The pip version(s) are read from the installed ansible-test (run this with the
Python that has ansible-core installed), so another ansible-core pin still works.
"""

from __future__ import annotations

import os
import re
import sys
import types

STAND_IN = '''\
"""Offline stand-in for get-pip.py, written by otc.jobs scripts/seed_pip_bootstrap.py.

ansible-test runs this to bootstrap pip into a fresh virtual environment.
"""
import os
import subprocess
import sys

MARKER = "otc.jobs offline get-pip stand-in"
DROP = ("--no-setuptools", "--no-wheel")


def main():
    args = [a for a in sys.argv[1:] if a not in DROP]
    env = dict(os.environ)
    env.pop("GET_PIP", None)
    # ensurepip is chatty; show its output only when it fails
    proc = subprocess.run([sys.executable, "-m", "ensurepip", "--default-pip"], env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if proc.returncode:
        sys.stdout.write(proc.stdout.decode("utf-8", "replace"))
        raise subprocess.CalledProcessError(proc.returncode, proc.args)
    if args:
        subprocess.check_call([sys.executable, "-m", "pip", "install"] + args, env=env)


if __name__ == "__main__":
    try:
        main()
    except subprocess.CalledProcessError as ex:
        sys.exit(ex.returncode or 1)
'''

MARKER = 'otc.jobs offline get-pip stand-in'


def pip_versions() -> set[str]:
    """Return the pip versions ansible-test bootstraps, for every Python it supports."""
    try:
        from ansible_test._internal.python_requirements import get_venv_packages
        from ansible_test._util.target.common import constants

        versions = tuple(getattr(constants, 'REMOTE_ONLY_PYTHON_VERSIONS', ())) + tuple(constants.CONTROLLER_PYTHON_VERSIONS)
        found = {get_venv_packages(types.SimpleNamespace(version=v))['pip'] for v in versions}
        if found:
            return found
    except Exception as ex:  # pragma: no cover - fallback for a changed internal API
        print('seed_pip_bootstrap: could not ask ansible-test (%s); reading its source' % ex, file=sys.stderr)

    import ansible_test

    source_path = os.path.join(os.path.dirname(ansible_test.__file__), '_internal', 'python_requirements.py')
    with open(source_path, encoding='utf-8') as f:
        found = set(re.findall(r"""pip\s*=\s*['"]([0-9][0-9.]*)['"]""", f.read()))
    if not found:
        raise SystemExit('seed_pip_bootstrap: cannot find the pip version in %s' % source_path)
    return found


def cache_path_template() -> str:
    """Return the cache path pattern ansible-test uses (``%s`` = version with ``_``)."""
    import ansible_test

    source_path = os.path.join(os.path.dirname(ansible_test.__file__), '_util', 'target', 'setup', 'requirements.py')
    with open(source_path, encoding='utf-8') as f:
        match = re.search(r"""os\.path\.expanduser\(['"]([^'"]*get_pip_%s\.py)['"]""", f.read())
    return match.group(1) if match else '~/.ansible/test/cache/get_pip_%s.py'


def main() -> int:
    template = cache_path_template()
    for version in sorted(pip_versions()):
        path = os.path.expanduser(template % version.replace('.', '_'))
        if os.path.exists(path):
            with open(path, encoding='utf-8', errors='replace') as f:
                current = f.read()
            if current == STAND_IN:
                print('pip %s bootstrap: stand-in already in %s' % (version, path))
                continue
            if MARKER not in current:
                # a real get-pip.py (e.g. downloaded on a machine with access): keep it
                print('pip %s bootstrap: keeping existing %s' % (version, path))
                continue
        os.makedirs(os.path.dirname(path), exist_ok=True)
        tmp = path + '.tmp%d' % os.getpid()
        with open(tmp, 'w', encoding='utf-8') as f:
            f.write(STAND_IN)
        os.replace(tmp, path)
        print('pip %s bootstrap: wrote stand-in %s' % (version, path))
    return 0


if __name__ == '__main__':
    sys.exit(main())
