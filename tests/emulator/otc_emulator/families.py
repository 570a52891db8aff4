"""Everything the emulator knows about each job family (``FAMILIES``), from api/job-apis.md."""

import collections

# ELB load balancers whose name starts with this prefix get a failing createELB job.
FAIL_PREFIX = "fail-"
ELB_FAIL_CODE = "ELB.8902"
ELB_FAIL_REASON = "Insufficient EIP quota for the load balancer."

# Error codes the emulator chose where the documents give none.
ELB_CODE_BAD_REQUEST = "ELB.1101"
ELB_CODE_JOB_NOT_FOUND = "ELB.1102"
ELB_CODE_LB_NOT_FOUND = "ELB.1103"
ELB_CODE_CONFLICT = "ELB.1104"
CFW_CODE_JOB_NOT_FOUND = "CFW.00200005"

# The job families of SPEC section 2b, besides ELB and CFW, in the order of api/job-apis.md.
FAMILY_SERVICES = ("ecs", "evs", "ims", "bms", "vbs", "cce", "rds", "dds", "ddm")
# Key orders of the v1 job body (ELB-shaped), as the documents' examples list them.
_ELB_KEYS = ("status", "entities", "job_id", "job_type", "begin_time", "end_time", "error_code", "fail_reason")
# ECS and BMS also document top-level "message" and "code" (sent by the emulator on failure only).
_ECS_KEYS = ("status", "job_id", "job_type", "begin_time", "end_time", "error_code", "fail_reason", "entities", "message",
             "code")
_IMS_KEYS = ("job_id", "job_type", "status", "begin_time", "end_time", "error_code", "fail_reason", "entities")

