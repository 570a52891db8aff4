# -*- coding: utf-8 -*-
# Copyright (c) otc.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tests of the SDK-HMAC-SHA256 signer: the SPEC vector, the official reference
signer from huaweicloudsdkcore (a required test-only dependency), and structure."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import datetime
import hashlib
import hmac
import json
import re
import time
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.otc.jobs.plugins.module_utils.auth._signer import (
    ALGORITHM,
    canonical_request,
    sdk_date,
    sign_request,
    string_to_sign,
)

try:
    from huaweicloudsdkcore.sdk_request import SdkRequest
    from huaweicloudsdkcore.signer.signer import Signer as ReferenceSigner
    REFERENCE_IMPORT_ERROR = None
except ImportError as exc:  # the comparison tests fail (not skip) on this
    SdkRequest = ReferenceSigner = None
    REFERENCE_IMPORT_ERROR = exc


AK = 'AKTESTAKTESTAKTEST00'
SK = 'sktestsktestsktestsktestsktestsktest0000'
VECTOR_URL = 'https://cfw.eu-de.example.com/v3/0123456789abcdef0123456789abcdef/jobs/f588ce71-e26c-400d-8981-f854355f6849'
VECTOR_DATE = '20261122T104000Z'
VECTOR_SIGNATURE = '0dfd05be027abc55a80c299f8c4b583b5fe055f7017e4e4eb547c66f23f538a7'
EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'

AUTH_RE = re.compile(
    r'^SDK-HMAC-SHA256 Access=(?P<ak>[^,\s]+), SignedHeaders=(?P<signed>[a-z0-9;-]+), Signature=(?P<sig>[0-9a-f]{64})$')

