# -*- coding: utf-8 -*-
# Copyright (c) otc.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""AK/SK request signing for the Open Telekom Cloud API gateway (``SDK-HMAC-SHA256``).

Standard library only. The scheme (SPEC section 5)::

    CanonicalRequest = METHOD \\n CanonicalURI \\n CanonicalQuery \\n
                       CanonicalHeaders \\n SignedHeaders \\n hex(sha256(body))
    StringToSign     = SDK-HMAC-SHA256 \\n X-Sdk-Date \\n hex(sha256(CanonicalRequest))
    Signature        = hex(hmac_sha256(SK, StringToSign))
    Authorization: SDK-HMAC-SHA256 Access=AK, SignedHeaders=a;b;c, Signature=...

The URL is taken as it goes on the wire: the path and the query are percent-decoded
(``+`` is a literal plus, not a space) and then re-encoded with only the RFC 3986
unreserved characters (letters, digits, ``-._~``) left as they are, so
``/a b``, ``/a%20b`` and ``/a%20b/`` all sign the same canonical URI ``/a%20b/``.
A ``%2F`` in a path segment therefore acts as a ``/``, as it does at the gateway.

The secret key is used as the HMAC key and nowhere else: it is never logged and
never part of an exception message.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import hashlib
import hmac
import re
from urllib.parse import quote, unquote_to_bytes, urlsplit

from ansible_collections.otc.jobs.plugins.module_utils.core._clock import REAL_CLOCK

ALGORITHM = 'SDK-HMAC-SHA256'

DATE_HEADER = 'X-Sdk-Date'
AUTHORIZATION_HEADER = 'Authorization'

# Signed whenever the caller sends them (matched case-insensitively); host and
# x-sdk-date are always signed.
OPTIONAL_SIGNED_HEADERS = ('x-project-id', 'x-security-token', 'content-type')

_DATE_FORMAT = '%Y%m%dT%H%M%SZ'
_DATE_RE = re.compile(r'^\d{8}T\d{6}Z$')
_DEFAULT_PORTS = {'http': 80, 'https': 443}
_UTC = datetime.timezone.utc


def sdk_date(now=None):
    """Return the ``X-Sdk-Date`` value ``YYYYMMDDTHHMMSSZ`` (UTC).

    ``now`` is a ``datetime`` (naive ones are taken as UTC, aware ones are converted),
    an epoch timestamp (int or float), or ``None`` for the current time.
    """
    if now is None:
        now = REAL_CLOCK.time()
    if isinstance(now, datetime.datetime):
        if now.tzinfo is not None and now.utcoffset() is not None:
            now = now.astimezone(_UTC).replace(tzinfo=None)
        stamp = now
    elif isinstance(now, (int, float)) and not isinstance(now, bool):
        stamp = datetime.datetime.fromtimestamp(now, _UTC).replace(tzinfo=None)
    else:
        raise TypeError('sdk_date() expects a datetime, an epoch timestamp or None, not %s' % type(now).__name__)
    return '%04d%02d%02dT%02d%02d%02dZ' % (stamp.year, stamp.month, stamp.day, stamp.hour, stamp.minute, stamp.second)


def _to_text(value):
    if isinstance(value, bytes):
        # http.client sends str header values as latin-1; mirror that for bytes.
        return value.decode('latin-1')
    return str(value)


def _body_bytes(body):
    if body is None:
        return b''
    if isinstance(body, bytes):
        return body
    if isinstance(body, bytearray):
        return bytes(body)
    if isinstance(body, str):
        return body.encode('utf-8')
    raise TypeError('request body to sign must be bytes, str or None, not %s' % type(body).__name__)


def _encode(raw):
    """Percent-encode decoded bytes, leaving only the unreserved characters and ``~``."""
    return quote(raw, safe='~')


def _canonical_uri(path):
    segments = unquote_to_bytes(path or '/').split(b'/')
    uri = '/'.join(_encode(segment) for segment in segments)
    if not uri.startswith('/'):
        uri = '/' + uri
    if not uri.endswith('/'):
        uri += '/'
    return uri


def _canonical_query(query):
    pairs = []
    for piece in (query or '').split('&'):
        if not piece:
            continue
        if '=' in piece:
            key, value = piece.split('=', 1)
        else:
            key, value = piece, ''
        pairs.append((unquote_to_bytes(key), unquote_to_bytes(value)))
    # Sorted by decoded name, then decoded value (byte order equals code point order in UTF-8).
    pairs.sort()
    return '&'.join('%s=%s' % (_encode(key), _encode(value)) for key, value in pairs)


def _lower_headers(headers):
    lowered = {}
    for name, value in (headers or {}).items():
        lowered[_to_text(name).strip().lower()] = value
    return lowered


