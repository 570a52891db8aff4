# -*- coding: utf-8 -*-
# Copyright (c) otc.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The docs' service lists and tables and the auth methods' options are what the tables say (scripts/gen_docs.py).

A new service is an entry in plugins/module_utils/wire/_services.py plus its tests; `make gen-docs`
rewrites the generated blocks, and this test fails until it has been run.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ast
import copy
import importlib.util
import os

import pytest
import yaml

from ansible_collections.otc.jobs.plugins.module_utils.auth._auth import METHODS, auth_options
from ansible_collections.otc.jobs.plugins.module_utils.wire._services import SERVICE_TABLE, SERVICES, JobApi

REPO = os.path.normpath(os.path.join(os.path.dirname(__file__), '..', '..', '..'))


def _load_generator():
    spec = importlib.util.spec_from_file_location('gen_docs', os.path.join(REPO, 'scripts', 'gen_docs.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


gen_docs = _load_generator()


def test_generated_blocks_are_up_to_date():
    stale = gen_docs.stale_files(gen_docs.Tables(SERVICE_TABLE, METHODS), root=REPO)
    assert stale == [], 'run `make gen-docs`: %s' % ', '.join(stale)


def _with_a_twelfth_service():
    table = copy.copy(SERVICE_TABLE)
    table['xyz'] = JobApi('xyz', 'Example Service v9', '/v9/{project_id}/tasks/{job_id}', ('xyz',),
                          {'Queued': 'init', 'Done': 'success', 'Broken': 'failed'}, (('task_id',),),
                          'widget', 'widget create', project_root='/v9/{project_id}',
                          create_id_paths=(('task', 'id'),))
    return table


def test_a_new_service_reaches_every_generated_block(tmp_path):
    """With one more table entry, every file's generated text changes, and names it."""
    for relpath in gen_docs.FILES:
        os.makedirs(os.path.dirname(str(tmp_path / relpath)) or str(tmp_path), exist_ok=True)
        with open(os.path.join(REPO, relpath)) as source, open(str(tmp_path / relpath), 'w') as copied:
            copied.write(source.read())
    stale = gen_docs.stale_files(gen_docs.Tables(_with_a_twelfth_service(), METHODS), root=str(tmp_path), write=True)
    service_files = [path for path, blocks in gen_docs.FILES.items() if any(gen_docs.BLOCKS[block][1] == 'services' for block in blocks)]
    assert sorted(stale) == sorted(service_files)
    for relpath in service_files:
        assert 'xyz' in (tmp_path / relpath).read_text()
    readme = (tmp_path / 'README.md').read_text()
    assert '| `xyz` | Example Service v9, `GET /v9/{project_id}/tasks/{job_id}` | `Queued` → `Done` / `Broken` | `task.id` |' in readme


@pytest.mark.parametrize('relpath', sorted(path for path in gen_docs.FILES if path.endswith('.py')))
def test_generated_docs_are_valid_yaml_with_the_table_as_choices(relpath):
    namespace = {}
    with open(os.path.join(REPO, relpath)) as source:
        code = source.read()
    # Docs strings are plain literals: read them without importing the plugin.
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            for target in node.targets:
                if isinstance(target, ast.Name) and target.id.isupper():
                    namespace[target.id] = node.value.value
    docs = [yaml.safe_load(text) for name, text in sorted(namespace.items()) if name in ('DOCUMENTATION', 'RETURN', 'JOBS')]
    assert docs and all(isinstance(doc, dict) for doc in docs)
    for doc in docs:
        service = (doc.get('options') or {}).get('service')
        if service:
            assert service['choices'] == list(SERVICES)
        job = doc.get('job')
        if job and 'contains' in job:   # request's job refers to job_wait's
            assert set(job['contains']) >= {'id', 'status', 'state', 'error', 'progress', 'resource_ids', 'raw'}


def test_role_spec_and_galaxy_tags_follow_the_table():
    with open(os.path.join(REPO, 'roles', 'wait_for_jobs', 'meta', 'argument_specs.yml')) as spec:
        options = yaml.safe_load(spec)['argument_specs']['main']['options']
    assert options['wait_for_jobs_service']['choices'] == list(SERVICES)
    with open(os.path.join(REPO, 'galaxy.yml')) as galaxy:
        tags = yaml.safe_load(galaxy)['tags']
    assert set(SERVICES) <= set(tags)


def test_a_broken_marker_is_refused():
    with pytest.raises(ValueError, match='no matching end marker'):
        gen_docs.rewrite('  # begin generated service-choices\n  choices: []\n', gen_docs.Tables(SERVICE_TABLE, METHODS))
    with pytest.raises(ValueError, match='no generated block service-table'):
        gen_docs.rewrite('nothing here\n', gen_docs.Tables(SERVICE_TABLE, METHODS), ('service-table',))


def test_auth_options_of_the_doc_fragment_are_the_argument_spec():
    namespace = {}
    with open(os.path.join(REPO, 'plugins', 'doc_fragments', 'auth.py')) as source:
        for node in ast.walk(ast.parse(source.read())):
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
                namespace[node.targets[0].id] = node.value.value
    documented = yaml.safe_load(namespace['DOCUMENTATION'])['options']['auth']['suboptions']
    for key, spec in auth_options().items():
        assert documented[key].get('aliases', []) == spec.get('aliases', []), key
        assert 'description' not in spec
    for method in METHODS:
        for key, spec in method.OPTIONS.items():
            assert documented[key]['description'] == spec['description']
