"""Validation of the control API's job and fault specs."""

from .families import FAMILIES, ROUTES, SERVICES


FAULT_KINDS = ("status", "html_503", "rate_limit", "reset", "slow", "truncated", "not_json", "unknown_status",
               "expire_token", "echo")


class ControlError(ValueError):
    """A control-API request the emulator refuses; ``status`` is the HTTP status it answers."""

    def __init__(self, message, status=400):
        super().__init__(message)
        self.status = status


JOB_KEYS = {"service", "project_id", "job_id", "duration", "outcome", "error_code", "fail_reason", "job_type", "entities",
            "sub_jobs", "sub_jobs_empty", "time_format", "appear_after", "statuses", "end_time_pending", "resource_id",
            "instance"}
_SUB_JOB_KEYS = {"job_id", "duration", "outcome", "error_code", "fail_reason", "job_type", "entities", "sub_jobs", "statuses",
                 "resource_id"}


def check_number(spec, key, allow_none=False):
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


def check_job_spec(spec, allowed, where, service):
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
        check_number(spec, "duration", allow_none=True)
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
            check_job_spec(sub, _SUB_JOB_KEYS, "%s.sub_jobs[%d]" % (where, index), service)


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


def check_fault_spec(spec):
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
        check_number(fault, "retry_after")
    elif kind == "slow":
        fault["delay"] = spec.get("delay", 1.0)
        check_number(fault, "delay")
    elif kind == "unknown_status":
        fault["status"] = spec.get("status", "QUEUED")
        if not isinstance(fault["status"], str):
            raise ControlError("status must be a string")
    return fault