def _url_port(parts):
    try:
        return parts.port
    except ValueError:
        pass
    raise ValueError('cannot sign a request: the URL has an invalid port')


def _idna(hostname):
    try:
        return hostname.encode('idna').decode('ascii')
    except UnicodeError:
        pass
    raise ValueError('cannot sign a request: the URL host is not a valid host name')


def _host_from_url(parts):
    """The Host header value requests/urllib3 would send for this URL."""
    hostname = parts.hostname
    if not hostname:
        raise ValueError('cannot sign a request without a host: the URL must be absolute (scheme://host/path)')
    port = _url_port(parts)
    if ':' in hostname:
        hostname = '[%s]' % hostname
    elif any(ord(char) > 127 for char in hostname):
        hostname = _idna(hostname)
    if port is not None and port != _DEFAULT_PORTS.get(parts.scheme.lower()):
        return '%s:%d' % (hostname, port)
    return hostname


def canonical_request(method, url, headers, signed_header_names, body):
    """Build the canonical request string.

    ``headers`` must hold every name in ``signed_header_names`` (names are matched
    case-insensitively, so it must hold ``host`` and ``x-sdk-date`` explicitly).
    """
    parts = urlsplit(url)
    lowered = _lower_headers(headers)
    names = sorted(set(_to_text(name).strip().lower() for name in signed_header_names))
    lines = []
    for name in names:
        if name not in lowered:
            raise ValueError('cannot sign a request: header %r is to be signed but is not set' % name)
        lines.append('%s:%s\n' % (name, _to_text(lowered[name]).strip()))
    return '\n'.join([
        _to_text(method).strip().upper(),
        _canonical_uri(parts.path),
        _canonical_query(parts.query),
        ''.join(lines),
        ';'.join(names),
        hashlib.sha256(_body_bytes(body)).hexdigest(),
    ])


def string_to_sign(canonical, date):
    """``SDK-HMAC-SHA256\\n{date}\\n{hex sha256 of the canonical request}``."""
    digest = hashlib.sha256(_to_text(canonical).encode('utf-8')).hexdigest()
    return '%s\n%s\n%s' % (ALGORITHM, date, digest)


def _date_value(date, headers):
    if date is None:
        for name, value in (headers or {}).items():
            if _to_text(name).strip().lower() == DATE_HEADER.lower():
                date = _to_text(value).strip()
                break
    if date is None:
        return sdk_date()
    if isinstance(date, (datetime.datetime, int, float)) and not isinstance(date, bool):
        return sdk_date(date)
    date = _to_text(date).strip()
    if not _DATE_RE.match(date):
        raise ValueError('X-Sdk-Date must look like YYYYMMDDTHHMMSSZ, got %r' % date)
    return date


def sign_request(method, url, headers, body, access_key, secret_key, date=None):
    """Sign a request; return a new dict of headers to send.

    The result holds the given headers plus ``X-Sdk-Date`` and ``Authorization``
    (replacing any existing ones, whatever their case); ``headers`` is not modified.
    Signed: ``host`` (the given Host header, else derived from the URL as it would be
    sent: lowercase, default port dropped), ``x-sdk-date``, and any of
    ``x-project-id``, ``x-security-token`` and ``content-type`` present in ``headers``.

    ``date`` is an ``X-Sdk-Date`` string, a ``datetime`` or an epoch timestamp; when
    ``None``, an ``X-Sdk-Date`` already in ``headers`` is kept, else the current time is used.
    """
    if not access_key:
        raise ValueError('AK/SK signing needs an access key (ak)')
    if not secret_key:
        raise ValueError('AK/SK signing needs a secret key (sk)')
    headers = headers or {}
    date_value = _date_value(date, headers)

    to_sign = {}
    for name, value in headers.items():
        lname = _to_text(name).strip().lower()
        if lname in OPTIONAL_SIGNED_HEADERS or lname == 'host':
            to_sign[lname] = value
    if 'host' not in to_sign:
        to_sign['host'] = _host_from_url(urlsplit(url))
    to_sign['x-sdk-date'] = date_value
    names = sorted(to_sign)

    canonical = canonical_request(method, url, to_sign, names, body)
    key = secret_key if isinstance(secret_key, bytes) else _to_text(secret_key).encode('utf-8')
    signature = hmac.new(key, string_to_sign(canonical, date_value).encode('utf-8'), hashlib.sha256).hexdigest()

    result = {}
    for name, value in headers.items():
        if _to_text(name).strip().lower() not in (DATE_HEADER.lower(), AUTHORIZATION_HEADER.lower()):
            result[name] = value
    result[DATE_HEADER] = date_value
    result[AUTHORIZATION_HEADER] = '%s Access=%s, SignedHeaders=%s, Signature=%s' % (
        ALGORITHM, _to_text(access_key).strip(), ';'.join(names), signature)
    return result
