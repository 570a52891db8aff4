"""Local emulator of the Open Telekom Cloud APIs that otc.jobs talks to (SPEC section 7).

Standard library only, Python 3.8+. It serves, on 127.0.0.1:

* IAM v3 ``POST /v3/auth/tokens`` (password auth, project scope, catalog, expiry) and ``GET /v3/projects?name=``;
* classic ELB v1.0 load balancer create/get/list/delete and ``GET /v1.0/{project_id}/jobs/{job_id}``;
* Cloud Firewall v3 ``GET /v3/{project_id}/jobs/{job_id}``;
* the job APIs of ECS, EVS, IMS, BMS, VBS, CCE, RDS, DDS and DDM (SPEC section 2b, api/job-apis.md), each under
  ``/{service}`` plus its documented path (several share a path and differ only by host in the real cloud), and the
  create and delete routes of every family (IMS: create only; its deletes have no job); every family's facts live
  in one table, ``FAMILIES``;
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
import math
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
from urllib.parse import parse_qsl, quote, unquote, unquote_plus

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

# The job families of SPEC section 2b, besides ELB and CFW, in the order of api/job-apis.md.
FAMILY_SERVICES = ("ecs", "evs", "ims", "bms", "vbs", "cce", "rds", "dds", "ddm")

DEFAULT_CONFIG = {
    "latency": 0.0,            # seconds added to every service request
    "rate_limit": None,        # requests per second per project (token bucket, one second of burst); beyond: 429
    "token_ttl": 86400.0,      # IAM token lifetime, seconds
    "default_duration": 3.0,   # job duration when none is given, seconds
    "catalog_cfw_type": "cfw",  # "cfw", "cfwv3" or None (no CFW entry in the catalog)
    "catalog_elb": True,       # whether the catalog has an ELB entry
    "catalog_services": list(FAMILY_SERVICES),  # which services of SPEC 2b have a catalog entry
    "catalog_placeholders": "substituted",  # "substituted" (project id filled in) or "template" ($(tenant_id)s kept)
}
CATALOG_PLACEHOLDERS = ("substituted", "template")

# Key orders of the v1 job body (ELB-shaped), as the documents' examples list them.
_ELB_KEYS = ("status", "entities", "job_id", "job_type", "begin_time", "end_time", "error_code", "fail_reason")
_ECS_KEYS = ("status", "job_id", "job_type", "begin_time", "end_time", "error_code", "fail_reason", "entities")
_IMS_KEYS = ("job_id", "job_type", "status", "begin_time", "end_time", "error_code", "fail_reason", "entities")

# Everything the emulator knows about each job family, from api/job-apis.md (the truth for these facts).
# Facts the documents leave open are marked "inferred" here and in the README.
#   shape            body builder: "v1" (ELB-shaped), "cfw" ({"data": ...}), "cce" (v3 Job object), "task" ({"job": ...})
#   job_path         documented job GET path; "{p}" is the project id, "{id}" the job id ("?id=" puts it in the query)
#   root             also served without the "/{service}" prefix (the routes that existed before the prefixes)
#   routes           (method, path, route name) of the family's other routes (ELB load balancers, create routes)
#   catalog          (type, name, path) of the token catalog entry under the emulator URL; None: legacy config keys
#   statuses         (initial or None, running, success, failure)
#   id_style         new job ids: "hex" (32 hex digits) or "uuid"
#   time_format      default time_format; end_time_pending: what the end time holds while a job runs
#   job_type         default job_type (CCE spec.type, RDS/DDS/DDM name); sub_job_type: the sub-jobs' default (None: the parent's)
#   sub_jobs_at      where sub-jobs live: "top" (sub_jobs), "entities" (entities.sub_jobs), "entities_total" (plus
#                    entities.sub_jobs_total), "entities_result" (entities.sub_jobs_result + sub_jobs_list), "cce"
#                    (spec.subJobs), "hidden" (accepted, not shown: CFW as before), None (refused)
#   sub_jobs_empty   default rendering of an empty sub-job list (SUB_JOBS_EMPTY)
#   resource         v1: the entities key of the resource id; resource_default: which jobs get a generated one,
#                    "leaf" (jobs without sub-jobs), "top" (the top-level job) or None
#   instance_suffix  task family: generated instance ids are 32 hex digits plus this (as the documents' examples)
#   failure          default (error_code, fail_reason) of a failing job; where a family has no code the code is unused
#   not_found        (HTTP status, code, message) of a missing job; error_shape: how errors are written (_ERROR_SHAPES)
#   bad_request      (code, message) for a malformed create body
FAMILIES = collections.OrderedDict([
    ("elb", {
        "shape": "v1", "job_path": "/v1.0/{p}/jobs/{id}", "root": True, "catalog": None,
        "routes": (("POST", "/v1.0/{p}/elbaas/loadbalancers", "elb_create"), ("GET", "/v1.0/{p}/elbaas/loadbalancers", "elb_list"),
                   ("GET", "/v1.0/{p}/elbaas/loadbalancers/{lb}", "elb_get"),
                   ("DELETE", "/v1.0/{p}/elbaas/loadbalancers/{lb}", "elb_delete")),
        "statuses": ("INIT", "RUNNING", "SUCCESS", "FAIL"), "id_style": "hex", "time_format": "iso_fraction",
        "end_time_pending": "null", "job_type": "createELB", "sub_job_type": None, "keys": _ELB_KEYS,
        "entities_pending": False,  # ELB shows its entities only once the job succeeded
        "sub_jobs_at": "top", "sub_jobs_empty": "absent", "resource": None, "resource_default": None,
        "failure": (ELB_FAIL_CODE, ELB_FAIL_REASON),
        "not_found": (404, ELB_CODE_JOB_NOT_FOUND, "Job {job_id} does not exist."), "error_shape": "nested",
        "bad_request": (ELB_CODE_BAD_REQUEST, "Invalid request: a JSON object with a non-empty 'name' is required."),
    }),
    ("cfw", {
        "shape": "cfw", "job_path": "/v3/{p}/jobs/{id}", "root": True, "catalog": None,
        # Create and delete answer {"data": {"id": <job id>, "name"}} (the place otc.jobs reads; paths inferred).
        "routes": (("POST", "/v2/{p}/firewall", "cfw_create"), ("DELETE", "/v2/{p}/firewall/{rid}", "cfw_delete")),
        "bad_request": ("CFW.00100001", "The request body must have a non-empty name."),
        "statuses": (None, "Running", "Success", "Failed"), "id_style": "uuid", "time_format": "ms",
        "end_time_pending": "null", "job_type": None, "sub_job_type": None,
        "sub_jobs_at": "hidden", "sub_jobs_empty": "absent", "resource": None, "resource_default": None,
        "failure": (ELB_FAIL_CODE, ELB_FAIL_REASON),
        "not_found": (400, CFW_CODE_JOB_NOT_FOUND, "Job does not exist."), "error_shape": "flat",
    }),
    ("ecs", {
        "shape": "v1", "job_path": "/v1/{p}/jobs/{id}", "catalog": ("ecs", "ecs", "/ecs/v1/{p}"),
        "routes": (("POST", "/v1/{p}/cloudservers", "ecs_create"), ("POST", "/v1/{p}/cloudservers/delete", "ecs_delete")),
        "statuses": ("INIT", "RUNNING", "SUCCESS", "FAIL"), "id_style": "hex", "time_format": "iso_fraction",
        "end_time_pending": "null",  # the documents do not say what end_time holds while running
        "job_type": "createServer", "sub_job_type": "createSingleServer", "keys": _ECS_KEYS,
        "sub_jobs_at": "entities_total", "sub_jobs_empty": "absent", "resource": "server_id", "resource_default": "leaf",
        "failure": ("Ecs.0013", "Insufficient EIP quota."),  # code chosen by the emulator
        "not_found": (400, "Common.0011", "Failed to query system tasks. (Invalid job ID.)"), "error_shape": "nested",
        "bad_request": ("Ecs.0005", "request body is illegal."),
    }),
    ("evs", {
        "shape": "v1", "job_path": "/v1/{p}/jobs/{id}", "catalog": ("evs", "evs", "/evs/v2/{p}"),
        "routes": (("POST", "/v2/{p}/cloudvolumes", "evs_create"), ("DELETE", "/v2/{p}/cloudvolumes/{rid}", "evs_delete")),
        "statuses": ("INIT", "RUNNING", "SUCCESS", "FAIL"), "id_style": "hex", "time_format": "iso_fraction",
        "end_time_pending": "empty",  # the documented running example has "end_time": ""
        "job_type": "createVolume", "sub_job_type": "createVolume", "keys": _ELB_KEYS,
        "sub_jobs_at": "entities", "sub_jobs_empty": "absent", "resource": "volume_id", "resource_default": "leaf",
        "failure": ("EVS.2024", "The disk quota is insufficient."),  # code chosen by the emulator
        "not_found": (400, "Common.0011", "No jobs found."), "error_shape": "nested",
        "bad_request": ("EMU.400", "The request body must be {\"volume\": {\"name\": ...}}."),
    }),
    ("ims", {
        "shape": "v1", "job_path": "/v1/{p}/jobs/{id}", "catalog": ("image", "glance", "/ims"),
        # IMS creates images at /v2/cloudimages/action, without a project in the path (the token's project);
        # deleting an image is synchronous (no job), so there is no delete route.
        "routes": (("POST", "/v2/cloudimages/action", "ims_create"),),
        "bad_request": ("IMG.0001", "The request body must have a non-empty name."),
        "statuses": ("INIT", "RUNNING", "SUCCESS", "FAIL"), "id_style": "hex", "time_format": "iso_fraction",
        "end_time_pending": "null", "job_type": "imsCreateImageByInstance", "sub_job_type": None, "keys": _IMS_KEYS,
        "progress": "process_percent",  # entities.process_percent: read by gopher only, undocumented (inferred)
        "sub_jobs_at": "entities_result", "sub_jobs_empty": "absent", "resource": "image_id", "resource_default": "leaf",
        "failure": ("IMG.0012", "Failed to create the image."),  # code chosen by the emulator
        # No code is documented for a missing job: IMG.0023 is the closest (inferred).
        "not_found": (400, "IMG.0023", "exception during job query"), "error_shape": "nested",
    }),
    ("bms", {
        "shape": "v1", "job_path": "/v1/{p}/jobs/{id}", "catalog": ("bms", "bms", "/bms/v1/{p}"),
        "routes": (("POST", "/v1/{p}/baremetalservers", "bms_create"), ("POST", "/v1/{p}/baremetalservers/delete", "bms_delete")),
        "bad_request": ("BMS.0001", "The request body must be {\"server\": {\"name\": ...}}."),
        "statuses": ("INIT", "RUNNING", "SUCCESS", "FAIL"), "id_style": "hex", "time_format": "iso_fraction",
        "end_time_pending": "null", "job_type": "baremetalBatchCreate", "sub_job_type": "baremetalSingleCreate",
        "keys": _ECS_KEYS,
        # entities.sub_jobs_total is 0 when there are none: the empty list is shown by default.
        "sub_jobs_at": "entities_total", "sub_jobs_empty": "list", "resource": "server_id", "resource_default": "leaf",
        "failure": ("BMS.0017", "EIP quota"),
        # A missing job is not documented: answered like ECS (inferred).
        "not_found": (400, "Common.0011", "Failed to query system tasks. (Invalid job ID.)"), "error_shape": "nested",
    }),
    ("vbs", {
        "shape": "v1", "job_path": "/v1/{p}/jobs/{id}", "catalog": ("vbsv2", "vbsv2", "/vbs/v2/{p}"),
        # Deleting a backup is POST /v2/{p}/cloudbackups/{backup_id} (as documented), answered with a job.
        "routes": (("POST", "/v2/{p}/cloudbackups", "vbs_create"), ("POST", "/v2/{p}/cloudbackups/{rid}", "vbs_delete")),
        "bad_request": ("VBS.0001", "The request body must be {\"backup\": {\"volume_id\": ..., \"name\": ...}}."),
        "statuses": ("INIT", "RUNNING", "SUCCESS", "FAIL"), "id_style": "hex", "time_format": "iso_fraction",
        "end_time_pending": "null", "job_type": "bksCreateBackup", "sub_job_type": None, "keys": _ELB_KEYS,
        # Top-level sub_jobs; the documented example has none and no "sub_jobs" key (sub_jobs_empty shows the others).
        "sub_jobs_at": "top", "sub_jobs_empty": "absent", "resource": "backup_id", "resource_default": "leaf",
        "failure": ("VBS.0005", "Failed to create the backup."),  # code chosen by the emulator
        # Lower-case "common.0011" as documented; the HTTP status is not documented (400 inferred).
        "not_found": (400, "common.0011", "Failed to query the task."), "error_shape": "nested",
    }),
    ("cce", {
        "shape": "cce", "job_path": "/api/v3/projects/{p}/jobs/{id}", "catalog": ("ccev2.0", "ccev2.0", "/cce"),
        "routes": (("POST", "/api/v3/projects/{p}/clusters", "cce_create"),
                   ("DELETE", "/api/v3/projects/{p}/clusters/{rid}", "cce_delete")),
        "statuses": ("Initializing", "Running", "Success", "Failed"), "id_style": "uuid", "time_format": "go_utc",
        "end_time_pending": "null", "job_type": "CreateCluster", "sub_job_type": None,
        "sub_jobs_at": "cce", "sub_jobs_empty": "absent", "resource": "resourceID", "resource_default": "top",
        "failure": (None, "Failed to create the cluster: insufficient quota."),  # status.reason only, no code
        # The documented answer for any missing resource; for a job it is inferred.
        "not_found": (404, "CCE.01404001", "Resource not found."), "error_shape": "cce",
        "bad_request": ("EMU.400", "The request body must be a Cluster with metadata.name."),
    }),
    ("rds", {
        "shape": "task", "job_path": "/v3/{p}/jobs?id={id}", "catalog": ("rdsv3", "rdsv3", "/rds/v3/{p}"),
        "routes": (("POST", "/v3/{p}/instances", "rds_create"), ("DELETE", "/v3/{p}/instances/{rid}", "rds_delete")),
        "statuses": (None, "Running", "Completed", "Failed"), "id_style": "uuid", "time_format": "utc_compact",
        "end_time_pending": "absent",  # the documented running example has no "ended"
        "job_type": "CreateMysqlSingleHAInstance", "sub_job_type": None,
        "created_key": "created", "ended_key": "ended", "progress_key": "process", "has_entities": True,
        "fail_reason": "failed",  # fail_reason only on failure
        "sub_jobs_at": None, "sub_jobs_empty": "absent", "resource": "instance.id", "resource_default": "top",
        "instance_suffix": "in01",
        "failure": (None, "createVM failed."),
        "not_found": (400, "DBS.200543", "The job does not exist."), "error_shape": "flat",
        "bad_request": ("EMU.400", "The request body must have a non-empty name."),
    }),
    ("dds", {
        "shape": "task", "job_path": "/v3/{p}/jobs?id={id}", "catalog": ("ddsv3", "ddsv3", "/dds/v3/{p}"),
        "routes": (("POST", "/v3/{p}/instances", "dds_create"), ("DELETE", "/v3/{p}/instances/{rid}", "dds_delete")),
        "statuses": (None, "Running", "Completed", "Failed"), "id_style": "uuid", "time_format": "utc_compact",
        "end_time_pending": "now",  # the documented running example carries "ended"
        "job_type": "Create_MongoDB", "sub_job_type": None,
        "created_key": "created", "ended_key": "ended", "progress_key": "progress", "has_entities": False,
        "fail_reason": "always",  # null unless the task failed
        "sub_jobs_at": None, "sub_jobs_empty": "absent", "resource": "instance.id", "resource_default": "top",
        "instance_suffix": "in02",
        "failure": (None, "Failed to create the DB instance."),  # reason chosen by the emulator
        # A missing job is not documented: RDS's answer (inferred).
        "not_found": (400, "DBS.200543", "The job does not exist."), "error_shape": "flat",
        "bad_request": ("EMU.400", "The request body must have a non-empty name."),
    }),
    ("ddm", {
        # Catalog type ddmv3 from the SDKs, not from an OTC endpoint list; its URL form is inferred.
        "shape": "task", "job_path": "/v3/{p}/jobs/{id}", "catalog": ("ddmv3", "ddmv3", "/ddm/v3/{p}"),
        # Instances are created and deleted with the v1 API (gopher ddm/v1), which answers job_id.
        "routes": (("POST", "/v1/{p}/instances", "ddm_create"), ("DELETE", "/v1/{p}/instances/{rid}", "ddm_delete")),
        "bad_request": ("DBS.280001", "The request body must be {\"instance\": {\"name\": ...}}."),
        "statuses": (None, "Running", "Completed", "Failed"), "id_style": "uuid", "time_format": "cet_compact",
        "end_time_pending": "now",  # the documented running example carries "end_time"
        "job_type": "CreateInstance", "sub_job_type": None,
        "created_key": "created_time", "ended_key": "end_time", "progress_key": "process", "has_entities": False,
        "fail_reason": None,  # DDM documents no failure field
        "sub_jobs_at": None, "sub_jobs_empty": "absent", "resource": "instance.id", "resource_default": "top",
        "instance_suffix": "in09",
        "failure": (None, None),
        # A missing job is not documented: DBS.300120 is the closest (inferred).
        "not_found": (400, "DBS.300120", "Failed to obtain task information."), "error_shape": "ddm",
    }),
])

SERVICES = tuple(FAMILIES)
ROUTES = (("iam", "iam_projects")
          + tuple(route[2] for family in FAMILIES.values() for route in family.get("routes", ()))
          + tuple(service + "_job" for service in SERVICES)
          + ("unknown",))
TIME_FORMATS = ("ms", "s", "ms_string", "iso_z", "iso_fraction", "offset_colon", "offset_compact", "utc_compact",
                "cet_compact", "go_utc", "empty", "null")
DEFAULT_TIME_FORMAT = {service: family["time_format"] for service, family in FAMILIES.items()}
SUB_JOBS_EMPTY = ("absent", "null", "empty_string", "list")
END_TIME_PENDING = ("null", "absent", "empty", "now")
FAULT_KINDS = ("status", "html_503", "rate_limit", "reset", "slow", "truncated", "not_json", "unknown_status",
               "expire_token", "echo")
MAX_BODY = 1024 * 1024
REQUEST_LOG_SIZE = 500
SDK_ALGORITHM = "SDK-HMAC-SHA256"
SDK_DATE_FORMAT = "%Y%m%dT%H%M%SZ"
SDK_MAX_SKEW = 15 * 60
# An address that refuses connections at once: the catalog's "internal" endpoints point there.
UNUSABLE_ROOT = "http://127.0.0.1:9/internal-endpoint-unusable"
# Terminal statuses of ELB and CFW, matched case-insensitively, and whether they mean success; every family
# adds its own success and failure status (RDS "Completed", ...).
TERMINAL_STATUSES = {"success": True, "fail": False, "failed": False}
BEIJING = datetime.timezone(datetime.timedelta(hours=8))
CET = datetime.timezone(datetime.timedelta(hours=1))  # DDM's documents write +0100

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
    if time_format == "go_utc":
        # Go's time.String(): 2020-02-02 08:12:40.672772389 +0000 UTC (CCE metadata timestamps).
        seconds = int(epoch)
        nanos = int(round((epoch - seconds) * 1e9))
        if nanos >= 1000000000:
            seconds, nanos = seconds + 1, nanos - 1000000000
        utc = datetime.datetime.fromtimestamp(seconds, tz=datetime.timezone.utc)
        return utc.strftime("%Y-%m-%d %H:%M:%S.") + "%09d +0000 UTC" % nanos
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
    if time_format == "utc_compact":
        return utc.strftime("%Y-%m-%dT%H:%M:%S+0000")  # RDS and DDS
    if time_format == "cet_compact":
        return utc.astimezone(CET).strftime("%Y-%m-%dT%H:%M:%S+0100")  # DDM
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

def _new_job_id(service):
    """A job id shaped like the family's documents: 32 hex digits (ELB, the v1 family) or a UUID."""
    return uuid.uuid4().hex if FAMILIES[service]["id_style"] == "hex" else str(uuid.uuid4())


