"""Local emulator of the Open Telekom Cloud APIs that otc.jobs talks to (SPEC section 7).

Standard library only, Python 3.8+. It serves, on 127.0.0.1:

* IAM v3 ``POST /v3/auth/tokens`` (password auth, project scope, catalog, expiry);
* classic ELB v1.0 load balancer create/get/list/delete and ``GET /v1.0/{project_id}/jobs/{job_id}``;
* Cloud Firewall v3 ``GET /v3/{project_id}/jobs/{job_id}``;
* a control API under ``/_emulator/`` (no auth) to create jobs, inject faults, read counters.

Service routes accept an ``X-Auth-Token`` or an ``SDK-HMAC-SHA256`` AK/SK signature, verified by
an implementation independent from the collection's signer.

Use it in-process (``Emulator``) or as a process::

    python tests/emulator/otc_emulator.py [--port 0] [--state-file PATH] [--verbose]
"""

import argparse
import collections
import datetime
import hashlib
import hmac
import json
import os
import random
import re
import secrets
import signal
import socket
import socketserver
import struct
import sys
import tempfile
import threading
import time
import traceback
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import quote, unquote, unquote_plus

# --- the preloaded account -------------------------------------------------------------------

DOMAIN_NAME = "OTC00000000001000000001"
DOMAIN_ID = "d0000000000000000000000000000001"
USER_NAME = "demo"
USER_PASSWORD = "demo-password"
USER_ID = "a1b2c3d4e5f60718293a4b5c6d7e8f90"
PROJECT_NAME = "eu-de_demo"
PROJECT_ID = "0123456789abcdef0123456789abcdef"
REGION = "eu-de"
OTHER_PROJECT_NAME = "eu-nl_other"
OTHER_PROJECT_ID = "fedcba9876543210fedcba9876543210"
OTHER_REGION = "eu-nl"
PROJECTS = {
    PROJECT_ID: {"name": PROJECT_NAME, "region": REGION},
    OTHER_PROJECT_ID: {"name": OTHER_PROJECT_NAME, "region": OTHER_REGION},
}

STATIC_TOKEN = "emulator-static-token"

ACCESS_KEY = "AKEMULATOR0000000001"
SECRET_KEY = "skemulator0000000000000000000000000000001"
TEMP_ACCESS_KEY = "AKTEMPORARY000000001"
TEMP_SECRET_KEY = "sktemporary0000000000000000000000000000001"
SECURITY_TOKEN = "emulator-security-token"
# access key -> (secret key, security token required for temporary keys or None)
ACCESS_KEYS = {
    ACCESS_KEY: (SECRET_KEY, None),
    TEMP_ACCESS_KEY: (TEMP_SECRET_KEY, SECURITY_TOKEN),
}

# ELB load balancers whose name starts with this prefix get a failing createELB job.
FAIL_PREFIX = "fail-"
ELB_FAIL_CODE = "ELB.8902"
ELB_FAIL_REASON = "Insufficient EIP quota for the load balancer."

# Error codes the emulator chose where the documents give none.
ELB_CODE_BAD_REQUEST = "ELB.1101"
ELB_CODE_JOB_NOT_FOUND = "ELB.1102"
ELB_CODE_LB_NOT_FOUND = "ELB.1103"
ELB_CODE_CONFLICT = "ELB.1104"
CFW_CODE_JOB_NOT_FOUND = "CFW.00200005"

DEFAULT_CONFIG = {
    "latency": 0.0,            # seconds added to every service request
    "token_ttl": 86400.0,      # IAM token lifetime, seconds
    "default_duration": 3.0,   # job duration when none is given, seconds
    "catalog_cfw_type": "cfw",  # "cfw", "cfwv3" or None (no CFW entry in the catalog)
    "catalog_elb": True,       # whether the catalog has an ELB entry
}

SERVICES = ("elb", "cfw")
ROUTES = ("iam", "elb_create", "elb_list", "elb_get", "elb_delete", "elb_job", "cfw_job", "unknown")
TIME_FORMATS = ("ms", "s", "ms_string", "iso_z", "iso_fraction", "offset_colon", "offset_compact", "empty", "null")
DEFAULT_TIME_FORMAT = {"elb": "iso_fraction", "cfw": "ms"}
SUB_JOBS_EMPTY = ("absent", "null", "empty_string", "list")
FAULT_KINDS = ("status", "html_503", "rate_limit", "reset", "slow", "truncated", "not_json", "unknown_status", "expire_token")
MAX_BODY = 1024 * 1024
REQUEST_LOG_SIZE = 500
SDK_ALGORITHM = "SDK-HMAC-SHA256"
SDK_DATE_FORMAT = "%Y%m%dT%H%M%SZ"
SDK_MAX_SKEW = 15 * 60
# An address that refuses connections at once: the catalog's "internal" endpoints point there.
UNUSABLE_ROOT = "http://127.0.0.1:9/internal-endpoint-unusable"
# Terminal statuses of both services, matched case-insensitively, and whether they mean success.
TERMINAL_STATUSES = {"success": True, "fail": False, "failed": False}
BEIJING = datetime.timezone(datetime.timedelta(hours=8))

HTML_503 = (b"<html>\r\n<head><title>503 Service Temporarily Unavailable</title></head>\r\n<body>\r\n"
            b"<center><h1>503 Service Temporarily Unavailable</h1></center>\r\n<hr><center>nginx</center>\r\n"
            b"</body>\r\n</html>\r\n")
NOT_JSON = b"Service busy, try again later <not json>\n"
TRUNCATED_BODY = b'{"status": "RUNNING", "entities": {}, "job_id": "'


class ControlError(ValueError):
    """A control-API request the emulator refuses; ``status`` is the HTTP status it answers."""

    def __init__(self, message, status=400):
        super().__init__(message)
        self.status = status


# --- formatting helpers ----------------------------------------------------------------------

