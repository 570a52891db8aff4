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
from urllib.parse import quote

import pytest

from . import otc_emulator as otc

EMULATOR_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "otc_emulator.py")
ISO_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
ELB_KEYS = ["status", "entities", "job_id", "job_type", "begin_time", "end_time", "error_code", "fail_reason"]


@pytest.fixture(scope="module")
def server():
    with otc.Emulator() as emulator:
        yield emulator


@pytest.fixture
def emu(server):
    server.reset()
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
    """Sign like the API gateway expects; ``unsigned`` headers are sent but left out of SignedHeaders."""
    headers = {"Host": emu.url.split("//")[1], "X-Sdk-Date": date or time.strftime(otc.SDK_DATE_FORMAT, time.gmtime())}
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
    before = time.time()
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
    for service, url in (("elb", "/v1.0/$(tenant_id)s"), ("cfw", "/v3/%(project_id)s"), ("identity", "/v3")):
        endpoints = catalog[service]["endpoints"]
        public = [endpoint for endpoint in endpoints if endpoint["interface"] == "public"]
        assert [endpoint["url"] for endpoint in public] == [emu.url + url]
        assert {endpoint["region"] for endpoint in endpoints} == {otc.REGION}
        assert any(endpoint["interface"] == "internal" and not endpoint["url"].startswith(emu.url) for endpoint in endpoints)
    stats = emu.stats()
    assert stats["iam_calls"] == 1 and stats["by_route"] == {"iam": 1}
    # The token lifetime defaults to 24 h.
    expires = datetime.datetime.strptime(token["expires_at"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc)
    assert abs(expires.timestamp() - before - 86400) < 5


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
    emu.configure(catalog_cfw_type="cfwv3", catalog_elb=False)
    catalog = call(emu, "POST", "/v3/auth/tokens", password_body()).json["token"]["catalog"]
    assert {entry["type"] for entry in catalog} == {"identity", "cfwv3"}
    cfw = [entry for entry in catalog if entry["type"] == "cfwv3"][0]
    assert emu.url + "/v3/%(tenant_id)s" in [endpoint["url"] for endpoint in cfw["endpoints"]]
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
    emu.configure(token_ttl=0.3)
    token = issue_token(emu)
    job = emu.create_job(duration=None)
    assert call(emu, "GET", elb_job_path(job["job_id"]), headers=token_auth(token)).status == 200
    answer = call(emu, "POST", "/_emulator/tokens", {"token": "short-lived", "expires_in": 0.3})
    assert answer.status == 201
    assert call(emu, "GET", elb_job_path(job["job_id"]), headers=token_auth("short-lived")).status == 200
    time.sleep(0.35)
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


@pytest.mark.parametrize("case", ["bad_signature", "tampered_body", "old_date", "unknown_key", "host_unsigned", "unsigned_header_missing"])
def test_aksk_refusals(emu, case):
    body = json.dumps({"name": "lb"}).encode()
    sign = {"body": body, "extra": {"Content-Type": "application/json"}}
    if case == "old_date":
        sign["date"] = time.strftime(otc.SDK_DATE_FORMAT, time.gmtime(time.time() - 16 * 60))
    if case == "unknown_key":
        sign["ak"] = "AKUNKNOWN00000000000"
    headers = signed_headers(emu, "POST", lb_path(), **sign)
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
    time.sleep(0.2)
    assert elb_job(emu, job_id)["status"] == "RUNNING"
    time.sleep(0.85)
    done = elb_job(emu, job_id)
    assert done["status"] == "SUCCESS"
    assert ISO_MS.match(done["end_time"]) and done["end_time"] > done["begin_time"]
    elb = done["entities"]["elb"]
    assert set(elb) == {"id", "name", "type", "status", "bandwidth", "vip_address", "tenant_id", "admin_state_up", "vpc_id"}
    assert (elb["name"], elb["bandwidth"], elb["tenant_id"], elb["status"]) == ("web", 5, otc.PROJECT_ID, "ACTIVE")
    assert call(emu, "GET", lb_path(elb["id"]), headers=token_auth()).json["status"] == "ACTIVE"
    view = emu.get_job(job_id)
    assert view["finished"] and abs(view["finishes_at"] - view["created_at"] - 1.0) < 0.01


def test_elb_fail_name_and_delete(emu):
    emu.configure(default_duration=0.2)
    failing = call(emu, "POST", lb_path(), {"name": "fail-quota"}, headers=token_auth()).json["job_id"]
    good = call(emu, "POST", lb_path(), {"name": "good"}, headers=token_auth()).json["job_id"]
    good_lb = elb_job(emu, good)["entities"]
    assert good_lb == {}
    lb_id = [lb["id"] for lb in call(emu, "GET", lb_path(), headers=token_auth()).json["loadbalancers"] if lb["name"] == "good"][0]
    assert call(emu, "DELETE", lb_path(lb_id), headers=token_auth()).status == 409  # still being created
    time.sleep(0.25)
    failed = elb_job(emu, failing)
    assert (failed["status"], failed["error_code"], failed["fail_reason"]) == ("FAIL", "ELB.8902", "Insufficient EIP quota for the load balancer.")
    assert failed["entities"] == {}
    assert elb_job(emu, good)["entities"]["elb"]["id"] == lb_id
    answer = call(emu, "DELETE", lb_path(lb_id), headers=token_auth())
    assert answer.status == 200
    delete_job = elb_job(emu, answer.json["job_id"])
    assert delete_job["job_type"] == "deleteELB"
    assert call(emu, "GET", lb_path(lb_id), headers=token_auth()).json["status"] == "PENDING_DELETE"
    time.sleep(0.25)
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
    time.sleep(0.25)
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
    time.sleep(0.25)
    body = elb_job(emu, job["job_id"])
    # The parent fails like its failing sub-job when no outcome is given.
    assert (body["status"], body["error_code"], body["fail_reason"]) == ("FAIL", "ELB.2001", "Listener port in use.")
    subs = body["sub_jobs"]
    assert [sub["status"] for sub in subs] == ["SUCCESS", "FAIL"]
    assert [sub["job_type"] for sub in subs] == ["createListener", "addMember"]
    assert all(list(sub) == ELB_KEYS for sub in subs)


def test_late_appearing_jobs(emu):
    elb = emu.create_job(appear_after=0.3, duration=0.1)
    cfw = emu.create_cfw_job(appear_after=0.3, duration=0.1)
    assert abs(elb["finishes_at"] - elb["created_at"] - 0.4) < 0.01
    assert call(emu, "GET", elb_job_path(elb["job_id"]), headers=token_auth()).status == 404
    assert call(emu, "GET", cfw_job_path(cfw["job_id"]), headers=token_auth()).status == 400
    time.sleep(0.3)
    assert elb_job(emu, elb["job_id"])["status"] in ("INIT", "RUNNING")
    assert cfw_job(emu, cfw["job_id"])["status"] == "Running"


def test_scripted_statuses(emu):
    job = emu.create_cfw_job(statuses=[["QUEUED", 0.15], ["Running", 0.15], ["Success", None]])
    assert abs(job["finishes_at"] - job["created_at"] - 0.3) < 0.01
    seen = [cfw_job(emu, job["job_id"])]
    time.sleep(0.2)
    seen.append(cfw_job(emu, job["job_id"]))
    time.sleep(0.15)
    seen.append(cfw_job(emu, job["job_id"]))
    assert [data["status"] for data in seen] == ["QUEUED", "Running", "Success"]
    assert seen[1]["end_time"] is None and seen[2]["end_time"] - seen[2]["begin_time"] == 300


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


def test_fault_slow(emu):
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
    assert elb_job(emu, elb)["status"] in ("INIT", "RUNNING")


def test_fault_expire_token(emu):
    job_id = emu.create_job(duration=None)["job_id"]
    token = issue_token(emu)
    emu.add_fault("expire_token")
    answer = call(emu, "GET", elb_job_path(job_id), headers=token_auth(token))
    assert (answer.status, answer.json["error_code"]) == (401, "APIGW.0307")
    assert call(emu, "GET", elb_job_path(job_id), headers=token_auth(token)).status == 401
    assert call(emu, "GET", elb_job_path(job_id), headers=token_auth(issue_token(emu))).status == 200


# --- counters, keep-alive, control API -----------------------------------------------------------

def test_stats_and_peak_in_flight(emu):
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
    for bad in ({"service": "ecs"}, {"durations": 1}, {"statuses": [["Running", None], ["Success", None]]},
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
    monkeypatch.setattr(emu.state, "cfw_job", broken)
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
    time.sleep(0.1)
    assert emu.get_job("chunk")["service"] == "elb"
    assert capfd.readouterr().err == ""


def test_import_by_file_path():
    spec = importlib.util.spec_from_file_location("otc_emulator_by_path", EMULATOR_FILE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with module.Emulator() as emulator:
        assert emulator.url.startswith("http://127.0.0.1:")
    assert emulator.url  # the URL stays readable after stop


# --- CLI ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_cli_state_file_and_signals(tmp_path, signum):
    state_file = tmp_path / "emulator.json"
    process = subprocess.Popen([sys.executable, EMULATOR_FILE, "--state-file", str(state_file)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
    try:
        line = process.stdout.readline().strip()
        match = re.match(r"^otc-emulator listening on (http://127\.0\.0\.1:\d+)$", line)
        assert match, line
        state = json.loads(state_file.read_text())
        assert state == {"url": match.group(1), "pid": process.pid}
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