def _new_resource_id(service):
    """An id of what a job makes: an RDS/DDS/DDM instance id (32 hex digits + "in01"...) or a UUID."""
    suffix = FAMILIES[service].get("instance_suffix")
    return uuid.uuid4().hex + suffix if suffix else str(uuid.uuid4())


def _empty_sub_jobs(mode):
    return {"null": None, "empty_string": "", "list": []}[mode]


class _Job(object):
    """One emulated job: a timeline of (status, seconds) phases starting at ``begin_mono``.

    The body it answers is built from its family's facts (FAMILIES): ``body()`` picks the builder of the shape.
    """

    def __init__(self, job_id, service, project_id, spec, begin_mono, begin_wall, created_wall, defaults, top=True):
        family = self.family = FAMILIES[service]
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
        self.resource_id = self._resource_id(spec, top)
        self.instance = None
        if family["shape"] == "task":
            self.instance = collections.OrderedDict([("id", self.resource_id), ("name", "%s-%s" % (service, job_id[:4]))])
            self.instance.update(spec.get("instance") or {})
            self.resource_id = self.instance["id"]
        # CCE sub-jobs belong to their parent's cluster.
        self.cluster_uid = defaults.get("cluster_uid") or self.resource_id
        # The family's default rendering of "no sub-jobs" is for the top-level job; an explicit one applies to all.
        sub_defaults = dict(defaults, duration=self.duration, job_type=family["sub_job_type"] or self.job_type,
                            cluster_uid=self.cluster_uid, sub_jobs_empty=defaults["sub_jobs_empty_nested"])
        self.sub_jobs = [_Job(sub.get("job_id") or _new_job_id(service), service, project_id, sub,
                              begin_mono, begin_wall, created_wall, sub_defaults, top=False)
                         for sub in spec.get("sub_jobs") or []]
        # A parent whose outcome is not given fails like its first failing sub-job, as real jobs do.
        failed_sub = next((sub for sub in self.sub_jobs if sub.outcome == "fail"), None)
        self.outcome = spec.get("outcome") or ("fail" if failed_sub else "success")
        default_code, default_reason = family["failure"]
        self.error_code = spec.get("error_code") or (failed_sub.error_code if failed_sub else default_code)
        self.fail_reason = spec.get("fail_reason") or (failed_sub.fail_reason if failed_sub else default_reason)
        success, failure = family["statuses"][2:]
        self.terminal = dict(TERMINAL_STATUSES, **{success.lower(): True, failure.lower(): False})
        statuses = spec.get("statuses")
        self.phases = [tuple(phase) for phase in statuses] if statuses else self._default_phases()
        self.finish_offset = self._finish_offset()
        if statuses:
            terminal = [status for status, dummy in self.phases if status.lower() in self.terminal]
            self.outcome = ("success" if self.terminal[terminal[0].lower()] else "fail") if terminal else None

    def _resource_id(self, spec, top):
        if "resource_id" in spec:
            return spec["resource_id"]
        default = self.family["resource_default"]
        if (default == "leaf" and not spec.get("sub_jobs")) or (default == "top" and top):
            return _new_resource_id(self.service)
        return None

    def _default_phases(self):
        initial, running, success, failure = self.family["statuses"]
        duration = self.duration
        if initial:
            init = 1.0 if duration is None else min(0.1 * duration, 1.0)
            phases = [(initial, init), (running, None if duration is None else duration - init)]
        else:
            phases = [(running, duration)]
        if duration is not None:
            phases.append((success if self.outcome == "success" else failure, None))
        return phases

    def _finish_offset(self):
        start = 0.0
        for status, seconds in self.phases:
            if status.lower() in self.terminal:
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
        succeeded = self.terminal.get(status.lower())
        end_wall = None if succeeded is None else self.begin_wall + started
        return status, succeeded, end_wall

    def succeeded(self, now):
        """True once succeeded, False once failed, None while not finished."""
        return self._state(now)[1]

    def _percent(self, now):
        """Progress of a running job in percent (0-99) from its elapsed share of the planned duration."""
        if not self.finish_offset:
            return 0
        return max(0, min(99, int(100 * (now - self.begin_mono) / self.finish_offset)))

    def _put_end_time(self, body, key, end_wall, now):
        """The end time once finished; while running what end_time_pending says (null, absent, "" or now)."""
        if end_wall is None and self.time_format not in ("empty", "null"):
            if self.end_time_pending == "absent":
                return
            if self.end_time_pending == "empty":
                body[key] = ""
                return
            if self.end_time_pending == "now":
                end_wall = self.begin_wall + (now - self.begin_mono)
        body[key] = format_time(end_wall, self.time_format)

    def _put_sub_jobs(self, container, key, now):
        """Put the sub-job bodies (or the empty form sub_jobs_empty names) under ``key``; False if left out."""
        if self.sub_jobs:
            container[key] = [sub.body(now) for sub in self.sub_jobs]
        elif self.sub_jobs_empty != "absent":
            container[key] = _empty_sub_jobs(self.sub_jobs_empty)
        else:
            return False
        return True

    def body(self, now, status_override=None):
        """The job's API body at monotonic instant ``now``; ``status_override`` replaces the status (a fault)."""
        return getattr(self, "_%s_body" % self.family["shape"])(now, status_override)

    def _v1_body(self, now, status_override):
        """ELB, ECS, EVS, IMS, BMS, VBS: ELB-shaped, sub-jobs where the family keeps them."""
        status, succeeded, end_wall = self._state(now)
        values = {
            "status": status_override or status,
            "entities": self._v1_entities(now, succeeded),
            "job_id": self.job_id,
            "job_type": self.job_type,
            "begin_time": format_time(self.begin_wall, self.time_format),
            "error_code": self.error_code if succeeded is False else None,
            "fail_reason": self.fail_reason if succeeded is False else None,
        }
        self._put_end_time(values, "end_time", end_wall, now)
        body = collections.OrderedDict((key, values[key]) for key in self.family["keys"] if key in values)
        if self.family["sub_jobs_at"] == "top":
            self._put_sub_jobs(body, "sub_jobs", now)
        return body

    def _v1_entities(self, now, succeeded):
        family = self.family
        if not family.get("entities_pending", True) and not succeeded:
            return {}
        entities = collections.OrderedDict()
        if self.resource_id is not None:
            entities[family["resource"]] = self.resource_id
        entities.update(self.entities)
        if family.get("progress") and succeeded is None:
            entities[family["progress"]] = float(self._percent(now))  # IMS process_percent (inferred: gopher only)
        where = family["sub_jobs_at"]
        if where == "entities":
            self._put_sub_jobs(entities, "sub_jobs", now)
        elif where == "entities_total" and (self.sub_jobs or self.sub_jobs_empty != "absent"):
            entities["sub_jobs_total"] = len(self.sub_jobs)
            self._put_sub_jobs(entities, "sub_jobs", now)
        elif where == "entities_result" and self._put_sub_jobs(entities, "sub_jobs_result", now):
            entities["sub_jobs_list"] = ([sub.job_id for sub in self.sub_jobs] if self.sub_jobs
                                         else _empty_sub_jobs(self.sub_jobs_empty))
        return entities

    def _cfw_body(self, now, status_override):
        status, dummy, end_wall = self._state(now)
        data = collections.OrderedDict()
        data["id"] = self.job_id
        data["status"] = status_override or status
        data["begin_time"] = format_time(self.begin_wall, self.time_format)
        self._put_end_time(data, "end_time", end_wall, now)
        return {"data": data}

    def _cce_body(self, now, status_override):
        """A CCE v3 Job: status.phase, metadata timestamps, spec.subJobs of full Job objects, status.reason."""
        status, succeeded, dummy = self._state(now)
        started = self.phase_at(now)[1]
        metadata = collections.OrderedDict([
            ("uid", self.job_id),
            ("creationTimestamp", format_time(self.begin_wall, self.time_format)),
            # Updated at each phase change: once finished it is the end time.
            ("updateTimestamp", format_time(self.begin_wall + started, self.time_format)),
        ])
        spec = collections.OrderedDict([("type", self.job_type)])
        if self.cluster_uid:
            spec["clusterUID"] = self.cluster_uid
        if self.resource_id:
            spec["resourceID"] = self.resource_id
        spec.update(self.entities)
        self._put_sub_jobs(spec, "subJobs", now)
        job_status = collections.OrderedDict([("phase", status_override or status),
                                              ("reason", self.fail_reason if succeeded is False else "")])
        return collections.OrderedDict([("kind", "Job"), ("apiVersion", "v3"), ("metadata", metadata),
                                        ("spec", spec), ("status", job_status)])

    def _task_body(self, now, status_override):
        """RDS, DDS, DDM: {"job": {...}} with the family's own time, progress and failure keys."""
        family = self.family
        status, succeeded, end_wall = self._state(now)
        job = collections.OrderedDict([
            ("id", self.job_id),
            ("name", self.job_type),
            ("status", status_override or status),
            (family["created_key"], format_time(self.begin_wall, self.time_format)),
        ])
        self._put_end_time(job, family["ended_key"], end_wall, now)
        job[family["progress_key"]] = "%d%%" % self._percent(now) if succeeded is None else ""
        job["instance"] = dict(self.instance)
        if family["has_entities"]:
            job["entities"] = dict(self.entities)
        if family["fail_reason"] == "always" or (family["fail_reason"] == "failed" and succeeded is False):
            job["fail_reason"] = self.fail_reason if succeeded is False else None
        return {"job": job}

    def view(self, now, gets):
        visible = self.visible(now)
        status = self.phase_at(now)[0] if visible else None
        return {
            "job_id": self.job_id,
            "service": self.service,
            "project_id": self.project_id,
            "job_type": self.job_type,
            "resource_id": self.resource_id,
            "outcome": self.outcome,
            "duration": self.duration,
            "statuses": [list(phase) for phase in self.phases],
            "created_at": self.created_wall,
            "appears_at": self.begin_wall,
            "finishes_at": self.finishes_at,
            "visible": visible,
            "status": status,
            "finished": bool(status and status.lower() in self.terminal),
            "gets": gets.get(self.job_id, 0),
            "sub_jobs": [sub.view(now, gets) for sub in self.sub_jobs],
        }


