# Copyright (c) otc.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Write the parts of the docs that the tables say: services (plugins/module_utils/wire/_services.py)
and auth methods (plugins/module_utils/auth/_auth.py METHODS and each method's OPTIONS).

    python scripts/gen_docs.py          rewrite every generated block (make gen-docs)
    python scripts/gen_docs.py --check  exit 1 and name the stale blocks (tests/unit/plugins/test_generated_docs.py)

A generated block sits between two comment lines, ``begin generated NAME`` and ``end generated NAME``
(YAML ``#`` comments in docs strings and YAML files, ``<!-- -->`` in Markdown). Its text is rendered at
the indentation of the begin line. Everything outside the blocks is hand-written.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re
import sys
import tempfile
import textwrap

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WIDTH = 120
MARKER = re.compile(r'^(?P<indent>\s*)(?:#|<!--) (?P<edge>begin|end) generated (?P<name>[a-z-]+)')

# Which files hold which blocks; a block may appear in several files.
FILES = {
    'plugins/doc_fragments/auth.py': ('auth-method-options', 'auth-type-choices', 'service-option'),
    'plugins/modules/job_info.py': ('job-return',),
    'plugins/modules/job_wait.py': ('job-return',),
    'plugins/modules/request.py': ('service-choices', 'create-id-places', 'project-roots'),
    'plugins/filter/job_ids.py': ('service-choices', 'registered-id-places'),
    'plugins/lookup/job.py': ('service-names', 'service-choices'),
    'roles/wait_for_jobs/meta/argument_specs.yml': ('service-choices', 'registered-id-places'),
    'README.md': ('service-table',),
    'galaxy.yml': ('service-tags',),
}


def tables():
    """(service table, auth methods), imported from this checkout (whether or not it lies under ansible_collections/otc/jobs)."""
    parts = REPO.split(os.sep)
    if parts[-3:-2] == ['ansible_collections'] and parts[-2:] == ['otc', 'jobs']:
        sys.path.insert(0, os.sep.join(parts[:-3]))
    else:
        root = tempfile.mkdtemp(prefix='otc-jobs-docs-')
        os.makedirs(os.path.join(root, 'ansible_collections', 'otc'))
        os.symlink(REPO, os.path.join(root, 'ansible_collections', 'otc', 'jobs'))
        sys.path.insert(0, root)
    from ansible_collections.otc.jobs.plugins.module_utils.auth._auth import METHODS
    from ansible_collections.otc.jobs.plugins.module_utils.wire._services import SERVICE_TABLE
    return Tables(SERVICE_TABLE, METHODS)


class Tables:
    """What the blocks are rendered from; a block reads ``services`` (name -> JobApi) or ``methods``."""

    def __init__(self, services, methods):
        self.services = services
        self.methods = methods


# --- text helpers ----------------------------------------------------------------------------------


def _dotted(path):
    return '.'.join('*' if key == '*' else key for key in path)


def _names(services):
    """'elb, ecs and evs'."""
    names = [api.name for api in services]
    return names[0] if len(names) == 1 else '%s and %s' % (', '.join(names[:-1]), names[-1])


def _grouped(table, key):
    """[(value, [api, ...])] in table order, grouping services whose ``key(api)`` is equal."""
    groups = []
    for api in table.values():
        value = key(api)
        for known, members in groups:
            if known == value:
                members.append(api)
                break
        else:
            groups.append((value, [api]))
    return groups


def _item(text, indent):
    """A YAML list item, wrapped."""
    return textwrap.wrap(text, WIDTH, initial_indent=indent + '- ', subsequent_indent=indent + '  ',
                         break_on_hyphens=False, break_long_words=False)


def _field(key, text, indent):
    """``key: text`` wrapped as a plain YAML scalar."""
    return textwrap.wrap('%s: %s' % (key, text), WIDTH, initial_indent=indent, subsequent_indent=indent + '  ',
                         break_on_hyphens=False, break_long_words=False)


def _flow(values):
    return '[%s]' % ', '.join(values)


# --- blocks ----------------------------------------------------------------------------------------


def service_choices(table, indent):
    return [indent + 'choices: ' + _flow(table)]


def service_option(table, indent):
    """The list of services of the O(service) option, then its choices (the begin line is at the key's indent)."""
    lines = []
    for api in table.values():
        lines += _item('V(%s) %s (C(GET %s)) - %s.' % (api.name, api.title, api.path, api.operations), indent + '  ')
    return lines + service_choices(table, indent)


def service_names(table, indent):
    return _item(', '.join('C(%s) %s' % (api.name, api.title) for api in table.values()) + '.', indent)


def _id_places(api, registered):
    places = ['C(%s)' % _dotted(path) for path in api.create_id_paths]
    if registered:
        places = ['C(json.%s)' % _dotted(path) for path in api.create_id_paths] + places
    return ' and '.join(places)


def create_id_places(table, indent):
    groups = _grouped(table, lambda api: _id_places(api, False))
    return _item('Where each service puts the job id of its answer - %s.' % '; '.join(
        '%s for %s' % (places, _names(members)) for places, members in groups), indent)


def registered_id_places(table, indent):
    groups = _grouped(table, lambda api: _id_places(api, True))
    return _item('Each result is read first at C(job_id) (as M(otc.jobs.request) returns it), then where the service '
                 'puts the job id of its answer - %s.' % '; '.join(
                     '%s for %s' % (places, _names(members)) for places, members in groups), indent)


def project_roots(table, indent):
    groups = _grouped(table, lambda api: api.project_root)
    return _item('The project roots - %s.' % '; '.join(
        ('C(%s) for %s' % (root, _names(members))) if root else 'the API root itself for %s' % _names(members)
        for root, members in groups), indent)


def job_return(table, indent):
    """The keys of a normalized job, for RETURN of job_info and job_wait (the begin line is at ``contains:``)."""
    inner = indent + '  '
    statuses = '; '.join('%s %s' % (_names(members), ', '.join('C(%s)' % word for word in words))
                         for words, members in _grouped(table, lambda api: api.status_words))
    job_types = ', '.join('C(%s)' % _dotted(path) for path in _unique(
        path for api in table.values() for path in api.job_type_paths))
    no_type = _names([api for api in table.values() if not api.job_type_paths])
    sub_job_keys = ', '.join('C(%s)' % _dotted(path) for path in _unique(
        path for api in table.values() for path in api.sub_job_paths))
    progress = '; '.join('%s %s' % (_names(members), places) for places, members in _grouped(
        table, lambda api: ' or '.join('C(%s)' % _dotted(path) for path in api.progress_paths)
        + (', a fraction 0-1 read as percent' if api.progress_fraction else '')) if places)
    kinds = '; '.join('the %s for %s' % (kind, _names(members))
                      for kind, members in _grouped(table, lambda api: api.resource) if kind)
    message_only = _names([api for api in table.values() if not api.error_code_paths and api.error_message_paths])
    entities = _names([api for api in table.values() if api.entities_path])

    def key(name, description, kind, **extra):
        lines = [indent + '%s:' % name]
        if isinstance(description, str):
            lines += _field('description', description, inner)
        else:
            lines += [inner + 'description:']
            for text in description:
                lines += _item(text, inner + '  ')
        lines.append(inner + 'type: %s' % kind)
        for extra_key in ('elements', 'choices', 'sample'):
            if extra_key in extra:
                lines.append(inner + '%s: %s' % (extra_key, extra[extra_key]))
        return lines

    return (
        key('id', 'Job id.', 'str', sample='ff8080825ecc523f015ecd0a98f82f77')
        + key('service', 'The service of the job, as given in O(service).', 'str', sample='ecs')
        + key('project_id', 'Project the job belongs to.', 'str')
        + key('status', ['The raw status as the API sent it - %s.' % statuses], 'str', sample='SUCCESS')
        + key('state', "Normalized state; a status outside the service's vocabulary is C(unknown).", 'str',
              choices='[init, running, success, failed, unknown]')
        + key('finished', 'Whether the state is C(success) or C(failed).', 'bool')
        + key('succeeded', 'Whether the state is C(success).', 'bool')
        + key('job_type', 'What the job does, such as C(createELB) or C(createServer), from %s; null where the API '
                          'has none (%s).' % (job_types, no_type), 'str', sample='createELB')
        + key('begin_time', 'Start, ISO 8601 UTC with milliseconds, from whatever format the API used.', 'str',
              sample="'2017-09-29T09:49:37.399Z'")
        + key('end_time', 'End, ISO 8601 UTC with milliseconds; null until finished (even where an API sends one '
                          'earlier).', 'str', sample="'2017-09-29T09:50:03.272Z'")
        + key('duration', 'Seconds from begin to end; null until finished.', 'float', sample='25.873')
        + key('error', ['C(code) and C(message) of a failed job, null unless it failed. Either may be null where the '
                        'API gives no reason (%s give a message only).' % message_only], 'dict',
              sample='{code: ELB.8902, message: Insufficient EIP quota for the load balancer.}')
        + key('entities', "The job's C(entities) as sent (%s); empty where the API has none." % entities, 'dict')
        + key('sub_jobs', 'Normalized sub-jobs, same keys, from wherever the service keeps them (%s).' % sub_job_keys,
              'list', elements='dict')
        + key('progress', 'Percent done where the API reports it (%s), else null.' % progress, 'int', sample='60')
        + key('resource_ids', ['Ids of what the job made or changed, sub-jobs included, in order - %s.' % kinds],
              'list', elements='str', sample='[bae51750-0089-41a1-9b18-5c777978ff6d]')
        + key('raw', 'The API body exactly as received (left out with O(return_raw=false)).', 'dict')
    )


def _unique(items):
    seen = []
    for item in items:
        if item not in seen:
            seen.append(item)
    return seen


def service_table_md(table, indent):
    rows = ['| `service` | job API | statuses (pending → success / failure) | job id in the create answer |',
            '|---|---|---|---|']
    for api in table.values():
        words = api.status_words
        rows.append('| `%s` | %s, `GET %s` | %s → %s / %s | %s |' % (
            api.name, api.title, api.path, ', '.join('`%s`' % word for word in words[:-2]) or '-',
            '`%s`' % words[-2], '`%s`' % words[-1], ', '.join('`%s`' % _dotted(path) for path in api.create_id_paths)))
    return [indent + row for row in rows]


def service_tags(table, indent):
    return [indent + '- ' + name for name in table]


def auth_method_options(methods, indent):
    """The sub-options of O(auth) that belong to one method, from its OPTIONS."""
    lines = []
    for method in methods:
        for key, spec in method.OPTIONS.items():
            lines.append(indent + '%s:' % key)
            lines += _field('description', spec['description'], indent + '  ')
            lines.append(indent + '  type: %s' % spec.get('type', 'str'))
            if spec.get('aliases'):
                lines.append(indent + '  aliases: ' + _flow(spec['aliases']))
    return lines


def auth_type_choices(methods, indent):
    return [indent + 'choices: ' + _flow(name for method in methods for name in (method.NAME,) + method.ALIASES)]


# Each block and what it is rendered from.
BLOCKS = {
    'auth-method-options': (auth_method_options, 'methods'),
    'auth-type-choices': (auth_type_choices, 'methods'),
    'service-option': (service_option, 'services'),
    'service-choices': (service_choices, 'services'),
    'service-names': (service_names, 'services'),
    'create-id-places': (create_id_places, 'services'),
    'registered-id-places': (registered_id_places, 'services'),
    'project-roots': (project_roots, 'services'),
    'job-return': (job_return, 'services'),
    'service-table': (service_table_md, 'services'),
    'service-tags': (service_tags, 'services'),
}


# --- rewriting -------------------------------------------------------------------------------------


def rewrite(text, tables, expected=()):
    """``text`` with every generated block rendered anew; ValueError for broken or missing markers."""
    out, lines, found = [], text.split('\n'), []
    index = 0
    while index < len(lines):
        line = lines[index]
        out.append(line)
        match = MARKER.match(line)
        index += 1
        if not match:
            continue
        name = match.group('name')
        if match.group('edge') != 'begin' or name not in BLOCKS:
            raise ValueError('unexpected marker %r' % line.strip())
        end = index
        while end < len(lines) and not (MARKER.match(lines[end]) and MARKER.match(lines[end]).group('edge') == 'end'):
            end += 1
        if end == len(lines) or MARKER.match(lines[end]).group('name') != name:
            raise ValueError('block %s has no matching end marker' % name)
        render, source = BLOCKS[name]
        out += render(getattr(tables, source), match.group('indent'))
        out.append(lines[end])
        found.append(name)
        index = end + 1
    missing = sorted(set(expected) - set(found))
    if missing:
        raise ValueError('no generated block %s' % ', '.join(missing))
    return '\n'.join(out)


def stale_files(tables, root=REPO, write=False):
    """The files whose generated blocks differ from what the tables give; rewritten if ``write``."""
    stale = []
    for relpath, blocks in sorted(FILES.items()):
        path = os.path.join(root, relpath)
        with open(path) as handle:
            text = handle.read()
        new = rewrite(text, tables, blocks)
        if new != text:
            stale.append(relpath)
            if write:
                with open(path, 'w') as handle:
                    handle.write(new)
    return stale


def main(argv):
    check = '--check' in argv
    stale = stale_files(tables(), write=not check)
    for relpath in stale:
        print('%s %s' % ('stale:' if check else 'rewrote', relpath))
    return 1 if check and stale else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
