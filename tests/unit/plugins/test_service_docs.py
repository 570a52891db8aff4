# -*- coding: utf-8 -*-
# Copyright (c) otc.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The docs' service lists and tables are what the service table says (scripts/service_docs.py).

A new service is an entry in plugins/module_utils/wire/_services.py plus its tests; `make service-docs`
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

from ansible_collections.otc.jobs.plugins.module_utils.wire._services import SERVICE_TABLE, SERVICES, JobApi

REPO = os.path.normpath(os.path.join(os.path.dirname(__file__), '..', '..', '..'))


def _load_generator():
    spec = importlib.util.spec_from_file_location('service_docs', os.path.join(REPO, 'scripts', 'service_docs.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


service_docs = _load_generator()


def test_generated_blocks_are_up_to_date():
    stale = service_docs.stale_files(SERVICE_TABLE, root=REPO)
    assert stale == [], 'run `make service-docs`: %s' % ', '.join(stale)


def _with_a_twelfth_service():
    table = copy.copy(SERVICE_TABLE)
    table['xyz'] = JobApi('xyz', 'Example Service v9', '/v9/{project_id}/tasks/{job_id}', ('xyz',),
                          {'Queued': 'init', 'Done': 'success', 'Broken': 'failed'}, (('task_id',),),
                          'widget', 'widget create', project_root='/v9/{project_id}',
                          create_id_paths=(('task', 'id'),))
    return table


def test_a_new_service_reaches_every_generated_block(tmp_path):
    """With one more table entry, every file's generated text changes, and names it."""
    for relpath in service_docs.FILES:
        os.makedirs(os.path.dirname(str(tmp_path / relpath)) or str(tmp_path), exist_ok=True)
        with open(os.path.join(REPO, relpath)) as source, open(str(tmp_path / relpath), 'w') as copied:
            copied.write(source.read())
    stale = service_docs.stale_files(_with_a_twelfth_service(), root=str(tmp_path), write=True)
    assert sorted(stale) == sorted(service_docs.FILES)
    for relpath in service_docs.FILES:
        assert 'xyz' in (tmp_path / relpath).read_text()
    readme = (tmp_path / 'README.md').read_text()
    assert '| `xyz` | Example Service v9, `GET /v9/{project_id}/tasks/{job_id}` | `Queued` → `Done` / `Broken` | `task.id` |' in readme


@pytest.mark.parametrize('relpath', sorted(path for path in service_docs.FILES if path.endswith('.py')))
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
        service_docs.rewrite('  # begin generated service-choices\n  choices: []\n', SERVICE_TABLE)
    with pytest.raises(ValueError, match='no generated block service-table'):
        service_docs.rewrite('nothing here\n', SERVICE_TABLE, ('service-table',))
