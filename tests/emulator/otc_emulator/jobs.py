"""One emulated job: its timeline and the body its family answers."""

import collections
import uuid

from .families import FAMILIES
from .times import format_time

# Terminal statuses of ELB and CFW, matched case-insensitively, and whether they mean success; every family
# adds its own success and failure status (RDS "Completed", ...).
TERMINAL_STATUSES = {"success": True, "fail": False, "failed": False}


def new_job_id(service):
    """A job id shaped like the family's documents: 32 hex digits (ELB, the v1 family) or a UUID."""
    return uuid.uuid4().hex if FAMILIES[service]["id_style"] == "hex" else str(uuid.uuid4())


def new_resource_id(service):
    """An id of what a job makes: an RDS/DDS/DDM instance id (32 hex digits + "in01"...) or a UUID."""
    suffix = FAMILIES[service].get("instance_suffix")
    return uuid.uuid4().hex + suffix if suffix else str(uuid.uuid4())


def _empty_sub_jobs(mode):
    return {"null": None, "empty_string": "", "list": []}[mode]


class Job(object):
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
        self.top = top
        self.job_type = spec.get("job_type", defaults["job_type"])
        self.time_format = defaults["time_format"]
        self.sub_jobs_empty = defaults["sub_jobs_empty"]
        self.end_time_pending = defaults["end_time_pending"]
        self.duration = spec["duration"] if "duration" in spec else defaults["duration"]
        self.resource_id = self._resource_id(spec, top)
        self.entities = dict(self._default_entities(top), **(spec.get("entities") or {}))
        self.instance = None
        if family["shape"] == "task":
            self.instance = collections.OrderedDict([("id", self.resource_id), ("name", "%s-%s" % (service, job_id[:4]))])
            self.instance.update(spec.get("instance") or {})
            self.resource_id = self.instance["id"]
        # CCE sub-jobs belong to their parent's cluster.
        self.cluster_uid = defaults.get("cluster_uid") or self.resource_id
        # The family's default rendering of "no sub-jobs" is for the top-level job; an explicit one applies to all.
        sub_defaults = dict(defaults, duration=self.duration, cluster_uid=self.cluster_uid,
                            sub_jobs_empty=defaults["sub_jobs_empty_nested"])
        self.sub_jobs = [Job(sub.get("job_id") or new_job_id(service), service, project_id, sub, begin_mono, begin_wall,
                             created_wall, dict(sub_defaults, job_type=self._sub_job_type(index)), top=False)
                         for index, sub in enumerate(spec.get("sub_jobs") or [])]
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
        if (default == "leaf" and not spec.get("sub_jobs")) or (default == "top" and top) or default == "all":
            return new_resource_id(self.service)
        return None

    def _default_entities(self, top):
        """The documented entities (CCE: spec keys) the family's jobs carry besides their resource id."""
        family = self.family
        wanted = family.get("entity_defaults_for")
        if not (wanted == "top" and top or wanted == "resource" and self.resource_id is not None):
            return {}
        values = {"uuid": lambda: str(uuid.uuid4()), "name": lambda: "%s-%s" % (self.service, self.job_id[:4]),
                  "server": lambda: {"serverID": str(uuid.uuid4())}}
        return collections.OrderedDict((key, values[kind]()) for key, kind in family["entity_defaults"])

    def _sub_job_type(self, index):
        """The default type of the sub-job at ``index``: the family's (in turn, when it has several) or the parent's."""
        types = self.family["sub_job_type"]
        if isinstance(types, tuple):
            return types[index % len(types)]
        return types or self.job_type

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
        if self.family.get("failure_fields") and self.top and succeeded is False:
            values.update(message=self.fail_reason, code=self.error_code)
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
        if family.get("sub_job_failure") and not self.top and succeeded is False:
            entities[family["sub_job_failure"]] = self.fail_reason
        if family.get("progress"):
            # A fraction 0-1 (IMS documents 1 for a finished job), and the task under way ("" once finished).
            entities[family["progress"]] = round(self._percent(now) / 100.0, 2) if succeeded is None else 1
            entities[family["task_key"]] = self.job_type if succeeded is None else ""
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