_JOB_KEYS = {"service", "project_id", "job_id", "duration", "outcome", "error_code", "fail_reason", "job_type", "entities",
             "sub_jobs", "sub_jobs_empty", "time_format", "appear_after", "statuses", "end_time_pending", "resource_id",
             "instance"}
_SUB_JOB_KEYS = {"job_id", "duration", "outcome", "error_code", "fail_reason", "job_type", "entities", "sub_jobs", "statuses",
                 "resource_id"}


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


def _check_job_spec(spec, allowed, where, service):
    """Validate a job (or sub-job) spec of the control API; raises ControlError naming the problem."""
    if not isinstance(spec, dict):
        raise ControlError("%s must be a JSON object" % where)
    unknown = sorted(set(spec) - allowed)
    if unknown:
        raise ControlError("%s: unknown keys %s (allowed: %s)" % (where, ", ".join(unknown), ", ".join(sorted(allowed))))
    family = FAMILIES[service]
    if "resource_id" in spec:
        if family["resource"] is None:
            raise ControlError("%s: %s jobs have no resource id (use entities)" % (where, service))
        if spec["resource_id"] is not None and not (isinstance(spec["resource_id"], str) and spec["resource_id"]):
            raise ControlError("%s: resource_id must be a non-empty string or null" % where)
    if "instance" in spec:
        instance = spec["instance"]
        if family["shape"] != "task":
            raise ControlError("%s: only rds, dds and ddm jobs have an instance" % where)
        if not isinstance(instance, dict) or set(instance) - {"id", "name"} or \
                not all(isinstance(value, str) and value for value in instance.values()):
            raise ControlError("%s: instance must be an object with non-empty string id and/or name" % where)
    if spec.get("sub_jobs") and family["sub_jobs_at"] is None:
        raise ControlError("%s: %s jobs have no sub-jobs" % (where, service))
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
            _check_job_spec(sub, _SUB_JOB_KEYS, "%s.sub_jobs[%d]" % (where, index), service)


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
    "echo": {"status"},
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
        raise ControlError("match.service must be one of %s" % ", ".join(SERVICES + ("iam",)))
    times = spec.get("times", 1)
    if times is not None and (isinstance(times, bool) or not isinstance(times, int) or times < 1):
        raise ControlError("times must be an integer >= 1, or null for every matching request")
    fault = {"kind": kind, "match": match, "times": times}
    if kind in ("status", "echo"):
        status = spec.get("status", 500 if kind == "status" else 400)
        if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
            raise ControlError("status must be an HTTP status code")
        if kind == "echo":
            fault["status"] = status
            return fault
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
            self.buckets = {}        # project id -> (tokens, monotonic time of the last refill), under rate_limit
            self._reset_counters()

    def _reset_counters(self):
        self.total = 0
        self.by_route = collections.Counter()
        self.iam_calls = 0
        self.project_lookups = 0
        self.rate_limited = 0   # requests refused by rate_limit
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
        if settings.get("rate_limit") is not None:
            value = settings["rate_limit"]
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0 or value > 1e6:
                raise ControlError("rate_limit must be a number of requests per second > 0 (at most 1e6) or null")
        if settings.get("catalog_cfw_type", "cfw") in ("none", ""):
            settings["catalog_cfw_type"] = None
        if settings.get("catalog_cfw_type", "cfw") not in ("cfw", "cfwv3", None):
            raise ControlError("catalog_cfw_type must be 'cfw', 'cfwv3' or null")
        if not isinstance(settings.get("catalog_elb", True), bool):
            raise ControlError("catalog_elb must be true or false")
        if settings.get("catalog_placeholders", "substituted") not in CATALOG_PLACEHOLDERS:
            raise ControlError("catalog_placeholders must be one of %s" % ", ".join(CATALOG_PLACEHOLDERS))
        if "catalog_services" in settings:
            services = settings["catalog_services"]
            if services is None:
                services = []
            if not isinstance(services, list) or not set(services) <= set(FAMILY_SERVICES):
                raise ControlError("catalog_services must be a list of services among %s" % ", ".join(FAMILY_SERVICES))
            settings["catalog_services"] = [service for service in FAMILY_SERVICES if service in services]
        return settings

    def configure(self, settings):
        settings = self._check_config(settings)
        with self._lock:
            self.config.update(settings)
            if "rate_limit" in settings:
                self.buckets = {}
            return dict(self.config)

    def admit(self, project_id):
        """None if the project's rate limit lets a request in now, else the seconds until it would (Retry-After).

        A token bucket per project: ``rate_limit`` tokens a second, holding at most one second's worth.
        Refused requests take no token.
        """
        with self._lock:
            rate = self.config["rate_limit"]
            if rate is None:
                return None
            now = time.monotonic()
            tokens, last = self.buckets.get(project_id, (float(rate), now))
            tokens = min(float(max(rate, 1)), tokens + (now - last) * rate)
            if tokens >= 1:
                self.buckets[project_id] = (tokens - 1, now)
                return None
            self.buckets[project_id] = (tokens, now)
            self.rate_limited += 1
            return (1 - tokens) / rate

    def get_config(self):
        with self._lock:
            return dict(self.config)

    def create_job(self, spec):
        """Create a job from a control-API spec; returns its summary."""
        if not isinstance(spec, dict):
            raise ControlError("job must be a JSON object")
        service = spec.get("service", "elb")
        if service not in SERVICES:
            raise ControlError("service must be one of %s" % ", ".join(SERVICES))
        _check_job_spec(spec, _JOB_KEYS, "job", service)
        project_id = spec.get("project_id", PROJECT_ID)
        if project_id not in PROJECTS:
            raise ControlError("unknown project_id %r (known: %s)" % (project_id, ", ".join(PROJECTS)))
        time_format = spec.get("time_format", DEFAULT_TIME_FORMAT[service])
        if time_format not in TIME_FORMATS:
            raise ControlError("time_format must be one of %s" % ", ".join(TIME_FORMATS))
        if spec.get("sub_jobs_empty", "absent") not in SUB_JOBS_EMPTY:
            raise ControlError("sub_jobs_empty must be one of %s" % ", ".join(SUB_JOBS_EMPTY))
        if spec.get("end_time_pending", "null") not in END_TIME_PENDING:
            raise ControlError("end_time_pending must be one of %s" % ", ".join(END_TIME_PENDING))
        if "appear_after" in spec:
            _check_number(spec, "appear_after")
        with self._lock:
            return self._add_job(service, project_id, spec, time_format)

    def _add_job(self, service, project_id, spec, time_format=None):
        job_id = spec.get("job_id") or _new_job_id(service)
        if (service, job_id) in self.jobs:
            raise ControlError("a %s job %s already exists" % (service, job_id), status=409)
        appear_after = spec.get("appear_after", 0)
        family = FAMILIES[service]
        defaults = {
            "duration": self.config["default_duration"],
            "job_type": family["job_type"],
            "time_format": time_format or family["time_format"],
            "sub_jobs_empty": spec.get("sub_jobs_empty", family["sub_jobs_empty"]),
            "sub_jobs_empty_nested": spec.get("sub_jobs_empty", "absent"),
            "end_time_pending": spec.get("end_time_pending", family["end_time_pending"]),
        }
        now_mono, now_wall = time.monotonic(), time.time()
        job = _Job(job_id, service, project_id, spec, now_mono + appear_after, now_wall + appear_after, now_wall, defaults)
        self.jobs[(service, job_id)] = job
        summary = {"job_id": job_id, "service": service, "project_id": project_id,
                   "created_at": now_wall, "finishes_at": job.finishes_at}
        if family["resource"]:
            summary["resource_id"] = job.resource_id
        return summary

    def job_view(self, job_id, service=None):
        with self._lock:
            found = [job for (job_service, jid), job in self.jobs.items() if jid == job_id and service in (None, job_service)]
            if not found:
                raise ControlError("no job %s" % job_id, status=404)
            if len(found) > 1:
                raise ControlError("job id %s exists for %s: add ?service=" % (job_id, " and ".join(job.service for job in found)),
                                   status=409)
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
                "project_lookups": self.project_lookups,
                "rate_limited": self.rate_limited,
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
            if record["route"] == "iam_projects":
                self.project_lookups += 1
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
            catalog = self._catalog(project_id)
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

    def _catalog(self, project_id):
        """The token catalog, pointing at the emulator; each service also lists an unusable internal endpoint.

        With catalog_placeholders "substituted" (the default, as real token catalogs) the URLs hold the project id;
        with "template" they keep the placeholder (ELB $(tenant_id)s, CFW %(project_id)s, cfwv3 %(tenant_id)s,
        every other service $(tenant_id)s).
        """
        region = PROJECTS[project_id]["region"]
        substituted = self.config["catalog_placeholders"] == "substituted"

        def entry(service_type, path, placeholder="$(tenant_id)s", name=None):
            url = path.replace("{p}", project_id if substituted else placeholder)

            def endpoint(interface, root):
                return {"id": uuid.uuid4().hex, "interface": interface, "region": region, "region_id": region, "url": root + url}
            return {"id": uuid.uuid4().hex, "type": service_type, "name": name or service_type,
                    "endpoints": [endpoint("internal", UNUSABLE_ROOT), endpoint("public", self.base_url)]}
        catalog = [entry("identity", "/v3", name="iam")]
        if self.config["catalog_elb"]:
            catalog.append(entry("elb", "/v1.0/{p}"))
        if self.config["catalog_cfw_type"] == "cfw":
            catalog.append(entry("cfw", "/v3/{p}", "%(project_id)s"))
        elif self.config["catalog_cfw_type"] == "cfwv3":
            catalog.append(entry("cfwv3", "/v3/{p}", "%(tenant_id)s"))
        for service in self.config["catalog_services"]:
            service_type, name, path = FAMILIES[service]["catalog"]
            catalog.append(entry(service_type, path, name=name))
        return catalog

    # request authentication

    def authenticate(self, request):
        """None when the request may reach the URL's project (any, on IAM routes), else an APIGW error response."""
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
        if request.scoped and record["project_id"] != request.project_id:
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
        if not request.scoped:
            return None  # IAM's project lookup: any valid signature of the account
        if request.project_id not in PROJECTS:
            return _apigw_error(403, "APIGW.0302", "Incorrect IAM authentication information: unknown project %s" % request.project_id)
        project_header = request.header("x-project-id")
        if project_header is not None and project_header != request.project_id:
            return _apigw_error(403, "APIGW.0302", "Incorrect IAM authentication information: X-Project-Id does not match the URL's project_id")
        return None

    # ELB load balancers

    def elb_create(self, project_id, payload):
        if not isinstance(payload, dict) or not isinstance(payload.get("name"), str) or not payload["name"]:
            return _family_error("elb", 400, *FAMILIES["elb"]["bad_request"])
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

    def job_status(self, service, project_id, job_id, status_override=None):
        """A job GET on the service's route: (status, body, headers); the family's not-found answer when missing."""
        with self._lock:
            now = time.monotonic()
            job = self._visible_job(service, project_id, job_id, now)
            body = job.body(now, status_override) if job else None
        if body is None:
            status, code, message = FAMILIES[service]["not_found"]
            return _family_error(service, status, code, message.format(job_id=job_id))
        return 200, body, {}

    def service_create(self, service, project_id, payload):
        """POST on a create route (CFW, ECS, EVS, IMS, BMS, VBS, CCE, RDS, DDS, DDM): a job, answered like the real API.

        A name starting with FAIL_PREFIX gets a failing job (and failing sub-jobs), as ELB's create does.
        """
        made = _CREATORS[service](payload) if isinstance(payload, dict) else None
        if made is None:
            code, message = FAMILIES[service]["bad_request"]
            return _family_error(service, 400, code, message)
        name, status, spec, respond = made
        if name.startswith(FAIL_PREFIX):
            spec["outcome"] = "fail"
            for sub in spec.get("sub_jobs", ()):
                sub["outcome"] = "fail"
        with self._lock:
            job = self._add_job(service, project_id, spec)
        return status, respond(job["job_id"], job["created_at"]), {}

    def request_project(self, request):
        """The project of a request whose path names none (IMS): the token's, or the signed X-Project-Id."""
        token = request.header("x-auth-token")
        if token:
            with self._lock:
                record = self.tokens.get(token)
            return record["project_id"] if record else PROJECT_ID
        return request.header("x-project-id") or PROJECT_ID

    def service_delete(self, service, project_id, resource_id, payload):
        """A delete (DELETE on the resource, or ECS/BMS POST .../delete with the ids in the body): a job.

        A resource id starting with FAIL_PREFIX gets a failing job. ECS and BMS take {"servers": [{"id"}, ...]}.
        """
        if resource_id is None:
            servers = payload.get("servers") if isinstance(payload, dict) else None
            if not isinstance(servers, list) or not servers or not all(
                    isinstance(server, dict) and _valid_name(server.get("id")) for server in servers):
                code, message = FAMILIES[service]["bad_request"]
                return _family_error(service, 400, code, "The request body must be {\"servers\": [{\"id\": ...}]}.")
            resource_ids = [server["id"] for server in servers]
        else:
            resource_ids = [resource_id]
        job_type, status, respond = _DELETERS[service]
        spec = {"job_type": job_type}
        if FAMILIES[service]["shape"] == "task":
            spec["instance"] = {"id": resource_ids[0]}
        elif FAMILIES[service]["shape"] == "cce":
            spec["resource_id"] = resource_ids[0]
        elif FAMILIES[service]["resource"] and len(resource_ids) == 1 and FAMILIES[service]["shape"] == "v1":
            spec["resource_id"] = resource_ids[0]
        if FAMILIES[service]["sub_jobs_at"] == "entities_total" and len(resource_ids) > 1:
            spec["sub_jobs"] = [{"job_type": job_type.replace("Batch", "Single"), "resource_id": rid} for rid in resource_ids]
            spec.pop("resource_id", None)
        if any(rid.startswith(FAIL_PREFIX) for rid in resource_ids):
            spec["outcome"] = "fail"
        with self._lock:
            job = self._add_job(service, project_id, spec)
        return status, respond(job["job_id"], resource_ids[0]), {}

    def project_lookup(self, query):
        """IAM GET /v3/projects[?name=]: the account's projects of that name ([] for an unknown one)."""
        name = dict(parse_qsl(query, keep_blank_values=True)).get("name")
        projects = [collections.OrderedDict([("id", project_id), ("name", info["name"]), ("domain_id", DOMAIN_ID),
                                             ("enabled", True), ("description", "")])
                    for project_id, info in PROJECTS.items() if name is None or info["name"] == name]
        return 200, {"projects": projects}, {}


