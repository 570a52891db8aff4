"""EmulatorState: jobs, load balancers, tokens, faults, config and counters behind one lock."""

import collections
import hmac
import random
import secrets
import threading
import uuid
from urllib.parse import parse_qsl

from .account import (DOMAIN_ID, DOMAIN_NAME, PROJECT_ID, PROJECTS, STATIC_TOKEN, USER_ID, USER_NAME,
                      USER_PASSWORD)
from .clock import REAL_CLOCK
from .errors import apigw_error, elb_error, family_error, iam_error
from .families import (DEFAULT_TIME_FORMAT, ELB_CODE_CONFLICT, ELB_CODE_LB_NOT_FOUND, ELB_FAIL_CODE, ELB_FAIL_REASON,
                       END_TIME_PENDING, FAIL_PREFIX, FAMILIES, FAMILY_SERVICES, SERVICES, SUB_JOBS_EMPTY, TIME_FORMATS)
from .jobs import Job, new_job_id
from .resources import CREATORS, DELETERS, job_reference, valid_name
from .signing import SDK_ALGORITHM, verify_signature
from .specs import JOB_KEYS, ControlError, check_fault_spec, check_job_spec, check_number
from .times import iam_time


REQUEST_LOG_SIZE = 500
# An address that refuses connections at once: the catalog's "internal" endpoints point there.
UNUSABLE_ROOT = "http://127.0.0.1:9/internal-endpoint-unusable"


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


