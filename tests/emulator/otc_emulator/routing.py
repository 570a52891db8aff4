"""Which route a service request takes, from the FAMILIES table."""

from urllib.parse import parse_qsl, unquote

from .families import FAMILIES


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


class Request(object):
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

