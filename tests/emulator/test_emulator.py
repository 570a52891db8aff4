"""Self-tests of the local OTC emulator, with only http.client/urllib as the client."""

import datetime
import hashlib
import http.client
import importlib.util
import json
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import types
from urllib.parse import quote

import pytest
# The collection as ansible_collections.otc.jobs: conftest.py puts it on sys.path.
# pylint: disable=import-error
from ansible_collections.otc.jobs.plugins.module_utils.core._clock import FakeClock

from . import otc_emulator as otc

EMULATOR_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "otc_emulator")
ISO_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
ELB_KEYS = ["status", "entities", "job_id", "job_type", "begin_time", "end_time", "error_code", "fail_reason"]


@pytest.fixture(scope="module")
def server():
    with otc.Emulator(clock=FakeClock()) as emulator:
        yield emulator


@pytest.fixture
def emu(server):
    """The emulator on a fake clock: a test moves time with ``emu.clock.advance(seconds)`` instead of sleeping."""
    server.reset()
    server.state.clock = FakeClock()  # a fresh one per test: every test's instants are exact, whatever ran before
    yield server
    server.reset()


# --- client helpers -------------------------------------------------------------------------

class Answer(object):
    def __init__(self, response):
        self.status = response.status
        self.headers = response.headers
        self.raw = response.read()

    @property
    def json(self):
        return json.loads(self.raw.decode("utf-8"))


def call(emu, method, path, body=None, headers=None, timeout=5):
    """One request on a fresh connection; ``body`` is JSON-encoded unless bytes."""
    host, port = emu.url.split("//")[1].split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=timeout)
    try:
        data = body if body is None or isinstance(body, bytes) else json.dumps(body).encode("utf-8")
        all_headers = dict(headers or {})
        if data is not None:
            all_headers.setdefault("Content-Type", "application/json")
        connection.request(method, path, body=data, headers=all_headers)
        return Answer(connection.getresponse())
    finally:
        connection.close()


def at(emu, service):
    """The port of ``service``, for call() and signed_headers(): ``call(at(emu, "ecs"), "GET", "/v1/...")``."""
    return types.SimpleNamespace(url=emu.service_url(service), clock=emu.clock)


def token_auth(token=otc.STATIC_TOKEN):
    return {"X-Auth-Token": token}


def password_body(user=None, password=otc.USER_PASSWORD, project=None):
    user = user or {"name": otc.USER_NAME, "domain": {"name": otc.DOMAIN_NAME}}
    return {"auth": {"identity": {"methods": ["password"], "password": {"user": dict(user, password=password)}},
                     "scope": {"project": project or {"name": otc.PROJECT_NAME}}}}


def issue_token(emu, **kwargs):
    answer = call(emu, "POST", "/v3/auth/tokens", password_body(**kwargs))
    assert answer.status == 201, answer.raw
    return answer.headers["X-Subject-Token"]


def signed_headers(emu, method, path, body=b"", query="", ak=otc.ACCESS_KEY, sk=otc.SECRET_KEY, extra=None, date=None, unsigned=None):
    """Sign like the API gateway expects, dated by the emulator's clock; ``unsigned`` headers are sent but left out of SignedHeaders."""
    headers = {"Host": emu.url.split("//")[1], "X-Sdk-Date": date or time.strftime(otc.SDK_DATE_FORMAT, time.gmtime(emu.clock.time()))}
    headers.update(extra or {})
    lower = {name.lower(): value for name, value in headers.items()}
    names = sorted(lower)
    canonical = otc.canonical_request(method, path, query, lower, names, hashlib.sha256(body).hexdigest())
    signature = otc.sdk_signature(sk, lower["x-sdk-date"], canonical)
    headers["Authorization"] = "SDK-HMAC-SHA256 Access=%s, SignedHeaders=%s, Signature=%s" % (ak, ";".join(names), signature)
    headers.update(unsigned or {})
    return headers


def elb_job_path(job_id, project_id=otc.PROJECT_ID):
    return "/v1.0/%s/jobs/%s" % (project_id, quote(job_id, safe=""))


def cfw_job_path(job_id, project_id=otc.PROJECT_ID):
    return "/v3/%s/jobs/%s" % (project_id, quote(job_id, safe=""))


def lb_path(lb_id=None):
    return "/v1.0/%s/elbaas/loadbalancers%s" % (otc.PROJECT_ID, "" if lb_id is None else "/" + lb_id)


def elb_job(emu, job_id):
    answer = call(emu, "GET", elb_job_path(job_id), headers=token_auth())
    assert answer.status == 200, answer.raw
    return answer.json


def cfw_job(emu, job_id):
    answer = call(emu, "GET", cfw_job_path(job_id), headers=token_auth())
    assert answer.status == 200, answer.raw
    return answer.json["data"]


# --- IAM ---------------------------------------------------------------------------------------