class EmulatorState(object):
    """Everything the emulator knows, behind one lock.

    ``clock`` (default ``REAL_CLOCK``, see clock.py) is where every instant is read: job timelines, token expiry,
    rate-limit windows, the AK/SK date check.
    """

    def __init__(self, config=None, clock=None):
        self._lock = threading.Lock()
        self.clock = clock or REAL_CLOCK
        self.base_url = None     # the main port's URL (IAM, control API, ELB, CFW)
        self.service_urls = {}   # service -> the root URL of its own port
        self._baseline_config = dict(DEFAULT_CONFIG)
        self._baseline_config.update(self._check_config(config or {}))
        self.in_flight = 0
        self.reset()

    # control operations

    def reset(self):
        """Back to the initial state: jobs, load balancers, faults, tokens, config, counters."""
        with self._lock:
            self.config = dict(self._baseline_config)
            self.jobs = {}           # (service, job_id) -> Job
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
                check_number(settings, key)
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
            now = self.clock.now()
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
        check_job_spec(spec, JOB_KEYS, "job", service)
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
            check_number(spec, "appear_after")
        with self._lock:
            return self._add_job(service, project_id, spec, time_format)

    def _add_job(self, service, project_id, spec, time_format=None):
        job_id = spec.get("job_id") or new_job_id(service)
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
        now_mono, now_wall = self.clock.now(), self.clock.time()
        job = Job(job_id, service, project_id, spec, now_mono + appear_after, now_wall + appear_after, now_wall, defaults)
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
            return found[0].view(self.clock.now(), self.job_gets)

    def list_jobs(self):
        with self._lock:
            now = self.clock.now()
            return [job.view(now, self.job_gets) for job in self.jobs.values()]

    def add_fault(self, spec):
        fault = check_fault_spec(spec)
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
        check_number(spec, "expires_in", allow_none=True)
        expires_in = spec.get("expires_in")
        with self._lock:
            self.tokens[spec["token"]] = {
                "project_id": project_id,
                "expires_mono": None if expires_in is None else self.clock.now() + expires_in,
                "issued": False,
            }
        return {"project_id": project_id,
                "expires_at": None if expires_in is None else iam_time(self.clock.time() + expires_in)}

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
                return iam_error(400, "Only the password method is supported.")
            user = identity["password"]["user"]
            password = user["password"]
            project = payload["auth"]["scope"]["project"]
            if not isinstance(user, dict) or not isinstance(project, dict) or not isinstance(password, str):
                raise TypeError("object expected")
        except (KeyError, TypeError):
            return iam_error(400, "The request body must be a password authentication with a project scope: "
                                  "auth.identity.password.user and auth.scope.project are required.")
        if "id" in user:
            known_user = user["id"] == USER_ID
        elif "name" in user and isinstance(user.get("domain"), dict):
            domain = user["domain"]
            known_user = user["name"] == USER_NAME and (domain.get("name") == DOMAIN_NAME or domain.get("id") == DOMAIN_ID)
        else:
            return iam_error(400, "auth.identity.password.user needs an id, or a name and a domain.")
        if not known_user or not hmac.compare_digest(password.encode("utf-8"), USER_PASSWORD.encode("utf-8")):
            return iam_error(401, "The username or password is wrong.")
        project_id = next((pid for pid, info in PROJECTS.items()
                           if project.get("id") == pid or (project.get("name") == info["name"] and "id" not in project)), None)
        if project_id is None:
            return iam_error(401, "The project does not exist or you have no permission to access it.")
        token = "MII" + secrets.token_urlsafe(96)
        with self._lock:
            ttl = self.config["token_ttl"]
            issued_wall = self.clock.time()
            self.tokens[token] = {"project_id": project_id, "expires_mono": self.clock.now() + ttl, "issued": True}
            catalog = self._catalog(project_id)
        domain = {"id": DOMAIN_ID, "name": DOMAIN_NAME}
        body = {"token": {
            "expires_at": iam_time(issued_wall + ttl),
            "issued_at": iam_time(issued_wall),
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

        def entry(root, service_type, path, placeholder="$(tenant_id)s", name=None):
            url = path.replace("{p}", project_id if substituted else placeholder)

            def endpoint(interface, host):
                return {"id": uuid.uuid4().hex, "interface": interface, "region": region, "region_id": region, "url": host + url}
            return {"id": uuid.uuid4().hex, "type": service_type, "name": name or service_type,
                    "endpoints": [endpoint("internal", UNUSABLE_ROOT), endpoint("public", root)]}
        # IAM on the main port; every service on its own port, as the real cloud has a host per service.
        catalog = [entry(self.base_url, "identity", "/v3", name="iam")]
        if self.config["catalog_elb"]:
            catalog.append(entry(self.service_urls["elb"], "elb", "/v1.0/{p}"))
        if self.config["catalog_cfw_type"] == "cfw":
            catalog.append(entry(self.service_urls["cfw"], "cfw", "/v3/{p}", "%(project_id)s"))
        elif self.config["catalog_cfw_type"] == "cfwv3":
            catalog.append(entry(self.service_urls["cfw"], "cfwv3", "/v3/{p}", "%(tenant_id)s"))
        for service in self.config["catalog_services"]:
            service_type, name, path = FAMILIES[service]["catalog"]
            catalog.append(entry(self.service_urls[service], service_type, path, name=name))
        return catalog

    # request authentication

    def authenticate(self, request):
        """None when the request may reach the URL's project (any, on IAM routes), else an APIGW error response."""
        authorization = request.header("authorization")
        if authorization is not None and authorization.startswith(SDK_ALGORITHM):
            return verify_signature(request, authorization, self.clock.time())
        token = request.header("x-auth-token")
        if not token:
            return apigw_error(401, "APIGW.0301", "Incorrect IAM authentication information: x-auth-token not found")
        with self._lock:
            record = self.tokens.get(token)
            expired = record is None or (record["expires_mono"] is not None and record["expires_mono"] <= self.clock.now())
        if expired:
            return apigw_error(401, "APIGW.0307", "The token expires.")
        if request.scoped and record["project_id"] != request.project_id:
            return apigw_error(403, "APIGW.0302", "Incorrect IAM authentication information: the token's project does not match the URL's project_id")
        return None

    # ELB load balancers

    def elb_create(self, project_id, payload):
        if not isinstance(payload, dict) or not isinstance(payload.get("name"), str) or not payload["name"]:
            return family_error("elb", 400, *FAMILIES["elb"]["bad_request"])
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
        return 200, job_reference(project_id, job["job_id"]), {}

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
            now = self.clock.now()
            views = [self._lb_view(project_id, lb_id, now)[1] for lb_id in self.loadbalancers]
        loadbalancers = [view for view in views if view is not None]
        return 200, {"loadbalancers": loadbalancers, "instance_num": str(len(loadbalancers))}, {}

    def elb_get(self, project_id, lb_id):
        with self._lock:
            view = self._lb_view(project_id, lb_id, self.clock.now())[1]
        if view is None:
            return elb_error(404, ELB_CODE_LB_NOT_FOUND, "Load balancer %s does not exist." % lb_id)
        return 200, view, {}

    def elb_delete(self, project_id, lb_id):
        with self._lock:
            record, view = self._lb_view(project_id, lb_id, self.clock.now())
            if view is None:
                return elb_error(404, ELB_CODE_LB_NOT_FOUND, "Load balancer %s does not exist." % lb_id)
            if view["status"] != "ACTIVE":
                return elb_error(409, ELB_CODE_CONFLICT, "Load balancer %s is %s; try again later." % (lb_id, view["status"]))
            job = self._add_job("elb", project_id, {"job_type": "deleteELB", "entities": {"elb": {"id": lb_id}}})
            record["delete_job"] = self.jobs[("elb", job["job_id"])]
        return 200, job_reference(project_id, job["job_id"]), {}

    # job status

    def _visible_job(self, service, project_id, job_id, now):
        job = self.jobs.get((service, job_id))
        if job is None or job.project_id != project_id or not job.visible(now):
            return None
        return job

    def job_status(self, service, project_id, job_id, status_override=None):
        """A job GET on the service's route: (status, body, headers); the family's not-found answer when missing."""
        with self._lock:
            now = self.clock.now()
            job = self._visible_job(service, project_id, job_id, now)
            body = job.body(now, status_override) if job else None
        if body is None:
            status, code, message = FAMILIES[service]["not_found"]
            return family_error(service, status, code, message.format(job_id=job_id))
        return 200, body, {}

    def service_create(self, service, project_id, payload):
        """POST on a create route (CFW, ECS, EVS, IMS, BMS, VBS, CCE, RDS, DDS, DDM): a job, answered like the real API.

        A name starting with FAIL_PREFIX gets a failing job (and failing sub-jobs), as ELB's create does.
        """
        made = CREATORS[service](payload) if isinstance(payload, dict) else None
        if made is None:
            code, message = FAMILIES[service]["bad_request"]
            return family_error(service, 400, code, message)
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
                    isinstance(server, dict) and valid_name(server.get("id")) for server in servers):
                code, message = FAMILIES[service]["bad_request"]
                return family_error(service, 400, code, "The request body must be {\"servers\": [{\"id\": ...}]}.")
            resource_ids = [server["id"] for server in servers]
        else:
            resource_ids = [resource_id]
        job_type, status, respond = DELETERS[service]
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
