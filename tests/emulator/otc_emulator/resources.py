"""What the create and delete routes of each family answer, and the job they start."""

import collections
import datetime
import uuid

from .jobs import new_resource_id
from .times import format_time


def valid_name(value):
    return isinstance(value, str) and bool(value)


def _valid_count(value):
    return not isinstance(value, bool) and isinstance(value, int) and 1 <= value <= 100


def _create_ecs(payload):
    """POST /v1/{p}/cloudservers {"server": {"name", "count", ...}} -> 200 {"job_id", "serverIds"}.

    A createServer job with one createSingleServer sub-job per server, each holding its server_id.
    """
    server = payload.get("server")
    if not isinstance(server, dict) or not valid_name(server.get("name")) or not _valid_count(server.get("count", 1)):
        return None
    server_ids = [str(uuid.uuid4()) for dummy in range(server.get("count", 1))]
    spec = {"job_type": "createServer",
            "sub_jobs": [{"job_type": "createSingleServer", "resource_id": server_id} for server_id in server_ids]}
    return server["name"], 200, spec, lambda job_id, created: collections.OrderedDict([("job_id", job_id), ("serverIds", server_ids)])


def _create_evs(payload):
    """POST /v2/{p}/cloudvolumes {"volume": {"name", "size", "volume_type", "count"}} -> 200 {"job_id"}.

    One disk: a createVolume job whose entities hold volume_id, name, size, volume_type; several: a
    batchCreateVolume job with one createVolume sub-job per disk, named name-0001, name-0002, ...
    """
    volume = payload.get("volume")
    if not isinstance(volume, dict) or not valid_name(volume.get("name")) or not _valid_count(volume.get("count", 1)):
        return None
    details = collections.OrderedDict((key, volume[key]) for key in ("name", "size", "volume_type") if key in volume)
    count = volume.get("count", 1)
    if count == 1:
        spec = {"job_type": "createVolume", "entities": details}
    else:
        spec = {"job_type": "batchCreateVolume",
                "sub_jobs": [{"job_type": "createVolume", "entities": dict(details, name="%s-%04d" % (volume["name"], index))}
                             for index in range(1, count + 1)]}
    return volume["name"], 200, spec, lambda job_id, created: {"job_id": job_id}


def _create_cce(payload):
    """POST /api/v3/projects/{p}/clusters {"kind": "Cluster", "metadata": {"name"}, "spec"} -> 201 the cluster.

    The answer carries metadata.uid (the cluster id, also the job's spec.clusterUID and resourceID) and status.jobID.
    """
    metadata = payload.get("metadata")
    if not isinstance(metadata, dict) or not valid_name(metadata.get("name")):
        return None
    name, cluster_id = metadata["name"], str(uuid.uuid4())
    spec = {"job_type": "CreateCluster", "resource_id": cluster_id, "entities": {"resourceName": name}}

    def respond(job_id, created):
        stamp = format_time(created, "go_utc")
        return collections.OrderedDict([
            ("kind", "Cluster"),
            ("apiVersion", "v3"),
            ("metadata", collections.OrderedDict([("name", name), ("uid", cluster_id), ("creationTimestamp", stamp),
                                                  ("updateTimestamp", stamp), ("annotations", {"jobid": job_id})])),
            ("spec", payload.get("spec") if isinstance(payload.get("spec"), dict) else {}),
            ("status", collections.OrderedDict([("phase", "Creating"), ("jobID", job_id)])),
        ])
    return name, 201, spec, respond


def _echoed(payload, skip):
    """The request's fields a create answer repeats: never the password."""
    return [(key, value) for key, value in payload.items() if key not in skip and key != "password"]


def _create_rds(payload):
    """POST /v3/{p}/instances {"name", "datastore", ...} -> 202 {"instance": {"id", "name", "status": "BUILD", ...}, "job_id"}."""
    if not valid_name(payload.get("name")):
        return None
    name, instance_id = payload["name"], new_resource_id("rds")
    spec = {"instance": {"id": instance_id, "name": name}}
    if isinstance(payload.get("datastore"), dict):
        spec["entities"] = {"instance": {"datastore": payload["datastore"]}}

    def respond(job_id, created):
        instance = collections.OrderedDict([("id", instance_id), ("name", name), ("status", "BUILD")])
        instance.update(_echoed(payload, instance))
        return collections.OrderedDict([("instance", instance), ("job_id", job_id)])
    return name, 202, spec, respond