def format_time(epoch, time_format):
    """Render a wall-clock instant (epoch seconds or None) in one of TIME_FORMATS."""
    if time_format == "null":
        return None
    if time_format == "empty":
        return ""
    if epoch is None:
        return None
    millis = int(round(epoch * 1000))
    if time_format == "ms":
        return millis
    if time_format == "ms_string":
        return str(millis)
    if time_format == "s":
        return millis // 1000
    utc = datetime.datetime.fromtimestamp(millis / 1000.0, tz=datetime.timezone.utc)
    if time_format == "iso_z":
        return utc.strftime("%Y-%m-%dT%H:%M:%SZ")
    if time_format == "iso_fraction":
        return utc.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (utc.microsecond // 1000)
    # The CFW document speaks of Beijing offsets like +0800.
    local = utc.astimezone(BEIJING).strftime("%Y-%m-%dT%H:%M:%S")
    return local + ("+08:00" if time_format == "offset_colon" else "+0800")


def _iam_time(epoch):
    """IAM writes times with microseconds: 2026-11-23T16:00:00.000000Z."""
    return datetime.datetime.fromtimestamp(epoch, tz=datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _json_bytes(payload):
    return json.dumps(payload).encode("utf-8")


# --- AK/SK (SDK-HMAC-SHA256) canonicalisation, the verifier's own implementation ---------------

def _sdk_quote(text):
    # Only unreserved characters and "~" stay as they are.
    return quote(text, safe="~")


def canonical_uri(path):
    """Percent-encode each (decoded) segment of ``path``; the result always ends in '/'."""
    uri = "/".join(_sdk_quote(segment) for segment in unquote(path).split("/"))
    return uri if uri.endswith("/") else uri + "/"


def canonical_query(query):
    """Sort the decoded query pairs by key then value and re-encode them as k=v joined by '&'."""
    pairs = []
    for part in query.split("&"):
        if part:
            key, dummy, value = part.partition("=")
            pairs.append((unquote_plus(key), unquote_plus(value)))
    return "&".join("%s=%s" % (_sdk_quote(key), _sdk_quote(value)) for key, value in sorted(pairs))


def canonical_request(method, path, query, headers, signed_headers, body_hash):
    """``headers`` maps lowercase names to received values; ``signed_headers`` is the ordered name list."""
    header_block = "".join("%s:%s\n" % (name, headers[name].strip()) for name in signed_headers)
    return "\n".join([method.upper(), canonical_uri(path), canonical_query(query), header_block,
                      ";".join(signed_headers), body_hash])


def sdk_signature(secret_key, sdk_date, canonical):
    """Hex HMAC-SHA256 keyed with the SK over the string to sign of ``canonical``."""
    string_to_sign = "\n".join([SDK_ALGORITHM, sdk_date, hashlib.sha256(canonical.encode("utf-8")).hexdigest()])
    return hmac.new(secret_key.encode("utf-8"), string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


_AUTHORIZATION_RE = re.compile(
    r"^SDK-HMAC-SHA256\s+Access=([^,\s]+)\s*,\s*SignedHeaders=([^,\s]+)\s*,\s*Signature=([0-9a-fA-F]+)\s*$")


# --- jobs --------------------------------------------------------------------------------------

class _Job(object):
    """One emulated job: a timeline of (status, seconds) phases starting at ``begin_mono``."""

    def __init__(self, job_id, service, project_id, spec, begin_mono, begin_wall, created_wall, defaults):
        self.job_id = job_id
        self.service = service
        self.project_id = project_id
        self.begin_mono = begin_mono
        self.begin_wall = begin_wall
        self.created_wall = created_wall
        self.job_type = spec.get("job_type", defaults["job_type"])
        self.entities = spec.get("entities") or {}
        self.time_format = defaults["time_format"]
        self.sub_jobs_empty = defaults["sub_jobs_empty"]
        self.end_time_pending = defaults["end_time_pending"]
        self.duration = spec["duration"] if "duration" in spec else defaults["duration"]
        sub_defaults = dict(defaults, duration=self.duration, job_type=self.job_type)
        self.sub_jobs = [_Job(sub.get("job_id") or uuid.uuid4().hex, service, project_id, sub,
                              begin_mono, begin_wall, created_wall, sub_defaults)
                         for sub in spec.get("sub_jobs") or []]
        # A parent whose outcome is not given fails like its first failing sub-job, as real jobs do.
        failed_sub = next((sub for sub in self.sub_jobs if sub.outcome == "fail"), None)
        self.outcome = spec.get("outcome") or ("fail" if failed_sub else "success")
        self.error_code = spec.get("error_code") or (failed_sub.error_code if failed_sub else ELB_FAIL_CODE)
        self.fail_reason = spec.get("fail_reason") or (failed_sub.fail_reason if failed_sub else ELB_FAIL_REASON)
        statuses = spec.get("statuses")
        self.phases = [tuple(phase) for phase in statuses] if statuses else self._default_phases()
        self.finish_offset = self._finish_offset()
        if statuses:
            terminal = [status for status, dummy in self.phases if status.lower() in TERMINAL_STATUSES]
            self.outcome = ("success" if TERMINAL_STATUSES[terminal[0].lower()] else "fail") if terminal else None

    def _default_phases(self):
        duration = self.duration
        if self.service == "elb":
            done = "SUCCESS" if self.outcome == "success" else "FAIL"
            init = 1.0 if duration is None else min(0.1 * duration, 1.0)
            phases = [("INIT", init), ("RUNNING", None if duration is None else duration - init)]
        else:
            done = "Success" if self.outcome == "success" else "Failed"
            phases = [("Running", duration)]
        if duration is not None:
            phases.append((done, None))
        return phases

    def _finish_offset(self):
        start = 0.0
        for status, seconds in self.phases:
            if status.lower() in TERMINAL_STATUSES:
                return start
            if seconds is None:
                return None
            start += seconds
        return None

    @property
    def finishes_at(self):
        return None if self.finish_offset is None else self.begin_wall + self.finish_offset

    def visible(self, now):
        return now >= self.begin_mono

    def phase_at(self, now):
        """(status, seconds since begin at which that status started) at monotonic instant ``now``."""
        elapsed = now - self.begin_mono
        start = 0.0
        for status, seconds in self.phases:
            if seconds is None or elapsed < start + seconds:
                return status, start
            start += seconds
        # Every phase had a length and all elapsed: the job stays in its last status.
        status, seconds = self.phases[-1]
        return status, start - seconds

    def _state(self, now):
        status, started = self.phase_at(now)
        succeeded = TERMINAL_STATUSES.get(status.lower())
        end_wall = None if succeeded is None else self.begin_wall + started
        return status, succeeded, end_wall

    def succeeded(self, now):
        """True once succeeded, False once failed, None while not finished."""
        return self._state(now)[1]

    def _put_end_time(self, body, end_wall):
        if end_wall is None and self.end_time_pending == "absent" and self.time_format not in ("empty", "null"):
            return
        body["end_time"] = format_time(end_wall, self.time_format)

    def elb_body(self, now, status_override=None):
        status, succeeded, end_wall = self._state(now)
        body = collections.OrderedDict()
        body["status"] = status_override or status
        body["entities"] = self.entities if succeeded else {}
        body["job_id"] = self.job_id
        body["job_type"] = self.job_type
        body["begin_time"] = format_time(self.begin_wall, self.time_format)
        self._put_end_time(body, end_wall)
        body["error_code"] = self.error_code if succeeded is False else None
        body["fail_reason"] = self.fail_reason if succeeded is False else None
        if self.sub_jobs:
            body["sub_jobs"] = [sub.elb_body(now) for sub in self.sub_jobs]
        elif self.sub_jobs_empty != "absent":
            body["sub_jobs"] = {"null": None, "empty_string": "", "list": []}[self.sub_jobs_empty]
        return body

    def cfw_body(self, now, status_override=None):
        status, dummy, end_wall = self._state(now)
        data = collections.OrderedDict()
        data["id"] = self.job_id
        data["status"] = status_override or status
        data["begin_time"] = format_time(self.begin_wall, self.time_format)
        self._put_end_time(data, end_wall)
        return {"data": data}

    def view(self, now, gets):
        visible = self.visible(now)
        status = self.phase_at(now)[0] if visible else None
        return {
            "job_id": self.job_id,
            "service": self.service,
            "project_id": self.project_id,
            "job_type": self.job_type,
            "outcome": self.outcome,
            "duration": self.duration,
            "statuses": [list(phase) for phase in self.phases],
            "created_at": self.created_wall,
            "appears_at": self.begin_wall,
            "finishes_at": self.finishes_at,
            "visible": visible,
            "status": status,
            "finished": bool(status and status.lower() in TERMINAL_STATUSES),
            "gets": gets.get(self.job_id, 0),
            "sub_jobs": [sub.view(now, gets) for sub in self.sub_jobs],
        }


_JOB_KEYS = {"service", "project_id", "job_id", "duration", "outcome", "error_code", "fail_reason", "job_type", "entities",
             "sub_jobs", "sub_jobs_empty", "time_format", "appear_after", "statuses", "end_time_pending"}
_SUB_JOB_KEYS = {"job_id", "duration", "outcome", "error_code", "fail_reason", "job_type", "entities", "sub_jobs", "statuses"}


def _check_number(spec, key, allow_none=False):
    value = spec.get(key)
    if value is None and allow_none:
        return
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ControlError("%s must be a number of seconds >= 0%s" % (key, " or null" if allow_none else ""))


def _valid_phase(phase, last):
    """A scripted phase is [status, seconds >= 0]; only the last one may last forever (null)."""
    if not isinstance(phase, (list, tuple)) or len(phase) != 2 or not isinstance(phase[0], str) or not phase[0]:
        return False
    seconds = phase[1]
    if seconds is None:
        return last
    return not isinstance(seconds, bool) and isinstance(seconds, (int, float)) and seconds >= 0


def _check_job_spec(spec, allowed, where):
    """Validate a job (or sub-job) spec of the control API; raises ControlError naming the problem."""
    if not isinstance(spec, dict):
        raise ControlError("%s must be a JSON object" % where)
    unknown = sorted(set(spec) - allowed)
    if unknown:
        raise ControlError("%s: unknown keys %s (allowed: %s)" % (where, ", ".join(unknown), ", ".join(sorted(allowed))))
    if "duration" in spec:
        _check_number(spec, "duration", allow_none=True)
    if spec.get("outcome") not in (None, "success", "fail"):
        raise ControlError("%s: outcome must be 'success' or 'fail'" % where)
    for key in ("job_id", "error_code", "fail_reason", "job_type"):
        if key in spec and not (isinstance(spec[key], str) and spec[key]):
            raise ControlError("%s: %s must be a non-empty string" % (where, key))
    if "entities" in spec and not isinstance(spec["entities"], dict):
        raise ControlError("%s: entities must be an object" % where)
    statuses = spec.get("statuses")
    if statuses is not None:
        if not isinstance(statuses, list) or not statuses:
            raise ControlError("%s: statuses must be a non-empty list of [status, seconds]" % where)
        for index, phase in enumerate(statuses):
            if not _valid_phase(phase, last=index == len(statuses) - 1):
                raise ControlError("%s: statuses[%d] must be [status, seconds >= 0] (null seconds only last)" % (where, index))
    sub_jobs = spec.get("sub_jobs")
    if sub_jobs is not None:
        if not isinstance(sub_jobs, list):
            raise ControlError("%s: sub_jobs must be a list" % where)
        for index, sub in enumerate(sub_jobs):
            _check_job_spec(sub, _SUB_JOB_KEYS, "%s.sub_jobs[%d]" % (where, index))


# --- faults ------------------------------------------------------------------------------------

_FAULT_PARAMS = {
    "status": {"status", "body", "content_type"},
    "html_503": set(),
    "rate_limit": {"retry_after"},
    "reset": set(),
    "slow": {"delay"},
    "truncated": set(),
    "not_json": set(),
    "unknown_status": {"status"},
    "expire_token": set(),
}
_MATCH_KEYS = {"service", "job_id", "route", "method", "project_id"}


def _check_fault_spec(spec):
    """Validate and complete a fault spec; returns the stored fault dict."""
    if not isinstance(spec, dict):
        raise ControlError("a fault must be a JSON object")
    kind = spec.get("kind")
    if kind not in FAULT_KINDS:
        raise ControlError("kind must be one of %s" % ", ".join(FAULT_KINDS))
    unknown = sorted(set(spec) - {"kind", "match", "times"} - _FAULT_PARAMS[kind])
    if unknown:
        raise ControlError("fault %s: unknown keys %s" % (kind, ", ".join(unknown)))
    match = spec.get("match") or {}
    if not isinstance(match, dict) or set(match) - _MATCH_KEYS:
        raise ControlError("match must be an object with keys among %s" % ", ".join(sorted(_MATCH_KEYS)))
    if "route" in match and match["route"] not in ROUTES:
        raise ControlError("match.route must be one of %s" % ", ".join(ROUTES))
    if "service" in match and match["service"] not in SERVICES + ("iam",):
        raise ControlError("match.service must be elb, cfw or iam")
    times = spec.get("times", 1)
    if times is not None and (isinstance(times, bool) or not isinstance(times, int) or times < 1):
        raise ControlError("times must be an integer >= 1, or null for every matching request")
    fault = {"kind": kind, "match": match, "times": times}
    if kind == "status":
        status = spec.get("status", 500)
        if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
            raise ControlError("status must be an HTTP status code")
        if spec.get("body") is not None and not isinstance(spec["body"], str):
            raise ControlError("body must be a string")
        fault.update(status=status, body=spec.get("body"), content_type=spec.get("content_type") or "application/json")
    elif kind == "rate_limit":
        fault["retry_after"] = spec.get("retry_after", 1)
        _check_number(fault, "retry_after")
    elif kind == "slow":
        fault["delay"] = spec.get("delay", 1.0)
        _check_number(fault, "delay")
    elif kind == "unknown_status":
        fault["status"] = spec.get("status", "QUEUED")
        if not isinstance(fault["status"], str):
            raise ControlError("status must be a string")
    return fault


# --- the state ---------------------------------------------------------------------------------

class EmulatorState(object):
    """Everything the emulator knows, behind one lock."""

    def __init__(self, config=None):
        self._lock = threading.Lock()
        self.base_url = None
        self._baseline_config = dict(DEFAULT_CONFIG)
        self._baseline_config.update(self._check_config(config or {}))
        self.in_flight = 0
        self.reset()

    # control operations

    def reset(self):
        """Back to the initial state: jobs, load balancers, faults, tokens, config, counters."""
        with self._lock:
            self.config = dict(self._baseline_config)
            self.jobs = {}           # (service, job_id) -> _Job
            self.loadbalancers = {}  # lb id -> {"elb": dict, "project_id", "create_job", "delete_job"}
            self.faults = collections.OrderedDict()
            self.fault_seq = 0
            # token -> {"project_id", "expires_mono" (None = never), "issued": bool (by IAM, not registered)}
            self.tokens = {STATIC_TOKEN: {"project_id": PROJECT_ID, "expires_mono": None, "issued": False}}
            self._reset_counters()

    def _reset_counters(self):
        self.total = 0
        self.by_route = collections.Counter()
        self.iam_calls = 0
        self.peak_in_flight = self.in_flight
        self.job_gets = collections.Counter()
        self.requests = collections.deque(maxlen=REQUEST_LOG_SIZE)

    def reset_stats(self):
        with self._lock:
            self._reset_counters()

    @staticmethod
    def _check_config(settings):
        if not isinstance(settings, dict):
            raise ControlError("config must be a JSON object")
        unknown = sorted(set(settings) - set(DEFAULT_CONFIG))
        if unknown:
            raise ControlError("unknown config keys %s (allowed: %s)" % (", ".join(unknown), ", ".join(sorted(DEFAULT_CONFIG))))
        settings = dict(settings)
        for key in ("latency", "default_duration", "token_ttl"):
            if key in settings:
                _check_number(settings, key)
        if settings.get("catalog_cfw_type", "cfw") in ("none", ""):
            settings["catalog_cfw_type"] = None
        if settings.get("catalog_cfw_type", "cfw") not in ("cfw", "cfwv3", None):
            raise ControlError("catalog_cfw_type must be 'cfw', 'cfwv3' or null")
        if not isinstance(settings.get("catalog_elb", True), bool):
            raise ControlError("catalog_elb must be true or false")
        return settings

    def configure(self, settings):
        settings = self._check_config(settings)
        with self._lock:
            self.config.update(settings)
            return dict(self.config)

    def get_config(self):
        with self._lock:
            return dict(self.config)

    def create_job(self, spec):
        """Create a job from a control-API spec; returns its summary."""
        _check_job_spec(spec, _JOB_KEYS, "job")
        service = spec.get("service", "elb")
        if service not in SERVICES:
            raise ControlError("service must be 'elb' or 'cfw'")
        project_id = spec.get("project_id", PROJECT_ID)
        if project_id not in PROJECTS:
            raise ControlError("unknown project_id %r (known: %s)" % (project_id, ", ".join(PROJECTS)))
        time_format = spec.get("time_format", DEFAULT_TIME_FORMAT[service])
        if time_format not in TIME_FORMATS:
            raise ControlError("time_format must be one of %s" % ", ".join(TIME_FORMATS))
        if spec.get("sub_jobs_empty", "absent") not in SUB_JOBS_EMPTY:
            raise ControlError("sub_jobs_empty must be one of %s" % ", ".join(SUB_JOBS_EMPTY))
        if spec.get("end_time_pending", "null") not in ("null", "absent"):
            raise ControlError("end_time_pending must be 'null' or 'absent'")
        if "appear_after" in spec:
            _check_number(spec, "appear_after")
        with self._lock:
            return self._add_job(service, project_id, spec, time_format)

    def _add_job(self, service, project_id, spec, time_format=None):
        job_id = spec.get("job_id") or (uuid.uuid4().hex if service == "elb" else str(uuid.uuid4()))
        if (service, job_id) in self.jobs:
            raise ControlError("a %s job %s already exists" % (service, job_id), status=409)
        appear_after = spec.get("appear_after", 0)
        defaults = {
            "duration": self.config["default_duration"],
            "job_type": "createELB" if service == "elb" else None,
            "time_format": time_format or DEFAULT_TIME_FORMAT[service],
            "sub_jobs_empty": spec.get("sub_jobs_empty", "absent"),
            "end_time_pending": spec.get("end_time_pending", "null"),
        }
        now_mono, now_wall = time.monotonic(), time.time()
        job = _Job(job_id, service, project_id, spec, now_mono + appear_after, now_wall + appear_after, now_wall, defaults)
        self.jobs[(service, job_id)] = job
        return {"job_id": job_id, "service": service, "project_id": project_id,
                "created_at": now_wall, "finishes_at": job.finishes_at}

    def job_view(self, job_id, service=None):
        with self._lock:
            found = [job for (job_service, jid), job in self.jobs.items() if jid == job_id and service in (None, job_service)]
            if not found:
                raise ControlError("no job %s" % job_id, status=404)
            if len(found) > 1:
                raise ControlError("job id %s exists for elb and cfw: add ?service=" % job_id, status=409)
            return found[0].view(time.monotonic(), self.job_gets)

    def list_jobs(self):
        with self._lock:
            now = time.monotonic()
            return [job.view(now, self.job_gets) for job in self.jobs.values()]

    def add_fault(self, spec):
        fault = _check_fault_spec(spec)
        with self._lock:
            self.fault_seq += 1
            fault["fault_id"] = self.fault_seq
            self.faults[self.fault_seq] = fault
            return dict(fault)

    def list_faults(self):
        with self._lock:
            return [dict(fault) for fault in self.faults.values()]

    def clear_faults(self):
        with self._lock:
            cleared = len(self.faults)
            self.faults.clear()
            return cleared

    def take_fault(self, attributes):
        """Consume and return the oldest fault whose match fits the request ``attributes``, or None."""
        with self._lock:
            for fault_id, fault in self.faults.items():
                if all(attributes.get(key) == value for key, value in fault["match"].items()):
                    if fault["times"] is not None:
                        fault["times"] -= 1
                        if fault["times"] <= 0:
                            del self.faults[fault_id]
                    return fault
            return None

    def register_token(self, spec):
        if not isinstance(spec, dict) or not isinstance(spec.get("token"), str) or not spec["token"]:
            raise ControlError("token must be a non-empty string")
        unknown = sorted(set(spec) - {"token", "project_id", "expires_in"})
        if unknown:
            raise ControlError("unknown keys %s" % ", ".join(unknown))
        project_id = spec.get("project_id", PROJECT_ID)
        if project_id not in PROJECTS:
            raise ControlError("unknown project_id %r" % project_id)
        _check_number(spec, "expires_in", allow_none=True)
        expires_in = spec.get("expires_in")
        with self._lock:
            self.tokens[spec["token"]] = {
                "project_id": project_id,
                "expires_mono": None if expires_in is None else time.monotonic() + expires_in,
                "issued": False,
            }
        return {"project_id": project_id,
                "expires_at": None if expires_in is None else _iam_time(time.time() + expires_in)}

    def expire_tokens(self):
        """Expire every token IAM issued (static tokens stay); returns how many."""
        with self._lock:
            issued = [record for record in self.tokens.values() if record["issued"]]
            for record in issued:
                record["expires_mono"] = 0.0
            return len(issued)

    def expire_token(self, token):
        with self._lock:
            if token in self.tokens:
                self.tokens[token]["expires_mono"] = 0.0

    def stats(self):
        with self._lock:
            return {
                "total": self.total,
                "by_route": dict(self.by_route),
                "iam_calls": self.iam_calls,
                "in_flight": self.in_flight,
                "peak_in_flight": self.peak_in_flight,
                "job_gets": dict(self.job_gets),
                "requests": list(self.requests),
            }

    # service request bookkeeping

    def request_started(self):
        with self._lock:
            self.in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self.in_flight)

    def request_finished(self, record, job_id):
        with self._lock:
            self.in_flight -= 1
            self.total += 1
            self.by_route[record["route"]] += 1
            if record["route"] == "iam":
                self.iam_calls += 1
            if job_id is not None:
                self.job_gets[job_id] += 1
            self.requests.append(record)

    # IAM

    def issue_token(self, payload):
        """POST /v3/auth/tokens: returns (status, body, headers)."""
        try:
            identity = payload["auth"]["identity"]
            if "password" not in identity["methods"]:
                return _iam_error(400, "Only the password method is supported.")
            user = identity["password"]["user"]
            password = user["password"]
            project = payload["auth"]["scope"]["project"]
            if not isinstance(user, dict) or not isinstance(project, dict) or not isinstance(password, str):
                raise TypeError("object expected")
        except (KeyError, TypeError):
            return _iam_error(400, "The request body must be a password authentication with a project scope: "
                                   "auth.identity.password.user and auth.scope.project are required.")
        if "id" in user:
            known_user = user["id"] == USER_ID
        elif "name" in user and isinstance(user.get("domain"), dict):
            domain = user["domain"]
            known_user = user["name"] == USER_NAME and (domain.get("name") == DOMAIN_NAME or domain.get("id") == DOMAIN_ID)
        else:
            return _iam_error(400, "auth.identity.password.user needs an id, or a name and a domain.")
        if not known_user or not hmac.compare_digest(password.encode("utf-8"), USER_PASSWORD.encode("utf-8")):
            return _iam_error(401, "The username or password is wrong.")
        project_id = next((pid for pid, info in PROJECTS.items()
                           if project.get("id") == pid or (project.get("name") == info["name"] and "id" not in project)), None)
        if project_id is None:
            return _iam_error(401, "The project does not exist or you have no permission to access it.")
        token = "MII" + secrets.token_urlsafe(96)
        with self._lock:
            ttl = self.config["token_ttl"]
            issued_wall = time.time()
            self.tokens[token] = {"project_id": project_id, "expires_mono": time.monotonic() + ttl, "issued": True}
            catalog = self._catalog(PROJECTS[project_id]["region"])
        domain = {"id": DOMAIN_ID, "name": DOMAIN_NAME}
        body = {"token": {
            "expires_at": _iam_time(issued_wall + ttl),
            "issued_at": _iam_time(issued_wall),
            "methods": ["password"],
            "user": {"id": USER_ID, "name": USER_NAME, "domain": domain, "password_expires_at": ""},
            "project": {"id": project_id, "name": PROJECTS[project_id]["name"], "domain": domain},
            "roles": [{"id": "0000000000000000000000000000000a", "name": "te_admin"}],
            "catalog": catalog,
        }}
        return 201, body, {"X-Subject-Token": token}

    def _catalog(self, region):
        """The token catalog, pointing at the emulator; each service also lists an unusable internal endpoint."""
        def entry(service_type, path):
            def endpoint(interface, root):
                return {"id": uuid.uuid4().hex, "interface": interface, "region": region, "region_id": region, "url": root + path}
            return {"id": uuid.uuid4().hex, "type": service_type, "name": service_type,
                    "endpoints": [endpoint("internal", UNUSABLE_ROOT), endpoint("public", self.base_url)]}
        catalog = [entry("identity", "/v3")]
        catalog[0]["name"] = "iam"
        if self.config["catalog_elb"]:
            catalog.append(entry("elb", "/v1.0/$(tenant_id)s"))
        if self.config["catalog_cfw_type"] == "cfw":
            catalog.append(entry("cfw", "/v3/%(project_id)s"))
        elif self.config["catalog_cfw_type"] == "cfwv3":
            catalog.append(entry("cfwv3", "/v3/%(tenant_id)s"))
        return catalog

    # request authentication

    def authenticate(self, request):
        """None when the request may reach the URL's project, else an APIGW error response."""
        authorization = request.header("authorization")
        if authorization is not None and authorization.startswith(SDK_ALGORITHM):
            return self._verify_signature(request, authorization)
        token = request.header("x-auth-token")
        if not token:
            return _apigw_error(401, "APIGW.0301", "Incorrect IAM authentication information: x-auth-token not found")
        with self._lock:
            record = self.tokens.get(token)
            expired = record is None or (record["expires_mono"] is not None and record["expires_mono"] <= time.monotonic())
        if expired:
            return _apigw_error(401, "APIGW.0307", "The token expires.")
        if record["project_id"] != request.project_id:
            return _apigw_error(403, "APIGW.0302", "Incorrect IAM authentication information: the token's project does not match the URL's project_id")
        return None

    def _verify_signature(self, request, authorization):
        def refuse(reason):
            return _apigw_error(401, "APIGW.0301", "Incorrect IAM authentication information: " + reason)
        match = _AUTHORIZATION_RE.match(authorization)
        if not match:
            return refuse("malformed Authorization header, expected 'SDK-HMAC-SHA256 Access=..., SignedHeaders=..., Signature=...'")
        access_key, signed, signature = match.groups()
        if access_key not in ACCESS_KEYS:
            return refuse("get secretKey failed, ak:%s" % access_key)
        secret_key, security_token = ACCESS_KEYS[access_key]
        signed_headers = signed.split(";")
        if signed_headers != sorted(set(name.lower() for name in signed_headers)):
            return refuse("SignedHeaders must be unique lowercase names in sorted order")
        for required in ("host", "x-sdk-date") + (("x-security-token",) if security_token else ()):
            if required not in signed_headers:
                return refuse("%s must be signed" % required)
        headers = {}
        for name in signed_headers:
            value = request.header(name)
            if value is None:
                return refuse("signed header %s not found" % name)
            headers[name] = value
        try:
            sdk_date = datetime.datetime.strptime(headers["x-sdk-date"], SDK_DATE_FORMAT).replace(tzinfo=datetime.timezone.utc)
        except ValueError:
            return refuse("x-sdk-date must look like 20261122T104000Z")
        if abs(time.time() - sdk_date.timestamp()) > SDK_MAX_SKEW:
            return refuse("the request time is more than 15 minutes away from the server time (x-sdk-date)")
        if security_token and not hmac.compare_digest(headers["x-security-token"].encode("utf-8"), security_token.encode("utf-8")):
            return refuse("the security token is invalid")
        if request.header("x-sdk-content-sha256") == "UNSIGNED-PAYLOAD":
            body_hash = "UNSIGNED-PAYLOAD"
        else:
            body_hash = hashlib.sha256(request.body).hexdigest()
        canonical = canonical_request(request.method, request.path, request.query, headers, signed_headers, body_hash)
        if not hmac.compare_digest(sdk_signature(secret_key, headers["x-sdk-date"], canonical), signature.lower()):
            return refuse("verify aksk signature fail")
        if request.project_id not in PROJECTS:
            return _apigw_error(403, "APIGW.0302", "Incorrect IAM authentication information: unknown project %s" % request.project_id)
        project_header = request.header("x-project-id")
        if project_header is not None and project_header != request.project_id:
            return _apigw_error(403, "APIGW.0302", "Incorrect IAM authentication information: X-Project-Id does not match the URL's project_id")
        return None

    # ELB load balancers

    def elb_create(self, project_id, payload):
        if not isinstance(payload, dict) or not isinstance(payload.get("name"), str) or not payload["name"]:
            return _elb_error(400, ELB_CODE_BAD_REQUEST, "Invalid request: a JSON object with a non-empty 'name' is required.")
        lb_id = uuid.uuid4().hex
        elb = collections.OrderedDict([
            ("id", lb_id),
            ("name", payload["name"]),
            ("type", payload.get("type", "External")),
            ("status", "ACTIVE"),
            ("bandwidth", payload.get("bandwidth", 1)),
            ("vip_address", payload.get("vip_address") or "10.%d.%d.%d" % (random.randint(0, 255), random.randint(0, 255), random.randint(2, 254))),
            ("tenant_id", project_id),
            ("admin_state_up", payload.get("admin_state_up", True)),
            ("vpc_id", payload.get("vpc_id") or str(uuid.uuid4())),
        ])
        spec = {"job_type": "createELB", "entities": {"elb": elb}}
        if payload["name"].startswith(FAIL_PREFIX):
            spec.update(outcome="fail", error_code=ELB_FAIL_CODE, fail_reason=ELB_FAIL_REASON)
        with self._lock:
            job = self._add_job("elb", project_id, spec)
            self.loadbalancers[lb_id] = {"elb": elb, "project_id": project_id, "create_job": self.jobs[("elb", job["job_id"])], "delete_job": None}
        return 200, _job_reference(project_id, job["job_id"]), {}

    def _lb_status(self, record, now):
        """The load balancer's status now, or None once it is gone (create failed or delete done)."""
        created = record["create_job"].succeeded(now)
        if created is None:
            return "PENDING_CREATE"
        if not created:
            return None
        if record["delete_job"] is None:
            return "ACTIVE"
        deleted = record["delete_job"].succeeded(now)
        if deleted is None:
            return "PENDING_DELETE"
        return None if deleted else "ACTIVE"  # a failed delete leaves it in place

    def _lb_view(self, project_id, lb_id, now):
        record = self.loadbalancers.get(lb_id)
        if record is None or record["project_id"] != project_id:
            return None, None
        status = self._lb_status(record, now)
        return (None, None) if status is None else (record, dict(record["elb"], status=status))

    def elb_list(self, project_id):
        with self._lock:
            now = time.monotonic()
            views = [self._lb_view(project_id, lb_id, now)[1] for lb_id in self.loadbalancers]
        loadbalancers = [view for view in views if view is not None]
        return 200, {"loadbalancers": loadbalancers, "instance_num": str(len(loadbalancers))}, {}

    def elb_get(self, project_id, lb_id):
        with self._lock:
            view = self._lb_view(project_id, lb_id, time.monotonic())[1]
        if view is None:
            return _elb_error(404, ELB_CODE_LB_NOT_FOUND, "Load balancer %s does not exist." % lb_id)
        return 200, view, {}

    def elb_delete(self, project_id, lb_id):
        with self._lock:
            record, view = self._lb_view(project_id, lb_id, time.monotonic())
            if view is None:
                return _elb_error(404, ELB_CODE_LB_NOT_FOUND, "Load balancer %s does not exist." % lb_id)
            if view["status"] != "ACTIVE":
                return _elb_error(409, ELB_CODE_CONFLICT, "Load balancer %s is %s; try again later." % (lb_id, view["status"]))
            job = self._add_job("elb", project_id, {"job_type": "deleteELB", "entities": {"elb": {"id": lb_id}}})
            record["delete_job"] = self.jobs[("elb", job["job_id"])]
        return 200, _job_reference(project_id, job["job_id"]), {}

    # job status

    def _visible_job(self, service, project_id, job_id, now):
        job = self.jobs.get((service, job_id))
        if job is None or job.project_id != project_id or not job.visible(now):
            return None
        return job

    def elb_job(self, project_id, job_id, status_override=None):
        with self._lock:
            now = time.monotonic()
            job = self._visible_job("elb", project_id, job_id, now)
            body = job.elb_body(now, status_override) if job else None
        if body is None:
            return _elb_error(404, ELB_CODE_JOB_NOT_FOUND, "Job %s does not exist." % job_id)
        return 200, body, {}

    def cfw_job(self, project_id, job_id, status_override=None):
        with self._lock:
            now = time.monotonic()
            job = self._visible_job("cfw", project_id, job_id, now)
            body = job.cfw_body(now, status_override) if job else None
        if body is None:
            return 400, {"error_code": CFW_CODE_JOB_NOT_FOUND, "error_msg": "Job does not exist."}, {}
        return 200, body, {}


def _job_reference(project_id, job_id):
    return collections.OrderedDict([("uri", "/v1/%s/jobs/%s" % (project_id, job_id)), ("job_id", job_id)])


def _iam_error(status, message):
    titles = {400: "Bad Request", 401: "Unauthorized"}
    return status, {"error": {"code": status, "message": message, "title": titles[status]}}, {}


def _apigw_error(status, code, message):
    return status, {"error_msg": message, "error_code": code, "request_id": uuid.uuid4().hex}, {}


def _elb_error(status, code, message):
    return status, {"error": {"message": message, "code": code}}, {}


# --- HTTP --------------------------------------------------------------------------------------

class _Request(object):
    """A parsed service request: route, path parameters, headers, body."""

    def __init__(self, method, raw_path, headers, body):
        self.method = method
        self.path, dummy, self.query = raw_path.partition("?")
        self.headers = headers
        self.body = body
        self.project_id = None
        self.job_id = None
        self.lb_id = None
        self.route = self._route([unquote(segment) for segment in self.path.split("/")])

    def header(self, name):
        return self.headers.get(name)

    @property
    def service(self):
        """iam, elb or cfw from the route name (None for an unknown route)."""
        return None if self.route == "unknown" else self.route.split("_")[0]

    def _route(self, segments):
        method = self.method
        if segments[:1] != [""]:
            return "unknown"
        parts = segments[1:]
        if method == "POST" and parts == ["v3", "auth", "tokens"]:
            return "iam"
        if len(parts) >= 3 and parts[0] in ("v1.0", "v3"):
            self.project_id = parts[1]
        if len(parts) == 4 and parts[0] == "v1.0" and parts[2] == "jobs" and method == "GET":
            self.job_id = parts[3]
            return "elb_job"
        if len(parts) == 4 and parts[0] == "v3" and parts[1] != "auth" and parts[2] == "jobs" and method == "GET":
            self.job_id = parts[3]
            return "cfw_job"
        if len(parts) == 4 and parts[0] == "v1.0" and parts[2:] == ["elbaas", "loadbalancers"]:
            return {"POST": "elb_create", "GET": "elb_list"}.get(method, "unknown")
        if len(parts) == 5 and parts[0] == "v1.0" and parts[2:4] == ["elbaas", "loadbalancers"]:
            self.lb_id = parts[4]
            return {"GET": "elb_get", "DELETE": "elb_delete"}.get(method, "unknown")
        return "unknown"

    def attributes(self):
        """What a fault's match is compared with."""
        return {"service": self.service, "route": self.route, "job_id": self.job_id, "method": self.method, "project_id": self.project_id}


class _BadRequest(Exception):
    pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # benchmarks open many connections at once

    def __init__(self, address, state, verbose):
        self.state = state
        self.verbose = verbose
        self._connections = set()
        self._connections_lock = threading.Lock()
        ThreadingHTTPServer.__init__(self, address, _Handler)

    def server_bind(self):
        # HTTPServer.server_bind() resolves the host name, which can hang on machines without DNS.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]

    def handle_error(self, request, client_address):
        # Clients that drop or reset their connection are routine here (timeouts, resets): no traceback.
        error = sys.exc_info()[1]
        if self.verbose or not isinstance(error, OSError):
            _log("connection from %s:%s ended with %s: %s" % (client_address[0], client_address[1], type(error).__name__, error))

    def track(self, connection, active):
        with self._connections_lock:
            if active:
                self._connections.add(connection)
            else:
                self._connections.discard(connection)

    def close_connections(self):
        """Shut idle keep-alive connections so their handler threads end with the server."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def _log(message):
    sys.stderr.write("otc-emulator: %s\n" % message)
    sys.stderr.flush()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive; every answer carries a Content-Length
    server_version = "otc-emulator"
    _answered = False  # whether the current request got (the start of) an answer

    def version_string(self):
        return self.server_version

    def setup(self):
        BaseHTTPRequestHandler.setup(self)
        self.server.track(self.connection, True)

    def finish(self):
        try:
            BaseHTTPRequestHandler.finish(self)
        finally:
            self.server.track(self.connection, False)

    def do_GET(self):
        self._dispatch()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

    # logging: quiet unless --verbose, and never any header or body

    def log_request(self, code="-", size="-"):
        pass  # _dispatch logs one line with the route instead

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        if self.server.verbose:
            _log(format % args)

    def send_error(self, code, message=None, explain=None):
        """BaseHTTPRequestHandler's own errors (bad request line, ...) as JSON instead of HTML."""
        self.close_connection = True
        message = message or self.responses.get(code, ("Error",))[0]
        self._send(code, _json_bytes({"error_code": "EMU.%d" % code, "error_msg": message}), "application/json")

    # plumbing

    def _send(self, status, body, content_type, headers=None):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        self._answered = True

    def _send_json(self, status, payload, headers=None):
        self._send(status, _json_bytes(payload), "application/json", headers)

    def _read_body(self):
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            return self._read_chunked()
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            raise _BadRequest("invalid Content-Length") from None
        if length < 0 or length > MAX_BODY:
            raise _BadRequest("Content-Length out of range (max %d)" % MAX_BODY)
        return self.rfile.read(length)

    def _read_chunked(self):
        body = b""
        while True:
            try:
                size = int(self.rfile.readline(64).split(b";")[0].strip(), 16)
            except ValueError:
                raise _BadRequest("invalid chunked encoding") from None
            if size == 0:
                while self.rfile.readline(1024).strip():
                    pass  # trailers
                return body
            body += self.rfile.read(size)
            self.rfile.readline(8)
            if len(body) > MAX_BODY:
                raise _BadRequest("body too large")

    def _dispatch(self):
        self._answered = False
        started = time.time()
        status = None
        try:
            try:
                body = self._read_body()
            except _BadRequest as error:
                self.close_connection = True
                self._send_json(400, {"error_code": "EMU.400", "error_msg": str(error)})
                status = 400
                return
            if self.path.split("?")[0].rstrip("/") == "/_emulator" or self.path.startswith("/_emulator/"):
                status = self._control(body)
            else:
                status = self._service(body, started)
        except OSError as error:
            # The client went away (or stop() shut the connection): nobody to answer.
            self.close_connection = True
            if self.server.verbose:
                _log("connection lost on %s %s: %s" % (self.command, self.path.split("?")[0], error))
        except Exception as error:  # pylint: disable=broad-except
            # Never a traceback to the client: log briefly, answer a JSON 500 if nothing was sent yet.
            _log("internal error on %s %s: %s: %s" % (self.command, self.path.split("?")[0], type(error).__name__, error))
            if self.server.verbose:
                traceback.print_exc()
            self.close_connection = True
            if not self._answered:
                try:
                    self._send_json(500, {"error_code": "EMU.500", "error_msg": "Internal emulator error: %s" % type(error).__name__})
                except OSError:
                    pass
            status = 500
        finally:
            if self.server.verbose:
                _log("%s %s -> %s (%.1f ms)" % (self.command, self.path.split("?")[0], status, (time.time() - started) * 1000))

    # control API

    def _control(self, body):
        path, dummy, query = self.path.partition("?")
        parts = [unquote(part) for part in path.split("/")[2:] if part]
        try:
            payload = json.loads(body.decode("utf-8")) if body.strip() else {}
        except ValueError:
            self._send_json(400, {"error": {"code": "EMU.400", "message": "the body is not valid JSON"}})
            return 400
        try:
            status, result = _control_dispatch(self.server.state, self.command, parts, query, payload)
        except ControlError as error:
            status, result = error.status, {"error": {"code": "EMU.%d" % error.status, "message": str(error)}}
        self._send_json(status, result)
        return status

    # service routes

    def _service(self, body, started):
        state = self.server.state
        request = _Request(self.command, self.path, self.headers, body)
        record = {"method": self.command, "path": request.path, "route": request.route, "status": None, "t": started}
        state.request_started()
        try:
            record["status"], answer = self._serve(state, request)
        except Exception:
            record["status"] = 500
            raise
        finally:
            # Counted before answering: a client that reads the stats after its answer sees its request.
            state.request_finished(record, request.job_id)
        answer()
        return record["status"]

    def _serve(self, state, request):
        """Handle one service request: (HTTP status or None for a reset, callable that sends the answer)."""
        latency = state.get_config()["latency"]
        if latency:
            time.sleep(latency)
        fault = state.take_fault(request.attributes())
        kind = fault["kind"] if fault else None
        if kind == "slow":
            time.sleep(fault["delay"])
        elif kind == "expire_token" and request.header("x-auth-token"):
            state.expire_token(request.header("x-auth-token"))
        elif kind in ("status", "html_503", "rate_limit", "reset", "truncated", "not_json"):
            return self._fault_answer(fault)
        status, payload, headers = self._route(state, request, fault["status"] if kind == "unknown_status" else None)
        headers = dict(headers, **{"X-Request-Id": uuid.uuid4().hex})
        return status, lambda: self._send(status, _json_bytes(payload), "application/json;charset=UTF-8", headers)

    def _route(self, state, request, status_override):
        if request.route == "unknown":
            return _apigw_error(404, "APIGW.0101", "The API does not exist or has not been published in the environment")
        if request.route == "iam":
            try:
                payload = json.loads(request.body.decode("utf-8"))
            except ValueError:
                return _iam_error(400, "The request body is not valid JSON.")
            return state.issue_token(payload)
        refused = state.authenticate(request)
        if refused:
            return refused
        if request.route == "elb_job":
            return state.elb_job(request.project_id, request.job_id, status_override)
        if request.route == "cfw_job":
            return state.cfw_job(request.project_id, request.job_id, status_override)
        if request.route == "elb_create":
            try:
                payload = json.loads(request.body.decode("utf-8"))
            except ValueError:
                return _elb_error(400, ELB_CODE_BAD_REQUEST, "The request body is not valid JSON.")
            return state.elb_create(request.project_id, payload)
        if request.route == "elb_list":
            return state.elb_list(request.project_id)
        if request.route == "elb_get":
            return state.elb_get(request.project_id, request.lb_id)
        return state.elb_delete(request.project_id, request.lb_id)

    def _fault_answer(self, fault):
        """(status, sender) of a fault that replaces the normal answer."""
        kind = fault["kind"]
        if kind == "reset":
            return None, self._reset_connection
        if kind == "truncated":
            return 200, self._send_truncated
        if kind == "status":
            body = fault["body"]
            if body is None:
                body = json.dumps({"error_code": "EMU.%d" % fault["status"], "error_msg": "Injected fault: HTTP %d" % fault["status"]})
            return fault["status"], lambda: self._send(fault["status"], body.encode("utf-8"), fault["content_type"])
        if kind == "html_503":
            return 503, lambda: self._send(503, HTML_503, "text/html")
        if kind == "rate_limit":
            retry_after = fault["retry_after"]
            retry_text = str(int(retry_after)) if float(retry_after).is_integer() else str(retry_after)
            payload = {"error_msg": "The throttling threshold has been reached: policy user over ratelimit",
                       "error_code": "APIGW.0308", "request_id": uuid.uuid4().hex}
            return 429, lambda: self._send_json(429, payload, {"Retry-After": retry_text})
        return 200, lambda: self._send(200, NOT_JSON, "text/plain")

    def _reset_connection(self):
        # SO_LINGER with a zero timeout makes the close send RST: the client sees a connection reset.
        # close() only marks the socket: the descriptor really closes when finish() closes rfile/wfile,
        # and the server's later shutdown(SHUT_WR) then fails quietly instead of sending a FIN first.
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True
        self._answered = True

    def _send_truncated(self):
        # Declare more bytes than are sent, then close: the client reads a cut JSON document.
        self.close_connection = True
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(TRUNCATED_BODY) + 64))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(TRUNCATED_BODY)
        self._answered = True


