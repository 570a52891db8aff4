# -*- coding: utf-8 -*-
# Copyright (c) otc.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A new auth method is its own ``auth/_auth_method_*.py`` plus one line in ``auth/_auth.METHODS``.

The test copies plugins/ to a temporary collection, adds an example method that way, and checks in a
fresh interpreter that everything else picks it up: the argument spec of ``auth`` and ``auth_type``,
its clouds.yaml spellings, the secrets of its options and of its OS_* variables, inference,
validation, and its part of the doc fragment (``make gen-docs``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import shutil
import subprocess
import sys
import textwrap

REPO = os.path.normpath(os.path.join(os.path.dirname(__file__), '..', '..', '..'))
PLUGINS = os.path.join(REPO, 'plugins')

EXAMPLE_METHOD = textwrap.dedent('''
    from ansible_collections.otc.jobs.plugins.module_utils.auth._auth_base import AuthMethod


    class ApiKeyAuth(AuthMethod):
        NAME = 'apikey'
        ALIASES = ('api_key',)
        CLAIM_KEYS = ('api_key',)
        KEYS = ('api_key', 'project_id', 'auth_url')
        SECRET_KEYS = ('api_key',)
        HEADER_KEYS = ('api_key',)
        OPTIONS = dict(api_key=dict(type='str', no_log=True, aliases=['apikey_value'], description='An API key.'))
        CLOUD_SPELLINGS = (('api_key', ('api_key', 'api-key')),)

        @classmethod
        def missing(cls, auth):
            return [key for key in ('api_key', 'project_id') if not auth.get(key)]

        def authorize(self, method, url, headers, body):
            return dict(headers, Authorization='ApiKey ' + self.settings.auth['api_key'])
''')

PROBE = textwrap.dedent('''
    import json, sys
    from ansible_collections.otc.jobs.plugins.module_utils.config._argspec import auth_argument_spec
    from ansible_collections.otc.jobs.plugins.module_utils.config._config import resolve_settings
    from ansible_collections.otc.jobs.plugins.module_utils.core._secrets import Secrets

    spec = auth_argument_spec()
    out = {'choices': spec['auth_type']['choices'], 'option': spec['auth']['options'].get('api_key')}
    secrets = Secrets()
    cloud = {'api-key': 'key-from-cloud', 'auth': {'project_id': '0123456789abcdef0123456789abcdef'}}
    settings = resolve_settings({'cloud': cloud}, secrets, environ={'OS_API_KEY': 'key-from-env'})
    out['inferred'] = settings.auth_type
    out['auth'] = settings.auth
    out['masked'] = sorted(value for value in ('key-from-cloud', 'key-from-env') if value in secrets.values)
    settings = resolve_settings({'auth': {'apikey_value': 'k2', 'project_id': '0123456789abcdef0123456789abcdef'}}, Secrets(), environ={})
    out['alias'] = settings.auth.get('api_key')
    try:
        resolve_settings({'auth_type': 'api_key', 'auth': {'api_key': 'k3'}}, Secrets(), environ={})
    except Exception as exc:
        out['refused'] = str(exc)
    import importlib.util
    from ansible_collections.otc.jobs.plugins.module_utils.auth._auth import METHODS
    spec = importlib.util.spec_from_file_location('gen_docs', sys.argv[1])
    gen_docs = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen_docs)
    out['doc'] = gen_docs.auth_method_options(METHODS, '') + gen_docs.auth_type_choices(METHODS, '')
    print(json.dumps(out))
''')


def test_a_fourth_auth_method_is_one_file_and_one_registration(tmp_path):
    collection = tmp_path / 'ansible_collections' / 'otc' / 'jobs'
    shutil.copytree(PLUGINS, str(collection / 'plugins'), ignore=shutil.ignore_patterns('__pycache__'))
    auth_dir = collection / 'plugins' / 'module_utils' / 'auth'
    (auth_dir / '_auth_method_apikey.py').write_text(EXAMPLE_METHOD)
    registry = (auth_dir / '_auth.py').read_text()
    assert registry.count('METHODS = (') == 1
    registry = registry.replace(
        'METHODS = (', 'from ansible_collections.otc.jobs.plugins.module_utils.auth._auth_method_apikey import ApiKeyAuth\n'
        'METHODS = (ApiKeyAuth, ', 1)
    (auth_dir / '_auth.py').write_text(registry)

    env = dict(os.environ, PYTHONPATH=str(tmp_path))
    done = subprocess.run([sys.executable, '-c', PROBE, os.path.join(REPO, 'scripts', 'gen_docs.py')], cwd=str(tmp_path), env=env, check=False,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, timeout=120)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert 'apikey' in out['choices'] and 'api_key' in out['choices']
    assert out['option'] == {'type': 'str', 'no_log': True, 'aliases': ['apikey_value']}
    assert out['inferred'] == 'apikey'
    assert out['auth'] == {'api_key': 'key-from-cloud', 'project_id': '0123456789abcdef0123456789abcdef'}
    assert out['masked'] == ['key-from-cloud', 'key-from-env']
    assert out['alias'] == 'k2'
    assert 'apikey authentication needs project_id' in out['refused']
    # make gen-docs documents it in the doc fragment
    assert out['doc'][:4] == ['api_key:', '  description: An API key.', '  type: str', '  aliases: [apikey_value]']
    assert out['doc'][-1].startswith('choices: [apikey, api_key, aksk')
