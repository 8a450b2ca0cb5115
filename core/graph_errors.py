"""Microsoft Graph-style error bodies, {"error": {"code", "message"}}, for every API endpoint."""
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

_CODES = {
    400: "Request_BadRequest",
    401: "InvalidAuthenticationToken",
    403: "Authorization_RequestDenied",
    404: "Request_ResourceNotFound",
    405: "Request_BadRequest",
    409: "Request_Conflict",
    415: "Request_BadRequest",
    429: "TooManyRequests",
}


class ApiError(exceptions.APIException):
    """Raise with an HTTP status, a Graph error code and a message naming what is wrong."""

    def __init__(self, message, *, code="Request_BadRequest", status_code=400):
        super().__init__(message)
        self.status_code = status_code
        self.graph_code = code
        self.message = message


def error_response(message, *, code="Request_BadRequest", status_code=400):
    return Response({"error": {"code": code, "message": message}}, status=status_code)


def _flatten(detail, prefix=""):
    if isinstance(detail, dict):
        out = []
        for key, value in detail.items():
            name = "" if key in ("non_field_errors", "__all__") else key
            out.extend(_flatten(value, f"{prefix}.{name}" if prefix and name else (name or prefix)))
        return out
    if isinstance(detail, list):
        out = []
        for item in detail:
            out.extend(_flatten(item, prefix))
        return out
    return [f"{prefix}: {detail}" if prefix else str(detail)]


def graph_exception_handler(exc, context):
    if isinstance(exc, ApiError):
        return error_response(exc.message, code=exc.graph_code, status_code=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        return error_response("; ".join(_flatten(detail)), status_code=400)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound("The resource was not found.")
    response = exception_handler(exc, context)
    if response is None:
        return None
    code = _CODES.get(response.status_code, "generalException")
    if isinstance(exc, exceptions.NotAuthenticated):
        message = "Access token is empty."
    else:
        message = "; ".join(_flatten(getattr(exc, "detail", str(exc))))
    response.data = {"error": {"code": code, "message": message}}
    if response.status_code == status.HTTP_403_FORBIDDEN and isinstance(exc, exceptions.NotAuthenticated):
        response.status_code = 401
    return response
