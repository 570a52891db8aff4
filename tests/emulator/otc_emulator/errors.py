"""Error bodies: IAM's, the API gateway's and each family's (``FAMILIES[...]["error_shape"]``)."""

import collections
import uuid

from .families import FAMILIES


def iam_error(status, message):
    titles = {400: "Bad Request", 401: "Unauthorized"}
    return status, {"error": {"code": status, "message": message, "title": titles[status]}}, {}


def apigw_error(status, code, message):
    return status, {"error_msg": message, "error_code": code, "request_id": uuid.uuid4().hex}, {}


# How each family writes an error body (FAMILIES[...]["error_shape"]).
_ERROR_SHAPES = {
    "nested": lambda code, message: {"error": collections.OrderedDict([("message", message), ("code", code)])},
    "flat": lambda code, message: collections.OrderedDict([("error_code", code), ("error_msg", message)]),
    "cce": lambda code, message: collections.OrderedDict([("errorCode", code), ("errorMessage", message)]),
    "ddm": lambda code, message: collections.OrderedDict([("errCode", code), ("externalMessage", message)]),
}


def family_error(service, status, code, message):
    return status, _ERROR_SHAPES[FAMILIES[service]["error_shape"]](code, message), {}


def elb_error(status, code, message):
    return status, {"error": {"message": message, "code": code}}, {}
