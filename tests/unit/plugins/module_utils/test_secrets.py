# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The secrets registry: what is registered is masked everywhere, and reaches AnsibleModule's no_log_values."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.otc.jobs.plugins.module_utils.core._secrets import MASK, Secrets


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


def test_no_log_values_of_the_argument_spec():
    """The action plugins mask what AnsibleModule would: values of no_log options at any depth."""
    from ansible_collections.otc.jobs.plugins.module_utils.config._argspec import module_kwargs, no_log_values
    spec = module_kwargs('job_wait')['argument_spec']
    params = {'auth': {'password': 'pw-1', 'token': 'tok-2', 'sk': 'sk-3', 'security_token': 'st-4', 'ak': 'AK',
                       'username': 'me'}, 'token_cache': True, 'service': 'elb'}
    assert no_log_values(spec, params) == {'pw-1', 'tok-2', 'sk-3', 'st-4'}
    assert no_log_values(spec, {'auth': None}) == set()