def _create_dds(payload):
    """POST /v3/{p}/instances {"name", "datastore", "mode", ...} -> 202 {"id", "name", ..., "status": "creating", "job_id"}."""
    if not valid_name(payload.get("name")):
        return None
    name, instance_id = payload["name"], new_resource_id("dds")
    spec = {"instance": {"id": instance_id, "name": name}}

    def respond(job_id, created):
        answer = collections.OrderedDict([("id", instance_id), ("name", name)])
        if "datastore" in payload:
            answer["datastore"] = payload["datastore"]
        answer["created"] = datetime.datetime.fromtimestamp(created, tz=datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
        answer["status"] = "creating"
        answer.update(_echoed(payload, answer))
        answer["job_id"] = job_id
        return answer
    return name, 202, spec, respond


def _create_cfw(payload):
    """POST /v2/{p}/firewall {"name", ...} -> 200 {"data": {"id": <job id>, "name"}} (the job id where otc.jobs reads it)."""
    if not valid_name(payload.get("name")):
        return None
    name = payload["name"]
    return name, 200, {}, lambda job_id, created: {"data": collections.OrderedDict([("id", job_id), ("name", name)])}


def _create_ims(payload):
    """POST /v2/cloudimages/action {"name", "instance_id", ...} -> 200 {"job_id"}: an imsCreateImageByInstance job."""
    if not valid_name(payload.get("name")):
        return None
    spec = {"job_type": "imsCreateImageByInstance", "entities": {"image_name": payload["name"]}}
    return payload["name"], 200, spec, lambda job_id, created: {"job_id": job_id}


def _create_bms(payload):
    """POST /v1/{p}/baremetalservers {"server": {"name", "count"}} -> 200 {"job_id", "order_id": null}.

    A baremetalBatchCreate job with one baremetalSingleCreate sub-job (and server_id) per server.
    """
    server = payload.get("server")
    if not isinstance(server, dict) or not valid_name(server.get("name")) or not _valid_count(server.get("count", 1)):
        return None
    spec = {"job_type": "baremetalBatchCreate",
            "sub_jobs": [{"job_type": "baremetalSingleCreate"} for dummy in range(server.get("count", 1))]}
    return server["name"], 200, spec, lambda job_id, created: collections.OrderedDict([("job_id", job_id), ("order_id", None)])


def _create_vbs(payload):
    """POST /v2/{p}/cloudbackups {"backup": {"volume_id", "name"}} -> 200 {"job_id"}: a bksCreateBackup job."""
    backup = payload.get("backup")
    if not isinstance(backup, dict) or not valid_name(backup.get("name")) or not valid_name(backup.get("volume_id")):
        return None
    spec = {"job_type": "bksCreateBackup", "entities": {"volume_id": backup["volume_id"]}}
    return backup["name"], 200, spec, lambda job_id, created: {"job_id": job_id}


def _create_ddm(payload):
    """POST /v1/{p}/instances {"instance": {"name", ...}} -> 200 {"id", "name", "job_id"} (gopher ddm/v1)."""
    instance = payload.get("instance")
    if not isinstance(instance, dict) or not valid_name(instance.get("name")):
        return None
    name, instance_id = instance["name"], new_resource_id("ddm")
    spec = {"instance": {"id": instance_id, "name": name}}
    return name, 200, spec, lambda job_id, created: collections.OrderedDict([("id", instance_id), ("name", name), ("job_id", job_id)])


CREATORS = {"cfw": _create_cfw, "ecs": _create_ecs, "evs": _create_evs, "ims": _create_ims, "bms": _create_bms,
            "vbs": _create_vbs, "cce": _create_cce, "rds": _create_rds, "dds": _create_dds, "ddm": _create_ddm}


def _cce_deleted(job_id, cluster_id):
    return collections.OrderedDict([
        ("kind", "Cluster"), ("apiVersion", "v3"),
        ("metadata", collections.OrderedDict([("uid", cluster_id)])),
        ("status", collections.OrderedDict([("phase", "Deleting"), ("jobID", job_id)])),
    ])


# service -> (job type, HTTP status, answer(job_id, resource id)) of its delete route
DELETERS = {
    "cfw": ("deleteFirewall", 200, lambda job_id, rid: {"data": collections.OrderedDict([("id", job_id), ("name", rid)])}),
    "ecs": ("deleteServer", 200, lambda job_id, rid: {"job_id": job_id}),
    "evs": ("deleteVolume", 200, lambda job_id, rid: {"job_id": job_id}),
    "bms": ("baremetalBatchDelete", 200, lambda job_id, rid: {"job_id": job_id}),
    "vbs": ("bksDeleteBackup", 200, lambda job_id, rid: {"job_id": job_id}),
    "cce": ("DeleteCluster", 200, _cce_deleted),
    "rds": ("DeleteInstance", 202, lambda job_id, rid: {"job_id": job_id}),
    "dds": ("Delete_MongoDB", 202, lambda job_id, rid: {"job_id": job_id}),
    "ddm": ("DeleteInstance", 200, lambda job_id, rid: {"job_id": job_id}),
}


def job_reference(project_id, job_id):
    return collections.OrderedDict([("uri", "/v1/%s/jobs/%s" % (project_id, job_id)), ("job_id", job_id)])
