"""The preloaded account: domain, user, projects, static token and access keys (tests import these)."""

DOMAIN_NAME = "OTC00000000001000000001"
DOMAIN_ID = "d0000000000000000000000000000001"
USER_NAME = "demo"
USER_PASSWORD = "demo-password"
USER_ID = "a1b2c3d4e5f60718293a4b5c6d7e8f90"
PROJECT_NAME = "eu-de_demo"
PROJECT_ID = "0123456789abcdef0123456789abcdef"
REGION = "eu-de"
OTHER_PROJECT_NAME = "eu-nl_other"
OTHER_PROJECT_ID = "fedcba9876543210fedcba9876543210"
OTHER_REGION = "eu-nl"
PROJECTS = {
    PROJECT_ID: {"name": PROJECT_NAME, "region": REGION},
    OTHER_PROJECT_ID: {"name": OTHER_PROJECT_NAME, "region": OTHER_REGION},
}

STATIC_TOKEN = "emulator-static-token"

ACCESS_KEY = "AKEMULATOR0000000001"
SECRET_KEY = "skemulator0000000000000000000000000000001"
TEMP_ACCESS_KEY = "AKTEMPORARY000000001"
TEMP_SECRET_KEY = "sktemporary0000000000000000000000000000001"
SECURITY_TOKEN = "emulator-security-token"
# access key -> (secret key, security token required for temporary keys or None)
ACCESS_KEYS = {
    ACCESS_KEY: (SECRET_KEY, None),
    TEMP_ACCESS_KEY: (TEMP_SECRET_KEY, SECURITY_TOKEN),
}
