"""``Emulator``: the emulator in background threads, with mirrors of the control API."""

import threading

from .account import PROJECT_ID
from .families import SERVICES
from .routing import MAIN
from .server import Server
from .state import EmulatorState


class Emulator(object):
    """The emulator in background threads: a main port (``url``) and a port per job service (``service_url``).

    ``Emulator(port=0, verbose=False, clock=None, **config)``: ``port`` is the main port's; the service ports are
    free ones. ``clock`` (default real time, see clock.py) is what every instant and pause reads: a test passes a
    fake clock and advances it instead of sleeping. ``config`` takes the ``configure()`` settings and becomes the
    baseline that ``reset()`` returns to.
    """

    def __init__(self, port=0, verbose=False, clock=None, **config):
        self.port = port
        self.verbose = verbose
        self.state = EmulatorState(config, clock)
        self._servers = {}  # MAIN or service -> (Server, its thread)

    @property
    def clock(self):
        return self.state.clock

    @property
    def url(self):
        """The main port's ``http://127.0.0.1:PORT`` (IAM, control API, ELB, CFW) once started, else None."""
        return self.state.base_url

    @property
    def service_urls(self):
        """service -> the root URL of its own port (``http://127.0.0.1:PORT``, documented paths below it)."""
        return dict(self.state.service_urls)

    def service_url(self, service):
        """The root URL of ``service``'s port, as a real endpoint ``https://{service}.{region}.otc...`` is."""
        return self.state.service_urls[service]

    def start(self):
        for service in (MAIN,) + SERVICES:
            server = Server(("127.0.0.1", self.port if service is MAIN else 0), self.state, self.verbose, service)
            thread = threading.Thread(target=server.serve_forever, name="otc-emulator-%s" % (service or "main"), daemon=True)
            self._servers[service] = (server, thread)
            url = "http://127.0.0.1:%d" % server.server_address[1]
            if service is MAIN:
                self.state.base_url = url
            else:
                self.state.service_urls[service] = url
        for server, thread in self._servers.values():
            thread.start()
        return self

    def stop(self):
        servers, self._servers = self._servers, {}
        # shutdown() waits for the serve_forever loop's next poll (up to 0.5 s): every port at once, not in turn.
        stoppers = [threading.Thread(target=server.shutdown) for server, dummy in servers.values()]
        for stopper in stoppers:
            stopper.start()
        for stopper in stoppers:
            stopper.join()
        for server, thread in servers.values():
            server.close_connections()
            server.server_close()
            thread.join()

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
