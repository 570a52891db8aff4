# -*- coding: utf-8 -*-
# Copyright (c) otc.jobs contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    DOCUMENTATION = r'''
options:
  cloud:
    description:
      - The C(clouds.yaml) entry to take credentials, region and TLS settings from, by name, or the entry itself as a
        dictionary (as M(openstack.cloud.server) and friends accept it).
      - Files are found and read exactly as openstacksdk does - E(OS_CLIENT_CONFIG_FILE), else the first of C(./),
        C($XDG_CONFIG_HOME/openstack/) (default C(~/.config/openstack/)), C(/etc/xdg/openstack/) and C(/etc/openstack/)
        holding C(clouds.yaml), C(clouds.yml) or C(clouds.json); C(secure.yaml) (or E(OS_CLIENT_SECURE_FILE)) is merged
        over it key by key; a C(regions) list gives the default region; the vendor C(profile) V(otc) is known.
      - The file AWX writes for its OpenStack credential (named by E(OS_CLIENT_CONFIG_FILE)) works as it is.
      - Falls back to the E(OS_CLOUD) environment variable. When no cloud is named at all, the E(OS_*) environment
        variables form the cloud; for a named cloud they are ignored, as openstacksdk ignores them.
      - A cloud entry may hold AK/SK at its top level (C(ak), C(sk), C(security_token)), as otcextensions writes them.
      - Reading a file needs the PyYAML Python library on the host that runs the task.
    type: raw
  auth:
    description:
      - Credentials and scope. Keys given here win over the O(cloud) entry key by key.
      - Other keys that M(openstack.cloud.server) users share across tasks through C(module_defaults) are accepted, and
        those that do not apply draw one warning that names them.
    type: dict
    suboptions:
      auth_url:
        description:
          - IAM v3 endpoint. Defaults to C(https://iam.{region}.otc.t-systems.com/v3) (C(iam-pub.eu-ch2.sc...) for eu-ch2).
          - An C(http(s)://host[:port][/path]) URL without query, fragment or credentials.
          - E(OS_AUTH_URL) when the environment forms the cloud.
        type: str
      project_name:
        description:
          - Project to scope the token to, for example C(eu-de_myproject) (E(OS_PROJECT_NAME)).
          - Its prefix also gives the default region. With AK/SK and no O(auth.project_id), its id is looked up once at IAM.
        type: str
      project_id:
        description:
          - Project id (E(OS_PROJECT_ID)), 1-64 letters, digits, C(-) or C(_). Fills the job URL; required with token
            authentication.
        type: str
      project_domain_name:
        description: Domain of O(auth.project_name) when it is not the user's (it always is on OTC).
        type: str
      project_domain_id:
        description: Domain id of O(auth.project_name) when it is not the user's.
        type: str
      # begin generated auth-method-options
      ak:
        description: Access key for AK/SK request signing (E(OS_ACCESS_KEY)).
        type: str
        aliases: [access_key]
      sk:
        description: Secret key for AK/SK request signing (E(OS_SECRET_KEY)). Never logged or returned.
        type: str
        aliases: [secret_key]
      security_token:
        description: Security token of temporary AK/SK credentials (E(OS_SECURITY_TOKEN)). Never logged or returned.
        type: str
      token:
        description: A ready IAM token, used with O(auth.project_id) (E(OS_AUTH_TOKEN)). Never logged or returned.
        type: str
      username:
        description: User name for password authentication (E(OS_USERNAME)).
        type: str
      user_id:
        description: User id for password authentication, instead of O(auth.username) and its domain.
        type: str
      password:
        description: Password for password authentication (E(OS_PASSWORD)). Never logged or returned.
        type: str
      user_domain_name:
        description: The account (domain) name, for example C(OTC00000000001000000xxx) (E(OS_USER_DOMAIN_NAME)).
        type: str
        aliases: [domain_name]
      user_domain_id:
        description: The account (domain) id, instead of O(auth.user_domain_name) (E(OS_USER_DOMAIN_ID)).
        type: str
        aliases: [domain_id]
      # end generated auth-method-options
      default_domain_id:
        description: Accepted for shared openstack.cloud settings; not used (one warning names it).
        type: str
      default_domain_name:
        description: Accepted for shared openstack.cloud settings; not used (one warning names it).
        type: str
      system_scope:
        description: Accepted for shared openstack.cloud settings; not used (one warning names it).
        type: str
      trust_id:
        description: Accepted for shared openstack.cloud settings; not used (one warning names it).
        type: str
  auth_type:
    description:
      - How to authenticate. V(v3password) and V(v3token) are the openstack.cloud spellings of V(password) and V(token).
      - Inferred when absent, from the first of O(auth) and the cloud that holds credentials (AK/SK, then token, then
        password).
    type: str
    # begin generated auth-type-choices
    choices: [aksk, ak/sk, ak_sk, token, v3token, admin_token, password, v3password]
    # end generated auth-type-choices
  region_name:
    description:
      - Region, used for default URLs and catalog look-ups, such as C(eu-de) or C(eu-nl). Falls back to the cloud's
        C(region_name) (or the first of its C(regions)), the prefix of O(auth.project_name), then C(eu-de).
    type: str
    aliases: [region]
  endpoint:
    description:
      - API root of the service, for example C(https://ecs.eu-de.otc.t-systems.com). A trailing API version and project
        (C(/v1/{project_id}), C(/v2/{project_id}), C(/v3)) is recognised and replaced by the job API's. Skips discovery.
      - An C(http(s)://host[:port][/path]) URL without query, fragment or credentials.
      - Without it, password authentication takes the endpoint from the token catalog; token and AK/SK authentication use
        C(https://{service}.{region}.otc.t-systems.com).
    type: str
  interface:
    description:
      - Which catalog endpoint to use. OTC catalogs list public endpoints; accepted so that shared openstack.cloud
        settings work. Defaults to the cloud's C(interface), else V(public).
    type: str
    choices: [public, internal, admin]
    aliases: [endpoint_type]
  validate_certs:
    description:
      - Verify TLS certificates. Defaults to true (or the cloud's C(verify)).
      - Wins over E(REQUESTS_CA_BUNDLE) and E(CURL_CA_BUNDLE). V(false) draws one warning.
    type: bool
    aliases: [verify]
  ca_cert:
    description:
      - CA bundle to verify TLS certificates with (or the cloud's C(cacert)). Wins over E(REQUESTS_CA_BUNDLE) and
        E(CURL_CA_BUNDLE). A path that is not a readable file fails the task.
    type: path
    aliases: [cacert]
  api_timeout:
    description:
      - Seconds each HTTP request may take, all of it - resolving the host name, connecting, waiting and reading the
        answer. Defaults to the cloud's C(api_timeout), else 30.
      - Greater than 0 and at most 86400 (one day); a value outside fails before any request is sent.
    type: float
  token_cache:
    description:
      - Cache IAM tokens of password authentication in C($XDG_CACHE_HOME/otc.jobs/) (or C(~/.cache/otc.jobs/)), private
        files reused until five minutes before expiry, so a play of many tasks asks IAM once. A cached token is only
        used with the password it was issued for. AK/SK project ids looked up by name are cached there too.
    type: bool
    default: true
notes:
  - Every secret (password, tokens, secret keys, the token IAM issues, credentials in URLs), from any source, is kept out
    of results, messages and warnings, even when an API echoes it back.
  - Credentials sent over plain C(http://) to a host that is not a loopback address draw a warning.
requirements:
  - requests
  - PyYAML, to read C(clouds.yaml)
'''

    JOBS = r'''
options:
  service:
    type: str
    required: true
    description:
      - The service whose job API answers for the job ids. Each service has its own endpoint (several share a path and
        differ only by host), found from O(endpoint), the token catalog or C(https://{service}.{region}.otc.t-systems.com).
      - A new rds or dds job can be "not found" for a few seconds (see O(otc.jobs.job_wait#module:not_found_timeout)).
    # begin generated service-option
      - V(elb) classic Elastic Load Balance v1.0 (C(GET /v1.0/{project_id}/jobs/{job_id})) - load balancer create and
        delete.
      - V(cfw) Cloud Firewall v3 (C(GET /v3/{project_id}/jobs/{job_id})) - firewall operations.
      - V(ecs) Elastic Cloud Server (C(GET /v1/{project_id}/jobs/{job_id})) - server create and delete, batch
        operations, NICs.
      - V(evs) Elastic Volume Service (C(GET /v1/{project_id}/jobs/{job_id})) - volume create, extend and delete.
      - V(ims) Image Management Service (C(GET /v1/{project_id}/jobs/{job_id})) - image create, import, export, copy.
      - V(bms) Bare Metal Server (C(GET /v1/{project_id}/jobs/{job_id})) - server create, operations, volumes.
      - V(vbs) Volume Backup Service (C(GET /v1/{project_id}/jobs/{job_id})) - backup create and restore.
      - V(cce) Cloud Container Engine v3 (C(GET /api/v3/projects/{project_id}/jobs/{job_id})) - cluster and node create
        and delete.
      - V(rds) Relational Database Service v3 (C(GET /v3/{project_id}/jobs?id={job_id})) - instance create, resize,
        delete.
      - V(dds) Document Database Service v3 (C(GET /v3/{project_id}/jobs?id={job_id})) - instance operations.
      - V(ddm) Distributed Database Middleware v3 (C(GET /v3/{project_id}/jobs/{job_id})) - instance create and delete.
    choices: [elb, cfw, ecs, evs, ims, bms, vbs, cce, rds, dds, ddm]
    # end generated service-option
  job_id:
    description:
      - One job id, 1-64 letters, digits, C(-) or C(_). Anything else fails before any request is sent.
      - Exactly one of O(job_id) and O(job_ids) is required.
    type: str
  job_ids:
    description:
      - Several job ids of the same service; results come back in the same order.
      - They are read in parallel, at most 64 requests in flight (M(otc.jobs.job_wait) - its O(otc.jobs.job_wait#module:max_concurrency));
        the number in flight adapts to the API, growing while answers come back healthy and shrinking on HTTP 429, 503
        and timeouts.
      - M(otc.jobs.job_info) gives each read its own limit of 2 x O(api_timeout) (retries included) and the whole task
        2 x O(api_timeout) for every 64 ids begun (2 x O(api_timeout) x ceil(ids / 64)); a failure says how many of the
        jobs were read by then.
    type: list
    elements: str
  return_raw:
    description:
      - Whether each returned job (and each sub-job) carries RV(job.raw), the API body exactly as received.
      - V(false) leaves it out, which keeps the results of large waits small (a body can be up to 8 MiB); every other
        key stays.
    type: bool
    default: true
    version_added: 0.3.0
notes:
  - Lists are bounded. A job keeps at most 1000 sub-jobs per level and 1000 items of each list directly inside
    C(entities); where a list was cut, the job also has C(sub_jobs_total) and C(truncated) (each cut list with its full
    length). C(error) code and message and C(job_type) are cut at 4000 characters. C(raw) keeps the body whole.
  - Text from the API (reasons, codes, job types, ids) is made safe before it is printed in a message, warning or
    progress line - control characters (escape sequences, carriage returns, backspaces, NUL) and bidirectional
    overrides become visible escapes such as C(\x1b) or C(\u202e). Messages are cut at 4000 characters and warnings
    and progress lines at 1000, ending in C(… N more characters). Results keep the data as received.
'''

    # Extra configuration sources for plugins (lookup): merged into the options above.
    PLUGINS = r'''
options:
  cloud:
    ini:
      - section: otc_jobs
        key: cloud
    vars:
      - name: otc_jobs_cloud
  auth:
    vars:
      - name: otc_jobs_auth
  auth_type:
    ini:
      - section: otc_jobs
        key: auth_type
    vars:
      - name: otc_jobs_auth_type
  region_name:
    ini:
      - section: otc_jobs
        key: region_name
    vars:
      - name: otc_jobs_region_name
  endpoint:
    ini:
      - section: otc_jobs
        key: endpoint
    vars:
      - name: otc_jobs_endpoint
  interface:
    ini:
      - section: otc_jobs
        key: interface
    vars:
      - name: otc_jobs_interface
  validate_certs:
    ini:
      - section: otc_jobs
        key: validate_certs
    vars:
      - name: otc_jobs_validate_certs
  ca_cert:
    ini:
      - section: otc_jobs
        key: ca_cert
    vars:
      - name: otc_jobs_ca_cert
  api_timeout:
    ini:
      - section: otc_jobs
        key: api_timeout
    vars:
      - name: otc_jobs_api_timeout
  token_cache:
    ini:
      - section: otc_jobs
        key: token_cache
    vars:
      - name: otc_jobs_token_cache
'''

    ATTRIBUTES = r'''
attributes:
  action:
    description: Indicates this has a corresponding action plugin so some parts of the options can be executed on the controller.
    support: full
    details:
      - Where the task runs on the controller (connection C(local), no C(async), no C(become)), the action plugin runs the
        module's code in the controller process, with progress lines; elsewhere it executes the module.
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details: Read only; it queries (and waits) in check mode exactly as without it.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: none
  action_group:
    description: Use C(group/otc.jobs.otc) in C(module_defaults) to set defaults for this module.
    support: full
    membership: [otc.jobs.otc]
'''