def _control_dispatch(state, method, parts, query, payload):
    """Route one control-API call to the state; returns (status, JSON payload)."""
    if parts == ["jobs"]:
        if method == "POST":
            return 201, state.create_job(payload)
        if method == "GET":
            return 200, {"jobs": state.list_jobs()}
    if method == "GET" and len(parts) == 2 and parts[0] == "jobs":
        service = dict(pair.partition("=")[::2] for pair in query.split("&") if pair).get("service")
        return 200, state.job_view(parts[1], service)
    if parts == ["faults"]:
        if method == "POST":
            return 201, state.add_fault(payload)
        if method == "GET":
            return 200, {"faults": state.list_faults()}
        if method == "DELETE":
            return 200, {"cleared": state.clear_faults()}
    if method == "POST" and parts == ["tokens"]:
        return 201, state.register_token(payload)
    if method == "POST" and parts == ["tokens", "expire"]:
        return 200, {"expired": state.expire_tokens()}
    if parts == ["config"]:
        if method == "POST":
            return 200, state.configure(payload)
        if method == "GET":
            return 200, state.get_config()
    if method == "GET" and parts == ["stats"]:
        return 200, state.stats()
    if method == "POST" and parts == ["stats", "reset"]:
        state.reset_stats()
        return 200, {"reset": True}
    if method == "POST" and parts == ["reset"]:
        state.reset()
        return 200, {"reset": True}
    raise ControlError("no control route %s /_emulator/%s" % (method, "/".join(parts)), status=404)


