# -*- coding: utf-8 -*-
# Copyright (c) otc.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""otc.jobs.request: one authenticated OTC API call, its job id, and (``wait``) the wait for that job.

The call uses the connection of job_info/job_wait (``_jobs.connect``: settings, auth method, token cache,
endpoint discovery), so a play that creates and waits asks IAM once.

**Never a duplicate create.** A GET is retried like job_info's reads. Any other method is sent again only
when the request certainly did not reach the service (``net._retry``: ``MUTATING_REQUEST``): the connection
was refused or the host name did not resolve (nothing was sent), HTTP 429 with ``Retry-After`` or a 503 from
the API gateway (refused before the service saw it), or a 401 after which the credentials were renewed.
After a timeout, a reset or a cut-off answer the call may have happened: the task fails saying so, naming
the service and path, and sends nothing more.

**Secrets.** The body never appears in messages or progress lines. Values under the keys of ``SECRET_BODY_KEYS``
(at any depth) are registered as secrets, so they are masked in ``invocation`` and in the result.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re
from urllib.parse import quote, unquote

from ansible_collections.otc.jobs.plugins.module_utils.config._config import resolve_settings
from ansible_collections.otc.jobs.plugins.module_utils.core import _validate
from ansible_collections.otc.jobs.plugins.module_utils.core._clock import REAL_CLOCK
from ansible_collections.otc.jobs.plugins.module_utils.core._errors import ApiError, InvalidInput, OtcJobsError, TransientError
from ansible_collections.otc.jobs.plugins.module_utils.engine._jobs import connect as jobs_connect
from ansible_collections.otc.jobs.plugins.module_utils.engine._waiter import JobWaiter
from ansible_collections.otc.jobs.plugins.module_utils.net._api import check_response, error_of
from ansible_collections.otc.jobs.plugins.module_utils.net._http import decode_json, origin
from ansible_collections.otc.jobs.plugins.module_utils.net._retry import (
    JOB_READ, MUTATING_REQUEST, certainly_not_sent, is_transient_status, refused_before_the_service)
from ansible_collections.otc.jobs.plugins.module_utils.wire._error_body import error_suffix
from ansible_collections.otc.jobs.plugins.module_utils.wire._job_ids import answer_job_id

METHODS = ('GET', 'POST', 'PUT', 'PATCH', 'DELETE')
# Keys whose values are secrets in OTC request bodies (matched case-insensitively, at any depth): ECS/BMS
# adminPass and user_data, RDS/DDS/DDM password, key pairs, access keys, tokens.
SECRET_BODY_KEYS = ('password', 'adminpass', 'admin_pass', 'adminpwd', 'admin_password', 'db_password', 'user_data',
                    'userdata', 'private_key', 'privatekey', 'sk', 'secret_key', 'secret', 'security_token', 'token',
                    'auth_token', 'passphrase', 'new_password', 'old_password', 'root_password')
# Headers the collection sets itself (authentication, framing): never given as extra headers.
FORBIDDEN_HEADERS = ('x-auth-token', 'authorization', 'x-sdk-date', 'host', 'x-security-token', 'x-project-id',
                     'x-subject-token', 'proxy-authorization', 'cookie', 'content-length', 'transfer-encoding',
                     'connection', 'x-sdk-content-sha256', 'expect', 'te', 'upgrade')
# Answer headers returned (lower-case names); others (Set-Cookie, X-Subject-Token, ...) are left out.
SAFE_HEADERS = ('content-type', 'content-length', 'date', 'etag', 'last-modified', 'location', 'retry-after',
                'x-request-id', 'x-openstack-request-id', 'x-compute-request-id', 'x-frame-options')
MAX_PATH = 1024
MAX_URL = 8192
MAX_CONTENT = 65536
_PATH_CHARS = re.compile(r"\A[A-Za-z0-9._~!$&'()*+,;=:@%/-]*\Z")
_HEADER_NAME = re.compile(r"\A[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}\Z")
_HEADER_VALUE = re.compile(r'\A[\x20-\x7e]{0,4096}\Z')
_PERCENT = re.compile(r'%(?![0-9A-Fa-f]{2})')


# --- input ---------------------------------------------------------------------------------------


def method_of(value):
    method = str(value or 'GET').strip().upper()
    if method not in METHODS:
        raise InvalidInput('method %s is not one of %s' % (_validate.quote(value), ', '.join(METHODS)))
    return method


