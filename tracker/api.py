"""The API's glue: one error shape everywhere, DomainError mapped to HTTP."""

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from tracker.exceptions import Conflict, DomainError, Misuse, NotAllowed, ValidationFailed


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "The resource changed since the ETag you sent (If-Match)."
    default_code = "precondition_failed"


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "payload_too_large"


class IdempotencyConflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "A request with this Idempotency-Key is still in progress; retry later."
    default_code = "idempotency_key_in_progress"


class IdempotencyShownOnce(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = (
        "The first response to this Idempotency-Key carried a secret, which is shown only once: "
        "it is not replayed. The request did succeed; rotate the secret if it was lost."
    )
    default_code = "secret_shown_once"


class IdempotencyMismatch(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = "This Idempotency-Key was used with another request."
    default_code = "idempotency_key_reused"


# What went wrong -> the HTTP status: the one place a refusal becomes a status. The first
# kind the exception is an instance of wins.
DOMAIN_STATUSES: tuple[tuple[type[DomainError], int], ...] = (
    (ValidationFailed, status.HTTP_400_BAD_REQUEST),
    (NotAllowed, status.HTTP_403_FORBIDDEN),
    (Conflict, status.HTTP_409_CONFLICT),
    (Misuse, status.HTTP_500_INTERNAL_SERVER_ERROR),
    (DomainError, status.HTTP_400_BAD_REQUEST),
)


def domain_status(exc: DomainError) -> int:
    return next(code for kind, code in DOMAIN_STATUSES if isinstance(exc, kind))


def _codes(detail) -> str:
    if isinstance(detail, exceptions.ErrorDetail):
        return detail.code
    return "invalid"


def exception_handler(exc, context):
    """Render every error as {"detail", "code"} plus "fields" for field errors."""
    if isinstance(exc, DomainError):
        body = {"detail": exc.message, "code": exc.code}
        if isinstance(exc, ValidationFailed):
            body["fields"] = exc.fields
        return Response(body, status=domain_status(exc))
    if isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge()
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    if isinstance(exc, exceptions.ValidationError):
        fields = data if isinstance(data, dict) else {"non_field_errors": data}
        first = next(iter(fields.values()), [""])
        first = first[0] if isinstance(first, list) and first else first
        response.data = {
            "detail": "Invalid input.",
            "code": "invalid",
            "fields": fields,
        }
        if isinstance(first, exceptions.ErrorDetail):
            response.data["detail"] = f"Invalid input: {first}"
    elif isinstance(data, dict) and "detail" in data:
        response.data = {"detail": str(data["detail"]), "code": _codes(data["detail"])}
    return response
