"""``Emulator``: the emulator in background threads, with mirrors of the control API."""

import threading

from .account import PROJECT_ID
from .server import Server
from .state import EmulatorState


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
        self._server = Server(("127.0.0.1", self.port), self.state, self.verbose)
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
