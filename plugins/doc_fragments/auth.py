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
      - Name of an entry in C(clouds.yaml) to take credentials, region and TLS settings from.
      - Searched in C(OS_CLIENT_CONFIG_FILE), C(./), C(~/.config/openstack/) and C(/etc/openstack/); C(secure.yaml) is merged over it.
      - Falls back to the E(OS_CLOUD) environment variable.
    type: str
  auth:
    description:
      - Credentials and scope. Keys given here win over the O(cloud) entry, which wins over the E(OS_*) environment variables.
    type: dict
    suboptions:
      auth_url:
        description:
          - IAM v3 endpoint. Defaults to C(https://iam.{region}.otc.t-systems.com/v3) (C(iam-pub.eu-ch2.sc...) for eu-ch2).
          - Falls back to E(OS_AUTH_URL).
        type: str
      username:
        description: User name for password authentication (E(OS_USERNAME)).
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
      project_name:
        description:
          - Project to scope the token to, for example C(eu-de_myproject) (E(OS_PROJECT_NAME)).
          - Its prefix also gives the default region.
        type: str
      project_id:
        description:
          - Project id (E(OS_PROJECT_ID)). Fills the job URL; required with token and AK/SK authentication.
        type: str
      token:
        description: A ready IAM token, used with O(auth.project_id) (E(OS_AUTH_TOKEN)). Never logged or returned.
        type: str
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
  auth_type:
    description:
      - How to authenticate. Inferred when absent, from the first of O(auth), O(cloud) and the environment that holds
        credentials (AK/SK, then token, then password).
    type: str
    choices: [password, token, aksk]
  region_name:
    description:
      - Region, used for default URLs and catalog look-ups. Falls back to the O(cloud) entry, E(OS_REGION_NAME),
        the prefix of O(auth.project_name), then C(eu-de).
    type: str
    aliases: [region]
  endpoint:
    description:
      - API root of the service, for example C(https://elb.eu-de.otc.t-systems.com). A trailing C(/v1.0/{project_id}) or
        C(/v3/{project_id}) is recognised. Skips discovery.
      - Without it, password authentication takes the endpoint from the token catalog; token and AK/SK authentication use
        C(https://{service}.{region}.otc.t-systems.com).
    type: str
  validate_certs:
    description: Verify TLS certificates. Defaults to true (or the O(cloud) entry's C(verify)).
    type: bool
  ca_cert:
    description: CA bundle to verify TLS certificates with (or the O(cloud) entry's C(cacert), or E(OS_CACERT)).
    type: path
  api_timeout:
    description: Seconds each HTTP request may take. Defaults to the O(cloud) entry's C(api_timeout), else 30.
    type: float
  token_cache:
    description:
      - Cache IAM tokens of password authentication in C($XDG_CACHE_HOME/otc.jobs/) (or C(~/.cache/otc.jobs/)), private
        files reused until five minutes before expiry, so a play of many tasks asks IAM once.
    type: bool
    default: true
notes:
  - Credentials sent over plain C(http://) to a host that is not a loopback address draw a warning.
requirements:
  - requests
'''

    JOBS = r'''
options:
  service:
    description:
      - C(elb) for classic ELB v1.0 jobs (C(GET /v1.0/{project_id}/jobs/{job_id})), C(cfw) for Cloud Firewall v3 jobs
        (C(GET /v3/{project_id}/jobs/{job_id})).
    type: str
    required: true
    choices: [elb, cfw]
  job_id:
    description:
      - One job id, 1-64 letters, digits, C(-) or C(_). Anything else fails before any request is sent.
      - Exactly one of O(job_id) and O(job_ids) is required.
    type: str
  job_ids:
    description:
      - Several job ids of the same service; results come back in the same order.
    type: list
    elements: str
'''

    # Extra configuration sources for plugins (lookup): merged into the options above.
    PLUGINS = r'''
options:
  cloud:
    env:
      - name: OS_CLOUD
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
    env:
      - name: OS_REGION_NAME
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