# --- create routes: (name, HTTP status, job spec, respond(job_id, created epoch)) or None for a bad body -------

def _valid_name(value):
    return isinstance(value, str) and bool(value)


def _valid_count(value):
    return not isinstance(value, bool) and isinstance(value, int) and 1 <= value <= 100


def _create_ecs(payload):
    """POST /v1/{p}/cloudservers {"server": {"name", "count", ...}} -> 200 {"job_id", "serverIds"}.

    A createServer job with one createSingleServer sub-job per server, each holding its server_id.
    """
    server = payload.get("server")
    if not isinstance(server, dict) or not _valid_name(server.get("name")) or not _valid_count(server.get("count", 1)):
        return None
    server_ids = [str(uuid.uuid4()) for dummy in range(server.get("count", 1))]
    spec = {"job_type": "createServer",
            "sub_jobs": [{"job_type": "createSingleServer", "resource_id": server_id} for server_id in server_ids]}
    return server["name"], 200, spec, lambda job_id, created: collections.OrderedDict([("job_id", job_id), ("serverIds", server_ids)])


def _create_evs(payload):
    """POST /v2/{p}/cloudvolumes {"volume": {"name", "size", "volume_type", "count"}} -> 200 {"job_id"}.

    One disk: a createVolume job whose entities hold volume_id, name, size, volume_type; several: a
    batchCreateVolume job with one createVolume sub-job per disk, named name-0001, name-0002, ...
    """
    volume = payload.get("volume")
    if not isinstance(volume, dict) or not _valid_name(volume.get("name")) or not _valid_count(volume.get("count", 1)):
        return None
    details = collections.OrderedDict((key, volume[key]) for key in ("name", "size", "volume_type") if key in volume)
    count = volume.get("count", 1)
    if count == 1:
        spec = {"job_type": "createVolume", "entities": details}
    else:
        spec = {"job_type": "batchCreateVolume",
                "sub_jobs": [{"job_type": "createVolume", "entities": dict(details, name="%s-%04d" % (volume["name"], index))}
                             for index in range(1, count + 1)]}
    return volume["name"], 200, spec, lambda job_id, created: {"job_id": job_id}


