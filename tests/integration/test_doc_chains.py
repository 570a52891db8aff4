# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every chain the docs show runs against the emulator: the README's YAML examples that call otc.jobs.request,
and the EXAMPLES of otc.jobs.request and of the otc.jobs.job_ids filter, with their variables defined and the
connection a clouds.yaml entry `otc` (or module_defaults) pointing at the emulator."""

import json
import os
import re

import pytest
import yaml

from tests.emulator import otc_emulator as emu_mod
from tests.integration.harness import REPO

# The variables the examples name as "yours" (request bodies, ids).
VARIABLES = {
    'vpc_id': '21838be1-c1ce-4c09-9184-228cdb43038d',
    'subnet_id': '4f5b4c06-5d7a-4d10-9a42-f0cb1e9a9c0f',
    'image_id': '1ce9b1a6-7bd8-4f51-8e46-0ed2cb1bfd6a',
    'server_id': 'bae51750-0089-41a1-9b18-5c777978ff6d',
    'vault_admin_pass': 'Docs-Admin-Pass-1',
    'server_spec': {'name': 'app', 'flavorRef': 's3.medium.1', 'adminPass': 'Docs-Admin-Pass-2'},
    'cluster_spec': {'kind': 'Cluster', 'apiVersion': 'v3', 'metadata': {'name': 'prod'}, 'spec': {'type': 'VirtualMachine'}},
    'rds_spec': {'name': 'db', 'password': 'Docs-Db-Pass-3', 'datastore': {'type': 'MySQL', 'version': '8.0'}},
    'rds_instances': [{'name': 'db-a', 'password': 'Docs-Db-Pass-4'}, {'name': 'db-b', 'password': 'Docs-Db-Pass-5'}],
    'clusters': [{'kind': 'Cluster', 'metadata': {'name': 'one'}}, {'kind': 'Cluster', 'metadata': {'name': 'two'}}],
    'database': {'json': {'job_id': '31b8ae23-c687-4d80-b7b4-42a66c9bb886'}, 'status': 202},
    'sites': [{'name': 'web-a', 'enabled': True}, {'name': 'web-b', 'enabled': False}, {'name': 'web-c', 'enabled': True}],
}
SECRETS = ('Docs-Admin-Pass-1', 'Docs-Admin-Pass-2', 'Docs-Db-Pass-3', 'Docs-Db-Pass-4', 'Docs-Db-Pass-5')


def readme_chains():
    with open(os.path.join(REPO, 'README.md')) as handle:
        text = handle.read()
    blocks = re.findall(r'```yaml\n(.*?)```', text, re.S)
    return [block for block in blocks if 'otc.jobs.request' in block]


def examples(path):
    with open(os.path.join(REPO, path)) as handle:
        text = handle.read()
    return re.search(r"EXAMPLES = r'''\n(.*?)'''", text, re.S).group(1)


def write_clouds(directory, emulator):
    path = os.path.join(str(directory), 'clouds.yaml')
    with open(path, 'w') as handle:
        yaml.safe_dump({'clouds': {'otc': {'auth': {
            'auth_url': emulator.url + '/v3', 'username': emu_mod.USER_NAME, 'password': emu_mod.USER_PASSWORD,
            'user_domain_name': emu_mod.DOMAIN_NAME, 'project_name': emu_mod.PROJECT_NAME}}}}, handle)
    return path


def run_chain(emulator, playbook, tmp_path, tasks):
    emulator.configure(default_duration=0.3)
    clouds = write_clouds(tmp_path, emulator)
    wrapped = '- name: chain\n  module_defaults:\n    group/otc.jobs.otc: {cloud: otc}\n  block:\n'
    wrapped += ''.join('    ' + line + '\n' if line.strip() else '\n' for line in tasks.splitlines())
    run = playbook(wrapped, play_vars=VARIABLES, env={'OS_CLIENT_CONFIG_FILE': clouds})
    assert run.rc == 0, run.output[-4000:]
    assert 'Traceback' not in run.output
    # A looped result keeps its loop item (``item``) as Ansible registered it; everything else is checked.
    text = run.output + json.dumps(_without_items(run.results))
    for secret in SECRETS:
        assert secret not in text
    assert emulator.stats()['iam_calls'] == 1, emulator.stats()['iam_calls']
    return run


def _without_items(data):
    if isinstance(data, dict):
        return dict((key, _without_items(value)) for key, value in data.items() if key != 'item')
    if isinstance(data, list):
        return [_without_items(value) for value in data]
    return data


def test_readme_has_chains():
    chains = readme_chains()
    assert len(chains) >= 4
    readme = open(os.path.join(REPO, 'README.md')).read()
    for undefined in ('iam_token', 'elb_api', 'ecs_api'):
        assert undefined not in readme


@pytest.mark.parametrize('index', range(len(readme_chains())))
def test_readme_chain_runs(emulator, playbook, tmp_path, index):
    tasks = readme_chains()[index]
    yaml.safe_load(tasks)  # each block is a task list on its own
    run = run_chain(emulator, playbook, tmp_path, tasks)
    if 'wait_for_jobs' in tasks and 'sites' in tasks:
        assert 'left out web-b: it was skipped' in run.output


@pytest.mark.parametrize('path', ['plugins/modules/request.py', 'plugins/filter/job_ids.py'])
def test_examples_chain_runs(emulator, playbook, tmp_path, path):
    run_chain(emulator, playbook, tmp_path, examples(path))


@pytest.mark.parametrize('path, option', [('plugins/modules/request.py', 'service'), ('plugins/filter/job_ids.py', 'service')])
def test_service_choices_are_the_service_table(path, option):
    from tests.integration.harness import collections_path  # noqa: F401  (the collection is importable through it)
    import sys
    sys.path.insert(0, collections_path())
    from ansible_collections.otc.jobs.plugins.module_utils.wire._services import SERVICES
    with open(os.path.join(REPO, path)) as handle:
        text = handle.read()
    documentation = yaml.safe_load(re.search(r"DOCUMENTATION = r'''\n(.*?)'''", text, re.S).group(1))
    assert tuple(documentation['options'][option]['choices']) == SERVICES