def build_path(api, path, project_id):
    """The path after the service root: ``api.project_root`` + '/' + ``path``, or ``path`` itself when it starts with '/'.

    ``{project_id}`` is substituted; '..' and '.' segments, queries, fragments, backslashes, control characters and
    other placeholders are refused, also when percent-encoded.
    """
    if not isinstance(path, str):
        raise InvalidInput('path must be a string such as elbaas/loadbalancers')
    if len(path) > MAX_PATH:
        raise InvalidInput('path is longer than %d characters' % MAX_PATH)
    filled = path.replace('{project_id}', project_id)
    decoded = unquote(filled)
    if '?' in decoded or '#' in decoded:
        raise InvalidInput('path %s must not hold a query (?...) or fragment (#...): give the query as query' % _validate.quote(path))
    if not _PATH_CHARS.match(filled) or _PERCENT.search(filled) or '\\' in decoded or '{' in decoded or '}' in decoded \
            or any(ord(char) < 0x20 or ord(char) == 0x7f for char in decoded):
        raise InvalidInput('path %s has characters that are not allowed (letters, digits and -._~!$&\'()*+,;=:@/ only; '
                           'the placeholder {project_id})' % _validate.quote(path))
    segments = decoded.split('/')
    if any(segment in ('.', '..') for segment in segments) or '//' in filled:
        raise InvalidInput('path %s must not hold empty, "." or ".." segments' % _validate.quote(path))
    if filled.startswith('/'):
        return filled.rstrip('/') if filled != '/' else ''
    prefix = api.project_root.format(project_id=quote(project_id, safe=''))
    return prefix + ('/' + filled if filled else '')


def query_string(query):
    """``key=value&...`` from a dict (values: strings, numbers, booleans, or lists of them), in the order given."""
    if not query:
        return ''
    if not isinstance(query, dict):
        raise InvalidInput('query must be a dictionary of parameter names and values')
    pairs = []
    for key, value in query.items():
        if not isinstance(key, str) or not key:
            raise InvalidInput('query keys must be non-empty strings')
        for item in (value if isinstance(value, list) else [value]):
            if isinstance(item, bool):
                item = 'true' if item else 'false'
            elif isinstance(item, (int, float)):
                item = json.dumps(item)
            elif not isinstance(item, str):
                raise InvalidInput('query value of %s must be a string, a number, a boolean or a list of them' % _validate.quote(key))
            pairs.append('%s=%s' % (quote(key, safe='-_.~'), quote(item, safe='-_.~')))
    return '&'.join(pairs)


def extra_headers(headers):
    """The extra headers, checked: no authentication or framing headers, visible ASCII only."""
    checked = {}
    for name, value in (headers or {}).items():
        if not isinstance(name, str) or not _HEADER_NAME.match(name):
            raise InvalidInput('headers: %s is not a valid header name' % _validate.quote(name))
        if name.lower() in FORBIDDEN_HEADERS:
            raise InvalidInput('headers: %s is set by otc.jobs itself (authentication or framing) and cannot be given' % name)
        if isinstance(value, bool):
            value = 'true' if value else 'false'
        elif isinstance(value, (int, float)):
            value = json.dumps(value)
        if not isinstance(value, str) or not _HEADER_VALUE.match(value):
            raise InvalidInput('headers: the value of %s must be printable ASCII on one line (at most 4096 characters); '
                               'it is not shown' % name)
        checked[name] = value
    return checked


def status_codes(value):
    if not value:
        return None  # any 2xx
    codes = []
    for code in value:
        try:
            number = int(code)
        except (TypeError, ValueError):
            number = 0
        if not 100 <= number <= 599:
            raise InvalidInput('status_code %s is not an HTTP status (100-599)' % _validate.quote(code))
        codes.append(number)
    return codes


def register_body_secrets(body, secrets):
    """Register every string under a secret-bearing key of ``body`` (any depth) with ``secrets``."""
    stack = [(body, False)]
    while stack:
        value, secret = stack.pop()
        if isinstance(value, dict):
            for key, item in value.items():
                stack.append((item, secret or (isinstance(key, str) and key.lower() in SECRET_BODY_KEYS)))
        elif isinstance(value, (list, tuple)):
            stack.extend((item, secret) for item in value)
        elif secret and isinstance(value, (str, int, float)) and not isinstance(value, bool):
            secrets.add(value if isinstance(value, str) else json.dumps(value))


def encode_body(body):
    if body is None:
        return b''
    try:
        return json.dumps(body, separators=(',', ':'), allow_nan=False).encode('utf-8')
    except (TypeError, ValueError) as exc:
        raise InvalidInput('body cannot be sent as JSON: %s' % str(exc)[:200])


# --- the call --------------------------------------------------------------------------------------


class MayHaveHappened(OtcJobsError):
    """A request that was sent got no complete answer: it may have taken effect."""