def test_iam_password_token_and_catalog(emu):
    # The ELB/CFW catalog as it was before the other families and substituted placeholders.
    emu.configure(catalog_services=[], catalog_placeholders="template")
    issued = emu.clock.time()
    answer = call(emu, "POST", "/v3/auth/tokens", password_body())
    assert answer.status == 201
    assert answer.headers["X-Subject-Token"]
    token = answer.json["token"]
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$", token["expires_at"])
    assert token["project"]["id"] == otc.PROJECT_ID
    assert token["project"]["domain"]["name"] == otc.DOMAIN_NAME
    assert token["user"]["name"] == otc.USER_NAME
    catalog = {entry["type"]: entry for entry in token["catalog"]}
    assert set(catalog) == {"identity", "elb", "cfw"}
    assert catalog["identity"]["name"] == "iam"
    roots = {"elb": emu.service_url("elb"), "cfw": emu.service_url("cfw"), "identity": emu.url}
    for service, url in (("elb", "/v1.0/$(tenant_id)s"), ("cfw", "/v3/%(project_id)s"), ("identity", "/v3")):
        endpoints = catalog[service]["endpoints"]
        public = [endpoint for endpoint in endpoints if endpoint["interface"] == "public"]
        assert [endpoint["url"] for endpoint in public] == [roots[service] + url]
        assert {endpoint["region"] for endpoint in endpoints} == {otc.REGION}
        assert any(endpoint["interface"] == "internal" and not endpoint["url"].startswith(emu.url) for endpoint in endpoints)
    stats = emu.stats()
    assert stats["iam_calls"] == 1 and stats["by_route"] == {"iam": 1}
    # The token lifetime defaults to 24 h.
    expires = datetime.datetime.strptime(token["expires_at"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc)
    assert expires.timestamp() == issued + 86400


def test_iam_by_ids_and_other_project(emu):
    answer = call(emu, "POST", "/v3/auth/tokens", password_body(user={"id": otc.USER_ID}, project={"id": otc.OTHER_PROJECT_ID}))
    assert answer.status == 201
    token = answer.json["token"]
    assert token["project"]["name"] == otc.OTHER_PROJECT_NAME
    assert {endpoint["region"] for entry in token["catalog"] for endpoint in entry["endpoints"]} == {otc.OTHER_REGION}
    answer = call(emu, "POST", "/v3/auth/tokens",
                  password_body(user={"name": otc.USER_NAME, "domain": {"id": otc.DOMAIN_ID}}, project={"id": otc.PROJECT_ID}))
    assert answer.status == 201


def test_iam_catalog_variants(emu):
    emu.configure(catalog_cfw_type="cfwv3", catalog_elb=False, catalog_services=[], catalog_placeholders="template")
    catalog = call(emu, "POST", "/v3/auth/tokens", password_body()).json["token"]["catalog"]
    assert {entry["type"] for entry in catalog} == {"identity", "cfwv3"}
    cfw = [entry for entry in catalog if entry["type"] == "cfwv3"][0]
    assert emu.service_url("cfw") + "/v3/%(tenant_id)s" in [endpoint["url"] for endpoint in cfw["endpoints"]]
    emu.configure(catalog_cfw_type=None)
    catalog = call(emu, "POST", "/v3/auth/tokens", password_body()).json["token"]["catalog"]
    assert [entry["type"] for entry in catalog] == ["identity"]


@pytest.mark.parametrize("kwargs, status, message", [
    ({"password": "wrong"}, 401, "The username or password is wrong."),
    ({"user": {"name": "nobody", "domain": {"name": otc.DOMAIN_NAME}}}, 401, "The username or password is wrong."),
    ({"user": {"name": otc.USER_NAME, "domain": {"name": "OTC-other"}}}, 401, "The username or password is wrong."),
    ({"project": {"name": "eu-de_nope"}}, 401, "The project does not exist or you have no permission to access it."),
])
def test_iam_refusals(emu, kwargs, status, message):
    answer = call(emu, "POST", "/v3/auth/tokens", password_body(**kwargs))
    assert answer.status == status
    assert answer.json["error"]["message"] == message
    assert answer.json["error"]["code"] == status
    assert "X-Subject-Token" not in answer.headers


@pytest.mark.parametrize("body", [b"{not json", b"[]", json.dumps({"auth": {"identity": {"methods": ["password"]}}}).encode()])
def test_iam_malformed(emu, body):
    answer = call(emu, "POST", "/v3/auth/tokens", body)
    assert answer.status == 400
    assert answer.json["error"]["title"] == "Bad Request"


# --- token authentication ---------------------------------------------------------------------

def test_token_auth(emu):
    job = emu.create_job(duration=None)
    path = elb_job_path(job["job_id"])
    answer = call(emu, "GET", path)
    assert (answer.status, answer.json["error_code"]) == (401, "APIGW.0301")
    assert answer.json["error_msg"] == "Incorrect IAM authentication information: x-auth-token not found"
    answer = call(emu, "GET", path, headers=token_auth("unknown-token"))
    assert (answer.status, answer.json["error_code"], answer.json["error_msg"]) == (401, "APIGW.0307", "The token expires.")
    other = issue_token(emu, project={"id": otc.OTHER_PROJECT_ID})
    answer = call(emu, "GET", path, headers=token_auth(other))
    assert (answer.status, answer.json["error_code"]) == (403, "APIGW.0302")
    token = issue_token(emu)
    assert call(emu, "GET", path, headers=token_auth(token)).status == 200
    assert emu.expire_tokens() == 2
    assert call(emu, "GET", path, headers=token_auth(token)).json["error_code"] == "APIGW.0307"
    # Static tokens are not IAM-issued: they survive expire_tokens().
    assert call(emu, "GET", path, headers=token_auth()).status == 200


def test_token_ttl_and_registered_tokens(emu):
    emu.configure(token_ttl=600)
    token = issue_token(emu)
    job = emu.create_job(duration=None)
    answer = call(emu, "POST", "/_emulator/tokens", {"token": "short-lived", "expires_in": 600})
    assert answer.status == 201
    emu.clock.advance(599)
    for valid in (token, "short-lived"):
        assert call(emu, "GET", elb_job_path(job["job_id"]), headers=token_auth(valid)).status == 200
    emu.clock.advance(1)
    for expired in (token, "short-lived"):
        assert call(emu, "GET", elb_job_path(job["job_id"]), headers=token_auth(expired)).status == 401
    emu.register_token("other-project-token", project_id=otc.OTHER_PROJECT_ID)
    other_job = emu.create_job(project_id=otc.OTHER_PROJECT_ID, duration=None)
    answer = call(emu, "GET", elb_job_path(other_job["job_id"], otc.OTHER_PROJECT_ID), headers=token_auth("other-project-token"))
    assert answer.status == 200


# --- AK/SK -------------------------------------------------------------------------------------

def test_sdk_signature_test_vector():
    path = "/v3/0123456789abcdef0123456789abcdef/jobs/f588ce71-e26c-400d-8981-f854355f6849"
    headers = {"host": "cfw.eu-de.example.com", "x-sdk-date": "20261122T104000Z"}
    canonical = otc.canonical_request("GET", path, "", headers, ["host", "x-sdk-date"], hashlib.sha256(b"").hexdigest())
    assert canonical.split("\n")[1] == path + "/"
    assert otc.sdk_signature("sktestsktestsktestsktestsktestsktest0000", "20261122T104000Z", canonical) == \
        "0dfd05be027abc55a80c299f8c4b583b5fe055f7017e4e4eb547c66f23f538a7"


def test_canonical_query_and_uri():
    assert otc.canonical_query("b=2&a=x%20y&a=1&c=") == "a=1&a=x%20y&b=2&c="
    assert otc.canonical_uri("/v1.0/p/jobs/a%20b~c") == "/v1.0/p/jobs/a%20b~c/"


def test_aksk_permanent_key(emu):
    job = emu.create_cfw_job(duration=None)
    path = cfw_job_path(job["job_id"])
    headers = signed_headers(emu, "GET", path, extra={"X-Project-Id": otc.PROJECT_ID})
    assert call(emu, "GET", path, headers=headers).status == 200
    # A body and a query string are signed too.
    body = json.dumps({"name": "signed-lb"}).encode()
    headers = signed_headers(emu, "POST", lb_path(), body=body, query="b=1&a=2", extra={"Content-Type": "application/json"})
    answer = call(emu, "POST", lb_path() + "?b=1&a=2", body, headers=headers)
    assert answer.status == 200, answer.raw


@pytest.mark.parametrize("case", ["bad_signature", "tampered_body", "old_date", "sent_late", "unknown_key", "host_unsigned",
                                  "unsigned_header_missing"])
def test_aksk_refusals(emu, case):
    body = json.dumps({"name": "lb"}).encode()
    sign = {"body": body, "extra": {"Content-Type": "application/json"}}
    if case == "old_date":
        sign["date"] = time.strftime(otc.SDK_DATE_FORMAT, time.gmtime(emu.clock.time() - 16 * 60))
    if case == "unknown_key":
        sign["ak"] = "AKUNKNOWN00000000000"
    headers = signed_headers(emu, "POST", lb_path(), **sign)
    if case == "sent_late":
        emu.clock.advance(16 * 60)  # the server's clock, not the signer's, decides
    if case == "bad_signature":
        headers["Authorization"] = headers["Authorization"][:-4] + "0000"
    if case == "tampered_body":
        body = json.dumps({"name": "lb2"}).encode()
    if case == "host_unsigned":
        headers["Authorization"] = headers["Authorization"].replace("SignedHeaders=content-type;host;", "SignedHeaders=content-type;")
    if case == "unsigned_header_missing":
        headers["Authorization"] = headers["Authorization"].replace("x-sdk-date", "x-sdk-date;x-project-id")
    answer = call(emu, "POST", lb_path(), body, headers=headers)
    assert answer.status == 401
    assert answer.json["error_code"] == "APIGW.0301"
    if case in ("bad_signature", "tampered_body"):
        assert answer.json["error_msg"] == "Incorrect IAM authentication information: verify aksk signature fail"


def test_aksk_project_mismatch(emu):
    job = emu.create_cfw_job(duration=None)
    path = cfw_job_path(job["job_id"])
    headers = signed_headers(emu, "GET", path, extra={"X-Project-Id": otc.OTHER_PROJECT_ID})
    assert call(emu, "GET", path, headers=headers).status == 403


def test_aksk_temporary_key(emu):
    job = emu.create_cfw_job(duration=None)
    path = cfw_job_path(job["job_id"])
    temporary = {"ak": otc.TEMP_ACCESS_KEY, "sk": otc.TEMP_SECRET_KEY}
    headers = signed_headers(emu, "GET", path, extra={"X-Security-Token": otc.SECURITY_TOKEN}, **temporary)
    assert call(emu, "GET", path, headers=headers).status == 200
    headers = signed_headers(emu, "GET", path, **temporary)
    assert call(emu, "GET", path, headers=headers).status == 401
    headers = signed_headers(emu, "GET", path, unsigned={"X-Security-Token": otc.SECURITY_TOKEN}, **temporary)
    assert call(emu, "GET", path, headers=headers).status == 401
    headers = signed_headers(emu, "GET", path, extra={"X-Security-Token": "wrong"}, **temporary)
    assert call(emu, "GET", path, headers=headers).status == 401


# --- classic ELB -------------------------------------------------------------------------------

def test_elb_create_lifecycle(emu):
    emu.configure(default_duration=1.0)
    answer = call(emu, "POST", lb_path(), {"name": "web", "type": "External", "bandwidth": 5}, headers=token_auth())
    assert answer.status == 200
    job_id = answer.json["job_id"]
    assert re.match(r"^[0-9a-f]{32}$", job_id)
    assert answer.json["uri"] == "/v1/%s/jobs/%s" % (otc.PROJECT_ID, job_id)
    first = elb_job(emu, job_id)
    assert list(first) == ELB_KEYS
    assert (first["status"], first["job_type"], first["end_time"], first["error_code"], first["fail_reason"]) == ("INIT", "createELB", None, None, None)
    assert ISO_MS.match(first["begin_time"])
    lbs = call(emu, "GET", lb_path(), headers=token_auth()).json["loadbalancers"]
    assert [lb["status"] for lb in lbs] == ["PENDING_CREATE"]
    emu.clock.advance(0.5)
    assert elb_job(emu, job_id)["status"] == "RUNNING"
    emu.clock.advance(0.5)
    done = elb_job(emu, job_id)
    assert done["status"] == "SUCCESS"
    assert ISO_MS.match(done["end_time"]) and done["end_time"] > done["begin_time"]
    elb = done["entities"]["elb"]
    assert set(elb) == {"id", "name", "type", "status", "bandwidth", "vip_address", "tenant_id", "admin_state_up", "vpc_id"}
    assert (elb["name"], elb["bandwidth"], elb["tenant_id"], elb["status"]) == ("web", 5, otc.PROJECT_ID, "ACTIVE")
    assert call(emu, "GET", lb_path(elb["id"]), headers=token_auth()).json["status"] == "ACTIVE"
    view = emu.get_job(job_id)
    assert view["finished"] and view["finishes_at"] - view["created_at"] == 1.0


def test_elb_fail_name_and_delete(emu):
    emu.configure(default_duration=0.2)
    failing = call(emu, "POST", lb_path(), {"name": "fail-quota"}, headers=token_auth()).json["job_id"]
    good = call(emu, "POST", lb_path(), {"name": "good"}, headers=token_auth()).json["job_id"]
    good_lb = elb_job(emu, good)["entities"]
    assert good_lb == {}
    lb_id = [lb["id"] for lb in call(emu, "GET", lb_path(), headers=token_auth()).json["loadbalancers"] if lb["name"] == "good"][0]
    assert call(emu, "DELETE", lb_path(lb_id), headers=token_auth()).status == 409  # still being created
    emu.clock.advance(0.25)
    failed = elb_job(emu, failing)
    assert (failed["status"], failed["error_code"], failed["fail_reason"]) == ("FAIL", "ELB.8902", "Insufficient EIP quota for the load balancer.")
    assert failed["entities"] == {}
    assert elb_job(emu, good)["entities"]["elb"]["id"] == lb_id
    answer = call(emu, "DELETE", lb_path(lb_id), headers=token_auth())
    assert answer.status == 200
    delete_job = elb_job(emu, answer.json["job_id"])
    assert delete_job["job_type"] == "deleteELB"
    assert call(emu, "GET", lb_path(lb_id), headers=token_auth()).json["status"] == "PENDING_DELETE"
    emu.clock.advance(0.25)
    assert elb_job(emu, answer.json["job_id"])["status"] == "SUCCESS"
    assert call(emu, "GET", lb_path(lb_id), headers=token_auth()).status == 404
    answer = call(emu, "DELETE", lb_path("0" * 32), headers=token_auth())
    assert answer.status == 404 and answer.json["error"]["code"] == otc.ELB_CODE_LB_NOT_FOUND
    assert call(emu, "POST", lb_path(), {"nom": "x"}, headers=token_auth()).status == 400


def test_missing_jobs(emu):
    answer = call(emu, "GET", elb_job_path("f" * 32), headers=token_auth())
    assert answer.status == 404
    assert answer.json["error"] == {"message": "Job %s does not exist." % ("f" * 32), "code": "ELB.1102"}
    answer = call(emu, "GET", cfw_job_path("f588ce71-e26c-400d-8981-f854355f6849"), headers=token_auth())
    assert answer.status == 400
    assert answer.json["error_code"] == "CFW.00200005"
    # A job of another project or service is "not found" too.
    other = emu.create_job(project_id=otc.OTHER_PROJECT_ID)
    emu.register_token("other", project_id=otc.OTHER_PROJECT_ID)
    assert call(emu, "GET", elb_job_path(other["job_id"], otc.OTHER_PROJECT_ID), headers=token_auth("other")).status == 200
    cfw = emu.create_cfw_job()
    assert call(emu, "GET", elb_job_path(cfw["job_id"]), headers=token_auth()).status == 404


# --- job shapes ---------------------------------------------------------------------------------

@pytest.mark.parametrize("time_format, pattern", [
    ("ms", r"^\d{13}$"),
    ("s", r"^\d{10}$"),
    ("ms_string", r"^'\d{13}'$"),
    ("iso_z", r"^'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ'$"),
    ("iso_fraction", r"^'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z'$"),
    ("offset_colon", r"^'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00'$"),
    ("offset_compact", r"^'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0800'$"),
    ("empty", r"^''$"),
    ("null", r"^None$"),
])
def test_cfw_time_formats(emu, time_format, pattern):
    job = emu.create_cfw_job(duration=0, time_format=time_format)
    data = cfw_job(emu, job["job_id"])
    assert data["status"] == "Success"
    assert list(data) == ["id", "status", "begin_time", "end_time"]
    for key in ("begin_time", "end_time"):
        assert re.match(pattern, repr(data[key])), (key, data[key])


def test_time_format_values():
    instant = 1641370501.123
    assert otc.format_time(instant, "ms") == 1641370501123
    assert otc.format_time(instant, "iso_fraction") == "2022-01-05T08:15:01.123Z"
    assert otc.format_time(instant, "offset_colon") == "2022-01-05T16:15:01+08:00"
    assert otc.format_time(instant, "offset_compact") == "2022-01-05T16:15:01+0800"


def test_cfw_lifecycle_and_pending_end_time(emu):
    job = emu.create_cfw_job(duration=0.2, end_time_pending="absent")
    running = cfw_job(emu, job["job_id"])
    assert running["status"] == "Running" and "end_time" not in running
    assert isinstance(running["begin_time"], int)
    failing = emu.create_cfw_job(duration=0.2, outcome="fail")
    assert cfw_job(emu, failing["job_id"])["end_time"] is None
    emu.clock.advance(0.25)
    done = cfw_job(emu, job["job_id"])
    assert done["status"] == "Success" and done["end_time"] - done["begin_time"] == 200
    assert cfw_job(emu, failing["job_id"])["status"] == "Failed"


def test_never_finishing_job(emu):
    job = emu.create_job(duration=None)
    assert job["finishes_at"] is None
    assert emu.get_job(job["job_id"])["finished"] is False


@pytest.mark.parametrize("mode, expected", [("null", None), ("empty_string", ""), ("list", [])])
def test_sub_jobs_empty_variants(emu, mode, expected):
    job = emu.create_job(duration=0, sub_jobs_empty=mode)
    assert elb_job(emu, job["job_id"])["sub_jobs"] == expected


def test_sub_jobs_absent_and_listed(emu):
    assert "sub_jobs" not in elb_job(emu, emu.create_job(duration=0)["job_id"])
    job = emu.create_job(duration=0.2, job_type="createListener", sub_jobs=[
        {"duration": 0.1},
        {"duration": 0.2, "outcome": "fail", "error_code": "ELB.2001", "fail_reason": "Listener port in use.", "job_type": "addMember"},
    ])
    emu.clock.advance(0.25)
    body = elb_job(emu, job["job_id"])
    # The parent fails like its failing sub-job when no outcome is given.
    assert (body["status"], body["error_code"], body["fail_reason"]) == ("FAIL", "ELB.2001", "Listener port in use.")
    subs = body["sub_jobs"]
    assert [sub["status"] for sub in subs] == ["SUCCESS", "FAIL"]
    assert [sub["job_type"] for sub in subs] == ["createListener", "addMember"]
    assert all(list(sub) == ELB_KEYS for sub in subs)


def test_late_appearing_jobs(emu):
    elb = emu.create_job(appear_after=30, duration=10)
    cfw = emu.create_cfw_job(appear_after=30, duration=10)
    assert elb["finishes_at"] - elb["created_at"] == 40
    emu.clock.advance(29.5)
    assert call(emu, "GET", elb_job_path(elb["job_id"]), headers=token_auth()).status == 404
    assert call(emu, "GET", cfw_job_path(cfw["job_id"]), headers=token_auth()).status == 400
    emu.clock.advance(1)
    assert elb_job(emu, elb["job_id"])["status"] == "INIT"
    assert cfw_job(emu, cfw["job_id"])["status"] == "Running"


def test_scripted_statuses(emu):
    job = emu.create_cfw_job(statuses=[["QUEUED", 1.5], ["Running", 1.5], ["Success", None]])
    assert job["finishes_at"] - job["created_at"] == 3
    seen = [cfw_job(emu, job["job_id"])]
    emu.clock.advance(2)
    seen.append(cfw_job(emu, job["job_id"]))
    emu.clock.advance(1)
    seen.append(cfw_job(emu, job["job_id"]))
    assert [data["status"] for data in seen] == ["QUEUED", "Running", "Success"]
    assert seen[1]["end_time"] is None and seen[2]["end_time"] - seen[2]["begin_time"] == 3000


def test_odd_job_ids(emu):
    for job_id in ("with space", "pct%2Fslash", "\u00fcn\u00efcode"):
        emu.create_job(job_id=job_id, duration=0)
        assert elb_job(emu, job_id)["job_id"] == job_id


# --- faults ------------------------------------------------------------------------------------

def test_fault_status_html_rate_limit_not_json(emu):
    job_id = emu.create_job(duration=None)["job_id"]
    path = elb_job_path(job_id)
    emu.add_fault("status", status=502, body="bad gateway", content_type="text/plain")
    emu.add_fault("html_503")
    emu.add_fault("rate_limit", retry_after=2)
    emu.add_fault("not_json")
    emu.add_fault("status")
    answers = [call(emu, "GET", path, headers=token_auth()) for dummy in range(6)]
    assert (answers[0].status, answers[0].raw, answers[0].headers["Content-Type"]) == (502, b"bad gateway", "text/plain")
    assert answers[1].status == 503 and answers[1].headers["Content-Type"] == "text/html" and b"<html>" in answers[1].raw
    assert (answers[2].status, answers[2].headers["Retry-After"], answers[2].json["error_code"]) == (429, "2", "APIGW.0308")
    assert answers[3].status == 200 and answers[3].headers["Content-Type"] == "text/plain"
    with pytest.raises(ValueError):
        answers[3].json
    assert answers[4].status == 500 and answers[4].json["error_code"] == "EMU.500"
    assert answers[5].status == 200 and answers[5].json["job_id"] == job_id


def test_fault_matching_and_times(emu):
    first = emu.create_job(duration=None)["job_id"]
    second = emu.create_job(duration=None)["job_id"]
    emu.add_fault("status", match={"job_id": second}, times=2, status=504)
    emu.add_fault("html_503", match={"route": "iam"}, times=None)
    assert call(emu, "GET", elb_job_path(first), headers=token_auth()).status == 200
    assert [call(emu, "GET", elb_job_path(second), headers=token_auth()).status for dummy in range(3)] == [504, 504, 200]
    assert call(emu, "POST", "/v3/auth/tokens", password_body()).status == 503
    assert call(emu, "POST", "/v3/auth/tokens", password_body()).status == 503
    assert call(emu, "DELETE", "/_emulator/faults").json == {"cleared": 1}
    assert call(emu, "POST", "/v3/auth/tokens", password_body()).status == 201


def test_fault_reset(emu):
    job_id = emu.create_job(duration=None)["job_id"]
    emu.add_fault("reset")
    with pytest.raises(ConnectionResetError) as raised:
        call(emu, "GET", elb_job_path(job_id), headers=token_auth())
    # A real RST, not an orderly close (RemoteDisconnected is a ConnectionResetError too).
    assert not isinstance(raised.value, http.client.RemoteDisconnected)
    assert call(emu, "GET", elb_job_path(job_id), headers=token_auth()).status == 200
    assert emu.stats()["requests"][0]["status"] is None


def test_fault_slow(real_emu):
    # Real time: a client's socket timeout must fire while the server sleeps.
    emu = real_emu
    job_id = emu.create_cfw_job(duration=None)["job_id"]
    emu.add_fault("slow", delay=0.4)
    with pytest.raises(socket.timeout):
        call(emu, "GET", cfw_job_path(job_id), headers=token_auth(), timeout=0.15)
    emu.add_fault("slow", delay=0.2)
    started = time.monotonic()
    assert call(emu, "GET", cfw_job_path(job_id), headers=token_auth()).status == 200
    assert time.monotonic() - started >= 0.2


def test_fault_truncated(emu):
    job_id = emu.create_job(duration=None)["job_id"]
    emu.add_fault("truncated")
    with pytest.raises(http.client.IncompleteRead):
        call(emu, "GET", elb_job_path(job_id), headers=token_auth())


def test_fault_unknown_status(emu):
    elb = emu.create_job(duration=None)["job_id"]
    cfw = emu.create_cfw_job(duration=None)["job_id"]
    emu.add_fault("unknown_status", status="PENDING", match={"service": "elb"})
    emu.add_fault("unknown_status", status="Queued", match={"route": "cfw_job"})
    assert elb_job(emu, elb)["status"] == "PENDING"
    assert cfw_job(emu, cfw)["status"] == "Queued"
    assert elb_job(emu, elb)["status"] == "INIT"


def test_fault_expire_token(emu):
    job_id = emu.create_job(duration=None)["job_id"]
    token = issue_token(emu)
    emu.add_fault("expire_token")
    answer = call(emu, "GET", elb_job_path(job_id), headers=token_auth(token))
    assert (answer.status, answer.json["error_code"]) == (401, "APIGW.0307")
    assert call(emu, "GET", elb_job_path(job_id), headers=token_auth(token)).status == 401
    assert call(emu, "GET", elb_job_path(job_id), headers=token_auth(issue_token(emu))).status == 200


# --- counters, keep-alive, control API -----------------------------------------------------------

def test_stats_and_peak_in_flight(real_emu):
    # Real time: six requests are in flight together only while their latency really sleeps.
    emu = real_emu
    # A slow request of an earlier test may still be asleep in the server.
    deadline = time.monotonic() + 3
    while emu.stats()["in_flight"] and time.monotonic() < deadline:
        time.sleep(0.05)
    emu.reset_stats()
    job_id = emu.create_job(duration=None)["job_id"]
    emu.configure(latency=0.3)
    threads = [threading.Thread(target=call, args=(emu, "GET", elb_job_path(job_id)), kwargs={"headers": token_auth()}) for dummy in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    call(emu, "GET", "/_emulator/stats")  # control calls are not counted
    stats = call(emu, "GET", "/_emulator/stats").json
    assert stats["peak_in_flight"] == 6 and stats["in_flight"] == 0
    assert stats["total"] == 6 and stats["by_route"] == {"elb_job": 6}
    assert stats["job_gets"] == {job_id: 6}
    assert set(stats["requests"][0]) == {"method", "path", "route", "status", "t"}
    assert stats["requests"][0]["status"] == 200
    assert emu.get_job(job_id)["gets"] == 6
    assert call(emu, "POST", "/_emulator/stats/reset").status == 200
    stats = emu.stats()
    assert (stats["total"], stats["peak_in_flight"], stats["job_gets"], stats["requests"]) == (0, 0, {}, [])


def test_keep_alive(emu):
    job_id = emu.create_job(duration=None)["job_id"]
    host, port = emu.url.split("//")[1].split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=5)
    try:
        for dummy in range(3):
            connection.request("GET", elb_job_path(job_id), headers=token_auth())
            response = connection.getresponse()
            assert response.status == 200 and json.loads(response.read())["job_id"] == job_id
        connection.request("GET", "/_emulator/stats")
        assert json.loads(connection.getresponse().read())["total"] == 3
        first_socket = connection.sock
        connection.request("GET", "/nowhere", headers=token_auth())
        answer = connection.getresponse()
        assert answer.status == 404 and json.loads(answer.read())["error_code"] == "APIGW.0101"
        assert connection.sock is first_socket
    finally:
        connection.close()


def test_control_api_over_http(emu):
    answer = call(emu, "POST", "/_emulator/jobs", {"service": "cfw", "job_id": "ctl-1", "duration": 0.2})
    assert answer.status == 201
    created = answer.json
    assert set(created) == {"job_id", "service", "project_id", "created_at", "finishes_at"}
    assert abs(created["finishes_at"] - created["created_at"] - 0.2) < 0.01
    view = call(emu, "GET", "/_emulator/jobs/ctl-1").json
    assert (view["finishes_at"], view["status"], view["service"]) == (created["finishes_at"], "Running", "cfw")
    assert call(emu, "POST", "/_emulator/jobs", {"service": "cfw", "job_id": "ctl-1"}).status == 409
    call(emu, "POST", "/_emulator/jobs", {"service": "elb", "job_id": "ctl-1"})
    assert call(emu, "GET", "/_emulator/jobs/ctl-1").status == 409
    assert call(emu, "GET", "/_emulator/jobs/ctl-1?service=elb").json["service"] == "elb"
    assert len(call(emu, "GET", "/_emulator/jobs").json["jobs"]) == 2
    for bad in ({"service": "nova"}, {"durations": 1}, {"statuses": [["Running", None], ["Success", None]]},
                {"time_format": "rfc"}, {"sub_jobs": [{"outcome": "maybe"}]}):
        answer = call(emu, "POST", "/_emulator/jobs", bad)
        assert answer.status == 400 and answer.json["error"]["message"], bad
    assert call(emu, "POST", "/_emulator/faults", {"kind": "explode"}).status == 400
    assert call(emu, "POST", "/_emulator/faults", {"kind": "slow", "match": {"route": "nope"}}).status == 400
    assert call(emu, "POST", "/_emulator/config", {"latency": -1}).status == 400
    assert call(emu, "POST", "/_emulator/config", b"{oops").status == 400
    answer = call(emu, "GET", "/_emulator/nothing")
    assert answer.status == 404 and "no control route" in answer.json["error"]["message"]
    assert call(emu, "POST", "/_emulator/config", {"default_duration": 7}).json["default_duration"] == 7
    assert call(emu, "POST", "/_emulator/tokens/expire").json == {"expired": 0}
    assert emu.stats()["total"] == 0


def test_reset(emu):
    emu.create_job(job_id="to-forget")
    emu.add_fault("html_503", match={"service": "elb"}, times=None)
    emu.configure(default_duration=9, catalog_elb=False)
    token = issue_token(emu)
    assert call(emu, "POST", "/_emulator/reset").status == 200
    assert emu.list_jobs() == [] and emu.list_faults() == []
    assert emu.configure() == otc.DEFAULT_CONFIG
    assert emu.stats()["total"] == 0, emu.stats()
    assert call(emu, "GET", elb_job_path("to-forget"), headers=token_auth(token)).status == 401
    assert call(emu, "GET", elb_job_path("to-forget"), headers=token_auth()).status == 404


def test_internal_error_is_json(emu, monkeypatch, capfd):
    def broken(*args):
        raise RuntimeError("boom")
    monkeypatch.setattr(emu.state, "job_status", broken)
    answer = call(emu, "GET", cfw_job_path("x"), headers=token_auth())
    assert answer.status == 500 and answer.json["error_code"] == "EMU.500"
    assert b"Traceback" not in answer.raw
    assert "RuntimeError: boom" in capfd.readouterr().err


def test_raw_http_chunked_body_and_client_reset_are_quiet(emu, capfd):
    port = int(emu.url.rsplit(":", 1)[1])
    client = socket.create_connection(("127.0.0.1", port), timeout=5)
    client.sendall(b"POST /_emulator/jobs HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                   b"6\r\n{\"job_\r\nd\r\nid\": \"chunk\"}\r\n0\r\n\r\n")
    assert client.recv(12) == b"HTTP/1.1 201"
    # Leave the answer unread and close with SO_LINGER 0: the server's next read gets a reset.
    client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    client.close()
    time.sleep(0.1)  # real time: lets the server thread meet the reset before stderr is read
    assert emu.get_job("chunk")["service"] == "elb"
    assert capfd.readouterr().err == ""


def test_import_by_directory_path():
    spec = importlib.util.spec_from_file_location("otc_emulator_by_path", os.path.join(EMULATOR_DIR, "__init__.py"),
                                                  submodule_search_locations=[EMULATOR_DIR])
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its parts import each other relatively
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[spec.name]
    with module.Emulator() as emulator:
        assert emulator.url.startswith("http://127.0.0.1:")
    assert emulator.url  # the URL stays readable after stop


# --- the job families of SPEC 2b (api/job-apis.md) ------------------------------------------------

FAMILY = otc.FAMILY_SERVICES
HEX32 = re.compile(r"^[0-9a-f]{32}$")
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
# Go prints the fraction without trailing zeros, and none for whole seconds.
GO_TIME = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{0,8}[1-9])? \+0000 UTC$")
UTC_COMPACT = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0000$")
CET_COMPACT = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0100$")

# The example bodies of api/job-apis.md as documented (BMS: its reconstructed failure, the sub-job written out in full).
DOC_EXAMPLES = {service: json.loads(text) for service, text in {
    "ecs": """{"status":"SUCCESS","job_id":"2c9eb2c5544cbf6101544f0602af2b4f","job_type":"createServer",
 "begin_time":"2016-04-25T20:04:34.604Z","end_time":"2016-04-25T20:08:41.593Z","error_code":null,"fail_reason":null,
 "entities":{"sub_jobs_total":1,"sub_jobs":[{"status":"SUCCESS","job_id":"2c9eb2c5544cbf6101544f0635672b60",
   "job_type":"createSingleServer","entities":{"server_id":"bae51750-0089-41a1-9b18-5c777978ff6d"},
   "begin_time":"2016-04-25T20:04:47.591Z","end_time":"2016-04-25T20:08:21.328Z","error_code":null,"fail_reason":null}]}}""",
    "evs": """{"status":"RUNNING","entities":{"volume_id":"bdf1bb37-f20f-4266-9a04-f43e0a127376"},"job_id":"4010a32d535527910153552b492c0002",
 "job_type":"createVolume","begin_time":"2016-03-08T07:40:13.219Z","end_time":"","error_code":null,"fail_reason":null}""",
    "ims": """{"job_id":"9a175ac792fa12d20193002100dd2762","job_type":"imsCreateImageByInstance","status":"SUCCESS",
 "begin_time":"2024-11-06T06:19:43.195Z","end_time":"2024-11-06T06:23:25.158Z","error_code":null,"fail_reason":null,
 "entities":{"image_name":"test","image_id":"3f7185de-b59a-4bb8-aa1d-7a513528b0e9"}}""",
    "bms": """{"status":"FAIL","job_id":"2c9eb2c5544cbf6101544f0602af2b4f","job_type":"baremetalBatchCreate",
 "begin_time":"2019-04-25T20:04:34.604Z","end_time":"2019-04-25T20:08:41.593Z","error_code":"BMS.0017",
 "fail_reason":"EIP quota","entities":{"sub_jobs_total":1,"sub_jobs":[{"status":"FAIL","job_id":"2c9eb2c5544cbf6101544f0635672b60",
   "job_type":"baremetalSingleCreate","entities":{"server_id":"bae51750-0089-41a1-9b18-5c777978ff6d"},
   "begin_time":"2019-04-25T20:04:47.591Z","end_time":"2019-04-25T20:08:21.328Z","error_code":"BMS.0017","fail_reason":"EIP quota"}]}}""",
    "vbs": """{"status":"SUCCESS","entities":{"backup_id":"ba5401a2-7cd2-4c01-8c0d-c936ab412d6d","volume_id":"7e5fdc5a-5e36-4b22-8bcc-7f17037290cc"},
 "job_id":"4010b39b5281d3590152874bfa3b1604","job_type":"bksCreateBackup","begin_time":"2016-01-28T16:14:09.466Z",
 "end_time":"2016-01-28T16:25:27.690Z","error_code":null,"fail_reason":null}""",
    "cce": """{"kind":"Job","apiVersion":"v3","metadata":{"uid":"354331b2c-229a-11e8-9c75-0255ac100ceb",
 "creationTimestamp":"2020-02-02 08:12:40.672772389 +0000 UTC","updateTimestamp":"2020-02-02 08:21:50.478108569 +0000 UTC"},
 "spec":{"type":"CreateCluster","clusterUID":"4d1ecb2c-229a-11e8-9c75-0255ac100ceb","resourceName":"cluster-name",
  "subJobs":[{"kind":"Job","apiVersion":"v3","metadata":{"uid":"fd474f82-..."},"spec":{"type":"CreatePSMCert"},"status":{"phase":"Success"}}]},
 "status":{"phase":"Running","reason":""}}""",
    "rds": """{"job":{"id":"31b8ae23-c687-4d80-b7b4-42a66c9bb886","name":"CreateMysqlSingleHAInstance","status":"Failed",
 "created":"2018-08-06T10:41:14+0000","ended":"2018-08-06T16:41:14+0000","process":"",
 "instance":{"id":"a48e43ff268f4c0e879652d65e63d0fbin01","name":"mysql-single"},
 "entities":{"instance":{"type":"Single","datastore":{"type":"mysql","version":"5.7"}}},"fail_reason":"createVM failed."}}""",
    "dds": """{"job":{"id":"f85104b5-4a9c-4e0f-9505-fc5409d8f7ae","name":"Create_MongoDB","status":"Completed",
 "created":"2021-07-12T09:22:04+0000","ended":"2021-07-12T10:10:13+0000","progress":"",
 "instance":{"id":"d87f5b33049144ec95f0cab0a5f22cfbin02","name":"dds-5ff4-sh"},"fail_reason":null}}""",
    "ddm": """{"job":{"id":"31b8ae23-c687-4d80-b7b4-42a66c9bb886","name":"CreateInstance","status":"Running",
 "created_time":"2018-08-06T10:41:14+0100","end_time":"2018-08-06T16:41:14+0100","process":"60%",
 "instance":{"id":"a48e43ff268f4c0e879652d65e63d0fbin09","name":"DDM-test"}}}""",
}.items()}
# Control-API specs that put an emulated job in the documented example's state.
DOC_EXAMPLE_SPECS = {
    "ecs": {"duration": 0, "sub_jobs": [{}]},
    "evs": {"statuses": [["RUNNING", None]]},
    "ims": {"duration": 0, "entities": {"image_name": "test"}},
    "bms": {"duration": 0, "sub_jobs": [{"outcome": "fail"}]},
    "vbs": {"duration": 0, "entities": {"volume_id": "7e5fdc5a-5e36-4b22-8bcc-7f17037290cc"}},
    "cce": {"statuses": [["Running", None]], "entities": {"resourceName": "cluster-name"},
            "sub_jobs": [{"job_type": "CreatePSMCert", "statuses": [["Success", None]]}]},
    "rds": {"duration": 0, "outcome": "fail", "entities": {"instance": {"type": "Single", "datastore": {"type": "mysql", "version": "5.7"}}}},
    "dds": {"duration": 0},
    "ddm": {"duration": None},
}
# Keys the emulator adds to a documented example: fields each document lists although its example leaves them out.
DOC_EXTRA_KEYS = {
    # The full reference example (documented-examples.json) also has extendParam and sub-job resourceIDs.
    "cce": {"spec.resourceID", "spec.subJobs[].metadata.creationTimestamp", "spec.subJobs[].metadata.updateTimestamp",
            "spec.subJobs[].spec.clusterUID", "spec.subJobs[].status.reason", "spec.extendParam", "spec.extendParam.serverID",
            "spec.subJobs[].spec.resourceID"},
    # Documented on IMS's progress page (every finished example: process_percent 1, current_task "").
    "ims": {"entities.process_percent", "entities.current_task"},
    # The documented top-level message and code of a failed job (job-apis.md: ECS, BMS).
    "bms": {"message", "code"},
    # The reference's example (documented-examples.json) also has snapshot_id.
    "vbs": {"entities.snapshot_id"},
}
TIME_PATTERNS = {"ecs": ISO_MS, "evs": ISO_MS, "ims": ISO_MS, "bms": ISO_MS, "vbs": ISO_MS, "cce": GO_TIME,
                 "rds": UTC_COMPACT, "dds": UTC_COMPACT, "ddm": CET_COMPACT}


def family_path(service, job_id, project_id=otc.PROJECT_ID):
    """The job GET of ``service`` on its own port, as job-apis.md documents the path."""
    job_id = quote(job_id, safe="")
    return {
        "cce": "/api/v3/projects/%s/jobs/%s",
        "rds": "/v3/%s/jobs?id=%s",
        "dds": "/v3/%s/jobs?id=%s",
        "ddm": "/v3/%s/jobs/%s",
    }.get(service, "/v1/%s/jobs/%s") % (project_id, job_id)


def family_job(emu, service, job_id):
    answer = call(at(emu, service), "GET", family_path(service, job_id), headers=token_auth())
    assert answer.status == 200, answer.raw
    return answer.json


def key_paths(value, prefix=""):
    """Every key of a JSON document as a dotted path; list items share "name[]"."""
    paths = set()
    if isinstance(value, dict):
        for key, item in value.items():
            path = prefix + key
            paths.add(path)
            paths |= key_paths(item, path + ".")
    elif isinstance(value, list):
        for item in value:
            paths |= key_paths(item, prefix[:-1] + "[].")
    return paths


def body_times(service, body):
    """The begin and end time values of a family's body."""
    if service == "cce":
        return body["metadata"]["creationTimestamp"], body["metadata"]["updateTimestamp"]
    if service in ("rds", "dds"):
        return body["job"]["created"], body["job"].get("ended")
    if service == "ddm":
        return body["job"]["created_time"], body["job"]["end_time"]
    return body["begin_time"], body["end_time"]


def body_status(service, body):
    if service == "cce":
        return body["status"]["phase"]
    return body["job"]["status"] if service in ("rds", "dds", "ddm") else body["status"]


@pytest.mark.parametrize("service", FAMILY)
def test_family_bodies_match_documented_examples(emu, service):
    job = emu.create_job(service, **DOC_EXAMPLE_SPECS[service])
    body = family_job(emu, service, job["job_id"])
    example = DOC_EXAMPLES[service]
    assert key_paths(body) - DOC_EXTRA_KEYS.get(service, set()) == key_paths(example)
    assert body_status(service, body) == body_status(service, example)
    # Times in the documented format (checked against the example too).
    pattern = TIME_PATTERNS[service]
    for got, documented in zip(body_times(service, body), body_times(service, example)):
        assert (documented == "") == (got == "")
        if documented:
            assert pattern.match(documented) and pattern.match(got), (got, documented)
    # Ids look like the documents' ids.
    id_pattern = HEX32 if otc.FAMILIES[service]["id_style"] == "hex" else UUID
    assert id_pattern.match(job["job_id"])


def test_family_example_values(emu):
    rds = emu.create_job("rds", duration=0, outcome="fail", job_type="CreateMysqlSingleHAInstance",
                         instance={"id": "a48e43ff268f4c0e879652d65e63d0fbin01", "name": "mysql-single"})
    job = family_job(emu, "rds", rds["job_id"])["job"]
    assert (job["name"], job["fail_reason"], job["process"], job["instance"]) == (
        "CreateMysqlSingleHAInstance", "createVM failed.", "", {"id": "a48e43ff268f4c0e879652d65e63d0fbin01", "name": "mysql-single"})
    assert rds["resource_id"] == "a48e43ff268f4c0e879652d65e63d0fbin01"
    bms = family_job(emu, "bms", emu.create_job("bms", duration=0, outcome="fail")["job_id"])
    assert (bms["error_code"], bms["fail_reason"], bms["entities"]["sub_jobs_total"], bms["entities"]["sub_jobs"]) == ("BMS.0017", "EIP quota", 0, [])
    generated = {service: emu.create_job(service)["resource_id"] for service in FAMILY}
    assert all(UUID.match(generated[service]) for service in ("ecs", "evs", "ims", "bms", "vbs", "cce"))
    for service, suffix in (("rds", "in01"), ("dds", "in02"), ("ddm", "in09")):
        assert re.match(r"^[0-9a-f]{32}%s$" % suffix, generated[service])


def test_family_lifecycles(emu):
    """All families at once: initial status, running (progress, pending end times), then success and failure."""
    jobs = {(service, outcome): emu.create_job(service, duration=1.2, outcome=outcome)["job_id"]
            for service in FAMILY for outcome in ("success", "fail")}
    for service in FAMILY:  # the v1 family and CCE start in their initial status (the first 10 %)
        initial, running = otc.FAMILIES[service]["statuses"][:2]
        assert body_status(service, family_job(emu, service, jobs[service, "success"])) == (initial or running), service
    emu.clock.advance(0.6)
    running = {key: family_job(emu, key[0], job_id) for key, job_id in jobs.items()}
    emu.clock.advance(0.7)
    done = {key: family_job(emu, key[0], job_id) for key, job_id in jobs.items()}
    expected = {"ecs": ("RUNNING", "SUCCESS", "FAIL"), "evs": ("RUNNING", "SUCCESS", "FAIL"), "ims": ("RUNNING", "SUCCESS", "FAIL"),
                "bms": ("RUNNING", "SUCCESS", "FAIL"), "vbs": ("RUNNING", "SUCCESS", "FAIL"), "cce": ("Running", "Success", "Failed"),
                "rds": ("Running", "Completed", "Failed"), "dds": ("Running", "Completed", "Failed"), "ddm": ("Running", "Completed", "Failed")}
    for service, (pending, success, failure) in expected.items():
        assert body_status(service, running[service, "success"]) == pending, service
        assert body_status(service, done[service, "success"]) == success, service
        assert body_status(service, done[service, "fail"]) == failure, service
        begin, end = body_times(service, done[service, "success"])
        assert TIME_PATTERNS[service].match(begin) and TIME_PATTERNS[service].match(end), service
        if service != "ddm":  # +0100 and whole seconds: compare the UTC ones only
            assert end >= begin, service
    # While running: what each family's end time and progress hold.
    assert [running[service, "success"]["end_time"] for service in ("ecs", "ims", "bms", "vbs")] == [None] * 4
    assert running["evs", "success"]["end_time"] == ""
    assert "ended" not in running["rds", "success"]["job"]
    assert UTC_COMPACT.match(running["dds", "success"]["job"]["ended"])  # an end time while Running, as documented
    assert CET_COMPACT.match(running["ddm", "success"]["job"]["end_time"])
    for service, key in (("rds", "process"), ("dds", "progress"), ("ddm", "process")):
        assert re.match(r"^[1-9]\d?%$", running[service, "success"]["job"][key]), service
        assert done[service, "success"]["job"][key] == "", service
    ims = running["ims", "success"]["entities"]
    assert isinstance(ims["process_percent"], float) and 0 < ims["process_percent"] < 1  # a fraction, as documented
    assert ims["current_task"] == "imsCreateImageByInstance"
    assert (done["ims", "success"]["entities"]["process_percent"], done["ims", "success"]["entities"]["current_task"]) == (1, "")
    cce = running["cce", "success"]
    assert cce["status"]["reason"] == "" and cce["metadata"]["updateTimestamp"] > cce["metadata"]["creationTimestamp"]
    # Failure detail where each family keeps it.
    for service, code in (("ecs", "Ecs.0013"), ("evs", "EVS.2024"), ("ims", "IMG.0012"), ("bms", "BMS.0017"), ("vbs", "VBS.0005")):
        failed = done[service, "fail"]
        assert failed["error_code"] == code and failed["fail_reason"], service
        assert done[service, "success"]["error_code"] is None and done[service, "success"]["fail_reason"] is None
    assert done["cce", "fail"]["status"]["reason"] == "Failed to create the cluster: insufficient quota."
    assert done["rds", "fail"]["job"]["fail_reason"] == "createVM failed." and "fail_reason" not in done["rds", "success"]["job"]
    assert "error_code" not in done["rds", "fail"]["job"]
    assert done["dds", "fail"]["job"]["fail_reason"] and done["dds", "success"]["job"]["fail_reason"] is None
    assert set(done["ddm", "fail"]["job"]) == {"id", "name", "status", "created_time", "end_time", "process", "instance"}


def test_a_job_moves_only_with_the_clock(emu):
    """On the fake clock a job's phase and progress are exact: half way is 50 %, and reading it does not move it."""
    job_id = emu.create_job("rds", duration=3)["job_id"]
    emu.clock.advance(1.5)
    for dummy in range(2):
        job = family_job(emu, "rds", job_id)["job"]
        assert (job["status"], job["process"]) == ("Running", "50%")
    emu.clock.advance(2)
    job = family_job(emu, "rds", job_id)["job"]
    assert (job["status"], job["process"]) == ("Completed", "")
    assert emu.get_job(job_id)["finished"]


def test_family_control_fields(emu):
    emu.configure(default_duration=0)
    cce = family_job(emu, "cce", emu.create_job("cce", job_type="DeleteCluster", fail_reason="quota", outcome="fail",
                                                resource_id="c-1", entities={"resourceName": "web"})["job_id"])
    assert (cce["spec"]["type"], cce["spec"]["resourceID"], cce["spec"]["clusterUID"], cce["spec"]["resourceName"]) == (
        "DeleteCluster", "c-1", "c-1", "web")
    assert cce["status"] == {"phase": "Failed", "reason": "quota"}
    for service in ("dds", "ddm"):
        job = family_job(emu, service, emu.create_job(service, job_type="RestartInstance", resource_id="i-1")["job_id"])["job"]
        assert (job["name"], job["instance"]["id"]) == ("RestartInstance", "i-1")
    ecs = family_job(emu, "ecs", emu.create_job("ecs", job_type="deleteServer", resource_id="s-1", time_format="ms")["job_id"])
    assert (ecs["job_type"], ecs["entities"], isinstance(ecs["begin_time"], int)) == ("deleteServer", {"server_id": "s-1"}, True)
    no_resource = family_job(emu, "evs", emu.create_job("evs", resource_id=None)["job_id"])
    assert no_resource["entities"] == {}
    late = emu.create_job("rds", appear_after=0.2)
    answer = call(at(emu, "rds"), "GET", family_path("rds", late["job_id"]), headers=token_auth())
    assert (answer.status, answer.json["error_code"]) == (400, "DBS.200543")
    view = emu.get_job(late["job_id"])
    assert view["visible"] is False and view["service"] == "rds" and view["resource_id"].endswith("in01")
    for bad in ({"service": "ecs", "instance": {"id": "x"}}, {"service": "rds", "sub_jobs": [{}]}, {"service": "elb", "resource_id": "x"},
                {"service": "rds", "instance": {"id": 1}}, {"service": "ddm", "end_time_pending": "later"},
                {"service": "cce", "sub_jobs": [{"instance": {"id": "x"}}]}):
        answer = call(emu, "POST", "/_emulator/jobs", bad)
        assert answer.status == 400 and answer.json["error"]["message"], bad


@pytest.mark.parametrize("service, status, body", [
    ("ecs", 400, {"error": {"message": "Failed to query system tasks. (Invalid job ID.)", "code": "Common.0011"}}),
    ("evs", 400, {"error": {"message": "No jobs found.", "code": "Common.0011"}}),
    ("ims", 400, {"error": {"message": "exception during job query", "code": "IMG.0023"}}),
    ("bms", 400, {"error": {"message": "Failed to query system tasks. (Invalid job ID.)", "code": "Common.0011"}}),
    ("vbs", 400, {"error": {"message": "Failed to query the task.", "code": "common.0011"}}),
    ("cce", 404, {"errorCode": "CCE.01404001", "errorMessage": "Resource not found."}),
    ("rds", 400, {"error_code": "DBS.200543", "error_msg": "The job does not exist."}),
    ("dds", 400, {"error_code": "DBS.200543", "error_msg": "The job does not exist."}),
    ("ddm", 400, {"errCode": "DBS.300120", "externalMessage": "Failed to obtain task information."}),
])
def test_family_not_found(emu, service, status, body):
    answer = call(at(emu, service), "GET", family_path(service, "f" * 32), headers=token_auth())
    assert (answer.status, answer.json) == (status, body)
    assert emu.stats()["by_route"] == {service + "_job": 1}


def test_routes_by_service_port(emu):
    # Same documented path, other service (another port, as another host in the real cloud): "not found" there.
    cfw = emu.create_cfw_job(duration=None)["job_id"]
    assert call(at(emu, "ddm"), "GET", "/v3/%s/jobs/%s" % (otc.PROJECT_ID, cfw), headers=token_auth()).json["errCode"] == "DBS.300120"
    assert call(at(emu, "cfw"), "GET", "/v3/%s/jobs/%s" % (otc.PROJECT_ID, cfw), headers=token_auth()).json["data"]["id"] == cfw
    ecs = emu.create_job("ecs", duration=None)["job_id"]
    for other in ("evs", "ims", "bms", "vbs"):
        assert call(at(emu, other), "GET", family_path(other, ecs), headers=token_auth()).status == 400
    rds = emu.create_job("rds", duration=None)["job_id"]
    assert call(at(emu, "dds"), "GET", family_path("dds", rds), headers=token_auth()).status == 400
    assert family_job(emu, "rds", rds)["job"]["id"] == rds
    # ELB and CFW answer on their own ports as well as on the main one; the other families only on their own.
    elb = emu.create_job(duration=None)["job_id"]
    assert call(at(emu, "elb"), "GET", elb_job_path(elb), headers=token_auth()).json["job_id"] == elb
    answer = call(at(emu, "elb"), "POST", lb_path(), {"name": "own-port"}, headers=token_auth())
    assert answer.status == 200 and call(emu, "GET", lb_path(), headers=token_auth()).json["instance_num"] == "1"
    answer = call(emu, "GET", "/v1/%s/jobs/%s" % (otc.PROJECT_ID, ecs), headers=token_auth())
    assert (answer.status, answer.json["error_code"]) == (404, "APIGW.0101")
    # A service port serves its own routes only: no IAM, no other family, no control API.
    assert call(at(emu, "ecs"), "POST", "/v3/auth/tokens", password_body()).status == 404
    assert call(at(emu, "ecs"), "GET", elb_job_path(elb), headers=token_auth()).status == 404
    assert call(at(emu, "ecs"), "GET", "/_emulator/stats").status == 404
    by_route = emu.stats()["by_route"]
    assert by_route["ddm_job"] == 1 and by_route["cfw_job"] == 1 and by_route["elb_create"] == 1 and by_route["unknown"] == 4
    # A job of another project stays invisible; its own project's token sees it.
    other = emu.create_job("cce", project_id=otc.OTHER_PROJECT_ID, duration=None)["job_id"]
    cce = at(emu, "cce")
    answer = call(cce, "GET", family_path("cce", other), headers=token_auth())
    assert answer.status == 404
    emu.register_token("other", project_id=otc.OTHER_PROJECT_ID)
    answer = call(cce, "GET", family_path("cce", other, otc.OTHER_PROJECT_ID), headers=token_auth("other"))
    assert answer.status == 200 and answer.json["metadata"]["uid"] == other
    assert call(cce, "GET", family_path("cce", other, otc.OTHER_PROJECT_ID), headers=token_auth()).status == 403


def test_family_sub_jobs(emu):
    subs = [{"job_id": "sub-1", "resource_id": "r-1"}, {"job_id": "sub-2", "resource_id": "r-2", "outcome": "fail", "fail_reason": "no"}]
    bodies = {service: family_job(emu, service, emu.create_job(service, duration=0, sub_jobs=subs)["job_id"])
              for service in ("ecs", "bms", "evs", "ims", "vbs", "cce")}
    for service in ("ecs", "bms"):
        entities = bodies[service]["entities"]
        assert entities["sub_jobs_total"] == 2 and "server_id" not in entities
        assert [(sub["job_id"], sub["entities"]["server_id"], sub["status"]) for sub in entities["sub_jobs"]] == [
            ("sub-1", "r-1", "SUCCESS"), ("sub-2", "r-2", "FAIL")]
    assert [sub["job_type"] for sub in bodies["ecs"]["entities"]["sub_jobs"]] == ["createSingleServer"] * 2
    assert [sub["job_type"] for sub in bodies["bms"]["entities"]["sub_jobs"]] == ["baremetalSingleCreate"] * 2
    assert [sub["entities"]["volume_id"] for sub in bodies["evs"]["entities"]["sub_jobs"]] == ["r-1", "r-2"]
    assert "sub_jobs_total" not in bodies["evs"]["entities"]
    ims = bodies["ims"]["entities"]
    assert ims["sub_jobs_list"] == ["sub-1", "sub-2"]
    assert [(sub["job_id"], sub["entities"]["image_id"]) for sub in ims["sub_jobs_result"]] == [("sub-1", "r-1"), ("sub-2", "r-2")]
    assert [(sub["entities"]["backup_id"], sub["status"]) for sub in bodies["vbs"]["sub_jobs"]] == [("r-1", "SUCCESS"), ("r-2", "FAIL")]
    assert bodies["vbs"]["fail_reason"] == "no"  # the parent fails like its failing sub-job
    cce = bodies["cce"]["spec"]["subJobs"]
    assert [(sub["kind"], sub["metadata"]["uid"], sub["spec"]["resourceID"], sub["status"]["phase"]) for sub in cce] == [
        ("Job", "sub-1", "r-1", "Success"), ("Job", "sub-2", "r-2", "Failed")]
    assert bodies["cce"]["status"] == {"phase": "Failed", "reason": "no"}
    # No sub-jobs: absent by default (BMS: sub_jobs_total 0 and an empty list); sub_jobs_empty renders the others.
    assert "sub_jobs" not in family_job(emu, "vbs", emu.create_job("vbs", duration=0)["job_id"])
    assert family_job(emu, "vbs", emu.create_job("vbs", duration=0, sub_jobs_empty="list")["job_id"])["sub_jobs"] == []
    ims = family_job(emu, "ims", emu.create_job("ims", duration=0, sub_jobs_empty="null")["job_id"])["entities"]
    assert (ims["sub_jobs_result"], ims["sub_jobs_list"]) == (None, None)
    assert family_job(emu, "cce", emu.create_job("cce", duration=0, sub_jobs_empty="list")["job_id"])["spec"]["subJobs"] == []
    assert "sub_jobs" not in family_job(emu, "ecs", emu.create_job("ecs", duration=0)["job_id"])["entities"]


def test_family_faults_by_route_and_service(emu):
    cce = emu.create_job("cce", duration=None)["job_id"]
    rds = emu.create_job("rds", duration=None)["job_id"]
    ddm = emu.create_job("ddm", duration=None)["job_id"]
    emu.add_fault("unknown_status", status="Pending", match={"route": "cce_job"})
    emu.add_fault("unknown_status", status="Queued", match={"service": "rds"})
    emu.add_fault("status", status=503, match={"job_id": ddm})
    assert family_job(emu, "cce", cce)["status"]["phase"] == "Pending"
    assert family_job(emu, "rds", rds)["job"]["status"] == "Queued"  # the job id in the query string matches too
    assert call(at(emu, "ddm"), "GET", family_path("ddm", ddm), headers=token_auth()).status == 503
    assert family_job(emu, "ddm", ddm)["job"]["status"] == "Running"
    assert call(emu, "POST", "/_emulator/faults", {"kind": "slow", "match": {"route": "ecs_create"}}).status == 201
    assert call(emu, "POST", "/_emulator/faults", {"kind": "slow", "match": {"service": "nova"}}).status == 400
    assert {"iam_projects", "ecs_job", "ecs_create", "evs_create", "cce_create", "rds_create", "dds_create", "ims_job",
            "bms_job", "vbs_job", "dds_job", "ddm_job"} <= set(otc.ROUTES)


def test_new_time_format_values():
    instant = 1641370501.25
    assert otc.format_time(instant, "go_utc") == "2022-01-05 08:15:01.25 +0000 UTC"  # Go trims the fraction's zeros
    assert otc.format_time(1641370501.9999999999, "go_utc") == "2022-01-05 08:15:02 +0000 UTC"
    assert otc.format_time(1641370501.5078125, "go_utc") == "2022-01-05 08:15:01.5078125 +0000 UTC"  # exact in binary
    assert otc.format_time(instant, "utc_compact") == "2022-01-05T08:15:01+0000"
    assert otc.format_time(instant, "cet_compact") == "2022-01-05T09:15:01+0100"


# --- catalog -------------------------------------------------------------------------------------

# catalog type -> (name, service whose port it points at (None: the main port), path below that port's root)
CATALOG_URLS = {
    "ecs": ("ecs", "ecs", "/v1/{p}"), "evs": ("evs", "evs", "/v2/{p}"), "image": ("glance", "ims", ""),
    "bms": ("bms", "bms", "/v1/{p}"), "vbsv2": ("vbsv2", "vbs", "/v2/{p}"), "ccev2.0": ("ccev2.0", "cce", ""),
    "rdsv3": ("rdsv3", "rds", "/v3/{p}"), "ddsv3": ("ddsv3", "dds", "/v3/{p}"), "ddmv3": ("ddmv3", "ddm", "/v3/{p}"),
    "elb": ("elb", "elb", "/v1.0/{p}"), "cfw": ("cfw", "cfw", "/v3/{p}"), "identity": ("iam", None, "/v3"),
}


def catalog_of(emu, project=None):
    token = call(emu, "POST", "/v3/auth/tokens", password_body(project=project)).json["token"]
    return {entry["type"]: entry for entry in token["catalog"]}


def public_url(entry):
    return [endpoint["url"] for endpoint in entry["endpoints"] if endpoint["interface"] == "public"][0]


@pytest.mark.parametrize("mode, placeholder", [("substituted", otc.PROJECT_ID), ("template", "$(tenant_id)s")])
def test_catalog_every_family(emu, mode, placeholder):
    if mode == "template":
        emu.configure(catalog_placeholders="template")
    catalog = catalog_of(emu)
    assert set(catalog) == set(CATALOG_URLS)
    for service_type, (name, service, path) in CATALOG_URLS.items():
        entry = catalog[service_type]
        if service_type == "cfw" and mode == "template":
            placeholder = "%(project_id)s"
        root = emu.service_url(service) if service else emu.url
        assert (entry["name"], public_url(entry)) == (name, root + path.replace("{p}", placeholder)), service_type
        internal = [endpoint for endpoint in entry["endpoints"] if endpoint["interface"] == "internal"]
        assert len(internal) == 1 and not internal[0]["url"].startswith(emu.url)
        assert {endpoint["region"] for endpoint in entry["endpoints"]} == {otc.REGION}


def test_catalog_urls_reach_the_job_routes(emu):
    """A catalog URL less its trailing /v<N>/{project} plus the documented job path is the service's job route."""
    roots = {service_type: re.sub(r"/v\d+(\.\d+)?/[^/]+$", "", public_url(entry)) for service_type, entry in catalog_of(emu).items()}
    types = {"ecs": "ecs", "evs": "evs", "ims": "image", "bms": "bms", "vbs": "vbsv2", "cce": "ccev2.0", "rds": "rdsv3", "dds": "ddsv3", "ddm": "ddmv3"}
    for service, service_type in types.items():
        job_id = emu.create_job(service)["job_id"]
        assert roots[service_type] == emu.service_url(service), service
        assert call(at(emu, service), "GET", family_path(service, job_id), headers=token_auth()).status == 200


def test_catalog_services_and_other_project(emu):
    emu.configure(catalog_services=["rds", "ecs"], catalog_elb=False)
    assert set(catalog_of(emu)) == {"identity", "cfw", "ecs", "rdsv3"}
    assert emu.configure()["catalog_services"] == ["ecs", "rds"]
    emu.configure(catalog_services=None, catalog_cfw_type=None)
    assert set(catalog_of(emu)) == {"identity"}
    emu.reset()
    catalog = catalog_of(emu, project={"id": otc.OTHER_PROJECT_ID})
    assert public_url(catalog["rdsv3"]) == emu.service_url("rds") + "/v3/" + otc.OTHER_PROJECT_ID
    assert {endpoint["region"] for endpoint in catalog["ecs"]["endpoints"]} == {otc.OTHER_REGION}
    for bad in ({"catalog_services": ["nova"]}, {"catalog_services": "ecs"}, {"catalog_placeholders": "both"}):
        assert call(emu, "POST", "/_emulator/config", bad).status == 400, bad


# --- create routes -------------------------------------------------------------------------------

def test_create_ecs_and_evs(emu):
    emu.configure(default_duration=0)
    answer = call(at(emu, "ecs"), "POST", "/v1/%s/cloudservers" % otc.PROJECT_ID, {"server": {"name": "web", "count": 2, "flavorRef": "s3"}},
                  headers=token_auth())
    assert answer.status == 200 and list(answer.json) == ["job_id", "serverIds"]
    assert HEX32.match(answer.json["job_id"]) and len(answer.json["serverIds"]) == 2
    job = family_job(emu, "ecs", answer.json["job_id"])
    assert (job["status"], job["job_type"], job["entities"]["sub_jobs_total"]) == ("SUCCESS", "createServer", 2)
    assert [sub["entities"]["server_id"] for sub in job["entities"]["sub_jobs"]] == answer.json["serverIds"]
    failing = call(at(emu, "ecs"), "POST", "/v1/%s/cloudservers" % otc.PROJECT_ID, {"server": {"name": "fail-web"}}, headers=token_auth()).json
    job = family_job(emu, "ecs", failing["job_id"])
    assert (job["status"], job["error_code"], [sub["status"] for sub in job["entities"]["sub_jobs"]]) == ("FAIL", "Ecs.0013", ["FAIL"])
    answer = call(at(emu, "ecs"), "POST", "/v1/%s/cloudservers" % otc.PROJECT_ID, {"server": {"count": 1}}, headers=token_auth())
    assert (answer.status, answer.json) == (400, {"error": {"message": "request body is illegal.", "code": "Ecs.0005"}})
    volume = {"name": "data", "size": 10, "volume_type": "SSD"}
    answer = call(at(emu, "evs"), "POST", "/v2/%s/cloudvolumes" % otc.PROJECT_ID, {"volume": volume}, headers=token_auth())
    assert answer.status == 200 and list(answer.json) == ["job_id"]
    job = family_job(emu, "evs", answer.json["job_id"])
    assert job["job_type"] == "createVolume" and UUID.match(job["entities"].pop("volume_id")) and job["entities"] == volume
    answer = call(at(emu, "evs"), "POST", "/v2/%s/cloudvolumes" % otc.PROJECT_ID, {"volume": dict(volume, count=2)}, headers=token_auth())
    job = family_job(emu, "evs", answer.json["job_id"])
    assert job["job_type"] == "batchCreateVolume"
    assert [sub["entities"]["name"] for sub in job["entities"]["sub_jobs"]] == ["data-0001", "data-0002"]
    assert call(at(emu, "evs"), "POST", "/v2/%s/cloudvolumes" % otc.PROJECT_ID, b"{nope", headers=token_auth()).json["error"]["code"] == "EMU.400"
    assert emu.stats()["by_route"] == {"ecs_create": 3, "ecs_job": 2, "evs_create": 3, "evs_job": 2}


def test_create_cce_rds_dds(emu):
    emu.configure(default_duration=0.2)
    answer = call(at(emu, "cce"), "POST", "/api/v3/projects/%s/clusters" % otc.PROJECT_ID,
                  {"kind": "Cluster", "apiVersion": "v3", "metadata": {"name": "k8s"}, "spec": {"flavor": "cce.s1.small"}},
                  headers=token_auth())
    assert answer.status == 201
    cluster = answer.json
    assert (cluster["kind"], cluster["metadata"]["name"], cluster["spec"], cluster["status"]["phase"]) == (
        "Cluster", "k8s", {"flavor": "cce.s1.small"}, "Creating")
    assert GO_TIME.match(cluster["metadata"]["creationTimestamp"])
    job = family_job(emu, "cce", cluster["status"]["jobID"])
    assert job["status"]["phase"] == "Initializing"
    assert (job["spec"]["type"], job["spec"]["resourceID"], job["spec"]["clusterUID"], job["spec"]["resourceName"]) == (
        "CreateCluster", cluster["metadata"]["uid"], cluster["metadata"]["uid"], "k8s")
    request = {"name": "db", "datastore": {"type": "MySQL", "version": "8.0"}, "password": "Secret-123", "flavor_ref": "rds.mysql.s1.large"}
    answer = call(at(emu, "rds"), "POST", "/v3/%s/instances" % otc.PROJECT_ID, request, headers=token_auth())
    assert answer.status == 202 and list(answer.json) == ["instance", "job_id"]
    instance = answer.json["instance"]
    assert (instance["name"], instance["status"], instance["datastore"], instance["flavor_ref"]) == ("db", "BUILD", request["datastore"], "rds.mysql.s1.large")
    assert re.match(r"^[0-9a-f]{32}in01$", instance["id"]) and b"Secret-123" not in answer.raw
    job = family_job(emu, "rds", answer.json["job_id"])["job"]
    assert (job["instance"], job["entities"]) == ({"id": instance["id"], "name": "db"}, {"instance": {"datastore": request["datastore"]}})
    answer = call(at(emu, "dds"), "POST", "/v3/%s/instances" % otc.PROJECT_ID, dict(request, name="fail-docs", mode="ReplicaSet"), headers=token_auth())
    assert answer.status == 202 and b"Secret-123" not in answer.raw
    dds = answer.json
    assert (dds["name"], dds["status"], dds["mode"], list(dds)[-1]) == ("fail-docs", "creating", "ReplicaSet", "job_id")
    assert re.match(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$", dds["created"]) and dds["id"].endswith("in02")
    emu.clock.advance(0.25)
    job = family_job(emu, "dds", dds["job_id"])["job"]
    assert (job["status"], job["instance"]["id"], job["fail_reason"]) == ("Failed", dds["id"], "Failed to create the DB instance.")
    answer = call(at(emu, "cce"), "POST", "/api/v3/projects/%s/clusters" % otc.PROJECT_ID, {"metadata": {}}, headers=token_auth())
    assert (answer.status, answer.json["errorCode"]) == (400, "EMU.400")
    assert call(at(emu, "rds"), "POST", "/v3/%s/instances" % otc.PROJECT_ID, [], headers=token_auth()).json["error_code"] == "EMU.400"


# --- AK/SK on the new routes, IAM project lookup, echo -----------------------------------------------

def test_aksk_signs_query_strings(emu):
    job_id = emu.create_job("rds", duration=None)["job_id"]
    other = emu.create_job("rds", duration=None)["job_id"]
    rds = at(emu, "rds")
    path, query = "/v3/%s/jobs" % otc.PROJECT_ID, "id=" + job_id
    headers = signed_headers(rds, "GET", path, query=query, extra={"X-Project-Id": otc.PROJECT_ID})
    answer = call(rds, "GET", path + "?" + query, headers=headers)
    assert answer.status == 200 and answer.json["job"]["id"] == job_id
    # The signature covers the query: another id, or a query left out of the signature, is refused.
    assert call(rds, "GET", path + "?id=" + other, headers=headers).status == 401
    unsigned_query = signed_headers(rds, "GET", path)
    answer = call(rds, "GET", path + "?" + query, headers=unsigned_query)
    assert (answer.status, answer.json["error_msg"]) == (401, "Incorrect IAM authentication information: verify aksk signature fail")
    for service in ("cce", "ddm", "ims"):
        port = at(emu, service)
        job_path = family_path(service, emu.create_job(service)["job_id"])
        assert call(port, "GET", job_path, headers=signed_headers(port, "GET", job_path)).status == 200, service
    body = json.dumps({"server": {"name": "signed"}}).encode()
    ecs, create = at(emu, "ecs"), "/v1/%s/cloudservers" % otc.PROJECT_ID
    headers = signed_headers(ecs, "POST", create, body=body, extra={"Content-Type": "application/json"})
    assert call(ecs, "POST", create, body, headers=headers).status == 200


def test_iam_project_lookup(emu):
    path = "/v3/projects"
    query = "name=" + otc.PROJECT_NAME
    answer = call(emu, "GET", path + "?" + query, headers=signed_headers(emu, "GET", path, query=query))
    assert answer.status == 200
    assert answer.json == {"projects": [{"id": otc.PROJECT_ID, "name": otc.PROJECT_NAME, "domain_id": otc.DOMAIN_ID,
                                         "enabled": True, "description": ""}]}
    temporary = signed_headers(emu, "GET", path, query="name=eu-de_nope", ak=otc.TEMP_ACCESS_KEY, sk=otc.TEMP_SECRET_KEY,
                               extra={"X-Security-Token": otc.SECURITY_TOKEN})
    assert call(emu, "GET", path + "?name=eu-de_nope", headers=temporary).json == {"projects": []}
    answer = call(emu, "GET", path + "?name=" + otc.OTHER_PROJECT_NAME, headers=token_auth())
    assert [project["id"] for project in answer.json["projects"]] == [otc.OTHER_PROJECT_ID]
    assert call(emu, "GET", path + "?" + query).status == 401
    bad = signed_headers(emu, "GET", path, query=query, sk="wrong")
    assert call(emu, "GET", path + "?" + query, headers=bad).status == 401
    stats = emu.stats()
    assert stats["project_lookups"] == 5 and stats["by_route"] == {"iam_projects": 5} and stats["iam_calls"] == 0


def test_fault_echo(emu):
    job_id = emu.create_job("rds", duration=None)["job_id"]
    emu.add_fault("echo", match={"route": "rds_job"})
    answer = call(at(emu, "rds"), "GET", family_path("rds", job_id), headers=token_auth())
    assert answer.status == 400
    for key in ("error_msg", "message", "errorMessage", "externalMessage"):
        assert "X-Auth-Token: " + otc.STATIC_TOKEN in answer.json[key]
    assert otc.STATIC_TOKEN in answer.json["error"]["message"] and "GET /v3/" in answer.json["error_msg"]
    emu.add_fault("echo", match={"route": "iam"}, status=401)
    answer = call(emu, "POST", "/v3/auth/tokens", password_body())
    assert answer.status == 401 and otc.USER_PASSWORD in answer.json["error_msg"]
    emu.add_fault("echo", match={"service": "ecs"})
    path, ecs = family_path("ecs", "x"), at(emu, "ecs")
    headers = signed_headers(ecs, "GET", path, ak=otc.TEMP_ACCESS_KEY, sk=otc.TEMP_SECRET_KEY, extra={"X-Security-Token": otc.SECURITY_TOKEN})
    echoed = call(ecs, "GET", path, headers=headers).json["message"]
    assert headers["Authorization"] in echoed and "X-Security-Token: " + otc.SECURITY_TOKEN in echoed
    assert emu.list_faults() == [] and emu.stats()["by_route"] == {"rds_job": 1, "iam": 1, "ecs_job": 1}
    assert call(emu, "POST", "/_emulator/faults", {"kind": "echo", "status": 99}).status == 400


# --- CLI ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_cli_state_file_and_signals(tmp_path, signum):
    state_file = tmp_path / "emulator.json"
    process = subprocess.Popen([sys.executable, EMULATOR_DIR, "--state-file", str(state_file)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
    try:
        line = process.stdout.readline().strip()
        match = re.match(r"^otc-emulator listening on (http://127\.0\.0\.1:\d+)$", line)
        assert match, line
        state = json.loads(state_file.read_text())
        assert state == {"url": match.group(1), "services": state["services"], "pid": process.pid}
        assert set(state["services"]) == set(otc.SERVICES)
        emulator = otc.Emulator()
        emulator.state.base_url = state["url"]  # call() only needs the URL
        assert call(emulator, "GET", "/_emulator/stats").json["total"] == 0
        process.send_signal(signum)
        assert process.wait(timeout=10) == 0
        assert process.stderr.read() == ""
        assert not state_file.exists()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stdout.close()
        process.stderr.close()


def test_create_and_delete_routes_of_every_family(emu):
    """Every family answers its create and delete on the documented paths, with the job id where its answer puts it."""
    emu.configure(default_duration=0)
    p = otc.PROJECT_ID
    calls = [
        ("cfw", "POST", "/v2/%s/firewall" % p, {"name": "fw"}, 200, ("data", "id")),
        ("cfw", "DELETE", "/v2/%s/firewall/fw1" % p, None, 200, ("data", "id")),
        ("ecs", "POST", "/v1/%s/cloudservers/delete" % p, {"servers": [{"id": "s1"}, {"id": "s2"}]}, 200, ("job_id",)),
        ("evs", "DELETE", "/v2/%s/cloudvolumes/v1" % p, None, 200, ("job_id",)),
        ("ims", "POST", "/v2/cloudimages/action", {"name": "golden", "instance_id": "s1"}, 200, ("job_id",)),
        ("bms", "POST", "/v1/%s/baremetalservers" % p, {"server": {"name": "metal", "count": 2}}, 200, ("job_id",)),
        ("bms", "POST", "/v1/%s/baremetalservers/delete" % p, {"servers": [{"id": "m1"}]}, 200, ("job_id",)),
        ("vbs", "POST", "/v2/%s/cloudbackups" % p, {"backup": {"volume_id": "v1", "name": "nightly"}}, 200, ("job_id",)),
        ("vbs", "POST", "/v2/%s/cloudbackups/b1" % p, None, 200, ("job_id",)),
        ("cce", "DELETE", "/api/v3/projects/%s/clusters/c1" % p, None, 200, ("status", "jobID")),
        ("rds", "DELETE", "/v3/%s/instances/i1" % p, None, 202, ("job_id",)),
        ("dds", "DELETE", "/v3/%s/instances/i2" % p, None, 202, ("job_id",)),
        ("ddm", "POST", "/v1/%s/instances" % p, {"instance": {"name": "ddm"}}, 200, ("job_id",)),
        ("ddm", "DELETE", "/v1/%s/instances/fail-i3" % p, None, 200, ("job_id",)),
    ]
    jobs = {}
    for service, method, path, body, status, place in calls:
        answer = call(at(emu, service), method, path, body, headers=token_auth())
        assert answer.status == status, (service, method, path, answer.json)
        job_id = answer.json
        for key in place:
            job_id = job_id[key]
        jobs[(service, method, path)] = job_id
        if service == "cfw":
            assert call(at(emu, "cfw"), "GET", "/v3/%s/jobs/%s" % (p, job_id), headers=token_auth()).json["data"]["id"] == job_id
        else:
            assert family_job(emu, service, job_id) is not None, (service, path)
    ecs = family_job(emu, "ecs", jobs[calls[2][:3]])
    assert ecs["job_type"] == "deleteServer" and ecs["entities"]["sub_jobs_total"] == 2
    bms = family_job(emu, "bms", jobs[calls[5][:3]])
    assert bms["job_type"] == "baremetalBatchCreate" and len(bms["entities"]["sub_jobs"]) == 2
    assert family_job(emu, "ims", jobs[calls[4][:3]])["job_type"] == "imsCreateImageByInstance"
    assert family_job(emu, "rds", jobs[calls[10][:3]])["job"]["instance"]["id"] == "i1"
    ddm = family_job(emu, "ddm", jobs[calls[13][:3]])["job"]
    assert (ddm["name"], ddm["status"]) == ("DeleteInstance", "Failed")
    assert call(at(emu, "ecs"), "POST", "/v1/%s/cloudservers/delete" % p, {"servers": []}, headers=token_auth()).status == 400
    assert call(at(emu, "vbs"), "POST", "/v2/%s/cloudbackups" % p, {"backup": {"name": "x"}}, headers=token_auth()).status == 400
    assert call(at(emu, "ims"), "POST", "/v2/cloudimages/action", {"name": "x"}).status == 401
    for route in ("cfw_create", "cfw_delete", "ecs_delete", "evs_delete", "ims_create", "bms_create", "bms_delete",
                  "vbs_create", "vbs_delete", "cce_delete", "rds_delete", "dds_delete", "ddm_create", "ddm_delete"):
        assert route in otc.ROUTES


# --- latency and rate limit (issue 20) ---------------------------------------------------------

def test_latency_is_served_in_parallel(real_emu):
    """Latency sleeps in each request's own thread: 40 concurrent requests of 0.3 s take far less than 40 x 0.3 s."""
    emu = real_emu  # real time: the point is how long concurrent requests take on the wall clock
    job_id = emu.create_job(duration=None)["job_id"]
    emu.configure(latency=0.3)
    answers = []
    threads = [threading.Thread(target=lambda: answers.append(call(emu, "GET", elb_job_path(job_id), headers=token_auth()).status))
               for dummy in range(40)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    took = time.monotonic() - began
    assert answers == [200] * 40 and 0.3 <= took < 6.0  # 12 s one after the other


def test_latency_and_slow_faults_sleep_on_the_clock(emu):
    """On a fake clock latency and a slow fault do not block the server thread: they move time, which a test counts."""
    job_id = emu.create_job(duration=None)["job_id"]
    emu.configure(latency=0.25)
    emu.add_fault("slow", delay=2)
    before = emu.clock.now()
    assert [call(emu, "GET", elb_job_path(job_id), headers=token_auth()).status for dummy in range(3)] == [200] * 3
    assert emu.clock.sleeps == [0.25, 2, 0.25, 0.25]
    assert emu.clock.now() - before == 2.75


def test_rate_limit_answers_429_with_retry_after_beyond_it(emu):
    job_id = emu.create_job(duration=None)["job_id"]
    assert call(emu, "POST", "/_emulator/config", {"rate_limit": 5}).json["rate_limit"] == 5
    statuses = [call(emu, "GET", elb_job_path(job_id), headers=token_auth()) for dummy in range(8)]
    codes = [answer.status for answer in statuses]
    assert codes == [200] * 5 + [429] * 3  # no time passes between them on the fake clock
    refused = [answer for answer in statuses if answer.status == 429][0]
    assert refused.headers["Retry-After"] == "1" and refused.json["error_code"] == "APIGW.0308"
    assert emu.stats()["rate_limited"] == codes.count(429)
    # Control calls and IAM are not limited; after a second the bucket is full again.
    assert call(emu, "GET", "/_emulator/stats").status == 200
    emu.clock.advance(1)
    assert [call(emu, "GET", elb_job_path(job_id), headers=token_auth()).status for dummy in range(5)] == [200] * 5
    call(emu, "POST", "/_emulator/config", {"rate_limit": None})
    assert all(call(emu, "GET", elb_job_path(job_id), headers=token_auth()).status == 200 for dummy in range(10))


def test_rate_limit_is_per_project(emu):
    other = [project for project in otc.PROJECTS if project != otc.PROJECT_ID]
    if not other:
        pytest.skip("the emulator knows one project")
    emu.configure(rate_limit=2)
    mine = emu.create_job(duration=None)["job_id"]
    theirs = emu.create_job(duration=None, project_id=other[0])["job_id"]
    emu.register_token("other-token", project_id=other[0])
    assert [call(emu, "GET", elb_job_path(mine), headers=token_auth()).status for dummy in range(3)] == [200, 200, 429]
    assert call(emu, "GET", elb_job_path(theirs, other[0]), headers=token_auth("other-token")).status == 200


@pytest.mark.parametrize("bad", [0, -1, "fast", True])
def test_rate_limit_must_be_positive(emu, bad):
    assert call(emu, "POST", "/_emulator/config", {"rate_limit": bad}).status == 400


def test_cli_latency_and_rate_limit(tmp_path):
    state_file = tmp_path / "emulator.json"
    process = subprocess.Popen([sys.executable, EMULATOR_DIR, "--state-file", str(state_file), "--latency", "0.05",
                                "--rate-limit", "50"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
    try:
        assert process.stdout.readline().startswith("otc-emulator listening on ")
        emulator = otc.Emulator()
        emulator.state.base_url = json.loads(state_file.read_text())["url"]
        config = call(emulator, "GET", "/_emulator/config").json
        assert config["latency"] == 0.05 and config["rate_limit"] == 50
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stdout.close()
        process.stderr.close()


def test_verbose_log_has_the_query_string(capfd):
    """RDS and DDS put the job id in the query: the request log shows it (and never a header)."""
    with otc.Emulator(verbose=True) as emulator:
        job_id = emulator.create_job("rds", duration=None)["job_id"]
        assert call(at(emulator, "rds"), "GET", family_path("rds", job_id), headers=token_auth()).status == 200
    err = capfd.readouterr().err
    assert "[rds] GET /v3/%s/jobs?id=%s -> 200" % (otc.PROJECT_ID, job_id) in err
    assert otc.STATIC_TOKEN not in err