# --- public API ----------------------------------------------------------------------------------

class Emulator(object):
    """The emulator in a background thread.

    ``Emulator(port=0, verbose=False, **config)``: ``config`` takes the ``configure()`` settings and
    becomes the baseline that ``reset()`` returns to.
    """

    def __init__(self, port=0, verbose=False, **config):
        self.port = port
        self.verbose = verbose
        self.state = EmulatorState(config)
        self._server = None
        self._thread = None

    @property
    def url(self):
        """``http://127.0.0.1:PORT`` once started, else None."""
        return self.state.base_url

    def start(self):
        self._server = _Server(("127.0.0.1", self.port), self.state, self.verbose)
        self.state.base_url = "http://127.0.0.1:%d" % self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, name="otc-emulator", daemon=True)
        self._thread.start()
        return self

    def stop(self):
        if self._server is None:
            return
        self._server.shutdown()
        self._server.close_connections()
        self._server.server_close()
        self._thread.join()
        self._server = self._thread = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    # mirrors of the control API

    def create_job(self, service="elb", **spec):
        """Create a job (see POST /_emulator/jobs); returns {job_id, service, project_id, created_at, finishes_at}."""
        return self.state.create_job(dict(spec, service=service))

    def create_cfw_job(self, **spec):
        return self.create_job("cfw", **spec)

    def get_job(self, job_id, service=None):
        """The internal view of a job (GET /_emulator/jobs/{job_id}), with finishes_at for overshoot."""
        return self.state.job_view(job_id, service)

    def list_jobs(self):
        return self.state.list_jobs()

    def add_fault(self, kind, match=None, times=1, **params):
        """Queue a fault (see POST /_emulator/faults); returns it with its fault_id."""
        return self.state.add_fault(dict(params, kind=kind, match=match or {}, times=times))

    def list_faults(self):
        return self.state.list_faults()

    def clear_faults(self):
        return self.state.clear_faults()

    def register_token(self, token, project_id=PROJECT_ID, expires_in=None):
        return self.state.register_token({"token": token, "project_id": project_id, "expires_in": expires_in})

    def expire_tokens(self):
        return self.state.expire_tokens()

    def configure(self, **settings):
        return self.state.configure(settings)

    def stats(self):
        return self.state.stats()

    def reset_stats(self):
        self.state.reset_stats()

    def reset(self):
        self.state.reset()


