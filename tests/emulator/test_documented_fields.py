"""The documented fields the emulator sends (api/job-apis.md), each read by the collection's normalizer.

The normalizer's fallbacks (top-level code/message, a sub-job's errorcode_message, IMS's fraction) are only proven
when a body that carries them goes through it: each test takes the emulator's body as a client receives it.
"""

import copy
import http.client
import json
from urllib.parse import urlsplit

import pytest
# The collection as ansible_collections.otc.jobs: conftest.py puts it on sys.path.
# pylint: disable=import-error
from ansible_collections.otc.jobs.plugins.module_utils.wire._error_body import extract_error
from ansible_collections.otc.jobs.plugins.module_utils.wire._normalize import normalize_job, parse_time
from ansible_collections.otc.jobs.plugins.module_utils.wire._services import job_api

from . import otc_emulator as otc


@pytest.fixture
def emu(real_emu):
    """These checks read what a client sees, on the real clock (conftest.real_emu)."""
    return real_emu


JOB_PATHS = {"cce": "/api/v3/projects/{p}/jobs/{id}", "rds": "/v3/{p}/jobs?id={id}", "dds": "/v3/{p}/jobs?id={id}",
             "ddm": "/v3/{p}/jobs/{id}"}


def job_answer(emu, service, job_id):
    """(HTTP status, decoded body) of the job GET on the service's own port, as documented."""
    path = JOB_PATHS.get(service, "/v1/{p}/jobs/{id}").format(p=otc.PROJECT_ID, id=job_id)
    url = urlsplit(emu.service_url(service))
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=5)
    try:
        connection.request("GET", path, headers={"X-Auth-Token": otc.STATIC_TOKEN})
        response = connection.getresponse()
        return response.status, json.loads(response.read().decode("utf-8"))
    finally:
        connection.close()


def job_body(emu, service, job_id):
    status, body = job_answer(emu, service, job_id)
    assert status == 200, body
    return body


def without(body, *keys):
    """A copy of a job body without ``keys`` at the top level: what a fallback has to make up for."""
    body = copy.deepcopy(body)
    for key in keys:
        body.pop(key, None)
    return body


def test_ecs_failure_code_message_and_sub_job_errorcode_message(emu):
    job = emu.create_job("ecs", duration=0, sub_jobs=[{"outcome": "fail", "error_code": "Ecs.0013", "fail_reason": "flavor sold out"}])
    body = job_body(emu, "ecs", job["job_id"])
    assert (body["status"], body["code"], body["message"]) == ("FAIL", "Ecs.0013", "flavor sold out")
    sub = body["entities"]["sub_jobs"][0]
    assert sub["entities"]["errorcode_message"] == "flavor sold out" and "code" not in sub
    assert normalize_job("ecs", body)["error"] == {"code": "Ecs.0013", "message": "flavor sold out"}
    # The documented fallbacks: code/message when error_code/fail_reason are missing, errorcode_message in a sub-job.
    assert normalize_job("ecs", without(body, "error_code", "fail_reason"))["error"] == {
        "code": "Ecs.0013", "message": "flavor sold out"}
    sub_only = without(sub, "error_code", "fail_reason")
    assert normalize_job("ecs", sub_only)["error"]["message"] == "flavor sold out"
    succeeded = job_body(emu, "ecs", emu.create_job("ecs", duration=0)["job_id"])
    assert "code" not in succeeded and "message" not in succeeded


def test_bms_failure_code_and_message(emu):
    body = job_body(emu, "bms", emu.create_job("bms", duration=0, outcome="fail")["job_id"])
    assert (body["code"], body["message"]) == ("BMS.0017", "EIP quota")
    assert normalize_job("bms", without(body, "error_code", "fail_reason"))["error"] == {"code": "BMS.0017", "message": "EIP quota"}


def test_ims_image_name_current_task_and_progress_fraction(emu):
    running = job_body(emu, "ims", emu.create_job("ims", duration=None)["job_id"])
    entities = running["entities"]
    assert entities["image_name"] and entities["image_id"]
    assert entities["current_task"] == "imsCreateImageByInstance"
    assert isinstance(entities["process_percent"], float) and 0 <= entities["process_percent"] < 1
    assert normalize_job("ims", running)["progress"] == int(entities["process_percent"] * 100 + 1e-9)
    emu.reset()
    job = emu.create_job("ims", duration=10)
    emu.state.jobs[("ims", job["job_id"])].begin_mono -= 6  # 60 % of the way, without waiting
    assert job_body(emu, "ims", job["job_id"])["entities"]["process_percent"] == 0.6
    assert normalize_job("ims", job_body(emu, "ims", job["job_id"]))["progress"] == 60
    done = job_body(emu, "ims", emu.create_job("ims", duration=0)["job_id"])
    assert (done["entities"]["process_percent"], done["entities"]["current_task"]) == (1, "")
    normalized = normalize_job("ims", done)
    assert (normalized["state"], normalized["progress"]) == ("success", 100)
    assert normalized["resource_ids"] == [done["entities"]["image_id"]]


def test_cce_resource_name_extend_param_and_sub_jobs(emu):
    job = emu.create_job("cce", duration=0, sub_jobs=[{}, {}])
    body = job_body(emu, "cce", job["job_id"])
    spec = body["spec"]
    assert spec["resourceID"] == job["resource_id"] and spec["resourceName"] and spec["extendParam"]["serverID"]
    subs = spec["subJobs"]
    assert [sub["spec"]["type"] for sub in subs] == ["InstallMaster", "CreatePSMCert"]
    assert all(sub["spec"]["resourceID"] and sub["spec"]["clusterUID"] == spec["clusterUID"] for sub in subs)
    normalized = normalize_job("cce", body)
    assert [sub["job_type"] for sub in normalized["sub_jobs"]] == ["InstallMaster", "CreatePSMCert"]
    assert normalized["resource_ids"] == [spec["resourceID"]] + [sub["spec"]["resourceID"] for sub in subs]


def test_go_times_with_a_trimmed_fraction_parse(emu):
    emu.create_job("cce", duration=0)
    for fraction in ("", ".5", ".672772389", ".25"):
        stamp = "2020-02-02 08:12:40%s +0000 UTC" % fraction
        assert parse_time(stamp) is not None, stamp
    body = job_body(emu, "cce", emu.create_job("cce", duration=0)["job_id"])
    normalized = normalize_job("cce", body)
    assert normalized["begin_time"] and normalized["end_time"]
    assert not body["metadata"]["creationTimestamp"].split(" ")[1].endswith("0")  # Go trims the fraction's zeros


def test_vbs_volume_and_snapshot_ids(emu):
    job = emu.create_job("vbs", duration=0)
    entities = job_body(emu, "vbs", job["job_id"])["entities"]
    assert list(entities) == ["backup_id", "volume_id", "snapshot_id"] and entities["backup_id"] == job["resource_id"]
    assert normalize_job("vbs", job_body(emu, "vbs", job["job_id"]))["resource_ids"] == [job["resource_id"]]


def test_ddm_not_found_is_a_ddm_error_body(emu):
    """DDM documents no answer for a missing job; its error body is {errCode, externalMessage} (DBS.300120 inferred)."""
    status, body = job_answer(emu, "ddm", "f" * 32)
    assert (status, body) == (400, {"errCode": "DBS.300120", "externalMessage": "Failed to obtain task information."})
    api = job_api("ddm")
    code, message = extract_error(body, shapes=api.error_shapes)
    assert (code, message) == ("DBS.300120", "Failed to obtain task information.") and api.is_not_found(status, code)
