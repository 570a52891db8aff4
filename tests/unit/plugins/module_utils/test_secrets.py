# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The secrets registry: what is registered is masked everywhere, and reaches AnsibleModule's no_log_values."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.otc.jobs.plugins.module_utils._secrets import MASK, Secrets


def test_registered_values_reach_the_sink_and_are_scrubbed():
    sink = set()
    secrets = Secrets(sink=sink)
    secrets.add('s3cret\n')
    secrets.add(None)
    secrets.add('')
    secrets.add(42)
    assert sink == {'s3cret\n', 's3cret'} == secrets.values
    assert secrets.scrub('token s3cret echoed') == 'token %s echoed' % MASK


def test_longest_first_so_no_tail_survives():
    secrets = Secrets()
    secrets.add('abc')
    secrets.add('abcdef')
    assert secrets.scrub('x abcdef y abc') == 'x %s y %s' % (MASK, MASK)


def test_scrub_data_reaches_keys_values_and_nesting():
    secrets = Secrets()
    secrets.add('pw')
    data = {'msg': 'pw!', 'list': ['a', {'pw': 'pwpw'}], 'n': 1, 'b': True, 'none': None}
    assert secrets.scrub_data(data) == {'msg': MASK + '!', 'list': ['a', {MASK: MASK + MASK}], 'n': 1, 'b': True, 'none': None}


def test_nothing_registered_changes_nothing():
    assert Secrets().scrub('plain') == 'plain'
