# -*- coding: utf-8 -*-
# Copyright (c) otc.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Text from servers made fit for a terminal: control and bidi characters escaped, lengths capped.

Anything a server sends (reasons, codes, job types, ids, statuses) may end up in a message, a warning
or a progress line, which a terminal (or AWX's job output) renders. ``safe`` turns every control
character (C0 including ESC, CR, LF, BS and NUL; DEL; C1) and every bidi override or isolate into a
visible escape (``\\x1b``, ``\\u202e``), so no answer can retitle a window, clear a screen, rewrite a
line or reverse the reading order of what follows. ``cap`` bounds a line's length without cutting a
word in two. Results keep the data itself (``raw``, the normalized fields): only what is printed is
escaped.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

# Longest message (msg of a failed task) and progress line or warning, in characters.
MAX_MESSAGE = 4000
MAX_LINE = 1000

# C0 controls, DEL, C1 controls; the bidi embeddings/overrides (U+202A-U+202E), isolates (U+2066-U+2069),
# marks (U+200E, U+200F, U+061C); line and paragraph separators (U+2028, U+2029).
_UNSAFE = re.compile(u'[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]')


def _escape(match):
    code = ord(match.group(0))
    return '\\x%02x' % code if code < 0x100 else '\\u%04x' % code


def safe(text):
    """``text`` with control and bidi characters as visible escapes; anything that is not a string becomes its text first."""
    if text is None:
        return ''
    if isinstance(text, bytes):
        text = text.decode('utf-8', 'replace')
    elif not isinstance(text, str):
        text = str(text)
    return _UNSAFE.sub(_escape, text)


def cap(text, limit):
    """``text`` cut to about ``limit`` characters at a word boundary, with '… N more characters' after it."""
    if len(text) <= limit:
        return text
    head = text[:limit]
    space = head.rfind(' ')
    if space >= limit // 2:
        head = head[:space]
    # Never leave half an escape (\x1b, \u202e) at the cut.
    backslash = head.rfind('\\', max(0, len(head) - 6))
    if backslash >= 0 and re.match(r'\\(?:x[0-9a-f]{2}|u[0-9a-f]{4})', text[backslash:backslash + 6]) \
            and backslash + (4 if text[backslash + 1] == 'x' else 6) > len(head):
        head = head[:backslash]
    head = head.rstrip()
    return u'%s\u2026 %d more characters' % (head, len(text) - len(head))


def printable(text, limit=MAX_LINE):
    """``safe`` then ``cap``: what a warning or progress line may show of ``text``."""
    return cap(safe(text), limit)