def _create_cce(payload):
    """POST /api/v3/projects/{p}/clusters {"kind": "Cluster", "metadata": {"name"}, "spec"} -> 201 the cluster.

    The answer carries metadata.uid (the cluster id, also the job's spec.clusterUID and resourceID) and status.jobID.
    """
    metadata = payload.get("metadata")
    if not isinstance(metadata, dict) or not _valid_name(metadata.get("name")):
        return None
    name, cluster_id = metadata["name"], str(uuid.uuid4())
    spec = {"job_type": "CreateCluster", "resource_id": cluster_id, "entities": {"resourceName": name}}

    def respond(job_id, created):
        stamp = format_time(created, "go_utc")
        return collections.OrderedDict([
            ("kind", "Cluster"),
            ("apiVersion", "v3"),
            ("metadata", collections.OrderedDict([("name", name), ("uid", cluster_id), ("creationTimestamp", stamp),
                                                  ("updateTimestamp", stamp), ("annotations", {"jobid": job_id})])),
            ("spec", payload.get("spec") if isinstance(payload.get("spec"), dict) else {}),
            ("status", collections.OrderedDict([("phase", "Creating"), ("jobID", job_id)])),
        ])
    return name, 201, spec, respond


def _echoed(payload, skip):
    """The request's fields a create answer repeats: never the password."""
    return [(key, value) for key, value in payload.items() if key not in skip and key != "password"]


