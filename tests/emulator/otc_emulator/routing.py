"""Which route a service request takes, from the FAMILIES table."""

from urllib.parse import parse_qsl, unquote

from .families import FAMILIES


MAIN = None  # the main port's key in ROUTE_TABLES

IAM_ROUTES = (("POST", "/v3/auth/tokens", "iam"), ("GET", "/v3/projects", "iam_projects"))


def _family_routes(service):
    """(method, path, route name, job id in the query) of a family's job GET and other routes, at the root."""
    family = FAMILIES[service]
    job_path, query, dummy = family["job_path"].partition("?")
    return ([("GET", job_path, service + "_job", bool(query))]
            + [(method, path, name, False) for method, path, name in family.get("routes", ())])


def _compile(routes):
    return [(method, path.split("/"), name, query_id) for method, path, name, query_id in routes]


def _route_tables():
    """Port -> its routes: (method, path segments, route name, job id in the query).

    Each service has a port of its own with its documented paths at the root, as the real cloud has a host per
    service (several share a path: /v1/{p}/jobs/{id} is ECS, EVS, IMS, BMS and VBS). The main port serves IAM and,
    as before the service ports existed, ELB and CFW. "{p}" (project id), "{id}" (job id), "{lb}" (load balancer
    id) and "{rid}" (the resource a delete names) segments capture path parameters.
    """
    iam = [(method, path, name, False) for method, path, name in IAM_ROUTES]
    tables = {service: _compile(_family_routes(service)) for service in FAMILIES}
    tables[MAIN] = _compile(iam + _family_routes("elb") + _family_routes("cfw"))
    return tables


ROUTE_TABLES = _route_tables()


class Request(object):
    """A parsed service request: route, path parameters, headers, body."""

    def __init__(self, method, raw_path, headers, body, routes):
        self.method = method
        self.path, dummy, self.query = raw_path.partition("?")
        self.headers = headers
        self.body = body
        self.project_id = None
        self.job_id = None
        self.lb_id = None
        self.resource_id = None
        self.scoped = False  # whether the route names a project (every service route; not IAM's)
        self.route = self._route(routes, [unquote(segment) for segment in self.path.split("/")])

    def header(self, name):
        return self.headers.get(name)

    @property
    def service(self):
        """iam or the job service from the route name (None for an unknown route)."""
        return None if self.route == "unknown" else self.route.split("_")[0]

    def _route(self, routes, segments):
        for method, pattern, name, query_id in routes:
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