# Deterministic for CI: derandomized (the seed is derived from each test), no example
# database, a fixed and bounded number of examples. Registered, not loaded, so it does not
# change the settings of any other test module.
settings.register_profile(
    'otc-jobs-signer',
    max_examples=300,
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
CI_PROFILE = settings.get_profile('otc-jobs-signer')


def _signature(headers):
    match = AUTH_RE.match(headers['Authorization'])
    assert match, headers['Authorization']
    return match.group('sig')


def _signed(headers):
    return AUTH_RE.match(headers['Authorization']).group('signed').split(';')


def _require_reference():
    if REFERENCE_IMPORT_ERROR is not None:
        pytest.fail('huaweicloudsdkcore, the reference signer, is a required test-only dependency '
                    '(tests/unit/requirements.txt) and cannot be imported: %s' % REFERENCE_IMPORT_ERROR)


# ---------------------------------------------------------------------------
# 1. The SPEC section 5 test vector
# ---------------------------------------------------------------------------

def test_spec_vector_signature():
    headers = sign_request('GET', VECTOR_URL, {}, None, AK, SK, date=VECTOR_DATE)
    assert headers == {
        'X-Sdk-Date': VECTOR_DATE,
        'Authorization': 'SDK-HMAC-SHA256 Access=AKTESTAKTESTAKTEST00, SignedHeaders=host;x-sdk-date, '
                         'Signature=' + VECTOR_SIGNATURE,
    }


def test_spec_vector_canonical_request_and_string_to_sign():
    signed = {'host': 'cfw.eu-de.example.com', 'x-sdk-date': VECTOR_DATE}
    canonical = canonical_request('GET', VECTOR_URL, signed, ['x-sdk-date', 'host'], None)
    assert canonical == (
        'GET\n'
        '/v3/0123456789abcdef0123456789abcdef/jobs/f588ce71-e26c-400d-8981-f854355f6849/\n'
        '\n'
        'host:cfw.eu-de.example.com\n'
        'x-sdk-date:20261122T104000Z\n'
        '\n'
        'host;x-sdk-date\n' + EMPTY_SHA256)
    sts = string_to_sign(canonical, VECTOR_DATE)
    assert sts == 'SDK-HMAC-SHA256\n20261122T104000Z\n' + hashlib.sha256(canonical.encode('utf-8')).hexdigest()
    assert hmac.new(SK.encode('ascii'), sts.encode('utf-8'), hashlib.sha256).hexdigest() == VECTOR_SIGNATURE


def test_spec_vector_with_datetime_and_epoch_dates():
    when = datetime.datetime(2026, 11, 22, 10, 40, 0)
    epoch = (when - datetime.datetime(1970, 1, 1)).total_seconds()
    for date in (when, epoch, int(epoch)):
        assert _signature(sign_request('GET', VECTOR_URL, {}, None, AK, SK, date=date)) == VECTOR_SIGNATURE


def test_spec_vector_matches_reference_signer():
    _require_reference()
    request = SdkRequest(method='GET', schema='https', host='cfw.eu-de.example.com',
                         resource_path=VECTOR_URL.split('example.com', 1)[1], query_params=[],
                         header_params={'X-Sdk-Date': VECTOR_DATE}, body=None)
    ReferenceSigner(_Credentials(AK, SK)).sign(request)
    assert request.header_params['Authorization'].endswith('Signature=' + VECTOR_SIGNATURE)


# ---------------------------------------------------------------------------
# 2. Comparison with the official reference signer (huaweicloudsdkcore)
# ---------------------------------------------------------------------------
#
# How the reference is driven: an SdkRequest(method, schema, host, resource_path, query_params,
# header_params, body) is built from the same logical request, with header_params holding exactly
# the headers our signer signs (the reference signs EVERY header it is given, so unsigned extras
# such as Accept/User-Agent go to our signer only) plus X-Sdk-Date, which pins its clock. Its
# Host header is filled from `host`. Signer(credentials).sign(request) then sets Authorization,
# which must equal ours character for character (Access, SignedHeaders and Signature).
#
# Where the reference departs from SPEC section 5 / the API gateway, the comparison is restricted
# to the shared domain:
# * Content-Type other than application/json* or application/bson*: the reference SDK switches to
#   an unsigned payload (it adds and signs "X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD" and uses that
#   literal instead of the body hash). SPEC section 5 (and the API gateway signer) always sign the
#   body's sha256, so for those content types the reference is used with that switch turned off
#   (_HashedPayloadReferenceSigner) and everything else unchanged.
# * An empty path: the reference raises IndexError (it indexes url_path[-1]); we sign "/".
#   Generated paths always start with "/".
# * Percent escapes that are not valid UTF-8 (e.g. "%FF"): the reference decodes the path to str
#   with errors="replace" and signs "%EF%BF%BD"; we work on the bytes that are on the wire and sign
#   "%FF". Generated paths and queries only carry valid UTF-8.
# * Query strings: the reference takes decoded (name, value) pairs and so never sees a raw query.
#   We parse the URL's query, where "+" is a literal plus (RFC 3986, as in the API gateway's
#   Python signer), empty "&&" pieces are ignored, and "k" means "k=". The generated URLs encode
#   "+" as %2B, so the comparison does not depend on that reading of "+".


class _Credentials:
    def __init__(self, ak, sk):
        self.ak = ak
        self.sk = sk


if ReferenceSigner is not None:
    class _HashedPayloadReferenceSigner(ReferenceSigner):
        """The reference signer without its UNSIGNED-PAYLOAD switch for non-JSON content types."""

        @classmethod
        def _process_content_header(cls, request):
            return None
else:  # pragma: no cover
    _HashedPayloadReferenceSigner = None


def _reference_sign(method, scheme, host, resource_path, query_pairs, signed_headers, body, date):
    header_params = dict(signed_headers)
    header_params['X-Sdk-Date'] = date
    # the reference's own test for its UNSIGNED-PAYLOAD switch (exact header name, raw value)
    content_type = header_params.get('Content-Type')
    if content_type and not content_type.startswith(('application/json', 'application/bson')):
        signer_class = _HashedPayloadReferenceSigner
    else:
        signer_class = ReferenceSigner
    request = SdkRequest(method=method, schema=scheme, host=host, resource_path=resource_path,
                         query_params=list(query_pairs), header_params=header_params, body=body)
    signer_class(_Credentials(AK, SK)).sign(request)
    return request.header_params['Authorization']


# (scheme, netloc in the URL, Host header the client sends)
HOSTS = [
    ('https', 'cfw.eu-de.example.com', 'cfw.eu-de.example.com'),
    ('https', 'elb.eu-de.otc.t-systems.com', 'elb.eu-de.otc.t-systems.com'),
    ('https', 'cfw.eu-de.example.com:443', 'cfw.eu-de.example.com'),
    ('https', 'cfw.eu-de.example.com:8443', 'cfw.eu-de.example.com:8443'),
    ('http', '127.0.0.1:18080', '127.0.0.1:18080'),
    ('http', '127.0.0.1:80', '127.0.0.1'),
    ('http', 'localhost:443', 'localhost:443'),
    ('http', '[::1]:9000', '[::1]:9000'),
    ('https', '[::1]', '[::1]'),
]

ODD_CHARS = ' ~%+=&?#/;:@!$\'()*,[]{}|\\^`"<>-._äöüß€中文😀\u00a0'
SAFE_LOOSE = "~:@!$'()*,;"  # sub-delims a client may leave raw in a path segment

segment_text = st.text(
    alphabet=st.one_of(
        st.sampled_from(ODD_CHARS),
        st.characters(min_codepoint=0x21, max_codepoint=0x7e),
        # any non-ASCII code point but the surrogates (which are not text)
        st.characters(min_codepoint=0xa0, max_codepoint=0xd7ff),
        st.characters(min_codepoint=0xe000, max_codepoint=0x10ffff),
    ),
    max_size=10,
)
query_key = st.one_of(st.sampled_from(['a', 'A', 'b', 'limit', 'offset', 'x-y', 'a b', 'ä', '~k', 'k+1', '=', '']),
                      segment_text)
query_value = st.one_of(st.sampled_from(['', '1', '10', 'true', 'a=b', 'a&b', 'x+y', '50%', 'é', ' ']), segment_text)


def _lower_hex(text):
    return re.sub(r'%[0-9A-F]{2}', lambda m: m.group(0).lower(), text)


def _encode_segment(segment, style):
    if style == 'strict':
        return quote(segment, safe='')
    if style == 'strict-lowerhex':
        return _lower_hex(quote(segment, safe=''))
    if style == 'loose':
        return quote(segment, safe=SAFE_LOOSE)
    # 'raw': as a user might type it; only what would break the URL is escaped, and a "%"
    # that is not followed by two hex digits stays bare (both signers keep it literal).
    segment = re.sub(r'%(?=[0-9A-Fa-f]{2})', '%25', segment)
    return segment.replace('?', '%3F').replace('#', '%23').replace('/', '%2F')


def _encode_query_part(text, style, is_value):
    if style == 'strict':
        return quote(text, safe='')
    safe = SAFE_LOOSE + '/?' + ('=' if is_value else '')
    encoded = quote(text, safe=safe)
    return _lower_hex(encoded) if style == 'loose-lowerhex' else encoded


def spellings(name):
    return st.sampled_from([name, name.lower(), name.upper()])


@st.composite
def requests_strategy(draw):
    method = draw(st.sampled_from(['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'get', 'post']))
    scheme, netloc, host = draw(st.sampled_from(HOSTS))

    segments = draw(st.lists(segment_text, min_size=0, max_size=5))
    path_style = draw(st.sampled_from(['strict', 'strict-lowerhex', 'loose', 'raw']))
    wire_path = '/' + '/'.join(_encode_segment(s, path_style) for s in segments)
    if draw(st.booleans()):
        wire_path += '/'

    pairs = draw(st.lists(st.tuples(query_key, query_value), max_size=6))
    query_style = draw(st.sampled_from(['strict', 'loose', 'loose-lowerhex']))
    pieces = []
    for key, value in pairs:
        piece = _encode_query_part(key, query_style, False)
        if value or not key or draw(st.booleans()):
            piece += '=' + _encode_query_part(value, query_style, True)
        pieces.append(piece)
        if draw(st.integers(0, 9)) == 0:
            pieces.append('')  # an empty "&&" piece, ignored
    query = '&'.join(pieces)

    signed = {}
    unsigned = {}
    if draw(st.booleans()):
        signed[draw(spellings('X-Project-Id'))] = draw(st.sampled_from(
            ['0123456789abcdef0123456789abcdef', '  f00dbabe0123456789abcdef01234567 ']))
    if draw(st.booleans()):
        signed[draw(spellings('X-Security-Token'))] = draw(st.sampled_from(
            ['gQpjbi1ub3J0aC00hKt+Zm9v/YmFy==', '\tTOKEN.with-odd_chars~+/= ']))
    if draw(st.booleans()):
        signed[draw(spellings('Content-Type'))] = draw(st.sampled_from([
            'application/json', 'application/json;charset=UTF-8', ' application/json ', 'application/bson',
            'text/plain', 'application/x-www-form-urlencoded', 'application/octet-stream',
            'multipart/form-data; boundary=xyz']))
    if draw(st.booleans()):
        signed['Host'] = host  # an explicit Host header, as a caller may pass one
    if draw(st.booleans()):
        unsigned['Accept'] = 'application/json'
        unsigned['User-Agent'] = 'otc.jobs/1.0 ansible-core'
    if draw(st.booleans()):
        unsigned['X-Custom_Header'] = 'not signed'

    body = draw(st.one_of(
        st.none(),
        st.just(b''),
        st.just(''),
        st.dictionaries(st.text(max_size=5), st.one_of(st.integers(), st.text(max_size=8)), max_size=3).map(json.dumps),
        st.text(max_size=30),
        st.text(max_size=30).map(lambda t: t.encode('utf-8')),
        st.binary(max_size=40),
    ))
    when = draw(st.datetimes(min_value=datetime.datetime(2000, 1, 1), max_value=datetime.datetime(2099, 12, 31)))
    return {
        'method': method, 'scheme': scheme, 'netloc': netloc, 'host': host, 'wire_path': wire_path,
        'query': query, 'pairs': pairs, 'signed': signed, 'unsigned': unsigned, 'body': body,
        'date': when.strftime('%Y%m%dT%H%M%SZ'),
    }


@settings(CI_PROFILE, max_examples=400)
@given(requests_strategy())
def test_matches_reference_signer(req):
    _require_reference()
    url = '%s://%s%s' % (req['scheme'], req['netloc'], req['wire_path'])
    if req['query'] or req['pairs']:
        url += '?' + req['query']
    headers = dict(req['unsigned'])
    headers.update(req['signed'])

    ours = sign_request(req['method'], url, headers, req['body'], AK, SK, date=req['date'])
    reference = _reference_sign(req['method'], req['scheme'], req['host'], req['wire_path'], req['pairs'],
                                req['signed'], req['body'], req['date'])
    if ours['Authorization'] != reference:
        # Show our canonical request to make a failure readable.
        to_sign = dict((k.lower(), v) for k, v in req['signed'].items())
        to_sign.setdefault('host', req['host'])
        to_sign['x-sdk-date'] = req['date']
        ours_canonical = canonical_request(req['method'], url, to_sign, list(to_sign), req['body'])
        pytest.fail('signature differs from the reference for %r\nours: %s\nreference: %s\nour canonical request:\n%s'
                    % (url, ours['Authorization'], reference, ours_canonical))
    assert ours['X-Sdk-Date'] == req['date']


@CI_PROFILE
@given(st.lists(segment_text, min_size=1, max_size=8), st.sampled_from(['strict', 'strict-lowerhex', 'loose', 'raw']),
       st.booleans())
def test_paths_match_reference_signer(segments, style, trailing_slash):
    _require_reference()
    wire_path = '/' + '/'.join(_encode_segment(s, style) for s in segments) + ('/' if trailing_slash else '')
    ours = sign_request('GET', 'https://cfw.eu-de.example.com' + wire_path, {}, None, AK, SK, date=VECTOR_DATE)
    reference = _reference_sign('GET', 'https', 'cfw.eu-de.example.com', wire_path, [], {}, None, VECTOR_DATE)
    assert ours['Authorization'] == reference, wire_path


# ---------------------------------------------------------------------------
# 3. Structure
# ---------------------------------------------------------------------------

def test_authorization_header_format():
    headers = sign_request('post', 'https://elb.eu-de.otc.t-systems.com/v1.0/p/elbaas/loadbalancers',
                           {'Content-Type': 'application/json'}, '{"a": 1}', AK, SK)
    match = AUTH_RE.match(headers['Authorization'])
    assert match
    assert headers['Authorization'].startswith(ALGORITHM + ' Access=')
    assert match.group('ak') == AK
    assert SK not in headers['Authorization']
    assert ALGORITHM == 'SDK-HMAC-SHA256'


def test_signed_headers_sorted_lowercase_and_only_the_listed_ones():
    headers = {
        'X-SECURITY-TOKEN': 'tok',
        'Content-Type': 'application/json',
        'x-Project-Id': '0123456789abcdef0123456789abcdef',
        'Accept': 'application/json',
        'User-Agent': 'otc.jobs',
        'X-Other': 'x',
    }
    result = sign_request('GET', VECTOR_URL, headers, None, AK, SK, date=VECTOR_DATE)
    signed = _signed(result)
    assert signed == sorted(signed)
    assert signed == ['content-type', 'host', 'x-project-id', 'x-sdk-date', 'x-security-token']
    assert all(name == name.lower() for name in signed)


def test_unsigned_headers_do_not_change_the_signature():
    base = sign_request('GET', VECTOR_URL, {}, None, AK, SK, date=VECTOR_DATE)
    more = sign_request('GET', VECTOR_URL, {'Accept': 'application/json', 'User-Agent': 'x'}, None, AK, SK, date=VECTOR_DATE)
    assert _signature(more) == _signature(base) == VECTOR_SIGNATURE
    assert more['Accept'] == 'application/json' and more['User-Agent'] == 'x'


def _expected_signature(method, url, host, date, body=None, extra=None):
    signed = {'host': host, 'x-sdk-date': date}
    signed.update(extra or {})
    canonical = canonical_request(method, url, signed, sorted(signed), body)
    return hmac.new(SK.encode(), string_to_sign(canonical, date).encode(), hashlib.sha256).hexdigest()


@pytest.mark.parametrize('url, host', [
    ('http://127.0.0.1:18080/v3/p/jobs/j', '127.0.0.1:18080'),
    ('https://cfw.eu-de.example.com:8443/v3/p/jobs/j', 'cfw.eu-de.example.com:8443'),
    ('https://cfw.eu-de.example.com:443/v3/p/jobs/j', 'cfw.eu-de.example.com'),
    ('http://cfw.eu-de.example.com:80/v3/p/jobs/j', 'cfw.eu-de.example.com'),
    ('http://cfw.eu-de.example.com:443/v3/p/jobs/j', 'cfw.eu-de.example.com:443'),
    ('https://CFW.EU-DE.Example.COM/v3/p/jobs/j', 'cfw.eu-de.example.com'),
    ('http://[::1]:8080/v3/p/jobs/j', '[::1]:8080'),
    ('https://user@cfw.eu-de.example.com/v3/p/jobs/j', 'cfw.eu-de.example.com'),
])
def test_host_from_url_with_port_when_not_default(url, host):
    result = sign_request('GET', url, {}, None, AK, SK, date=VECTOR_DATE)
    assert _signature(result) == _expected_signature('GET', url, host, VECTOR_DATE)
    # the same as passing that Host header explicitly
    explicit = sign_request('GET', url, {'Host': host}, None, AK, SK, date=VECTOR_DATE)
    assert _signature(explicit) == _signature(result)


def test_non_default_port_changes_the_signature():
    plain = sign_request('GET', 'http://127.0.0.1/v3/p/jobs/j', {}, None, AK, SK, date=VECTOR_DATE)
    ported = sign_request('GET', 'http://127.0.0.1:18080/v3/p/jobs/j', {}, None, AK, SK, date=VECTOR_DATE)
    assert _signature(plain) != _signature(ported)


def test_relative_url_without_host_header_is_refused():
    with pytest.raises(ValueError) as err:
        sign_request('GET', '/v3/p/jobs/j', {}, None, AK, SK, date=VECTOR_DATE)
    assert SK not in str(err.value)
    # with an explicit Host header a path-only URL can be signed
    result = sign_request('GET', '/v3/p/jobs/j', {'Host': 'cfw.eu-de.example.com'}, None, AK, SK, date=VECTOR_DATE)
    full = sign_request('GET', 'https://cfw.eu-de.example.com/v3/p/jobs/j', {}, None, AK, SK, date=VECTOR_DATE)
    assert _signature(result) == _signature(full)


def test_sdk_date_formats():
    assert sdk_date(datetime.datetime(2026, 11, 22, 10, 40, 0)) == '20261122T104000Z'
    assert sdk_date(datetime.datetime(2026, 11, 22, 10, 40, 0, 999999)) == '20261122T104000Z'
    plus_one = datetime.timezone(datetime.timedelta(hours=1))
    assert sdk_date(datetime.datetime(2026, 11, 22, 11, 40, 0, tzinfo=plus_one)) == '20261122T104000Z'
    assert sdk_date(0) == '19700101T000000Z'
    assert sdk_date(1795305600.5) == '20261122T000000Z'
    before = time.time()
    now = sdk_date()
    assert re.match(r'^\d{8}T\d{6}Z$', now)
    parsed = datetime.datetime.strptime(now, '%Y%m%dT%H%M%SZ').replace(tzinfo=datetime.timezone.utc)
    assert abs(parsed.timestamp() - before) < 5
    with pytest.raises(TypeError):
        sdk_date('yesterday')


def test_default_date_is_now_and_well_formed():
    result = sign_request('GET', VECTOR_URL, {}, None, AK, SK)
    assert re.match(r'^\d{8}T\d{6}Z$', result['X-Sdk-Date'])
    parsed = datetime.datetime.strptime(result['X-Sdk-Date'], '%Y%m%dT%H%M%SZ').replace(tzinfo=datetime.timezone.utc)
    assert abs(parsed.timestamp() - time.time()) < 5
    assert _signature(result) == _expected_signature('GET', VECTOR_URL, 'cfw.eu-de.example.com', result['X-Sdk-Date'])


def test_existing_date_header_is_used_and_replaced_once():
    result = sign_request('GET', VECTOR_URL, {'x-sdk-date': VECTOR_DATE, 'authorization': 'stale'}, None, AK, SK)
    assert _signature(result) == VECTOR_SIGNATURE
    assert sorted(result) == ['Authorization', 'X-Sdk-Date']
    assert result['X-Sdk-Date'] == VECTOR_DATE


@pytest.mark.parametrize('bad', ['2026-11-22T10:40:00Z', '20261122104000', '', 'now'])
def test_bad_date_is_refused_without_leaking_the_sk(bad):
    with pytest.raises(ValueError) as err:
        sign_request('GET', VECTOR_URL, {}, None, AK, SK, date=bad or ' ')
    assert SK not in str(err.value)


@pytest.mark.parametrize('ak, sk', [('', SK), (None, SK), (AK, ''), (AK, None)])
def test_missing_keys_are_refused_without_leaking_the_sk(ak, sk):
    with pytest.raises(ValueError) as err:
        sign_request('GET', VECTOR_URL, {}, None, ak, sk, date=VECTOR_DATE)
    assert SK not in str(err.value)


def test_bad_body_type_is_refused_without_leaking_the_sk():
    with pytest.raises(TypeError) as err:
        sign_request('POST', VECTOR_URL, {}, {'a': 1}, AK, SK, date=VECTOR_DATE)
    assert SK not in str(err.value)


def test_input_headers_are_not_mutated_and_result_is_new():
    headers = {'Content-Type': 'application/json', 'X-Project-Id': 'p', 'X-Sdk-Date': '20000101T000000Z',
               'Authorization': 'old', 'Accept': 'application/json'}
    snapshot = copy.deepcopy(headers)
    result = sign_request('PUT', VECTOR_URL, headers, b'{}', AK, SK, date=VECTOR_DATE)
    assert headers == snapshot
    assert result is not headers
    assert result['X-Sdk-Date'] == VECTOR_DATE
    assert result['Authorization'] != 'old'
    assert result['Content-Type'] == 'application/json' and result['Accept'] == 'application/json'
    result['X-New'] = '1'
    assert 'X-New' not in headers


def test_none_headers_are_accepted():
    assert _signature(sign_request('GET', VECTOR_URL, None, None, AK, SK, date=VECTOR_DATE)) == VECTOR_SIGNATURE


@pytest.mark.parametrize('text', ['', '{"job_id": "f588ce71"}', '{"name": "lb-ä€中😀"}'])
def test_str_and_bytes_bodies_sign_the_same(text):
    headers = {'Content-Type': 'application/json;charset=UTF-8'}
    as_str = sign_request('POST', VECTOR_URL, headers, text, AK, SK, date=VECTOR_DATE)
    as_bytes = sign_request('POST', VECTOR_URL, headers, text.encode('utf-8'), AK, SK, date=VECTOR_DATE)
    as_bytearray = sign_request('POST', VECTOR_URL, headers, bytearray(text.encode('utf-8')), AK, SK, date=VECTOR_DATE)
    assert as_str == as_bytes == as_bytearray
    if not text:
        assert as_str == sign_request('POST', VECTOR_URL, headers, None, AK, SK, date=VECTOR_DATE)


def test_body_changes_the_signature():
    one = sign_request('POST', VECTOR_URL, {}, '{"a": 1}', AK, SK, date=VECTOR_DATE)
    two = sign_request('POST', VECTOR_URL, {}, '{"a": 2}', AK, SK, date=VECTOR_DATE)
    assert _signature(one) != _signature(two)


def test_header_values_are_trimmed_and_names_case_insensitive():
    one = sign_request('GET', VECTOR_URL, {'X-Project-Id': ' abc\t'}, None, AK, SK, date=VECTOR_DATE)
    two = sign_request('GET', VECTOR_URL, {'x-project-id': 'abc'}, None, AK, SK, date=VECTOR_DATE)
    assert _signature(one) == _signature(two)


def _canonical_lines(url, headers=None):
    signed = {'host': 'h.example.com', 'x-sdk-date': VECTOR_DATE}
    signed.update(headers or {})
    return canonical_request('GET', url, signed, list(signed), None).split('\n')


@pytest.mark.parametrize('path, canonical_uri', [
    ('', '/'),
    ('/', '/'),
    ('/v3/jobs', '/v3/jobs/'),
    ('/v3/jobs/', '/v3/jobs/'),
    ('/a b/c', '/a%20b/c/'),
    ('/a%20b/c', '/a%20b/c/'),
    ('/a%2fb', '/a/b/'),
    ('/~user/x+y=z', '/~user/x%2By%3Dz/'),
    ('/ä/€', '/%C3%A4/%E2%82%AC/'),
    ('/%C3%A4', '/%C3%A4/'),
    ('/50%/x', '/50%25/x/'),
    ('/a%FF', '/a%FF/'),  # not valid UTF-8: the byte on the wire is kept (the reference signs %EF%BF%BD)
    ('//a//', '//a//'),
])
def test_canonical_uri(path, canonical_uri):
    assert _canonical_lines('https://h.example.com' + path)[1] == canonical_uri


@pytest.mark.parametrize('query, canonical_query', [
    ('', ''),
    ('b=2&a=1', 'a=1&b=2'),
    ('a=2&a=10&a=1', 'a=1&a=10&a=2'),
    ('limit=10&offset', 'limit=10&offset='),
    ('a=1&&b=2&', 'a=1&b=2'),
    ('q=a+b', 'q=a%2Bb'),  # "+" is a literal plus; clients send spaces as %20
    ('q=a%20b', 'q=a%20b'),
    ('q=a=b', 'q=a%3Db'),
    ('k~=v~', 'k~=v~'),
    ('name=lb-ä', 'name=lb-%C3%A4'),
    ('B=1&a=1', 'B=1&a=1'),
])
def test_canonical_query(query, canonical_query):
    assert _canonical_lines('https://h.example.com/p?' + query)[2] == canonical_query


def test_canonical_request_requires_the_signed_headers():
    with pytest.raises(ValueError):
        canonical_request('GET', VECTOR_URL, {'host': 'h'}, ['host', 'x-sdk-date'], None)


def test_fragment_is_not_signed():
    one = sign_request('GET', VECTOR_URL + '#frag', {}, None, AK, SK, date=VECTOR_DATE)
    assert _signature(one) == VECTOR_SIGNATURE
