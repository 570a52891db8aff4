"""The official Huawei Cloud SDK clients read the emulator's jobs, unmodified.

Each ``huaweicloudsdk<service>`` client signs with AK/SK (its own signer, not the collection's nor the emulator's)
against the service's own port, with the documented path at its root, and reads and parses a running, a finished,
a failed and a missing job. They are test requirements (tests/emulator/requirements.txt), installed in the dev venv.
"""

import pytest
from huaweicloudsdkbms.v1 import BmsClient, ShowJobInfosRequest
from huaweicloudsdkcce.v3 import CceClient, ShowJobRequest as CceShowJobRequest
from huaweicloudsdkcfw.v1 import CfwClient, ListJobRequest as CfwListJobRequest
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkcore.http.http_config import HttpConfig
from huaweicloudsdkddm.v1 import DdmClient, ShowDdmJobResultRequest
from huaweicloudsdkdds.v3 import DdsClient, ShowJobDetailRequest
from huaweicloudsdkecs.v2 import EcsClient, ShowJobRequest as EcsShowJobRequest
from huaweicloudsdkevs.v2 import EvsClient, ShowJobRequest as EvsShowJobRequest
from huaweicloudsdkims.v2 import ImsClient, ShowJobRequest as ImsShowJobRequest
from huaweicloudsdkrds.v3 import ListJobInfoRequest, RdsClient

from . import otc_emulator as otc

pytestmark = [
    # IMS marks show_job deprecated, yet it is the documented job API (GET /v1/{project_id}/jobs/{job_id}).
    pytest.mark.filterwarnings("ignore:Method 'show_job' of ImsClient is deprecated:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:datetime.datetime.utcnow:DeprecationWarning"),  # the SDK signer's
]


def _v1_job(response):
    return response.job_id, response.status, response.error_code, response.fail_reason


def _task_job(response):
    job = response.job
    return job.id, job.status, None, getattr(job, "fail_reason", None)


# service -> (client class, request for a job id, (id, status, failure code, failure reason) of the parsed answer)
CLIENTS = {
    "ecs": (EcsClient, lambda job_id: EcsShowJobRequest(job_id=job_id), _v1_job),
    "evs": (EvsClient, lambda job_id: EvsShowJobRequest(job_id=job_id), _v1_job),
    "ims": (ImsClient, lambda job_id: ImsShowJobRequest(job_id=job_id), _v1_job),
    "bms": (BmsClient, lambda job_id: ShowJobInfosRequest(job_id=job_id), _v1_job),
    "cce": (CceClient, lambda job_id: CceShowJobRequest(job_id=job_id),
            lambda response: (response.metadata.uid, response.status.phase, None, response.status.reason or None)),
    "rds": (RdsClient, lambda job_id: ListJobInfoRequest(id=job_id), _task_job),
    "dds": (DdsClient, lambda job_id: ShowJobDetailRequest(id=job_id), _task_job),
    "ddm": (DdmClient, lambda job_id: ShowDdmJobResultRequest(job_id=job_id), _task_job),
    "cfw": (CfwClient, lambda job_id: CfwListJobRequest(job_id=job_id),
            lambda response: (response.data.id, response.data.status, None, None)),
}


@pytest.fixture
def emu(real_emu):
    """These checks read what a client sees, on the real clock (conftest.real_emu)."""
    return real_emu


def sdk_client(emu, service):
    """The service's SDK client on its own port, signing with the emulator's permanent AK/SK."""
    client_class = CLIENTS[service][0]
    config = HttpConfig.get_default_config()
    config.retry_times = 0
    return (client_class.new_builder()
            .with_http_config(config)
            .with_credentials(BasicCredentials(otc.ACCESS_KEY, otc.SECRET_KEY, otc.PROJECT_ID))
            .with_endpoints([emu.service_url(service)])
            .build())


def read(emu, service, job_id):
    dummy, request, parse = CLIENTS[service]
    client = sdk_client(emu, service)
    return parse(getattr(client, _method(request(job_id)))(request(job_id)))


def _method(request):
    """The client method of a request class: ShowJobInfosRequest -> show_job_infos."""
    name = type(request).__name__[:-len("Request")]
    return "".join("_" + char.lower() if char.isupper() else char for char in name).lstrip("_")


# Classic ELB v1 and VBS have no huaweicloudsdk package (none on PyPI).
WITHOUT_SDK = ("elb", "vbs")


def test_every_service_with_an_sdk_has_a_client():
    assert sorted(CLIENTS) == sorted(set(otc.SERVICES) - set(WITHOUT_SDK))


@pytest.mark.parametrize("service", sorted(CLIENTS))
def test_sdk_reads_running_finished_failed_and_missing_jobs(emu, service):
    initial, running, success, failure = otc.FAMILIES[service]["statuses"]
    jobs = {
        "running": emu.create_job(service, duration=None)["job_id"],
        "finished": emu.create_job(service, duration=0)["job_id"],
        "failed": emu.create_job(service, duration=0, outcome="fail")["job_id"],
    }
    job_id, status, dummy, dummy = read(emu, service, jobs["running"])
    assert (job_id, status) in ((jobs["running"], running), (jobs["running"], initial))
    assert read(emu, service, jobs["finished"])[:2] == (jobs["finished"], success)
    job_id, status, code, reason = read(emu, service, jobs["failed"])
    assert (job_id, status) == (jobs["failed"], failure)
    default_code, default_reason = otc.FAMILIES[service]["failure"]
    if code is not None or otc.FAMILIES[service]["shape"] == "v1":
        assert code == default_code
    if service not in ("ddm", "cfw"):  # neither documents a failure detail
        assert reason == default_reason
    with pytest.raises(ClientRequestException) as raised:
        read(emu, service, "f" * 32)
    not_found_status, not_found_code, dummy = otc.FAMILIES[service]["not_found"]
    assert raised.value.status_code == not_found_status
    # The SDK reads {error_code, error_msg} and {code, message} (nested too); it keeps the whole body as the message
    # of DDM's documented {errCode, externalMessage}.
    error = raised.value
    assert error.error_code == not_found_code or (service == "ddm" and not_found_code in error.error_msg)
    assert emu.stats()["by_route"] == {service + "_job": 4}