def _create_rds(payload):
    """POST /v3/{p}/instances {"name", "datastore", ...} -> 202 {"instance": {"id", "name", "status": "BUILD", ...}, "job_id"}."""
    if not _valid_name(payload.get("name")):
        return None
    name, instance_id = payload["name"], _new_resource_id("rds")
    spec = {"instance": {"id": instance_id, "name": name}}
    if isinstance(payload.get("datastore"), dict):
        spec["entities"] = {"instance": {"datastore": payload["datastore"]}}

    def respond(job_id, created):
        instance = collections.OrderedDict([("id", instance_id), ("name", name), ("status", "BUILD")])
        instance.update(_echoed(payload, instance))
        return collections.OrderedDict([("instance", instance), ("job_id", job_id)])
    return name, 202, spec, respond


def _create_dds(payload):
    """POST /v3/{p}/instances {"name", "datastore", "mode", ...} -> 202 {"id", "name", ..., "status": "creating", "job_id"}."""
    if not _valid_name(payload.get("name")):
        return None
    name, instance_id = payload["name"], _new_resource_id("dds")
    spec = {"instance": {"id": instance_id, "name": name}}

    def respond(job_id, created):
        answer = collections.OrderedDict([("id", instance_id), ("name", name)])
        if "datastore" in payload:
            answer["datastore"] = payload["datastore"]
        answer["created"] = datetime.datetime.fromtimestamp(created, tz=datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
        answer["status"] = "creating"
        answer.update(_echoed(payload, answer))
        answer["job_id"] = job_id
        return answer
    return name, 202, spec, respond


def _create_cfw(payload):
    """POST /v2/{p}/firewall {"name", ...} -> 200 {"data": {"id": <job id>, "name"}} (the job id where otc.jobs reads it)."""
    if not _valid_name(payload.get("name")):
        return None
    name = payload["name"]
    return name, 200, {}, lambda job_id, created: {"data": collections.OrderedDict([("id", job_id), ("name", name)])}


def _create_ims(payload):
    """POST /v2/cloudimages/action {"name", "instance_id", ...} -> 200 {"job_id"}: an imsCreateImageByInstance job."""
    if not _valid_name(payload.get("name")):
        return None
    spec = {"job_type": "imsCreateImageByInstance", "entities": {"image_name": payload["name"]}}
    return payload["name"], 200, spec, lambda job_id, created: {"job_id": job_id}


def _create_bms(payload):
    """POST /v1/{p}/baremetalservers {"server": {"name", "count"}} -> 200 {"job_id", "order_id": null}.

    A baremetalBatchCreate job with one baremetalSingleCreate sub-job (and server_id) per server.
    """
    server = payload.get("server")
    if not isinstance(server, dict) or not _valid_name(server.get("name")) or not _valid_count(server.get("count", 1)):
        return None
    spec = {"job_type": "baremetalBatchCreate",
            "sub_jobs": [{"job_type": "baremetalSingleCreate"} for dummy in range(server.get("count", 1))]}
    return server["name"], 200, spec, lambda job_id, created: collections.OrderedDict([("job_id", job_id), ("order_id", None)])


def _create_vbs(payload):
    """POST /v2/{p}/cloudbackups {"backup": {"volume_id", "name"}} -> 200 {"job_id"}: a bksCreateBackup job."""
    backup = payload.get("backup")
    if not isinstance(backup, dict) or not _valid_name(backup.get("name")) or not _valid_name(backup.get("volume_id")):
        return None
    spec = {"job_type": "bksCreateBackup", "entities": {"volume_id": backup["volume_id"]}}
    return backup["name"], 200, spec, lambda job_id, created: {"job_id": job_id}


def _create_ddm(payload):
    """POST /v1/{p}/instances {"instance": {"name", ...}} -> 200 {"id", "name", "job_id"} (gopher ddm/v1)."""
    instance = payload.get("instance")
    if not isinstance(instance, dict) or not _valid_name(instance.get("name")):
        return None
    name, instance_id = instance["name"], _new_resource_id("ddm")
    spec = {"instance": {"id": instance_id, "name": name}}
    return name, 200, spec, lambda job_id, created: collections.OrderedDict([("id", instance_id), ("name", name), ("job_id", job_id)])


_CREATORS = {"cfw": _create_cfw, "ecs": _create_ecs, "evs": _create_evs, "ims": _create_ims, "bms": _create_bms,
             "vbs": _create_vbs, "cce": _create_cce, "rds": _create_rds, "dds": _create_dds, "ddm": _create_ddm}


def _cce_deleted(job_id, cluster_id):
    return collections.OrderedDict([
        ("kind", "Cluster"), ("apiVersion", "v3"),
        ("metadata", collections.OrderedDict([("uid", cluster_id)])),
        ("status", collections.OrderedDict([("phase", "Deleting"), ("jobID", job_id)])),
    ])


# service -> (job type, HTTP status, answer(job_id, resource id)) of its delete route
_DELETERS = {
    "cfw": ("deleteFirewall", 200, lambda job_id, rid: {"data": collections.OrderedDict([("id", job_id), ("name", rid)])}),
    "ecs": ("deleteServer", 200, lambda job_id, rid: {"job_id": job_id}),
    "evs": ("deleteVolume", 200, lambda job_id, rid: {"job_id": job_id}),
    "bms": ("baremetalBatchDelete", 200, lambda job_id, rid: {"job_id": job_id}),
    "vbs": ("bksDeleteBackup", 200, lambda job_id, rid: {"job_id": job_id}),
    "cce": ("DeleteCluster", 200, _cce_deleted),
    "rds": ("DeleteInstance", 202, lambda job_id, rid: {"job_id": job_id}),
    "dds": ("Delete_MongoDB", 202, lambda job_id, rid: {"job_id": job_id}),
    "ddm": ("DeleteInstance", 200, lambda job_id, rid: {"job_id": job_id}),
}


def _job_reference(project_id, job_id):
    return collections.OrderedDict([("uri", "/v1/%s/jobs/%s" % (project_id, job_id)), ("job_id", job_id)])


def _iam_error(status, message):
    titles = {400: "Bad Request", 401: "Unauthorized"}
    return status, {"error": {"code": status, "message": message, "title": titles[status]}}, {}


def _apigw_error(status, code, message):
    return status, {"error_msg": message, "error_code": code, "request_id": uuid.uuid4().hex}, {}


# How each family writes an error body (FAMILIES[...]["error_shape"]).
_ERROR_SHAPES = {
    "nested": lambda code, message: {"error": collections.OrderedDict([("message", message), ("code", code)])},
    "flat": lambda code, message: collections.OrderedDict([("error_code", code), ("error_msg", message)]),
    "cce": lambda code, message: collections.OrderedDict([("errorCode", code), ("errorMessage", message)]),
    "ddm": lambda code, message: collections.OrderedDict([("errCode", code), ("externalMessage", message)]),
}


def _family_error(service, status, code, message):
    return status, _ERROR_SHAPES[FAMILIES[service]["error_shape"]](code, message), {}


def _elb_error(status, code, message):
    return status, {"error": {"message": message, "code": code}}, {}


# --- HTTP --------------------------------------------------------------------------------------

def _route_table():
    """(method, path segments, route name, job id in the query) of every service route, from FAMILIES.

    Each family is served under "/{service}" + its documented paths; ELB and CFW also at the root, as before.
    "{p}" (project id), "{id}" (job id), "{lb}" (load balancer id) and "{rid}" (the resource a delete names) segments
    capture path parameters.
    """
    table = [("POST", "/v3/auth/tokens", "iam", False), ("GET", "/v3/projects", "iam_projects", False)]
    for service, family in FAMILIES.items():
        job_path, query, dummy = family["job_path"].partition("?")
        for prefix in ["/" + service] + ([""] if family.get("root") else []):
            table.append(("GET", prefix + job_path, service + "_job", bool(query)))
            table.extend((method, prefix + path, name, False) for method, path, name in family.get("routes", ()))
    return [(method, path.split("/"), name, query_id) for method, path, name, query_id in table]


_ROUTE_TABLE = _route_table()


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
        self.resource_id = None
        self.scoped = False  # whether the route names a project (every service route; not IAM's)
        self.route = self._route([unquote(segment) for segment in self.path.split("/")])

    def header(self, name):
        return self.headers.get(name)

    @property
    def service(self):
        """iam or the job service from the route name (None for an unknown route)."""
        return None if self.route == "unknown" else self.route.split("_")[0]

    def _route(self, segments):
        for method, pattern, name, query_id in _ROUTE_TABLE:
            if method != self.method or len(pattern) != len(segments):
                continue
            captured = {}
            for wanted, segment in zip(pattern, segments):
                if wanted.startswith("{"):
                    captured[wanted] = segment
                elif wanted != segment:
                    break
            else:
                self.scoped = "{p}" in captured
                self.project_id = captured.get("{p}")
                self.lb_id = captured.get("{lb}")
                self.resource_id = captured.get("{rid}")
                # RDS and DDS take the job id from the query string: GET /v3/{p}/jobs?id={id}
                self.job_id = dict(parse_qsl(self.query, keep_blank_values=True)).get("id") if query_id else captured.get("{id}")
                return name
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
    # The head and the body of an answer are two writes: with Nagle's algorithm the body would wait for the
    # client's delayed ACK of the head (40 ms on Linux) on every request of a kept-alive connection.
    disable_nagle_algorithm = True
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
        wait_for = state.admit(request.project_id) if request.project_id else None
        if latency:
            time.sleep(latency)
        if wait_for is not None:
            return self._fault_answer({"kind": "rate_limit", "retry_after": max(1, int(math.ceil(wait_for)))})
        fault = state.take_fault(request.attributes())
        kind = fault["kind"] if fault else None
        if kind == "slow":
            time.sleep(fault["delay"])
        elif kind == "expire_token" and request.header("x-auth-token"):
            state.expire_token(request.header("x-auth-token"))
        elif kind in ("status", "html_503", "rate_limit", "reset", "truncated", "not_json"):
            return self._fault_answer(fault)
        elif kind == "echo":
            return self._echo_answer(fault["status"], request)
        status, payload, headers = self._route(state, request, fault["status"] if kind == "unknown_status" else None)
        headers = dict(headers, **{"X-Request-Id": uuid.uuid4().hex})
        return status, lambda: self._send(status, _json_bytes(payload), "application/json;charset=UTF-8", headers)

    def _route(self, state, request, status_override):
        route = request.route
        if route == "unknown":
            return _apigw_error(404, "APIGW.0101", "The API does not exist or has not been published in the environment")
        if route == "iam":
            try:
                payload = json.loads(request.body.decode("utf-8"))
            except ValueError:
                return _iam_error(400, "The request body is not valid JSON.")
            return state.issue_token(payload)
        refused = state.authenticate(request)
        if refused:
            return refused
        if route == "iam_projects":
            return state.project_lookup(request.query)
        service, dummy, action = route.partition("_")
        if action == "job":
            return state.job_status(service, request.project_id, request.job_id, status_override)
        if route == "elb_list":
            return state.elb_list(request.project_id)
        if route == "elb_get":
            return state.elb_get(request.project_id, request.lb_id)
        if route == "elb_delete":
            return state.elb_delete(request.project_id, request.lb_id)
        project_id = request.project_id or state.request_project(request)
        if action == "delete" and request.resource_id is not None:
            return state.service_delete(service, project_id, request.resource_id, None)
        try:
            payload = json.loads(request.body.decode("utf-8"))
        except ValueError:
            return _family_error(service, 400, FAMILIES[service]["bad_request"][0], "The request body is not valid JSON.")
        if route == "elb_create":
            return state.elb_create(project_id, payload)
        if action == "delete":
            return state.service_delete(service, project_id, request.resource_id, payload)
        return state.service_create(service, project_id, payload)

    def _echo_answer(self, status, request):
        """The "echo" fault: the whole request (every header, secrets included, and the body) echoed back in every
        error shape a client reads, so tests can prove that the client never prints what it sent."""
        lines = ["%s %s" % (request.method, self.path)] + ["%s: %s" % item for item in request.headers.items()]
        text = "\n".join(lines) + "\n\n" + request.body.decode("utf-8", "replace")
        code = "EMU.ECHO"
        payload = collections.OrderedDict([
            ("error_code", code), ("error_msg", text),
            ("code", code), ("message", text),
            ("error", collections.OrderedDict([("code", code), ("message", text)])),
            ("errorCode", code), ("errorMessage", text),
            ("errCode", code), ("externalMessage", text),
        ])
        return status, lambda: self._send_json(status, payload)

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
        """Create a job of any service (see POST /_emulator/jobs).

        Returns {job_id, service, project_id, created_at, finishes_at}, plus resource_id where the family has one.
        """
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
    parser = argparse.ArgumentParser(description="Local emulator of the OTC IAM and job APIs (127.0.0.1 only).")
    parser.add_argument("--port", type=int, default=0, help="port to listen on (default 0: a free port)")
    parser.add_argument("--state-file", help="write {\"url\", \"pid\"} as JSON here once listening; removed on exit")
    parser.add_argument("--default-duration", type=float, help="job duration when none is given (default 3 s)")
    parser.add_argument("--latency", type=float, help="seconds added to every service answer (default 0)")
    parser.add_argument("--rate-limit", type=float,
                        help="requests per second per project; beyond it, 429 with Retry-After (default: no limit)")
    parser.add_argument("--verbose", action="store_true", help="log requests to stderr")
    args = parser.parse_args(argv)

    config = {} if args.default_duration is None else {"default_duration": args.default_duration}
    if args.latency is not None:
        config["latency"] = args.latency
    if args.rate_limit is not None:
        config["rate_limit"] = args.rate_limit
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
