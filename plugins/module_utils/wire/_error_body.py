# -*- coding: utf-8 -*-
# Copyright (c) otc.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The API's error code and message from an error answer of any documented shape.

Pure functions on decoded bodies and text (no HTTP): normalization reads a failed job's
``error_code``/``fail_reason`` with them, and ``net._api`` reads error answers.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re
from html import unescape as html_unescape


def error_suffix(code, message):
    """' CODE: message' for appending to 'HTTP 403'; empty when the API said nothing."""
    return ''.join(part for part in (' ' + code if code else '', ': ' + message if message else ''))


_TEXT_MESSAGE_LIMIT = 300
_JSON_MESSAGE_LIMIT = 1000
_CODE_LIMIT = 100  # real codes are short ('CFW.00200005'); a hostile one must not flood the message
_HTML_SCAN_LIMIT = 65536  # enough for any error page head; keeps regex work bounded on huge bodies
_HTML_MARKER = re.compile(r'<\s*(?:!doctype\s+html|html|head|body|title|h1)\b', re.IGNORECASE)
_HTML_HEADINGS = ('title', 'h1')
# '<' is excluded inside a tag so that stray '<' cannot make matching quadratic.
_HTML_TAG = re.compile(r'<[^<>]*>')
# Keys of an error object in every documented shape (SPEC §2, job-apis.md), most specific first;
# IAM's 'title' ('Unauthorized') only when nothing better is there.
_ERROR_CODE_KEYS = ('error_code', 'errorCode', 'errCode', 'code')
_ERROR_MESSAGE_KEYS = ('error_msg', 'error_message', 'errorMessage', 'externalMessage', 'errorMsg', 'fail_reason',
                       'message', 'msg', 'title')


def extract_error(body, text=None, shapes=()):
    """``(code, message)`` from an error answer; each a str or None. Never raises.

    ``body`` is the decoded JSON (or None), ``text`` the raw text, used for plain text and HTML answers;
    ``shapes`` are (code key, message key) pairs the service documents, tried before the general keys.
    """
    code, message = _error_of_json(body, shapes)
    if code is None and message is None:
        message = _message_of_text(text)
    return code, message


def scalar_text(value):
    """A string as sent, a number or boolean as its JSON text; None for null, lists and objects."""
    if isinstance(value, str):
        return value
    if isinstance(value, (bool, int, float)):
        try:
            return json.dumps(value)
        except ValueError:  # an int too long to print (Python's digit limit)
            return None
    return None


def _error_of_json(body, shapes=()):
    """``(code, message)`` from the known error shapes of a decoded body; ``(None, None)`` if none fits."""
    if isinstance(body, str):
        return None, _limit(body.strip(), _JSON_MESSAGE_LIMIT)
    if not isinstance(body, dict):
        return None, None
    error = body.get('error')
    if isinstance(error, str) and error.strip():
        return _error_code(body.get('code') or body.get('error_code')), _limit(error.strip(), _JSON_MESSAGE_LIMIT)
    # {"error": {...}} first, then the body itself, then any other wrapper such as {"NeutronError": {...}}.
    candidates = [error, body] + [value for key, value in body.items() if key != 'error']
    for candidate in candidates:
        if isinstance(candidate, dict):
            code, message = _error_of_object(candidate, shapes)
            if code is not None or message is not None:
                return code, message
    return None, None


def _error_of_object(obj, shapes):
    for code_key, message_key in shapes:
        code, message = _error_code(obj.get(code_key)), _message(obj.get(message_key))
        if code is not None or message is not None:
            # A documented key pair may be half there: the other half comes from the general keys.
            return (code if code is not None else _first_code(obj)), (message if message is not None else _first_message(obj))
    return _first_code(obj), _first_message(obj)


def _first_code(obj):
    for key in _ERROR_CODE_KEYS:
        code = _error_code(obj.get(key))
        if code is not None:
            return code
    return None


def _first_message(obj):
    for key in _ERROR_MESSAGE_KEYS:
        message = _message(obj.get(key))
        if message is not None:
            return message
    return None


def _message(value):
    value = scalar_text(value)
    return _limit(value.strip(), _JSON_MESSAGE_LIMIT) if value and value.strip() else None


def _error_code(value):
    """Codes are strings (IAM sends the int 401); booleans and empty strings are no code."""
    if isinstance(value, bool):
        return None
    text = scalar_text(value)
    if text is None:
        return None
    return _limit(text.strip(), _CODE_LIMIT)


def _message_of_text(text):
    """The message of a plain text or HTML answer: the page title or first heading, else the text itself."""
    if isinstance(text, bytes):
        text = text.decode('utf-8', 'replace')
    if not isinstance(text, str):
        return None
    head = text[:_HTML_SCAN_LIMIT]
    if _HTML_MARKER.search(head):
        return _html_message(head)
    return _limit(_collapse(text[:_TEXT_MESSAGE_LIMIT * 4]), _TEXT_MESSAGE_LIMIT)


def _html_message(html):
    for tag in _HTML_HEADINGS:
        heading = _html_text(_element_content(html, tag))
        if heading:
            return _limit(heading, _TEXT_MESSAGE_LIMIT)
    return _limit(_html_text(html), _TEXT_MESSAGE_LIMIT)


def _element_content(html, tag):
    """The inner HTML of the first ``<tag>`` element, found with str.find (linear even on hostile pages)."""
    lower = html.lower()
    start = lower.find('<' + tag)
    open_end = lower.find('>', start) if start >= 0 else -1
    close = lower.find('</' + tag, open_end) if open_end >= 0 else -1
    return html[open_end + 1:close] if close >= 0 else ''


def _html_text(fragment):
    return _collapse(html_unescape(_HTML_TAG.sub(' ', fragment)))


def _collapse(text):
    return ' '.join(text.split())


def _limit(text, limit):
    if not text:
        return None
    return text if len(text) <= limit else text[:limit - 3].rstrip() + '...'
