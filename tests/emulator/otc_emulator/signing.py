"""AK/SK (SDK-HMAC-SHA256) verification: the emulator's own implementation, independent of the collection's signer."""

import datetime
import hashlib
import hmac
import re
from urllib.parse import quote, unquote, unquote_plus

from .account import ACCESS_KEYS, PROJECTS
from .errors import apigw_error


SDK_ALGORITHM = "SDK-HMAC-SHA256"
SDK_DATE_FORMAT = "%Y%m%dT%H%M%SZ"
SDK_MAX_SKEW = 15 * 60


def _sdk_quote(text):
    # Only unreserved characters and "~" stay as they are.
    return quote(text, safe="~")


def canonical_uri(path):
    """Percent-encode each (decoded) segment of ``path``; the result always ends in '/'."""
    uri = "/".join(_sdk_quote(segment) for segment in unquote(path).split("/"))
    return uri if uri.endswith("/") else uri + "/"


def canonical_query(query):
    """Sort the decoded query pairs by key then value and re-encode them as k=v joined by '&'."""
    pairs = []
    for part in query.split("&"):
        if part:
            key, dummy, value = part.partition("=")
            pairs.append((unquote_plus(key), unquote_plus(value)))
    return "&".join("%s=%s" % (_sdk_quote(key), _sdk_quote(value)) for key, value in sorted(pairs))


def canonical_request(method, path, query, headers, signed_headers, body_hash):
    """``headers`` maps lowercase names to received values; ``signed_headers`` is the ordered name list."""
    header_block = "".join("%s:%s\n" % (name, headers[name].strip()) for name in signed_headers)
    return "\n".join([method.upper(), canonical_uri(path), canonical_query(query), header_block,
                      ";".join(signed_headers), body_hash])


def sdk_signature(secret_key, sdk_date, canonical):
    """Hex HMAC-SHA256 keyed with the SK over the string to sign of ``canonical``."""
    string_to_sign = "\n".join([SDK_ALGORITHM, sdk_date, hashlib.sha256(canonical.encode("utf-8")).hexdigest()])
    return hmac.new(secret_key.encode("utf-8"), string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


_AUTHORIZATION_RE = re.compile(
    r"^SDK-HMAC-SHA256\s+Access=([^,\s]+)\s*,\s*SignedHeaders=([^,\s]+)\s*,\s*Signature=([0-9a-fA-F]+)\s*$")


def verify_signature(request, authorization, server_time):
    """None when the SDK-HMAC-SHA256 signature of ``request`` holds and may reach the URL's project, else an APIGW error.

    ``server_time`` (epoch seconds) is the emulator clock's: the signed date must be within 15 minutes of it.
    """
    def refuse(reason):
        return apigw_error(401, "APIGW.0301", "Incorrect IAM authentication information: " + reason)
    match = _AUTHORIZATION_RE.match(authorization)
    if not match:
        return refuse("malformed Authorization header, expected 'SDK-HMAC-SHA256 Access=..., SignedHeaders=..., Signature=...'")
    access_key, signed, signature = match.groups()
    if access_key not in ACCESS_KEYS:
        return refuse("get secretKey failed, ak:%s" % access_key)
    secret_key, security_token = ACCESS_KEYS[access_key]
    signed_headers = signed.split(";")
    if signed_headers != sorted(set(name.lower() for name in signed_headers)):
        return refuse("SignedHeaders must be unique lowercase names in sorted order")
    for required in ("host", "x-sdk-date") + (("x-security-token",) if security_token else ()):
        if required not in signed_headers:
            return refuse("%s must be signed" % required)
    headers = {}
    for name in signed_headers:
        value = request.header(name)
        if value is None:
            return refuse("signed header %s not found" % name)
        headers[name] = value
    try:
        sdk_date = datetime.datetime.strptime(headers["x-sdk-date"], SDK_DATE_FORMAT).replace(tzinfo=datetime.timezone.utc)
    except ValueError:
        return refuse("x-sdk-date must look like 20261122T104000Z")
    if abs(server_time - sdk_date.timestamp()) > SDK_MAX_SKEW:
        return refuse("the request time is more than 15 minutes away from the server time (x-sdk-date)")
    if security_token and not hmac.compare_digest(headers["x-security-token"].encode("utf-8"), security_token.encode("utf-8")):
        return refuse("the security token is invalid")
    if request.header("x-sdk-content-sha256") == "UNSIGNED-PAYLOAD":
        body_hash = "UNSIGNED-PAYLOAD"
    else:
        body_hash = hashlib.sha256(request.body).hexdigest()
    canonical = canonical_request(request.method, request.path, request.query, headers, signed_headers, body_hash)
    if not hmac.compare_digest(sdk_signature(secret_key, headers["x-sdk-date"], canonical), signature.lower()):
        return refuse("verify aksk signature fail")
    if not request.scoped:
        return None  # IAM's project lookup: any valid signature of the account
    if request.project_id not in PROJECTS:
        return apigw_error(403, "APIGW.0302", "Incorrect IAM authentication information: unknown project %s" % request.project_id)
    project_header = request.header("x-project-id")
    if project_header is not None and project_header != request.project_id:
        return apigw_error(403, "APIGW.0302", "Incorrect IAM authentication information: X-Project-Id does not match the URL's project_id")
    return None
