# -*- coding: utf-8 -*-
# Copyright (c) otc.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Exceptions raised by otc.jobs module_utils.

Every failure a user can cause surfaces as one of these; modules and plugins turn
them into a single ``fail_json``/``AnsibleError`` with ``str(exc)`` as the message,
so each message must name the service, the job and the cause and never a secret.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


# The ``reason`` of a failed result: why it failed, for ``when:`` conditions in a rescue.
REASONS = (
    'job_failed',     # a job ended in failure (the result carries job/jobs with its error)
    'timed_out',      # the wait's timeout passed with jobs unfinished
    'not_found',      # the service does not know the job (after not_found_timeout, for job_wait)
    'api_error',      # the API answered with an error, or could not be reached
    'auth_error',     # credentials missing or refused
    'invalid_input',  # options or ids refused before any request was sent
    'cancelled',      # the process that started the wait is gone (no one is left to read the result)
    'internal',       # a defect of otc.jobs: please report it
)
JOB_FAILED = 'job_failed'
INTERNAL = 'internal'


def seconds_text(value):
    """'30' or '2.5': seconds as messages print them."""
    return ('%d' % value) if float(value).is_integer() else ('%.1f' % value)


class OtcJobsError(Exception):
    """Base class: ``str(exc)`` is a complete, user-facing message.

    ``REASON`` is the failure's machine-readable kind, the ``reason`` key of a failed result (see REASONS).
    """

    REASON = 'api_error'

    def __init__(self, message, **details):
        super(OtcJobsError, self).__init__(message)
        self.message = message
        # Extra result keys for fail_json (never secrets), e.g. status_code, error.
        self.details = details

    def reword(self, message):
        """Replace the message (a layer that knows more adds it) and return the exception, to be raised again."""
        self.message = message
        self.args = (message,)
        return self


class InvalidInput(OtcJobsError):
    """Bad options or job ids, refused before any request is sent."""

    REASON = 'invalid_input'


class InvalidResponse(OtcJobsError):
    """A 200 answer whose body cannot be read as a job."""


class ApiError(OtcJobsError):
    """The API answered with an error status.

    ``status_code`` is the HTTP status (None for transport failures), ``code`` and
    ``api_message`` what the error body said (None when it said nothing usable).
    """

    def __init__(self, message, status_code=None, code=None, api_message=None, retry_after=None):
        super(ApiError, self).__init__(
            message, status_code=status_code,
            error={'code': code, 'message': api_message},
        )
        self.status_code = status_code
        self.code = code
        self.api_message = api_message
        self.retry_after = retry_after


class TransientError(ApiError):
    """Worth retrying: connection errors, read timeouts, 429, 500/502/503/504, bodies that are not usable JSON.

    ``deadline_passed`` is True when the request could not complete before its deadline: retrying is pointless.
    """

    def __init__(self, message, deadline_passed=False, **kwargs):
        super(TransientError, self).__init__(message, **kwargs)
        self.deadline_passed = deadline_passed

    @property
    def rate_limited(self):
        return self.status_code == 429


class AuthError(OtcJobsError):
    """Credentials missing, refused or unusable (IAM or the service said 401)."""

    REASON = 'auth_error'


class WaitTimeout(OtcJobsError):
    """The wait's deadline passed with jobs still unfinished."""

    REASON = 'timed_out'


class JobNotFound(ApiError):
    """The service does not know the job (yet: new jobs may appear late)."""

    REASON = 'not_found'