# Everything the emulator knows about each job family, from api/job-apis.md (the truth for these facts).
# Facts the documents leave open are marked "inferred" here and in the README.
#   shape            body builder: "v1" (ELB-shaped), "cfw" ({"data": ...}), "cce" (v3 Job object), "task" ({"job": ...})
#   job_path         documented job GET path; "{p}" is the project id, "{id}" the job id ("?id=" puts it in the query)
#   routes           (method, path, route name) of the family's other routes (ELB load balancers, create routes)
#   catalog          (type, name, path) of the token catalog entry below the service's own root URL ("": host
#                    only); None: ELB and CFW, whose entries follow the catalog_elb and catalog_cfw_type config keys
#   statuses         (initial or None, running, success, failure)
#   id_style         new job ids: "hex" (32 hex digits) or "uuid"
#   time_format      default time_format; end_time_pending: what the end time holds while a job runs
#   job_type         default job_type (CCE spec.type, RDS/DDS/DDM name); sub_job_type: the sub-jobs' default (None: the
#                    parent's; a tuple: taken in turn, as CCE's sub-jobs each have their own type)
#   sub_jobs_at      where sub-jobs live: "top" (sub_jobs), "entities" (entities.sub_jobs), "entities_total" (plus
#                    entities.sub_jobs_total), "entities_result" (entities.sub_jobs_result + sub_jobs_list), "cce"
#                    (spec.subJobs), "hidden" (accepted, not shown: CFW as before), None (refused)
#   sub_jobs_empty   default rendering of an empty sub-job list (SUB_JOBS_EMPTY)
#   resource         v1: the entities key of the resource id; resource_default: which jobs get a generated one,
#                    "leaf" (jobs without sub-jobs), "top" (the top-level job), "all" or None
#   entity_defaults  (key, kind) of documented entities (CCE: spec keys) a job gets unless given: kind "uuid", "name"
#                    (<service>-<4 id digits>) or "server" ({"serverID": uuid}); entity_defaults_for says which
#                    jobs: "resource" (those with a resource id) or "top"
#   failure_fields   v1: the body's documented top-level "message" and "code", on failure (ECS, BMS)
#   sub_job_failure  v1: the entities key of a failed sub-job's reason (ECS errorcode_message)
#   progress         v1: the entities key of the progress fraction 0-1 (IMS process_percent); task_key: the entities
#                    key of the current task's name, "" once finished (IMS current_task)
#   instance_suffix  task family: generated instance ids are 32 hex digits plus this (as the documents' examples)
#   failure          default (error_code, fail_reason) of a failing job; where a family has no code the code is unused
#   not_found        (HTTP status, code, message) of a missing job; error_shape: how errors are written (_ERROR_SHAPES)
#   bad_request      (code, message) for a malformed create body
FAMILIES = collections.OrderedDict([
    ("elb", {
        "shape": "v1", "job_path": "/v1.0/{p}/jobs/{id}", "catalog": None,
        "routes": (("POST", "/v1.0/{p}/elbaas/loadbalancers", "elb_create"), ("GET", "/v1.0/{p}/elbaas/loadbalancers", "elb_list"),
                   ("GET", "/v1.0/{p}/elbaas/loadbalancers/{lb}", "elb_get"),
                   ("DELETE", "/v1.0/{p}/elbaas/loadbalancers/{lb}", "elb_delete")),
        "statuses": ("INIT", "RUNNING", "SUCCESS", "FAIL"), "id_style": "hex", "time_format": "iso_fraction",
        "end_time_pending": "null", "job_type": "createELB", "sub_job_type": None, "keys": _ELB_KEYS,
        "entities_pending": False,  # ELB shows its entities only once the job succeeded
        "sub_jobs_at": "top", "sub_jobs_empty": "absent", "resource": None, "resource_default": None,
        "failure": (ELB_FAIL_CODE, ELB_FAIL_REASON),
        "not_found": (404, ELB_CODE_JOB_NOT_FOUND, "Job {job_id} does not exist."), "error_shape": "nested",
        "bad_request": (ELB_CODE_BAD_REQUEST, "Invalid request: a JSON object with a non-empty 'name' is required."),
    }),
    ("cfw", {
        "shape": "cfw", "job_path": "/v3/{p}/jobs/{id}", "catalog": None,
        # Create and delete answer {"data": {"id": <job id>, "name"}} (the place otc.jobs reads; paths inferred).
        "routes": (("POST", "/v2/{p}/firewall", "cfw_create"), ("DELETE", "/v2/{p}/firewall/{rid}", "cfw_delete")),
        "bad_request": ("CFW.00100001", "The request body must have a non-empty name."),
        "statuses": (None, "Running", "Success", "Failed"), "id_style": "uuid", "time_format": "ms",
        "end_time_pending": "null", "job_type": None, "sub_job_type": None,
        "sub_jobs_at": "hidden", "sub_jobs_empty": "absent", "resource": None, "resource_default": None,
        "failure": (ELB_FAIL_CODE, ELB_FAIL_REASON),
        "not_found": (400, CFW_CODE_JOB_NOT_FOUND, "Job does not exist."), "error_shape": "flat",
    }),
    ("ecs", {
        "shape": "v1", "job_path": "/v1/{p}/jobs/{id}", "catalog": ("ecs", "ecs", "/v1/{p}"),
        "routes": (("POST", "/v1/{p}/cloudservers", "ecs_create"), ("POST", "/v1/{p}/cloudservers/delete", "ecs_delete")),
        "statuses": ("INIT", "RUNNING", "SUCCESS", "FAIL"), "id_style": "hex", "time_format": "iso_fraction",
        "end_time_pending": "null",  # the documents do not say what end_time holds while running
        "job_type": "createServer", "sub_job_type": "createSingleServer", "keys": _ECS_KEYS,
        "failure_fields": True, "sub_job_failure": "errorcode_message",
        "sub_jobs_at": "entities_total", "sub_jobs_empty": "absent", "resource": "server_id", "resource_default": "leaf",
        "failure": ("Ecs.0013", "Insufficient EIP quota."),  # code chosen by the emulator
        "not_found": (400, "Common.0011", "Failed to query system tasks. (Invalid job ID.)"), "error_shape": "nested",
        "bad_request": ("Ecs.0005", "request body is illegal."),
    }),
    ("evs", {
        "shape": "v1", "job_path": "/v1/{p}/jobs/{id}", "catalog": ("evs", "evs", "/v2/{p}"),
        "routes": (("POST", "/v2/{p}/cloudvolumes", "evs_create"), ("DELETE", "/v2/{p}/cloudvolumes/{rid}", "evs_delete")),
        "statuses": ("INIT", "RUNNING", "SUCCESS", "FAIL"), "id_style": "hex", "time_format": "iso_fraction",
        "end_time_pending": "empty",  # the documented running example has "end_time": ""
        "job_type": "createVolume", "sub_job_type": "createVolume", "keys": _ELB_KEYS,
        "sub_jobs_at": "entities", "sub_jobs_empty": "absent", "resource": "volume_id", "resource_default": "leaf",
        "failure": ("EVS.2024", "The disk quota is insufficient."),  # code chosen by the emulator
        "not_found": (400, "Common.0011", "No jobs found."), "error_shape": "nested",
        "bad_request": ("EMU.400", "The request body must be {\"volume\": {\"name\": ...}}."),
    }),
    ("ims", {
        "shape": "v1", "job_path": "/v1/{p}/jobs/{id}", "catalog": ("image", "glance", ""),
        # IMS creates images at /v2/cloudimages/action, without a project in the path (the token's project);
        # deleting an image is synchronous (no job), so there is no delete route.
        "routes": (("POST", "/v2/cloudimages/action", "ims_create"),),
        "bad_request": ("IMG.0001", "The request body must have a non-empty name."),
        "statuses": ("INIT", "RUNNING", "SUCCESS", "FAIL"), "id_style": "hex", "time_format": "iso_fraction",
        "end_time_pending": "null", "job_type": "imsCreateImageByInstance", "sub_job_type": None, "keys": _IMS_KEYS,
        # entities.process_percent (a Double, 1 once finished) and current_task ("" once finished), as the IMS
        # reference's "Querying the Progress of an Asynchronous Job" documents them; the running task's name is the
        # emulator's choice (the job type). image_name beside image_id as in every documented example.
        "progress": "process_percent", "task_key": "current_task",
        "entity_defaults": (("image_name", "name"),), "entity_defaults_for": "resource",
        "sub_jobs_at": "entities_result", "sub_jobs_empty": "absent", "resource": "image_id", "resource_default": "leaf",
        "failure": ("IMG.0012", "Failed to create the image."),  # code chosen by the emulator
        # No code is documented for a missing job: IMG.0023 is the closest (inferred).
        "not_found": (400, "IMG.0023", "exception during job query"), "error_shape": "nested",
    }),
    ("bms", {
        "shape": "v1", "job_path": "/v1/{p}/jobs/{id}", "catalog": ("bms", "bms", "/v1/{p}"),
        "routes": (("POST", "/v1/{p}/baremetalservers", "bms_create"), ("POST", "/v1/{p}/baremetalservers/delete", "bms_delete")),
        "bad_request": ("BMS.0001", "The request body must be {\"server\": {\"name\": ...}}."),
        "statuses": ("INIT", "RUNNING", "SUCCESS", "FAIL"), "id_style": "hex", "time_format": "iso_fraction",
        "end_time_pending": "null", "job_type": "baremetalBatchCreate", "sub_job_type": "baremetalSingleCreate",
        "keys": _ECS_KEYS, "failure_fields": True,
        # entities.sub_jobs_total is 0 when there are none: the empty list is shown by default.
        "sub_jobs_at": "entities_total", "sub_jobs_empty": "list", "resource": "server_id", "resource_default": "leaf",
        "failure": ("BMS.0017", "EIP quota"),
        # A missing job is not documented: answered like ECS (inferred).
        "not_found": (400, "Common.0011", "Failed to query system tasks. (Invalid job ID.)"), "error_shape": "nested",
    }),
    ("vbs", {
        "shape": "v1", "job_path": "/v1/{p}/jobs/{id}", "catalog": ("vbsv2", "vbsv2", "/v2/{p}"),
        # Deleting a backup is POST /v2/{p}/cloudbackups/{backup_id} (as documented), answered with a job.
        "routes": (("POST", "/v2/{p}/cloudbackups", "vbs_create"), ("POST", "/v2/{p}/cloudbackups/{rid}", "vbs_delete")),
        "bad_request": ("VBS.0001", "The request body must be {\"backup\": {\"volume_id\": ..., \"name\": ...}}."),
        "statuses": ("INIT", "RUNNING", "SUCCESS", "FAIL"), "id_style": "hex", "time_format": "iso_fraction",
        "end_time_pending": "null", "job_type": "bksCreateBackup", "sub_job_type": None, "keys": _ELB_KEYS,
        # Top-level sub_jobs; the documented example has none and no "sub_jobs" key (sub_jobs_empty shows the others).
        "sub_jobs_at": "top", "sub_jobs_empty": "absent", "resource": "backup_id", "resource_default": "leaf",
        # The documented example's entities: backup_id, volume_id, snapshot_id.
        "entity_defaults": (("volume_id", "uuid"), ("snapshot_id", "uuid")), "entity_defaults_for": "resource",
        "failure": ("VBS.0005", "Failed to create the backup."),  # code chosen by the emulator
        # Lower-case "common.0011" as documented; the HTTP status is not documented (400 inferred).
        "not_found": (400, "common.0011", "Failed to query the task."), "error_shape": "nested",
    }),
    ("cce", {
        "shape": "cce", "job_path": "/api/v3/projects/{p}/jobs/{id}", "catalog": ("ccev2.0", "ccev2.0", ""),
        "routes": (("POST", "/api/v3/projects/{p}/clusters", "cce_create"),
                   ("DELETE", "/api/v3/projects/{p}/clusters/{rid}", "cce_delete")),
        "statuses": ("Initializing", "Running", "Success", "Failed"), "id_style": "uuid", "time_format": "go_utc",
        "end_time_pending": "null", "job_type": "CreateCluster", "sub_job_type": ("InstallMaster", "CreatePSMCert"),
        # As the documented example: spec.resourceName and extendParam on the job, a resourceID on each sub-job.
        "sub_jobs_at": "cce", "sub_jobs_empty": "absent", "resource": "resourceID", "resource_default": "all",
        "entity_defaults": (("resourceName", "name"), ("extendParam", "server")), "entity_defaults_for": "top",
        "failure": (None, "Failed to create the cluster: insufficient quota."),  # status.reason only, no code
        # The documented answer for any missing resource; for a job it is inferred.
        "not_found": (404, "CCE.01404001", "Resource not found."), "error_shape": "cce",
        "bad_request": ("EMU.400", "The request body must be a Cluster with metadata.name."),
    }),
    ("rds", {
        "shape": "task", "job_path": "/v3/{p}/jobs?id={id}", "catalog": ("rdsv3", "rdsv3", "/v3/{p}"),
        "routes": (("POST", "/v3/{p}/instances", "rds_create"), ("DELETE", "/v3/{p}/instances/{rid}", "rds_delete")),
        "statuses": (None, "Running", "Completed", "Failed"), "id_style": "uuid", "time_format": "utc_compact",
        "end_time_pending": "absent",  # the documented running example has no "ended"
        "job_type": "CreateMysqlSingleHAInstance", "sub_job_type": None,
        "created_key": "created", "ended_key": "ended", "progress_key": "process", "has_entities": True,
        "fail_reason": "failed",  # fail_reason only on failure
        "sub_jobs_at": None, "sub_jobs_empty": "absent", "resource": "instance.id", "resource_default": "top",
        "instance_suffix": "in01",
        "failure": (None, "createVM failed."),
        "not_found": (400, "DBS.200543", "The job does not exist."), "error_shape": "flat",
        "bad_request": ("EMU.400", "The request body must have a non-empty name."),
    }),
    ("dds", {
        "shape": "task", "job_path": "/v3/{p}/jobs?id={id}", "catalog": ("ddsv3", "ddsv3", "/v3/{p}"),
        "routes": (("POST", "/v3/{p}/instances", "dds_create"), ("DELETE", "/v3/{p}/instances/{rid}", "dds_delete")),
        "statuses": (None, "Running", "Completed", "Failed"), "id_style": "uuid", "time_format": "utc_compact",
        "end_time_pending": "now",  # the documented running example carries "ended"
        "job_type": "Create_MongoDB", "sub_job_type": None,
        "created_key": "created", "ended_key": "ended", "progress_key": "progress", "has_entities": False,
        "fail_reason": "always",  # null unless the task failed
        "sub_jobs_at": None, "sub_jobs_empty": "absent", "resource": "instance.id", "resource_default": "top",
        "instance_suffix": "in02",
        "failure": (None, "Failed to create the DB instance."),  # reason chosen by the emulator
        # A missing job is not documented: RDS's answer (inferred).
        "not_found": (400, "DBS.200543", "The job does not exist."), "error_shape": "flat",
        "bad_request": ("EMU.400", "The request body must have a non-empty name."),
    }),
    ("ddm", {
        # Catalog type ddmv3 from the SDKs, not from an OTC endpoint list; its URL form is inferred.
        "shape": "task", "job_path": "/v3/{p}/jobs/{id}", "catalog": ("ddmv3", "ddmv3", "/v3/{p}"),
        # Instances are created and deleted with the v1 API (gopher ddm/v1), which answers job_id.
        "routes": (("POST", "/v1/{p}/instances", "ddm_create"), ("DELETE", "/v1/{p}/instances/{rid}", "ddm_delete")),
        "bad_request": ("DBS.280001", "The request body must be {\"instance\": {\"name\": ...}}."),
        "statuses": (None, "Running", "Completed", "Failed"), "id_style": "uuid", "time_format": "cet_compact",
        "end_time_pending": "now",  # the documented running example carries "end_time"
        "job_type": "CreateInstance", "sub_job_type": None,
        "created_key": "created_time", "ended_key": "end_time", "progress_key": "process", "has_entities": False,
        "fail_reason": None,  # DDM documents no failure field
        "sub_jobs_at": None, "sub_jobs_empty": "absent", "resource": "instance.id", "resource_default": "top",
        "instance_suffix": "in09",
        "failure": (None, None),
        # A missing job is not documented: DBS.300120 ("Failed to obtain task information.", 400) is the closest
        # code (inferred), in DDM's documented error body {errCode, externalMessage} (abnormal_request_results).
        "not_found": (400, "DBS.300120", "Failed to obtain task information."), "error_shape": "ddm",
    }),
])

SERVICES = tuple(FAMILIES)
ROUTES = (("iam", "iam_projects")
          + tuple(route[2] for family in FAMILIES.values() for route in family.get("routes", ()))
          + tuple(service + "_job" for service in SERVICES)
          + ("unknown",))
TIME_FORMATS = ("ms", "s", "ms_string", "iso_z", "iso_fraction", "offset_colon", "offset_compact", "utc_compact",
                "cet_compact", "go_utc", "empty", "null")
DEFAULT_TIME_FORMAT = {service: family["time_format"] for service, family in FAMILIES.items()}
SUB_JOBS_EMPTY = ("absent", "null", "empty_string", "list")
END_TIME_PENDING = ("null", "absent", "empty", "now")
