"""The HTTP server and its request handler: reading, faults, routing to the state, answering."""

import collections
import json
import math
import socket
import socketserver
import struct
import sys
import threading
import traceback
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote

from .control import control_dispatch
from .errors import apigw_error, family_error, iam_error
from .families import FAMILIES
from .routing import MAIN, ROUTE_TABLES, Request
from .specs import ControlError


MAX_BODY = 1024 * 1024
HTML_503 = (b"<html>\r\n<head><title>503 Service Temporarily Unavailable</title></head>\r\n<body>\r\n"
            b"<center><h1>503 Service Temporarily Unavailable</h1></center>\r\n<hr><center>nginx</center>\r\n"
            b"</body>\r\n</html>\r\n")
NOT_JSON = b"Service busy, try again later <not json>\n"
TRUNCATED_BODY = b'{"status": "RUNNING", "entities": {}, "job_id": "'


def json_bytes(payload):
    return json.dumps(payload).encode("utf-8")


class _BadRequest(Exception):
    """A request whose body cannot be read (length, chunking): answered 400 and the connection closed."""


class Server(ThreadingHTTPServer):
    """One listening port: the main one (``service`` MAIN: IAM, control API, ELB, CFW) or a job service's."""
    daemon_threads = True
    request_queue_size = 128  # benchmarks open many connections at once

    def __init__(self, address, state, verbose, service=MAIN):
        self.state = state
        self.service = service
        self.routes = ROUTE_TABLES[service]
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
        self._send(code, json_bytes({"error_code": "EMU.%d" % code, "error_msg": message}), "application/json")

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
        self._send(status, json_bytes(payload), "application/json", headers)

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
        clock = self.server.state.clock
        started = clock.time()
        status = None
        try:
            try:
                body = self._read_body()
            except _BadRequest as error:
                self.close_connection = True
                self._send_json(400, {"error_code": "EMU.400", "error_msg": str(error)})
                status = 400
                return
            if self.server.service is MAIN and (self.path.split("?")[0].rstrip("/") == "/_emulator"
                                                or self.path.startswith("/_emulator/")):
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
                # The whole path with its query (RDS and DDS put the job id there); never headers or bodies.
                port = "" if self.server.service is MAIN else "[%s] " % self.server.service
                _log("%s%s %s -> %s (%.1f ms)" % (port, self.command, self.path, status, (clock.time() - started) * 1000))

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
            status, result = control_dispatch(self.server.state, self.command, parts, query, payload)
        except ControlError as error:
            status, result = error.status, {"error": {"code": "EMU.%d" % error.status, "message": str(error)}}
        self._send_json(status, result)
        return status

    # service routes

    def _service(self, body, started):
        state = self.server.state
        request = Request(self.command, self.path, self.headers, body, self.server.routes)
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
            state.clock.sleep(latency)
        if wait_for is not None:
            return self._fault_answer({"kind": "rate_limit", "retry_after": max(1, int(math.ceil(wait_for)))})
        fault = state.take_fault(request.attributes())
        kind = fault["kind"] if fault else None
        if kind == "slow":
            state.clock.sleep(fault["delay"])
        elif kind == "expire_token" and request.header("x-auth-token"):
            state.expire_token(request.header("x-auth-token"))
        elif kind in ("status", "html_503", "rate_limit", "reset", "truncated", "not_json"):
            return self._fault_answer(fault)
        elif kind == "echo":
            return self._echo_answer(fault["status"], request)
        status, payload, headers = self._route(state, request, fault["status"] if kind == "unknown_status" else None)
        headers = dict(headers, **{"X-Request-Id": uuid.uuid4().hex})
        return status, lambda: self._send(status, json_bytes(payload), "application/json;charset=UTF-8", headers)

    def _route(self, state, request, status_override):
        route = request.route
        if route == "unknown":
            return apigw_error(404, "APIGW.0101", "The API does not exist or has not been published in the environment")
        if route == "iam":
            try:
                payload = json.loads(request.body.decode("utf-8"))
            except ValueError:
                return iam_error(400, "The request body is not valid JSON.")
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
            return family_error(service, 400, FAMILIES[service]["bad_request"][0], "The request body is not valid JSON.")
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
