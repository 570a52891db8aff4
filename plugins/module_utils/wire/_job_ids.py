# -*- coding: utf-8 -*-
# Copyright (c) otc.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Job ids in create and delete answers, and in registered task results, from the service table.

Each service puts the job id of a create or delete answer in its own place (``JobApi.create_id_paths``):
ELB, ECS, EVS, IMS, BMS, VBS, RDS, DDS and DDM ``job_id``, CFW ``data.id``, CCE ``status.jobID``.
``otc.jobs.request`` reads its answer with ``answer_job_id``; the filter ``otc.jobs.job_ids`` and the
role read registered results (``ansible.builtin.uri``, ``otc.jobs.request``, other modules) with
``result_job_ids``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.otc.jobs.plugins.module_utils.core import _validate
from ansible_collections.otc.jobs.plugins.module_utils.wire._services import job_api


def _at(data, path):
    for key in path:
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data


def answer_job_id(service, body):
    """The job id in a create/delete answer ``body`` of ``service``: (id, place) or (None, None).

    A value at a documented place that is not a valid job id is returned as it is: the caller decides.
    """
    for path in job_api(service).create_id_paths:
        value = _at(body, path)
        if isinstance(value, str) and value:
            return value, '.'.join(path)
    return None, None


def result_job_ids(service, result, strict=True):
    """The job ids of a registered result: a single one, a looped one (``results``) or a list of them.

    Items that were skipped or whose task failed hold no job and are left out. With ``strict`` an item
    that ran but holds no job id at any place the service uses raises ValueError naming the places.
    """
    api = job_api(service)
    if isinstance(result, dict) and isinstance(result.get('results'), list):
        items = result['results']
    elif isinstance(result, (list, tuple)):
        items = list(result)
    else:
        items = [result]
    ids = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            if isinstance(item, str) and _validate.is_id(item):
                ids.append(item)  # a plain job id
                continue
            if item is None and not strict:
                continue
            raise ValueError('item %d is neither a registered result nor a job id' % index)
        if item.get('skipped') or item.get('failed'):
            continue
        job_id = item_job_id(api, item)
        if job_id is None:
            if strict:
                raise ValueError('no %s job id in item %d of the result: looked at %s' % (
                    service, index, ', '.join(places(api))))
            continue
        ids.append(job_id)
    return ids


def places(api):
    """Where a registered result holds the job id, in the order they are read."""
    found = ['job_id']
    for path in api.create_id_paths:
        for prefix in (('json',), ()):
            name = '.'.join(prefix + path)
            if name not in found:
                found.append(name)
    return found


def item_job_id(api, item):
    """The job id of one registered result (``otc.jobs.request``'s ``job_id``, ``json.<place>``, ``<place>``)."""
    for name in places(api):
        value = _at(item, name.split('.'))
        if isinstance(value, str) and value:
            return value
    return None
