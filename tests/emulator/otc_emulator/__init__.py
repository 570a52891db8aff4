"""Local emulator of the Open Telekom Cloud APIs that otc.jobs talks to (SPEC section 7).

Standard library only. It serves, on 127.0.0.1, the real wire layout: each job service on a port of its own, every
documented path at that port's root (the real cloud tells services apart by host), and on the main port:

* IAM v3 ``POST /v3/auth/tokens`` (password auth, project scope, catalog, expiry) and ``GET /v3/projects?name=``;
* the control API under ``/_emulator/`` (no auth) to create jobs, inject faults, read counters;
* classic ELB v1.0 and Cloud Firewall, also at the root (as before the service ports).

Service routes accept an ``X-Auth-Token`` or an ``SDK-HMAC-SHA256`` AK/SK signature, verified by an implementation
independent from the collection's signer. Every job family's facts live in one table, ``FAMILIES``.

The parts, each readable on its own: ``account`` (the preloaded account), ``families`` (the FAMILIES table),
``clock`` (the one clock every instant and pause goes through), ``times`` (time formats), ``jobs`` (a job's
timeline and body), ``specs`` (control-API validation), ``resources`` (create and delete answers), ``errors`` (error
bodies), ``signing`` (AK/SK verification), ``state`` (EmulatorState), ``routing`` (route tables per port),
``server`` (HTTP), ``control`` (the control API), ``emulator`` (``Emulator``) and ``__main__`` (the process).

Use it in-process (``Emulator``) or as a process::

    python tests/emulator/otc_emulator [--port 0] [--state-file PATH] [--verbose]
"""

from .account import (ACCESS_KEY, ACCESS_KEYS, DOMAIN_ID, DOMAIN_NAME, OTHER_PROJECT_ID, OTHER_PROJECT_NAME,
                      OTHER_REGION, PROJECT_ID, PROJECT_NAME, PROJECTS, REGION, SECRET_KEY, SECURITY_TOKEN,
                      STATIC_TOKEN, TEMP_ACCESS_KEY, TEMP_SECRET_KEY, USER_ID, USER_NAME, USER_PASSWORD)
from .clock import REAL_CLOCK
from .emulator import Emulator
from .families import (CFW_CODE_JOB_NOT_FOUND, DEFAULT_TIME_FORMAT, ELB_CODE_BAD_REQUEST, ELB_CODE_CONFLICT,
                       ELB_CODE_JOB_NOT_FOUND, ELB_CODE_LB_NOT_FOUND, ELB_FAIL_CODE, ELB_FAIL_REASON, END_TIME_PENDING,
                       FAIL_PREFIX, FAMILIES, FAMILY_SERVICES, ROUTES, SERVICES, SUB_JOBS_EMPTY, TIME_FORMATS)
from .signing import SDK_ALGORITHM, SDK_DATE_FORMAT, canonical_query, canonical_request, canonical_uri, sdk_signature
from .specs import FAULT_KINDS, ControlError
from .state import CATALOG_PLACEHOLDERS, DEFAULT_CONFIG, EmulatorState
from .times import format_time

__all__ = [
    "ACCESS_KEY", "ACCESS_KEYS", "DOMAIN_ID", "DOMAIN_NAME", "OTHER_PROJECT_ID", "OTHER_PROJECT_NAME", "OTHER_REGION",
    "PROJECT_ID", "PROJECT_NAME", "PROJECTS", "REGION", "SECRET_KEY", "SECURITY_TOKEN", "STATIC_TOKEN",
    "TEMP_ACCESS_KEY", "TEMP_SECRET_KEY", "USER_ID", "USER_NAME", "USER_PASSWORD",
    "REAL_CLOCK", "Emulator",
    "CFW_CODE_JOB_NOT_FOUND", "DEFAULT_TIME_FORMAT", "ELB_CODE_BAD_REQUEST", "ELB_CODE_CONFLICT",
    "ELB_CODE_JOB_NOT_FOUND", "ELB_CODE_LB_NOT_FOUND", "ELB_FAIL_CODE", "ELB_FAIL_REASON", "END_TIME_PENDING",
    "FAIL_PREFIX", "FAMILIES", "FAMILY_SERVICES", "ROUTES", "SERVICES", "SUB_JOBS_EMPTY", "TIME_FORMATS",
    "SDK_ALGORITHM", "SDK_DATE_FORMAT", "canonical_query", "canonical_request", "canonical_uri", "sdk_signature",
    "FAULT_KINDS", "ControlError",
    "CATALOG_PLACEHOLDERS", "DEFAULT_CONFIG", "EmulatorState",
    "format_time",
]