class Request:
    """One call of ``method`` on ``url``; ``what`` names it in messages ('POST elb elbaas/loadbalancers')."""

    def __init__(self, session, method, url, headers, body, what, clock=REAL_CLOCK):
        self.session = session
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.what = what
        self.clock = clock
        self.sent = 0  # requests sent (tries that may have reached the server)

    def _send_once(self, deadline):
        headers = dict(self.headers)
        headers.setdefault('Accept', 'application/json')
        if self.body:
            headers['Content-Type'] = 'application/json;charset=UTF-8'
        auth = self.session.auth
        signed = auth.authorize(self.method, self.url, headers, self.body)
        self.sent += 1
        return self.session.http.request(self.method, self.url, headers=signed, body=self.body or None, deadline=deadline)

    def send(self, deadline):
        """The answer (an HttpResponse), after the retries that are safe for this method."""
        if self.method == 'GET':
            policy = JOB_READ.policy(deadline, clock=self.clock)
            return policy.call(lambda: self._get(deadline))
        policy = MUTATING_REQUEST.policy(deadline, clock=self.clock)
        try:
            return policy.call(lambda: self._change(deadline))
        except TransientError as exc:
            if getattr(exc, 'unsent', False):
                raise OtcJobsError('%s was not sent: %s' % (self.what, exc.message), **exc.details)
            raise

    def _get(self, deadline):
        marker = self.session.auth.credential_marker()
        response = self._transport(deadline)
        if response.status == 401 and self.session.auth.refresh(marker, deadline):
            response = self._transport(deadline)
        if is_transient_status(response.status):
            code, message = error_of(response, self.session.error_shapes)
            raise TransientError('%s failed: HTTP %s%s' % (self.what, response.status, error_suffix(code, message)),
                                 status_code=response.status, code=code, api_message=message, retry_after=response.retry_after)
        return response

    def _transport(self, deadline):
        try:
            return self._send_once(deadline)
        except OtcJobsError as exc:
            if not exc.message.startswith(self.what):
                exc.reword('%s: %s' % (self.what, exc.message))
            raise

    def _change(self, deadline):
        marker = self.session.auth.credential_marker()
        response = self._change_once(deadline)
        if response.status == 401 and self.session.auth.refresh(marker, deadline):
            # A 401 comes from the gateway: the service never saw the request.
            response = self._change_once(deadline)
        if refused_before_the_service(response):
            code, message = error_of(response, self.session.error_shapes)
            error = TransientError('%s was refused by the API gateway: HTTP %s%s' % (
                self.what, response.status, error_suffix(code, message)), status_code=response.status, code=code,
                api_message=message, retry_after=response.retry_after)
            error.unsent = True
            raise error
        return response

    def _change_once(self, deadline):
        try:
            return self._send_once(deadline)
        except TransientError as exc:
            if not exc.deadline_passed and certainly_not_sent(exc):
                exc.reword('%s: %s' % (self.what, exc.message))
                exc.unsent = True
                raise
            raise MayHaveHappened(
                '%s: %s. The request was sent, so the call may have happened: check before you repeat it '
                '(otc.jobs never sends a %s twice unless it certainly did not arrive)' % (
                    self.what, _transport_cause(exc.message), self.method))
        except OtcJobsError as exc:
            if not exc.message.startswith(self.what):
                exc.reword('%s: %s' % (self.what, exc.message))
            raise


def _relabelled(progress):
    """The waiter's progress lines under this module's name."""
    prefix = 'otc.jobs.job_wait: '

    def show(line):
        progress('otc.jobs.request: ' + line[len(prefix):] if line.startswith(prefix) else line)
    return show


def _transport_cause(message):
    """'connection reset by the server' from 'POST to http://host failed: connection reset by the server'."""
    return message.split(' failed: ', 1)[-1] if ' failed: ' in message else message


def answer_result(response, accepted, what, shapes):
    """``status``, ``json`` or ``content``, safe ``headers``; ApiError when the status is not accepted."""
    result = {'status': response.status, 'headers': safe_headers(response.headers)}
    body = response.body or b''
    if body:
        try:
            result['json'] = decode_json(body)
        except ValueError:
            text = response.text
            result['content'] = text if len(text) <= MAX_CONTENT else text[:MAX_CONTENT] + '... (%d more characters)' % (
                len(text) - MAX_CONTENT)
    ok = response.status in accepted if accepted else 200 <= response.status < 300
    if not ok:
        if 200 <= response.status < 300 or (300 <= response.status < 400 and response.status not in (301, 302, 303, 307, 308)):
            raise ApiError('%s answered HTTP %s, which is not in status_code (%s)' % (
                what, response.status, ', '.join(str(code) for code in accepted or ['2xx'])), status_code=response.status)
        try:
            check_response(response, what, shapes)
        except ApiError as exc:
            exc.details.update(result)
            raise
        raise ApiError('%s answered HTTP %s, which is not in status_code (%s)' % (
            what, response.status, ', '.join(str(code) for code in accepted)), status_code=response.status)
    return result