def _write_state_file(path, payload):
    """Write JSON atomically: readers never see a partial file."""
    directory = os.path.dirname(os.path.abspath(path))
    handle, temp_path = tempfile.mkstemp(prefix=".otc-emulator-", dir=directory)
    try:
        with os.fdopen(handle, "w") as stream:
            json.dump(payload, stream)
        os.replace(temp_path, path)
    except BaseException:
        os.unlink(temp_path)
        raise


def main(argv=None):
    parser = argparse.ArgumentParser(description="Local emulator of the OTC IAM, classic ELB and CFW job APIs (127.0.0.1 only).")
    parser.add_argument("--port", type=int, default=0, help="port to listen on (default 0: a free port)")
    parser.add_argument("--state-file", help="write {\"url\", \"pid\"} as JSON here once listening; removed on exit")
    parser.add_argument("--default-duration", type=float, help="job duration when none is given (default 3 s)")
    parser.add_argument("--verbose", action="store_true", help="log requests to stderr")
    args = parser.parse_args(argv)

    config = {} if args.default_duration is None else {"default_duration": args.default_duration}
    emulator = Emulator(port=args.port, verbose=args.verbose, **config)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    emulator.start()
    if args.state_file:
        _write_state_file(args.state_file, {"url": emulator.url, "pid": os.getpid()})
    print("otc-emulator listening on %s" % emulator.url, flush=True)
    try:
        stop.wait()
    finally:
        emulator.stop()
        if args.state_file and os.path.exists(args.state_file):
            os.unlink(args.state_file)
    return 0


if __name__ == "__main__":
    sys.exit(main())