def safe_headers(headers):
    return dict((name.lower(), value) for name, value in headers.items() if name.lower() in SAFE_HEADERS)


def url_of(root, path, query):
    url = root + path
    if query:
        url += '?' + query
    if len(url) > MAX_URL:
        raise InvalidInput('the request URL would be longer than %d characters' % MAX_URL)
    return url


def printable_url(url):
    """The URL as results show it: the origin and path, and the query (whose values are scrubbed by the caller)."""
    return url if '@' not in url.split('/', 3)[2] else origin(url) + '/' + url.split('/', 3)[3]


# --- the task ---------------------------------------------------------------------------------------


def run_request(params, warn, secrets, progress=None, clock=REAL_CLOCK, wait_options=None, environ=None, base_dir=None,
                check_mode=False):
    """The result dict of one otc.jobs.request task; raises OtcJobsError (with result keys in ``details``).

    ``wait_options`` are job_wait's validated options when ``wait`` is true; ``environ`` and ``base_dir`` as
    ``_runner.run`` has them.
    """
    started = clock.now()
    service = params['service']
    method = method_of(params.get('method'))
    register_body_secrets(params.get('body'), secrets)
    body = encode_body(params.get('body'))
    if body and method == 'GET':
        raise InvalidInput('body is not sent with GET: use query')
    headers = extra_headers(params.get('headers'))
    accepted = status_codes(params.get('status_code'))
    query = query_string(params.get('query'))
    if not isinstance(params.get('path'), str):
        raise InvalidInput('path must be a string such as elbaas/loadbalancers')
    settings = resolve_settings(params, secrets, environ=environ, cwd=base_dir)
    deadline = started + 2 * settings.api_timeout
    client = jobs_connect(service, settings, secrets, warn=warn, pool_size=1, deadline=deadline, clock=clock)
    result = {'changed': method != 'GET'}
    try:
        path = build_path(client.api, params['path'], client.project_id)
        url = url_of(client.root, path, query)
        what = '%s %s %s' % (method, service, params['path'])
        result['request'] = {'method': method, 'url': printable_url(url)}
        if method != 'GET' and check_mode:
            result['msg'] = 'check mode: %s was not sent' % what
            return result
        call = Request(client.session, method, url, headers, body, what, clock)
        try:
            response = call.send(deadline)
        except OtcJobsError as exc:
            # Only a call that may have reached the service may have changed something.
            exc.details.update(result, changed=isinstance(exc, MayHaveHappened))
            raise
        try:
            result.update(answer_result(response, accepted, what, client.api.error_shapes))
        except OtcJobsError as exc:
            # The service answered: a 4xx says it did nothing; after a 5xx nobody knows.
            exc.details.update(result, changed=response.status >= 500 and method != 'GET')
            if response.status == 401 and client.refused_hint:
                exc.reword('%s (%s)' % (exc.message, client.refused_hint))
            raise
        job_id, place = answer_job_id(service, result.get('json'))
        if job_id is not None:
            if _validate.is_id(job_id):
                result['job_id'] = job_id
            else:
                warn('the answer of %s holds %s at %s, which is not a valid job id' % (what, _validate.quote(job_id), place))
        if not params.get('wait'):
            return result
        if 'job_id' not in result:
            raise InvalidInput('wait is true, but the answer of %s (HTTP %s) holds no %s job id at %s' % (
                what, response.status, service, ' or '.join('.'.join(p) for p in client.api.create_id_paths)), **result)
        options = dict(wait_options)
        options.pop('max_concurrency', None)
        if progress is not None:
            progress = _relabelled(progress)
        wait_started = clock.now()
        try:
            outcome = JobWaiter(client, warn=warn, progress=progress, clock=clock, max_concurrency=1, **options).wait(
                [result['job_id']], start=wait_started)
        except OtcJobsError as exc:
            details = dict(exc.details)
            jobs = details.pop('jobs', None)
            if jobs:
                details['job'] = jobs[0]
            exc.details = dict(result, **details)
            raise
        result.update(job=outcome.jobs[0], elapsed=outcome.elapsed, polls=outcome.polls)
        return result
    finally:
        client.close()
